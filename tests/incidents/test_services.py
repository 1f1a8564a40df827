"""The register's use cases: reporting, triage, handling, closing, the notification, evidence and its
chain of custody, and the links to risks and nonconformities."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.models import StaleEditError
from app.extensions import db
from app.incidents import popia, services
from app.incidents.models import IncidentStatus, RiskLinkKind
from app.nonconformities.models import Nonconformity
from tests import factories
from tests.incidents.helpers import DISCOVERED, reported, triaged


def _fields(error):
    return {field for field, _ in error.value.problems}


def test_a_report_gets_the_next_reference_and_an_audit_entry(app):
    first, second = reported(), reported()
    assert (first.reference, second.reference) == ("INC-0001", "INC-0002")
    assert first.status == IncidentStatus.REPORTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "incident", AuditEntry.action == "create")) == 2


def test_a_report_needs_what_and_when_and_not_the_future(app):
    with pytest.raises(services.IncidentRuleError) as refused:
        services.report_event(services.ReportInput(title=" ", description="",
                                                   discovered_at=datetime(2030, 1, 1, tzinfo=UTC)),
                              actor=factories.make_user("manager"), now=datetime(2026, 3, 2, tzinfo=UTC))
    assert _fields(refused) == {"title", "description", "discovered_at"}


def test_triage_needs_a_reason_and_for_an_incident_category_and_severity(app):
    incident = reported()
    with pytest.raises(services.IncidentRuleError) as refused:
        triaged(incident, reason="", category=None, severity=None)
    assert _fields(refused) == {"reason", "category", "severity"}
    not_one = triaged(reported(), is_incident=False, reason="A legitimate payroll notice.", category=None,
                      severity=None)
    assert not_one.status == IncidentStatus.NOT_AN_INCIDENT and not_one.actions[0].description.startswith("Triaged")


def test_compromised_personal_information_cannot_be_triaged_away(app):
    with pytest.raises(services.IncidentRuleError) as refused:
        triaged(reported(), is_incident=False, personal_information_involved=True,
                personal_information_compromised=True)
    assert _fields(refused) == {"is_incident"}


def test_triage_that_compromised_personal_information_opens_the_track(app):
    incident = triaged(reported(), personal_information_involved=True, personal_information_compromised=True)
    assert services.track_open(incident) and incident.notification_pending
    clock = services.clock(incident, date(2026, 3, 9), days=3)
    assert clock is not None and clock.days == 7 and clock.late and clock.done_on is None
    plain = triaged(reported(), personal_information_involved=True)
    assert not plain.notification_pending and services.clock(plain, date(2026, 3, 9)) is None


def test_triage_names_unknown_cmdb_tags(app):
    with pytest.raises(services.IncidentRuleError) as refused:
        triaged(reported(), asset_tags=["NOPE-1"])
    assert "NOPE-1" in str(refused.value)


def test_a_stale_triage_is_refused(app):
    incident = reported()
    officer = factories.make_user("security_officer")
    with pytest.raises(StaleEditError):
        services.triage(incident, services.TriageInput(is_incident=False, reason="x"), expected_version=99,
                        actor=officer)


def test_handling_dates_run_in_order_after_discovery(app):
    incident = triaged(reported())
    officer = factories.make_user("security_officer")
    with pytest.raises(services.IncidentRuleError) as refused:
        services.record_handling(incident, services.HandlingInput(contained_on=date(2026, 3, 1),
                                                                  recovered_on=date(2026, 2, 28)),
                                 expected_version=incident.version, actor=officer, today=date(2026, 4, 1))
    assert _fields(refused) == {"contained_on", "recovered_on"}
    services.record_handling(incident, services.HandlingInput(date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4),
                                                              "MFA for webmail."),
                             expected_version=incident.version, actor=officer, today=date(2026, 4, 1))
    assert [entry.description for entry in incident.actions][-3:] == [
        "Contained on 02 Mar 2026.", "Eradicated on 03 Mar 2026.", "Recovered on 04 Mar 2026."]


def test_closing_waits_for_recovery_lessons_and_the_notifications(app):
    incident = triaged(reported(), personal_information_involved=True, personal_information_compromised=True)
    officer = factories.make_user("security_officer")
    with pytest.raises(services.IncidentRuleError) as refused:
        services.close_incident(incident, expected_version=incident.version, actor=officer)
    assert len(refused.value.problems) == 3
    services.record_handling(incident, services.HandlingInput(date(2026, 3, 2), None, date(2026, 3, 3), "MFA."),
                             expected_version=incident.version, actor=officer, today=date(2026, 4, 1))
    services.record_notification(incident, popia.Notification(
        regulator_notified_on=date(2026, 3, 3), regulator_reference="IR-1", subjects_notified_on=date(2026, 3, 4),
        subjects_count=3, notice_method="email", notice_text="t", measures_taken="m", recommendations="r"),
        expected_version=incident.version, actor=officer, today=date(2026, 4, 1))
    assert not incident.notification_pending
    services.close_incident(incident, expected_version=incident.version, actor=officer, today=date(2026, 4, 2))
    assert incident.status == IncidentStatus.CLOSED and incident.closed_on == date(2026, 4, 2)


def test_a_late_notification_without_reason_is_refused(app):
    incident = triaged(reported(), personal_information_involved=True, personal_information_compromised=True)
    officer = factories.make_user("security_officer")
    with pytest.raises(services.IncidentRuleError) as refused:
        services.record_notification(incident, popia.Notification(regulator_notified_on=date(2026, 3, 20),
                                                                  regulator_reference="IR-2"),
                                     expected_version=incident.version, actor=officer, today=date(2026, 3, 21))
    assert _fields(refused) == {"delay_reason"}


def test_evidence_is_stored_by_sha256_with_its_chain_of_custody(app):
    incident = triaged(reported())
    officer, colleague = factories.make_user("security_officer"), factories.make_user("security_officer")
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    item = services.add_evidence(incident, title="Mail header", description="", filename="header.txt",
                                 content=b"Received: from evil.example\n", collected_at=at, actor=officer)
    assert len(item.sha256) == 64 and item.custody[0].action == "collected"
    with pytest.raises(services.IncidentRuleError) as refused:
        services.add_custody(item, at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), action="transferred",
                             handler_id=colleague.id, note="", actor=officer)
    assert _fields(refused) == {"at", "note"}
    services.add_custody(item, at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC), action="transferred",
                         handler_id=colleague.id, note="To the SOC analyst", actor=officer)
    assert [entry.action for entry in item.custody] == ["collected", "transferred"]


def test_evidence_reuses_the_upload_checks(app):
    incident = triaged(reported())
    with pytest.raises(services.IncidentRuleError) as refused:
        services.add_evidence(incident, title="Dropper", description="", filename="dropper.exe", content=b"MZ...",
                              collected_at=DISCOVERED, actor=factories.make_user("security_officer"))
    assert "Programs and scripts" in str(refused.value)


def test_a_realised_risk_is_linked_and_due_for_review(app):
    incident = triaged(reported())
    risk = factories.make_risk()
    risk.next_review_on = date(2027, 1, 1)
    officer = factories.make_user("security_officer")
    link = services.link_realised_risk(incident, risk_id=risk.id, note="", actor=officer, today=date(2026, 3, 5))
    assert link.kind == RiskLinkKind.REALISED and risk.next_review_on == date(2026, 3, 5)
    with pytest.raises(services.IncidentRuleError):
        services.link_realised_risk(incident, risk_id=risk.id, note="", actor=officer)


def test_a_nonconformity_raised_from_an_incident_names_it_as_source(app):
    incident = triaged(reported())
    from app.nonconformities.services import NonconformityInput
    raised = services.raise_nonconformity(incident, NonconformityInput(
        title="Phishing training not given", description="A.6.3 training missed", source="", severity="minor"),
        actor=factories.make_user("security_officer"))
    stored = db.session.get(Nonconformity, raised.id)
    assert (stored.source, stored.source_reference) == ("incident", incident.reference)
    assert incident.nonconformities == [stored]


def test_an_operator_that_reports_a_breach_is_recorded_as_the_source(app):
    from app.suppliers.models import Supplier
    operator = Supplier(name="Cloud payroll host", is_operator=True)
    other = Supplier(name="Stationery supplier", is_operator=False)
    db.session.add_all([operator, other])
    db.session.flush()
    with pytest.raises(services.IncidentRuleError) as refused:
        triaged(reported(), source="operator", reporting_operator_id=other.id)
    assert _fields(refused) == {"reporting_operator_id"}
    with pytest.raises(services.IncidentRuleError) as refused:
        triaged(reported(), source="staff", reporting_operator_id=operator.id)
    assert _fields(refused) == {"reporting_operator_id"}
    incident = triaged(reported(), source="operator", reporting_operator_id=operator.id)
    assert incident.reporting_operator is operator and incident.source_label == "Operator (POPIA s21)"
