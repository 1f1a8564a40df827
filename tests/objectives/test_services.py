"""Objectives and metrics through their services: the rules, the status history, stale edits,
measurements once per period, and the computed ones."""

from __future__ import annotations

from datetime import date

import pytest

from app.common.models import StaleEditError
from app.extensions import db
from app.objectives import services
from app.objectives.models import Measurement, ObjectiveStatus
from tests import factories
from tests.objectives.conftest import make_metric, make_objective, measure
from tests.pages import audit_entries, only_entry

TODAY = date(2026, 12, 6)


def problems_of(error) -> dict:
    return dict(error.value.problems)


def test_an_objective_needs_what_who_when_and_how_it_is_evaluated(app):
    with pytest.raises(services.ObjectiveRuleError) as error:
        services.create_objective(services.ObjectiveInput(title=" ", due_on=None), actor=None)

    assert set(problems_of(error)) == {"title", "due_on", "plan", "evaluation", "owner_id"}
    assert "27001 6.2" in problems_of(error)["evaluation"]


@pytest.mark.parametrize("role", ["auditor", "hr_officer"])
def test_an_objective_cannot_be_owned_by_a_reader(app, role):
    reader = factories.make_user(role)
    with pytest.raises(services.ObjectiveRuleError) as error:
        services.create_objective(services.ObjectiveInput(title="Awareness", due_on=TODAY, owner_id=reader.id,
                                                          plan="Campaigns", evaluation="Click rate"), actor=None)

    assert "cannot be the owner" in problems_of(error)["owner_id"]


def test_a_new_objective_starts_its_status_history_and_is_audited(app):
    metric = make_metric()
    objective = make_objective(metrics=[metric])

    assert objective.status == "planned" and [m.title for m in objective.metrics] == [metric.title]
    [start] = objective.history
    assert (start.status, start.changed_on, start.note) == ("planned", date(2026, 1, 15), "Objective set.")
    entry, changes = only_entry("create", "objective", objective.id)
    assert changes["metrics"] == [None, [metric.title]] and changes["title"][1] == "Raise staff security awareness"


def test_a_status_change_is_dated_with_who_and_why(app):
    owner = factories.make_user("risk_owner")
    objective = make_objective(owner=owner)

    services.change_status(objective, "at_risk", on=date(2026, 6, 1), note="Campaign paused.",
                           expected_version=objective.version, actor=owner, today=TODAY)
    db.session.commit()

    assert objective.status == "at_risk"
    assert [(c.status, c.changed_on, c.changed_by_id, c.note) for c in objective.history] == [
        ("at_risk", date(2026, 6, 1), owner.id, "Campaign paused."),
        ("planned", date(2026, 1, 15), None, "Objective set.")]
    entry, changes = only_entry("status_changed", "objective", objective.id)
    assert entry.actor_id == owner.id and changes["status"] == ["planned", "at_risk"]


@pytest.mark.parametrize(("status", "on", "note", "field", "words"), [
    ("done", TODAY, "Why", "status", "Choose one of the statuses"),
    ("on_track", TODAY, "  ", "note", "Say why"),
    ("on_track", date(2026, 12, 7), "Why", "on", "cannot be after today"),
    ("on_track", date(2026, 1, 14), "Why", "on", "cannot be dated before it"),
    ("on_track", None, "Why", "on", "Give the date"),
])
def test_a_status_change_is_refused_with_a_reason(app, status, on, note, field, words):
    objective = make_objective()

    with pytest.raises(services.ObjectiveRuleError) as error:
        services.change_status(objective, status, on=on, note=note, expected_version=objective.version, actor=None,
                               today=TODAY)

    assert words in problems_of(error)[field]
    db.session.rollback()
    assert len(objective.history) == 1 and objective.status == "planned"


def test_the_same_status_again_is_a_progress_note_that_makes_open_forms_stale(app):
    objective = make_objective()
    opened = objective.version

    services.change_status(objective, "planned", on=TODAY, note="Budget approved.", expected_version=opened,
                           actor=None, today=TODAY)
    db.session.commit()

    assert len(objective.history) == 2 and objective.version == opened + 1
    with pytest.raises(StaleEditError):
        services.change_status(objective, "on_track", on=TODAY, note="Late.", expected_version=opened, actor=None,
                               today=TODAY)


def test_a_stale_edit_of_an_objective_is_refused(app):
    objective = make_objective()
    opened = objective.version
    data = services.ObjectiveInput(title="Renamed", due_on=TODAY, owner_id=objective.owner_id, plan="p",
                                   evaluation="e")
    services.update_objective(objective, data, expected_version=opened, actor=None)
    db.session.commit()

    with pytest.raises(StaleEditError):
        services.update_objective(objective, data, expected_version=opened, actor=None)


def test_linking_a_metric_alone_moves_the_version(app):
    objective = make_objective()
    metric = make_metric()
    opened = objective.version
    data = services.ObjectiveInput(title=objective.title, due_on=objective.due_on, owner_id=objective.owner_id,
                                   plan=objective.plan, resources=objective.resources,
                                   evaluation=objective.evaluation, metric_ids=[metric.id])

    changes = services.update_objective(objective, data, expected_version=opened, actor=None)
    db.session.commit()

    assert changes == {"metrics": [[], [metric.title]]} and objective.version == opened + 1


