
"""Retention: closed cases past the setting are listed and destroyed, leaving statistics and the audit entry."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.audit.models import AuditEntry
from app.common import uploads
from app.common.models import RuleError
from app.extensions import db
from app.policies.cases import retention
from app.policies.cases import services as cases
from app.policies.cases.models import CaseStatistic, CaseWarning, PolicyCase
from tests.pages import text_of
from tests.policies.conftest import make_approved, make_employee, open_case

TODAY = date(2026, 12, 4)


def closed_case(employee, policy, closed_on: date) -> PolicyCase:
    case = open_case(employee, policy)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None, today=date(2026, 11, 5))
    cases.give_warning(case, cases.WarningInput("management", "Wording", date(2026, 11, 5)), actor=None, today=TODAY)
    cases.close_case(case, "Warning given.", expected_version=case.version, actor=None, today=closed_on)
    return case


@pytest.fixture
def old_case(app, department):
    case = closed_case(make_employee(department=department), make_approved(), date(2021, 6, 1))
    upload = uploads.check_upload("log.txt", b"proxy log line", max_bytes=1_000_000)
    case.status = "open"  # evidence is added to open cases only; this one gets it after the fact
    cases.add_evidence(case, upload, "Proxy log", actor=None)
    case.status = "closed"
    db.session.commit()
    return case


def test_only_closed_cases_past_the_retention_period_are_due(app, department, old_case):
    recent = closed_case(make_employee(department=department), old_case.policy_version.policy, date(2024, 1, 1))

    due = list(db.session.scalars(retention.due_for_destruction(TODAY)))

    assert due == [old_case]
    settings.save({settings.CASE_RETENTION_YEARS: 2}, actor=None)
    db.session.commit()
    assert set(db.session.scalars(retention.due_for_destruction(TODAY))) == {old_case, recent}


def test_destroying_keeps_statistics_and_the_audit_entry_and_removes_the_file(app, old_case):
    reference, sha256 = old_case.reference, old_case.evidence[0].sha256
    assert uploads.stored_path(sha256).is_file()

    statistic = retention.destroy_case(old_case, actor=None, today=TODAY)
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(CaseWarning.id))) == 0
    assert (statistic.policy_code, statistic.clause_reference, statistic.decided_action) == (
        "ICT-SEC", "4.2", "management_warning")
    assert statistic.incident_year == 2026 and statistic.closed_year == 2021
    assert not uploads.stored_path(sha256).exists()
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "destroy")).one()
    assert reference in entry.summary and "anonymised statistical record" in entry.summary
    assert not [column for column in CaseStatistic.__table__.columns if "employee" in column.name]


def test_a_destruction_rolled_back_keeps_the_case_and_its_file(app, old_case):
    """The service only flushes; the file goes with its caller's commit, never before."""
    case_id, sha256 = old_case.id, old_case.evidence[0].sha256
    retention.destroy_case(old_case, actor=None, today=TODAY)
    assert uploads.stored_path(sha256).is_file()
    db.session.rollback()
    assert uploads.stored_path(sha256).is_file()
    assert db.session.get(PolicyCase, case_id) is not None


def test_a_case_within_its_retention_period_cannot_be_destroyed(app, department):
    case = closed_case(make_employee(department=department), make_approved(), date(2025, 1, 1))
    with pytest.raises(RuleError, match="not past its retention period of 5 years"):
        retention.destroy_case(case, actor=None, today=TODAY)
    assert db.session.get(PolicyCase, case.id) is not None


def test_the_retention_page_and_destroying_from_it(client, login_as, old_case):
    login_as("hr_officer")

    page = text_of(client.get("/cases/retention"))
    unconfirmed = client.post(f"/cases/{old_case.id}/destroy", follow_redirects=True)
    destroyed = client.post(f"/cases/{old_case.id}/destroy", data={"confirmed": "y"}, follow_redirects=True)

    assert old_case.reference in page and "1 case due" in page
    assert "Tick the confirmation" in text_of(unconfirmed)
    assert "1 destroyed case kept as statistics" in text_of(destroyed)
    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0


@pytest.mark.parametrize("role", ["manager", "security_officer", "auditor"])
def test_only_hr_and_admins_destroy(client, login_as, old_case, role):
    login_as(role)
    assert client.post(f"/cases/{old_case.id}/destroy", data={"confirmed": "y"}).status_code == 403




def test_a_file_that_is_also_a_signed_acknowledgement_sheet_is_kept(app, old_case):
    """The store keeps one copy per content: the same bytes scanned as a signed sheet stay on disk."""
    from app.common.uploads import CheckedUpload
    from app.policies import services as policies

    sha256 = old_case.evidence[0].sha256
    version = old_case.policy_version.policy.current
    policies.record_acknowledgements(version, [old_case.employee.number], on=date(2026, 4, 1), actor=None,
                                     today=TODAY, sheet=CheckedUpload("log.pdf", "application/pdf", b"proxy log line"))
    db.session.commit()

    retention.destroy_case(old_case, actor=None, today=TODAY)
    db.session.commit()

    assert uploads.stored_path(sha256).is_file()
