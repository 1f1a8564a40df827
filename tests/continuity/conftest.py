"""Builders of the continuity tests: CMDB items, and analyses, plans and tests made through the
services, as the app makes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.assets.models import Asset
from app.common.timeutil import add_months, local_today
from app.continuity import services
from app.continuity.models import ImpactArea
from app.extensions import db
from tests import factories


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def make_item(app):
    def build(tag: str, name: str, kind: str = "application") -> Asset:
        item = Asset(tag=tag, name=name, kind=kind, status="in_use", search_text=name.lower())
        db.session.add(item)
        db.session.commit()
        return item

    return build


def analysis_input(item, today, **changes) -> services.AnalysisInput:
    values = {"asset_id": item.id, "rto_hours": 24, "rpo_hours": 24, "mtd_hours": 72,
                  "impacts": {area.column: 3 for area in ImpactArea}, "analysed_on": today - timedelta(days=30),
                  "review_on": add_months(today, 11), "description": "Citizens lodge complaints online."}
    values.update(changes)
    return services.AnalysisInput(**values)


@pytest.fixture
def make_analysis(officer, today, make_item):
    counter = iter(range(1, 1000))

    def build(name: str = "DOTP Ombudsman (Complaints System)", *, owner=None, **changes):
        number = next(counter)
        item = make_item(f"APP-T{number:03}", name)
        analysis = services.create_analysis(analysis_input(item, today, owner_id=(owner or officer).id, **changes),
                                            actor=officer, today=today)
        db.session.commit()
        return analysis

    return build


@pytest.fixture
def make_test(officer, today):
    def build(analysis, *, kind="tabletop", outcome="passed", tested_on=None, findings=(), recovery_minutes=None):
        test = services.record_test(analysis, services.TestInput(
            tested_on=tested_on or today - timedelta(days=10), kind=kind, scenario="Energy supply outage at the "
            "data centre for 12 hours.", outcome=outcome, recovery_minutes=recovery_minutes,
            findings=list(findings)), actor=officer, today=today)
        db.session.commit()
        return test

    return build
