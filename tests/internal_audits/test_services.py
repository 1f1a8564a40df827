"""Internal audit use cases: the programme's coverage and gaps, objectivity, the checklist, results,
raising nonconformities exactly once, and the freeze once the report is issued."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.common import uploads
from app.common.models import StaleEditError
from app.controls.services import ControlInput, create_internal_control
from app.extensions import db
from app.internal_audits import services
from app.internal_audits.models import AuditStatus
from app.internal_audits.services import InternalAuditRuleError
from app.nonconformities.models import Nonconformity
from tests import factories
from tests.internal_audits.conftest import TODAY, audit_input, fake_pdf, fill, make_applicable
from tests.pages import audit_entries


def issue(internal_audit, actor, **options):
    services.issue_report(internal_audit, summary=options.get("summary", "Clauses examined."),
                          conclusion=options.get("conclusion", "The ISMS conforms."), actual_end=None,
                          expected_version=internal_audit.version, actor=actor, render=fake_pdf, today=TODAY)
    db.session.commit()


def nonconformity_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Nonconformity))


# --- the programme --------------------------------------------------------------------------------


def test_the_programme_lists_every_clause_and_applicable_control_with_the_gaps(plan, lead, officer):
    access, patching = make_applicable("5.15", "8.8")
    make_applicable("5.1")
    internal = create_internal_control(ControlInput(
        reference="IC-010", title="Monthly patching", control_type="Corrective", annex_a_ids=[patching.id]),
        actor=officer)
    db.session.commit()
    audited = plan(lead, clauses=("4.1", "9.2"), controls=(access, internal))

    coverage = services.coverage(audited.programme)

    assert len(coverage.clauses) == 25 and [row.subject for row in coverage.controls] == ["A.5.1", "A.5.15", "A.8.8"]
    covered = {row.subject: row for row in coverage.rows}
    assert covered["4.1"].audits == [audited] and covered["A.5.15"].audits == [audited]
    assert covered["A.8.8"].audits == [audited]  # through the internal control implementing it
    gaps = [row.subject for row in coverage.gaps]
    assert "4.1" not in gaps and "A.8.8" not in gaps and "4.2" in gaps and "A.5.1" in gaps
    assert len(gaps) == 25 - 2 + 1
    assert not covered["4.1"].done


def test_an_audit_of_another_cycle_covers_nothing_in_this_one(plan, lead, officer, programme):
    later = services.save_programme(None, services.ProgrammeInput(starts_on=date(2029, 2, 1),
                                                                   ends_on=date(2032, 1, 31)),
                                    expected_version=None, actor=officer)
    db.session.commit()
    plan(lead, clauses=("4.1",))

    assert [row.subject for row in services.coverage(later).gaps][:2] == ["4.1", "4.2"]


def test_cycles_may_not_overlap(programme, officer):
    with pytest.raises(InternalAuditRuleError, match="covers some of these dates"):
        services.save_programme(None, services.ProgrammeInput(starts_on=date(2028, 1, 1), ends_on=date(2030, 1, 1)),
                                expected_version=None, actor=officer)


def test_an_audit_needs_a_cycle_covering_its_start(plan, lead):
    with pytest.raises(InternalAuditRuleError, match="No cycle of the audit programme"):
        plan(lead, start=date(2025, 12, 1), end=date(2025, 12, 5))


# --- planning and objectivity -------------------------------------------------------------------


def test_references_are_numbered_by_the_year_of_the_planned_start(plan, lead):
    first, second = plan(lead), plan(lead, title="Second")
    next_year = plan(lead, start=date(2027, 3, 1), end=date(2027, 3, 5))

    assert (first.reference, second.reference, next_year.reference) == ("IA-2026-01", "IA-2026-02", "IA-2027-01")


def test_an_auditor_owning_a_control_in_scope_needs_a_recorded_reason(plan, lead, officer):
    owned = make_applicable("5.18", owner=lead)[0]

    with pytest.raises(InternalAuditRuleError) as refused:
        plan(lead, controls=(owned,))
    assert refused.value.problems[0][0] == "independence_reason"
    assert f"{lead.full_name} owns control 5.18" in str(refused.value)

    audited = plan(lead, controls=(owned,), reason="The only trained auditor; the ISMS forum reviews the findings.")
    assert audited.independence_reason.startswith("The only trained auditor")
    assert audited.independence_accepted_by_id == officer.id and audited.independence_accepted_at is not None
    assert "owns control 5.18" in audited.independence_conflicts
    created = audit_entries("create", "internal_audit", audited.id)[0]
    assert "independence_reason" in created.changes


def test_working_in_the_audited_department_is_a_conflict_and_a_new_one_asks_again(plan, lead, member, auditee, officer):
    colleague = factories.make_user("risk_owner", department=auditee)
    audited = plan(lead, team=(colleague,), departments=(auditee,), reason="Audits clause 7 only.")
    assert "works in the audited department DOTP" in audited.independence_conflicts

    # The same conflicts stand without a new reason; a new one (the lead as the auditee's person) asks again.
    services.update_plan(audited, audit_input(lead, team=(colleague,), departments=(auditee,), title="Renamed"),
                         expected_version=audited.version, actor=officer, today=TODAY)
    with pytest.raises(InternalAuditRuleError, match="nominated person"):
        services.update_plan(audited, audit_input(lead, team=(colleague,), departments=(auditee,), contact=lead),
                             expected_version=audited.version, actor=officer, today=TODAY)


def test_the_certification_auditor_cannot_be_an_internal_auditor(plan, lead):
    outsider = factories.make_user("auditor")
    with pytest.raises(InternalAuditRuleError, match="Team members must be"):
        plan(lead, team=(outsider,))
    with pytest.raises(InternalAuditRuleError, match="lead auditor must be"):
        plan(outsider)


def test_a_control_not_applicable_cannot_be_in_scope(plan, lead):
    from app.controls.services import annex_a_control

    with pytest.raises(InternalAuditRuleError, match="Choose controls from the list"):
        plan(lead, controls=(annex_a_control("8.28"),))


# --- the checklist --------------------------------------------------------------------------------


def test_the_checklist_has_a_line_per_clause_then_per_control_with_what_to_ask(plan, lead, officer):
    access = make_applicable("5.15")[0]
    access.description = "Access is granted through the joiner-mover-leaver process."
    db.session.commit()
    audited = plan(lead, clauses=("9.2", "4.1"), controls=(access,))

    assert [line.subject for line in audited.lines] == ["4.1", "9.2", "A.5.15"]
    assert services.asks_for(audited.lines[0]) == "Internal and external issues, reviewed"
    assert services.asks_for(audited.lines[2]) == "Access is granted through the joiner-mover-leaver process."
    assert services.line_title(audited.lines[2]) == "A.5.15 Access control"


def test_changing_the_scope_keeps_the_lines_with_work_and_refuses_to_drop_them(started, lead, officer):
    audited = started(lead, clauses=("4.1", "9.2"))
    fill(audited, lead, {"9.2": ("minor_nc", "No programme.")})

    with pytest.raises(InternalAuditRuleError, match="hold results or notes"):
        services.update_plan(audited, audit_input(lead, clauses=("4.1",)), expected_version=audited.version,
                             actor=officer, today=TODAY)
    db.session.rollback()
    services.update_plan(audited, audit_input(lead, clauses=("4.1", "9.2", "10.2")), expected_version=audited.version,
                         actor=officer, today=TODAY)
    db.session.commit()
    assert [(line.subject, line.result) for line in audited.lines] == [
        ("4.1", "conforming"), ("9.2", "minor_nc"), ("10.2", None)]


def test_results_need_a_started_audit_and_notes_for_a_finding(plan, started, lead):
    planned = plan(lead)
    with pytest.raises(InternalAuditRuleError, match="has not started"):
        services.save_line(planned.lines[0], services.LineInput(result="conforming"),
                           expected_version=planned.lines[0].version, actor=lead)
    audited = started(lead)
    line = audited.lines[0]
    with pytest.raises(InternalAuditRuleError, match="Describe what was found"):
        services.save_line(line, services.LineInput(result="minor_nc"), expected_version=line.version, actor=lead)
    with pytest.raises(StaleEditError):
        services.save_line(line, services.LineInput(result="conforming"), expected_version=line.version - 1,
                           actor=lead)


def test_a_file_examined_is_checked_and_stored_by_its_hash(started, lead):
    line = started(lead).lines[0]
    with pytest.raises(InternalAuditRuleError, match="Programs and scripts"):
        services.save_line(line, services.LineInput(result="conforming"), expected_version=line.version, actor=lead,
                           upload=("tool.exe", b"MZ\x90\x00"))
    services.save_line(line, services.LineInput(result="conforming"), expected_version=line.version, actor=lead,
                       upload=("sample.csv", b"account,owner\nadm1,ICT\n"))
    db.session.commit()
    assert line.file_name == "sample.csv" and uploads.stored_path(line.file_sha256).read_bytes().startswith(b"account")


# --- nonconformities and the report --------------------------------------------------------------


def test_a_nonconformity_is_raised_once_however_often_it_is_asked(started, lead, member, auditee):
    contact = factories.make_user("security_officer")
    audited = started(lead, team=(member,), departments=(auditee,), contact=contact)
    fill(audited, member, {"9.2": ("major_nc", "No audit programme exists.\nNo audit was held in 2025.")})
    line = audited.lines[1]

    first, raised = services.raise_for_line(line, expected_version=line.version, actor=member, today=TODAY)
    db.session.commit()
    again, raised_again = services.raise_for_line(line, expected_version=line.version, actor=member, today=TODAY)
    db.session.commit()

    assert first is again and (raised, raised_again) == (True, False) and nonconformity_count() == 1
    assert (first.source, first.severity, first.clause) == ("internal_audit", "major", "9.2")
    assert first.source_reference == f"{audited.reference} / 9.2"
    assert first.title == "9.2: No audit programme exists."
    assert first.owner_id == contact.id and first.department_id == auditee.id and first.raised_on == TODAY
    assert line.nonconformity_id == first.id


def test_a_line_that_is_not_a_nonconformity_is_not_raised(started, lead):
    audited = started(lead)
    fill(audited, lead, {"9.2": ("observation", "Programme informal.")})
    with pytest.raises(InternalAuditRuleError, match="not a nonconformity"):
        services.raise_for_line(audited.lines[1], expected_version=audited.lines[1].version, actor=lead, today=TODAY)


def test_issuing_raises_every_finding_not_yet_raised_and_stores_the_report(started, lead):
    audited = started(lead, clauses=("4.1", "6.2", "9.2"))
    fill(audited, lead, {"6.2": ("minor_nc", "Objectives without measures."), "9.2": ("major_nc", "No programme.")})
    raised_before, _ = services.raise_for_line(audited.lines[2], expected_version=audited.lines[2].version,
                                               actor=lead, today=TODAY)
    db.session.commit()

    issue(audited, lead)

    assert nonconformity_count() == 2  # 9.2 once, 6.2 on issue
    assert audited.lines[2].nonconformity_id == raised_before.id and audited.lines[1].nonconformity is not None
    assert audited.status == AuditStatus.REPORTED and audited.issued_on == TODAY and audited.actual_end == TODAY
    stored = uploads.stored_path(audited.report_sha256).read_bytes()
    assert stored == fake_pdf(audited) and audited.report_size == len(stored)
    assert audit_entries("issue", "internal_audit", audited.id)


def test_the_report_is_issued_by_the_lead_once_every_line_has_a_result(started, lead, member):
    audited = started(lead, team=(member,))
    with pytest.raises(InternalAuditRuleError) as refused:
        issue(audited, member, conclusion="")
    messages = str(refused.value)
    assert "Only the lead auditor" in messages and "still open: 4.1, 9.2" in messages
    assert ("conclusion", refused.value.problems[-1][1]) == refused.value.problems[-1]


def test_an_issued_audit_and_its_checklist_are_frozen(started, lead, officer):
    audited = started(lead)
    fill(audited, lead, {"9.2": ("minor_nc", "No programme.")})
    issue(audited, lead)
    line = audited.lines[0]

    for attempt in (
        lambda: services.save_line(line, services.LineInput(result="observation", notes="Changed"),
                                   expected_version=line.version, actor=lead),
        lambda: services.raise_for_line(line, expected_version=line.version, actor=lead),
        lambda: services.update_plan(audited, audit_input(lead, title="Changed"), expected_version=audited.version,
                                     actor=officer, today=TODAY),
        lambda: services.save_report_draft(audited, summary="x", conclusion="y", expected_version=audited.version,
                                           actor=lead),
        lambda: issue(audited, lead),
    ):
        with pytest.raises(InternalAuditRuleError, match="frozen"):
            attempt()
        db.session.rollback()
    db.session.refresh(line)
    assert line.result == "conforming" and nonconformity_count() == 1


def test_only_a_reported_audit_is_closed(started, lead, officer):
    audited = started(lead)
    with pytest.raises(InternalAuditRuleError, match="after its report is issued"):
        services.close_audit(audited, expected_version=audited.version, actor=officer, today=TODAY)
    fill(audited, lead, {})
    issue(audited, lead)
    services.close_audit(audited, expected_version=audited.version, actor=officer, today=TODAY)
    assert audited.status == AuditStatus.CLOSED and audited.closed_on == TODAY
