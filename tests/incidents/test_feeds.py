"""What the register feeds elsewhere: reminders, the dashboard, the metrics registry, the management
review and the certification-evidence page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.common.timeutil import local_today, utcnow
from app.core import dashboard
from app.extensions import db
from app.incidents import queries, review_inputs, services
from app.isms import artefacts
from app.objectives.computations import COMPUTATIONS
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from tests import factories
from tests.incidents.helpers import reported, triaged


def _recent_breach(officer):
    now = utcnow()
    incident = reported(discovered_at=now - timedelta(days=5))
    return triaged(incident, officer, personal_information_involved=True, personal_information_compromised=True)


def test_reminders_for_untriaged_events_notifications_and_follow_ups(app):
    officer = factories.make_user("security_officer")
    waiting = reported()  # reported in March 2026: before today
    breach = _recent_breach(officer)
    services.add_action(breach, at=utcnow() - timedelta(hours=1), description="Ask the bank for the logs",
                        due_on=local_today() - timedelta(days=1), actor=officer)
    db.session.commit()
    found = reminders.collect(local_today(), kinds=[Kind.INCIDENT_UNTRIAGED, Kind.POPIA_NOTIFICATION,
                                                    Kind.INCIDENT_ACTION])
    by_kind = {reminder.message.kind: reminder for reminder in found}
    assert waiting.reference in by_kind[Kind.INCIDENT_UNTRIAGED].message.title
    assert by_kind[Kind.POPIA_NOTIFICATION].message.title.startswith(f"POPIA notification of {breach.reference} "
                                                                    "overdue since")
    assert officer.id in by_kind[Kind.POPIA_NOTIFICATION].user_ids
    assert "Follow-up" in by_kind[Kind.INCIDENT_ACTION].message.title


def test_the_dashboard_shows_open_tracks_with_their_age(app):
    officer = factories.make_user("security_officer")
    _recent_breach(officer)
    reported()
    db.session.commit()
    board = dashboard.dashboard(officer, local_today())
    figures = {figure.label: figure.count for figure in board.incidents}
    assert figures == {"Awaiting triage": 1, "POPIA s22 notifications outstanding": 1}
    assert board.popia_tracks[0].days == 5 and board.popia_tracks[0].late
    assert dashboard.dashboard(factories.make_user("manager"), local_today()).incidents == []


def test_metrics_and_summary(app):
    officer = factories.make_user("security_officer")
    incident = triaged(reported(discovered_at=datetime(2026, 3, 2, 7, 0, tzinfo=UTC)), officer)
    services.record_handling(incident, services.HandlingInput(date(2026, 3, 4), None, date(2026, 3, 5), "MFA"),
                             expected_version=incident.version, actor=officer, today=date(2026, 3, 10))
    services.close_incident(incident, expected_version=incident.version, actor=officer, today=date(2026, 3, 12))
    triaged(reported(), officer, is_incident=False, category=None, severity=None, reason="A drill.")
    assert COMPUTATIONS["incidents_in_month"].compute(date(2026, 3, 31)) == 1.0
    assert COMPUTATIONS["mean_days_to_contain"].compute(date(2026, 3, 31)) == 2.0
    assert COMPUTATIONS["mean_days_to_close"].compute(date(2026, 3, 31)) == 10.0
    summary = queries.summary(date(2026, 3, 31))
    assert summary.totals[-1] == 1 and summary.by_category["phishing"][-1] == 1
    assert summary.by_severity["high"][-1] == 1 and summary.mean_days_to_contain == 2.0
    section = review_inputs.incidents_for_review(date(2026, 3, 31), date(2025, 12, 31))
    assert section is not None and section["figures"][0]["value"] == 1
    assert review_inputs.incidents_for_review(date(2026, 3, 31), date(2026, 3, 20)) is None


def test_the_certification_evidence_artefact(app):
    officer = factories.make_user("security_officer")
    empty = artefacts.incident_state(officer, local_today())
    assert empty.missing
    _recent_breach(officer)
    reported()
    state = artefacts.incident_state(officer, local_today())
    assert not state.missing and [gap.text for gap in state.gaps] == [
        "1 event awaiting triage", "1 incident with POPIA s22 notifications outstanding"]
