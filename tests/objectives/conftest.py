"""Builders for the objectives tests: metrics, objectives and measurements made through the services."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from app.extensions import db
from app.objectives import services
from app.objectives.models import Metric, Objective
from tests import factories


def make_metric(title: str = "Phishing simulation click rate", *, measurer=None, evaluator=None,
                computation: str | None = None, target: float = 5, direction: str = "lower", unit: str = "%",
                frequency: str = "monthly", headline: bool = False) -> Metric:
    evaluator = evaluator or factories.make_user("security_officer")
    if computation is None and measurer is None:
        measurer = factories.make_user("risk_owner")
    metric = services.create_metric(services.MetricInput(
        title=title, target=target, frequency=frequency, direction=direction, unit=unit,
        description="Staff who clicked the simulated phishing link.", method="Clicks over e-mails delivered.",
        measurer_id=measurer.id if measurer else None, evaluator_id=evaluator.id, computation=computation,
        headline=headline), actor=None)
    db.session.commit()
    return metric


def make_objective(title: str = "Raise staff security awareness", *, owner=None, due_on: date = date(2027, 3, 31),
                   metrics=(), today: date = date(2026, 1, 15)) -> Objective:
    owner = owner or factories.make_user("risk_owner")
    objective = services.create_objective(services.ObjectiveInput(
        title=title, due_on=due_on, owner_id=owner.id, plan="Monthly campaigns and phishing simulations.",
        resources="Campaign budget.", evaluation="The click rate each month against 5%.",
        metric_ids=[metric.id for metric in metrics]), actor=None, today=today)
    db.session.commit()
    return objective


def svg_of(markup: str) -> ET.Element:
    """The chart's SVG as XML (Khusela's own markup: parsing fails on anything not well-formed)."""
    return ET.fromstring(markup)  # noqa: S314  (markup this app drew, in a test)


def measure(metric: Metric, on: date, value: float, actor=None):
    measurement = services.record_measurement(metric, on=on, value=value, note="", actor=actor,
                                              today=date(2026, 12, 31))
    db.session.commit()
    return measurement
