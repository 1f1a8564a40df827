"""Cases against a fresh database: opening with a recommendation, progressive discipline across
cases, deciding, warnings and signatures, closing, and who sees what."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden, NotFound

from app.audit.models import AuditEntry
from app.auth.permissions import CASE_DESTROY, CASE_STEPS, CASE_VIEW
from app.common.privacy import pseudonym
from app.extensions import db
from app.policies.cases import services as cases
from app.policies.cases.models import CaseEvidence, CaseWarning, GoverningCode, PolicyCase
from app.policies.cases.recommendation import WarningType
from app.policies.cases.services import CaseRuleError, WarningInput
from tests import factories
from tests.policies.conftest import make_employee, open_case

pytestmark = pytest.mark.usefixtures("app")
TODAY = date(2026, 12, 4)


def warn(case, kind="management", issued=date(2026, 11, 5)):
    cases.decide(case, {"management": "management_warning"}.get(kind, "written_warning"), "",
                 expected_version=case.version, actor=None, today=issued)
    return cases.give_warning(case, WarningInput(kind, "Do not share passwords.", issued), actor=None, today=TODAY)


def test_opening_a_case_records_the_recommendation_and_the_governing_code(employee, policy):
    case = open_case(employee, policy)

    assert case.reference == "CASE-2026-0001"
    assert (case.recommended_action, case.code) == ("management_warning", "code_2025")
    assert case.department_id == employee.department_id
    assert case.recommendation_reasons[0].startswith("Low severity and low security risk")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "case"))
    assert "Ayanda" not in entry.summary and "Ayanda" not in entry.changes


def test_the_case_keeps_the_code_in_force_on_the_incident_for_its_statistics(employee, policy):
    policy.current.approved_on = date(2025, 1, 6)
    assert open_case(employee, policy, incident_on=date(2025, 9, 3)).code_enum == GoverningCode.SCHEDULE_8
    assert open_case(employee, policy, incident_on=date(2025, 9, 4)).code == "code_2025"


@pytest.mark.parametrize(("changes", "field"), [
    ({"incident_on": date(2026, 12, 5)}, "incident_on"),
    ({"incident_on": None}, "incident_on"),
    ({"description": " "}, "description"),
    ({"severity": "extreme"}, "severity"),
    ({"clause_id": None}, "clause_id"),
    ({"risk_reference": "R-999"}, "risk_reference"),
    ({"asset_tag": "NO-SUCH-TAG"}, "asset_tag"),
])
def test_bad_case_input_is_refused_and_nothing_is_stored(employee, policy, changes, field):
    with pytest.raises(CaseRuleError) as refused:
        open_case(employee, policy, **changes)
    assert field in [f for f, _ in refused.value.problems]
    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0


def test_a_clause_of_a_version_not_in_force_on_the_day_is_refused(employee, policy):
    with pytest.raises(CaseRuleError, match="was not in force on 2026-01-10"):
        open_case(employee, policy, incident_on=date(2026, 1, 10))


def test_an_employee_who_left_gets_no_new_case(department, policy):
    gone = make_employee(department=department, status="left")
    with pytest.raises(CaseRuleError, match="has left"):
        open_case(gone, policy)


def test_a_still_valid_warning_raises_the_next_recommendation(employee, policy):
    first = open_case(employee, policy, incident_on=date(2026, 11, 2))
    warn(first, "management", date(2026, 11, 5))

    second = open_case(employee, policy, incident_on=date(2026, 11, 20))

    assert second.recommended_action == "written_warning"
    assert "1 earlier warning still valid" in " ".join(second.recommendation_reasons)


def test_references_count_up_per_year(employee, policy):
    assert [open_case(employee, policy).reference for _ in range(3)] == [
        "CASE-2026-0001", "CASE-2026-0002", "CASE-2026-0003"]


def test_another_action_than_recommended_needs_a_reason(employee, policy):
    case = open_case(employee, policy)

    with pytest.raises(CaseRuleError, match="say why training is the right action"):
        cases.decide(case, "training", "short", expected_version=case.version, actor=None)
    cases.decide(case, "training", "The employee did not know how to use the password manager.",
                 expected_version=case.version, actor=None, today=TODAY)

    assert (case.decided_action, case.decided_on) == ("training", TODAY)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "decide")).one()
    assert "not the recommended action" in entry.summary


def test_a_warning_follows_the_decision_and_matches_it(employee, policy):
    case = open_case(employee, policy)
    data = WarningInput("written", "Do not share passwords.", date(2026, 11, 5))

    with pytest.raises(CaseRuleError, match="Decide the corrective action first"):
        cases.give_warning(case, data, actor=None, today=TODAY)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None)
    with pytest.raises(CaseRuleError, match="is warning from management, not written warning"):
        cases.give_warning(case, data, actor=None, today=TODAY)


@pytest.mark.parametrize(("issued", "words"), [(date(2026, 11, 1), "before the incident (2026-11-02)"),
                                               (date(2026, 12, 5), "after today"), (None, "Give the date")])
def test_a_warning_date_must_be_possible(employee, policy, issued, words):
    case = open_case(employee, policy)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None)
    with pytest.raises(CaseRuleError, match=re.escape(words)):
        cases.give_warning(case, WarningInput("management", "Wording", issued), actor=None, today=TODAY)


def test_a_warning_counts_for_the_validity_set_for_its_type(employee, policy):
    cases.save_case_settings(cases.action_matrix(), {WarningType.MANAGEMENT: 2, WarningType.WRITTEN: 6,
                                                     WarningType.FINAL_WRITTEN: 12}, {}, actor=None)
    db.session.commit()
    warning = warn(open_case(employee, policy), "management", date(2026, 11, 5))
    assert warning.valid_until == date(2027, 1, 5)


def test_a_warning_is_signed_after_it_was_given_or_refused_before_a_witness(employee, policy):
    case = open_case(employee, policy)
    warning = warn(case)

    with pytest.raises(CaseRuleError, match="cannot be signed before"):
        cases.record_signature(case, warning.id, acknowledged_on=date(2026, 11, 4), refused=False, witness_name="",
                               actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="Name the witness"):
        cases.record_signature(case, warning.id, acknowledged_on=None, refused=True, witness_name=" ", actor=None,
                               today=TODAY)
    cases.record_signature(case, warning.id, acknowledged_on=None, refused=True, witness_name="Nomsa Dube",
                           actor=None, today=TODAY)

    assert warning.refused_to_sign and warning.witness_name == "Nomsa Dube"
    with pytest.raises(CaseRuleError, match="on record already"):
        cases.record_signature(case, warning.id, acknowledged_on=TODAY, refused=False, witness_name="", actor=None)


def test_closing_needs_the_decision_carried_out_and_an_outcome(employee, policy):
    case = open_case(employee, policy)
    with pytest.raises(CaseRuleError, match="Decide the corrective action before closing"):
        cases.close_case(case, "Done", expected_version=case.version, actor=None)
    cases.decide(case, "management_warning", "", expected_version=case.version, actor=None,
                 decided_on=date(2026, 11, 5))
    with pytest.raises(CaseRuleError, match="record the warning before closing"):
        cases.close_case(case, "Done", expected_version=case.version, actor=None)
    warn_case = cases.give_warning(case, WarningInput("management", "Wording", date(2026, 11, 5)), actor=None,
                                   today=TODAY)
    cases.close_case(case, "Warning given and signed.", expected_version=case.version, actor=None, today=TODAY)

    assert (case.status, case.closed_on) == ("closed", TODAY) and warn_case.case is case
    with pytest.raises(CaseRuleError, match="is closed"):
        cases.decide(case, "training", "x" * 30, expected_version=case.version, actor=None)


def test_managers_see_their_own_departments_cases_only(employee, policy, department):
    other = make_employee(department=factories.make_department("DOE", "Education"))
    mine, theirs = open_case(employee, policy), open_case(other, policy)
    manager = factories.make_user("manager", department=department)
    hr = factories.make_user("hr_officer")

    assert list(db.session.scalars(cases.visible_cases(manager))) == [mine]
    assert set(db.session.scalars(cases.visible_cases(hr))) == {mine, theirs}
    assert list(db.session.scalars(cases.visible_cases(factories.make_user("risk_owner")))) == []
    assert cases.may_open_for(manager, employee) and not cases.may_open_for(manager, other)


def test_get_case_or_403_holds_the_scope_and_the_permission(employee, policy, department):
    other = make_employee(department=factories.make_department("DOE", "Education"))
    mine, theirs = open_case(employee, policy), open_case(other, policy)
    manager = factories.make_user("manager", department=department)

    assert cases.get_case_or_403(manager, mine.id, CASE_STEPS) is mine
    with pytest.raises(Forbidden):  # another department's case: a manager knows it exists
        cases.get_case_or_403(manager, theirs.id, CASE_VIEW)
    with pytest.raises(Forbidden):  # their own department's, but destroying is not a manager's
        cases.get_case_or_403(manager, mine.id, CASE_DESTROY)
    with pytest.raises(NotFound):
        cases.get_case_or_403(manager, 999_999, CASE_VIEW)
    assert cases.get_case_or_403(factories.make_user("hr_officer"), theirs.id, CASE_DESTROY) is theirs


def test_a_record_of_a_case_is_reached_only_through_its_own_case(employee, policy, department):
    other = make_employee(department=factories.make_department("DOE", "Education"))
    mine, theirs = open_case(employee, policy), open_case(other, policy)
    mine_warning, their_warning = warn(mine), warn(theirs)
    manager = factories.make_user("manager", department=department)
    hr = factories.make_user("hr_officer")

    assert cases.get_case_part_or_403(manager, mine.id, CaseWarning, mine_warning.id, CASE_VIEW) == (mine, mine_warning)
    with pytest.raises(NotFound):  # the case is in scope, the warning is another case's
        cases.get_case_part_or_403(hr, mine.id, CaseWarning, their_warning.id, CASE_VIEW)
    with pytest.raises(NotFound):  # a warning's id is not an evidence file's
        cases.get_case_part_or_403(hr, mine.id, CaseEvidence, mine_warning.id, CASE_VIEW)
    with pytest.raises(Forbidden):  # out of scope is refused before the part is looked at
        cases.get_case_part_or_403(manager, theirs.id, CaseWarning, their_warning.id, CASE_VIEW)


@pytest.mark.parametrize(("role", "redacted"), [("admin", False), ("hr_officer", False), ("manager", False),
                                                ("security_officer", True), ("auditor", True)])
def test_security_officers_and_auditors_see_a_pseudonym(employee, role, redacted):
    shown = cases.person(employee, factories.make_user(role))
    assert shown.redacted is redacted
    assert shown.name == (pseudonym(employee.id) if redacted else "Ayanda Zulu")
    assert (shown.number == "") is redacted


def test_similar_cases_are_those_for_the_same_clause(employee, policy):
    first = open_case(employee, policy)
    other_clause = next(c for c in policy.current.clauses if c.reference == "4.1")
    open_case(employee, policy, clause_id=other_clause.id)
    latest = open_case(employee, policy)

    assert cases.similar_cases(latest, factories.make_user("hr_officer")) == [first]


def test_viewing_personal_details_is_audited(employee, policy):
    case = open_case(employee, policy)
    cases.record_view(case, actor=None)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view")).one()
    assert entry.summary == f"Viewed case {case.reference} with personal details"
    assert json.loads(entry.changes) == {}


def test_an_employee_with_a_case_cannot_be_deleted(employee, policy):
    from app.employees import services as employees

    open_case(employee, policy)
    assert employees.references_to(employee) == ["1 policy-violation case"]