# --- metrics ---------------------------------------------------------------------------------------


def test_a_hand_measured_metric_needs_a_method_and_a_measurer(app):
    evaluator = factories.make_user("security_officer")
    with pytest.raises(services.ObjectiveRuleError) as error:
        services.create_metric(services.MetricInput(title="Click rate", target=None, description="Clicks",
                                                    evaluator_id=evaluator.id), actor=None)

    assert set(problems_of(error)) == {"target", "method", "measurer_id"}


def test_a_computed_metric_needs_no_measurer_but_a_known_computation(app):
    metric = make_metric("SoA implemented", computation="soa_implemented", target=80, direction="higher")
    assert metric.measurer_id is None

    with pytest.raises(services.ObjectiveRuleError) as error:
        make_metric("Made up", computation="made_up")
    assert "computations listed" in problems_of(error)["computation"]


def test_metric_titles_are_unique_in_any_case(app):
    make_metric()
    with pytest.raises(services.ObjectiveRuleError) as error:
        make_metric("PHISHING simulation click rate")
    assert "exists already" in problems_of(error)["title"]


def test_how_a_measured_metric_is_measured_cannot_change(app):
    metric = make_metric()
    measure(metric, date(2026, 11, 30), 7.3)
    data = services.MetricInput(title=metric.title, target=5, direction="lower", unit="%", description="d",
                                evaluator_id=metric.evaluator_id, computation="soa_implemented")

    with pytest.raises(services.ObjectiveRuleError) as error:
        services.update_metric(metric, data, expected_version=metric.version, actor=None)
    assert "Set up a new metric" in problems_of(error)["computation"]


# --- measurements ----------------------------------------------------------------------------------


def test_a_measurement_by_hand_fills_its_period_once(app):
    measurer = factories.make_user("risk_owner")
    metric = make_metric(measurer=measurer)

    first = measure(metric, date(2026, 11, 14), 7.3, actor=measurer)

    assert (first.period_start, first.measured_on, first.value, first.computed) == (
        date(2026, 11, 1), date(2026, 11, 14), 7.3, False)
    [entry] = audit_entries("measure", "metric", metric.id)
    assert entry.actor_id == measurer.id and "for Nov 2026: 7.3 %" in entry.summary
    with pytest.raises(services.ObjectiveRuleError) as error:
        measure(metric, date(2026, 11, 30), 8)
    assert problems_of(error)["on"].startswith("Nov 2026 is measured already (7.3 %")


@pytest.mark.parametrize(("on", "value", "field", "words"), [
    (date(2027, 1, 1), 3, "on", "cannot be after today"),
    (None, 3, "on", "Give a date"),
    (date(2026, 11, 1), None, "value", "as a number"),
    (date(2026, 11, 1), float("nan"), "value", "as a number"),
    (date(2026, 11, 1), 1e12, "value", "as a number"),
])
def test_a_bad_measurement_is_refused(app, on, value, field, words):
    metric = make_metric()
    with pytest.raises(services.ObjectiveRuleError) as error:
        services.record_measurement(metric, on=on, value=value, note="", actor=None, today=TODAY)
    assert words in problems_of(error)[field]


def test_a_computed_metric_is_not_recorded_by_hand(app):
    metric = make_metric("SoA implemented", computation="soa_implemented", target=80, direction="higher")
    with pytest.raises(services.ObjectiveRuleError, match="Khusela computes"):
        services.record_measurement(metric, on=TODAY, value=50, note="", actor=None, today=TODAY)


def test_a_computed_measurement_is_recorded_once_per_period(app):
    metric = make_metric("Overdue actions", computation="overdue_treatment_actions", target=0, unit="actions")

    first = services.record_computed(metric, date(2026, 12, 1))
    again = services.record_computed(metric, date(2026, 12, 31))
    next_month = services.record_computed(metric, date(2027, 1, 2))
    db.session.commit()

    assert first is not None and first.computed and first.value == 0.0 and again is None
    assert next_month is not None and next_month.period_start == date(2027, 1, 1)
    assert db.session.query(Measurement).count() == 2


def test_meeting_the_target_depends_on_the_direction(app):
    lower = make_metric(target=5, direction="lower")
    higher = make_metric("Patched in 30 days", target=95, direction="higher")
    assert lower.meets_target(5) and not lower.meets_target(5.1)
    assert higher.meets_target(95) and not higher.meets_target(94.9)


def test_an_objective_is_overdue_only_while_open(app):
    objective = make_objective(due_on=date(2026, 12, 1))
    assert objective.is_overdue(TODAY)
    services.change_status(objective, ObjectiveStatus.ACHIEVED.value, on=TODAY, note="Done.",
                           expected_version=objective.version, actor=None, today=TODAY)
    assert not objective.is_overdue(TODAY)
