"""The Statement of Applicability's rules against a fresh database: what a decision on one Annex A
control needs, what is saved and audited, which controls and risks a row shows, issuing a frozen
version, comparing two versions, and coverage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.auth import services as accounts
from app.common.models import StaleEditError
from app.controls import services, soa
from app.controls.models import ImplementationStatus, InclusionReason, SoaVersion
from app.controls.services import ControlInput, annex_a_control
from app.controls.soa import SoaInput, SoaRuleError
from app.extensions import db
from app.risks import services as risks
from tests import factories
from tests.pages import audit_entries, only_entry

TODAY = date(2026, 3, 31)
JUSTIFICATION = "Treats the provincial Information Security risk (R-0001): monitoring of networks and systems."
EXCLUSION = "No software is developed in-house; suppliers' secure coding is required under 8.30."


def included(**changes) -> SoaInput:
    """An included control, as the security officer decides 8.16 Monitoring activities."""
    return replace(SoaInput(applicable=True, justification=JUSTIFICATION, reasons=["risk_treatment"],
                            status="planned"), **changes)


def excluded(**changes) -> SoaInput:
    return replace(SoaInput(applicable=False, justification=EXCLUSION), **changes)


def decide(reference: str, data: SoaInput, actor) -> dict:
    """Decide (or change) the row of one control, as its edit form would, with the current version."""
    control = annex_a_control(reference)
    entry = soa.entry_for(control)
    made = soa.save_entry(control, data, expected_version=entry.version if entry else None, actor=actor)
    db.session.commit()
    return made


def decide_every_control(actor, status: str = "implemented", *, leaving=()) -> None:
    """Every still undecided Annex A control (but those `leaving` out) included with the given status."""
    for row in soa.soa_rows(applicable="undecided"):
        if row.control.reference not in leaving:
            soa.save_entry(row.control, included(status=status), expected_version=None, actor=actor)
    db.session.commit()


def references(rows) -> list[str]:
    return [row.control.reference for row in rows]


def problems_of(refusal: pytest.ExceptionInfo) -> dict[str | None, str]:
    return dict(refusal.value.problems)


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


def retire(control, actor) -> None:
    """Take an internal control out of use (risks linked to it keep the link)."""
    services.update_control(control, ControlInput(
        reference=control.reference, title=control.title, control_type=control.control_types,
        annex_a_ids=[annex.id for annex in control.annex_a_controls], active=False),
        expected_version=control.version, actor=actor)
    db.session.commit()


# --- deciding one control ------------------------------------------------------------------------


def test_a_first_decision_creates_the_row_and_audits_it(officer):
    control = annex_a_control("8.16")

    changes = soa.save_entry(control, included(reasons=["legal_regulatory", "risk_treatment"], owner_id=officer.id),
                             expected_version=None, actor=officer)

    entry = soa.entry_for(control)
    assert (entry.applicable, entry.justification, entry.implementation_status, entry.owner_id) == (
        True, JUSTIFICATION, "planned", officer.id)
    assert entry.reasons == [InclusionReason.RISK_TREATMENT, InclusionReason.LEGAL_REGULATORY]
    assert entry.version == 1
    audit_entry, audited = only_entry("create", "soa_entry", entry.id)
    assert audit_entry.actor_id == officer.id
    assert audit_entry.summary == "Statement of Applicability: 8.16 applicable"
    assert audited == changes == {
        "applicable": [None, True], "justification": [None, JUSTIFICATION],
        "inclusion_reasons": [None, "risk_treatment;legal_regulatory"],
        "implementation_status": [None, "planned"], "owner_id": [None, officer.id]}


def test_an_empty_version_also_means_a_first_decision(officer):
    control = annex_a_control("5.1")

    soa.save_entry(control, included(), expected_version="", actor=officer)

    assert soa.entry_for(control).implementation_status == "planned"


def test_a_justification_is_saved_without_surrounding_space(officer):
    decide("8.16", included(justification=f"  {JUSTIFICATION}\n"), officer)

    assert soa.entry_for(annex_a_control("8.16")).justification == JUSTIFICATION


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"justification": "  "}, "justification", "Justify the inclusion: what requires this control here."),
        ({"reasons": []}, "reasons", "Give at least one reason for including the control."),
        ({"reasons": ["risk_treatment", "budget"]}, "reasons", "Choose reasons from the list."),
        ({"status": None}, "status", "Say how far the control is implemented."),
        ({"status": "not_applicable"}, "status", "Say how far the control is implemented."),
        ({"status": "done"}, "status", "Say how far the control is implemented."),
    ],
)
def test_an_included_control_needs_a_justification_a_reason_and_a_status(officer, changes, field, message):
    control = annex_a_control("8.16")

    with pytest.raises(SoaRuleError) as refusal:
        soa.save_entry(control, included(**changes), expected_version=None, actor=officer)

    assert problems_of(refusal) == {field: message}
    db.session.rollback()
    assert soa.entry_for(control) is None
    assert audit_entries(entity_type="soa_entry") == []


def test_every_problem_of_an_included_control_is_reported_at_once(officer):
    with pytest.raises(SoaRuleError) as refusal:
        soa.save_entry(annex_a_control("8.16"), SoaInput(applicable=True), expected_version=None, actor=officer)

    assert list(problems_of(refusal)) == ["justification", "reasons", "status"]


def test_an_excluded_control_needs_a_justification(officer):
    with pytest.raises(SoaRuleError) as refusal:
        soa.save_entry(annex_a_control("8.28"), excluded(justification=""), expected_version=None, actor=officer)

    assert problems_of(refusal) == {
        "justification": "Justify the exclusion: why this control does not apply here."}


def test_an_excluded_control_is_not_applicable_and_keeps_no_reasons(officer):
    control = annex_a_control("8.28")

    soa.save_entry(control, excluded(reasons=["risk_treatment", "business"], status="implemented"),
                   expected_version=None, actor=officer)

    entry = soa.entry_for(control)
    assert (entry.applicable, entry.implementation_status, entry.inclusion_reasons, entry.reasons) == (
        False, "not_applicable", "", [])
    assert only_entry("create", "soa_entry", entry.id)[0].summary == "Statement of Applicability: 8.28 not applicable"


def test_excluding_an_included_control_clears_its_reasons_and_status(officer):
    decide("8.28", included(reasons=["business"], status="partially_implemented"), officer)

    changes = decide("8.28", excluded(), officer)

    assert changes == {
        "applicable": [True, False], "justification": [JUSTIFICATION, EXCLUSION],
        "inclusion_reasons": ["business", ""], "implementation_status": ["partially_implemented", "not_applicable"]}
    entry = soa.entry_for(annex_a_control("8.28"))
    assert entry.version == 2
    _, audited = only_entry("update", "soa_entry", entry.id)
    assert audited == changes


def test_the_decision_itself_is_required(officer):
    with pytest.raises(SoaRuleError) as refusal:
        soa.save_entry(annex_a_control("8.16"), SoaInput(applicable=None, justification=JUSTIFICATION),
                       expected_version=None, actor=officer)

    assert problems_of(refusal) == {"applicable": "Decide whether the control applies."}


def test_the_owner_must_be_an_active_user(officer):
    leaver = factories.make_user("risk_owner")
    accounts.set_user_active(leaver, False, expected_version=leaver.version, actor=None)
    db.session.commit()

    for owner_id in (leaver.id, 999_999):
        with pytest.raises(SoaRuleError) as refusal:
            soa.save_entry(annex_a_control("8.16"), included(owner_id=owner_id), expected_version=None,
                           actor=officer)
        assert problems_of(refusal) == {"owner_id": "The owner must be an active user."}
        db.session.rollback()
    assert soa.entry_for(annex_a_control("8.16")) is None


def test_an_owner_who_has_left_may_stay_on_the_row_while_other_fields_change(officer):
    """The edit form keeps a deactivated owner among its choices (active_users(keep_id=...)), and the
    catalogue and the risk register let such an owner stay until someone else is chosen; the SoA
    refuses every later change to the row until the owner is replaced."""
    owner = factories.make_user("risk_owner")
    decide("8.16", included(owner_id=owner.id), officer)
    accounts.set_user_active(owner, False, expected_version=owner.version, actor=None)
    db.session.commit()

    decide("8.16", included(owner_id=owner.id, status="partially_implemented"), officer)

    assert soa.entry_for(annex_a_control("8.16")).implementation_status == "partially_implemented"


def test_only_annex_a_controls_are_in_the_statement(officer, make_internal_control):
    internal = make_internal_control("IC-009", ["8.16"])

    with pytest.raises(SoaRuleError, match="The Statement of Applicability lists the Annex A controls only."):
        soa.save_entry(internal, included(), expected_version=None, actor=officer)

    assert soa.entry_for(internal) is None


def test_a_stale_version_is_refused_and_changes_nothing(officer):
    decide("8.16", included(), officer)
    decide("8.16", included(status="partially_implemented"), officer)  # version 2 now

    with pytest.raises(StaleEditError, match="statement of applicability row was changed by someone else"):
        soa.save_entry(annex_a_control("8.16"), included(status="implemented"), expected_version=1, actor=officer)

    db.session.rollback()
    entry = soa.entry_for(annex_a_control("8.16"))
    assert (entry.implementation_status, entry.version) == ("partially_implemented", 2)
    assert len(audit_entries(entity_type="soa_entry")) == 2


@pytest.mark.parametrize("expected_version", [None, ""])
def test_a_first_decision_on_a_control_someone_has_decided_meanwhile_is_stale(officer, expected_version):
    decide("8.16", included(), officer)

    with pytest.raises(StaleEditError):
        soa.save_entry(annex_a_control("8.16"), excluded(), expected_version=expected_version, actor=officer)

    db.session.rollback()
    assert soa.entry_for(annex_a_control("8.16")).applicable is True


def test_a_version_for_a_row_that_does_not_exist_is_stale(officer):
    with pytest.raises(StaleEditError):
        soa.save_entry(annex_a_control("8.16"), included(), expected_version="2", actor=officer)

    assert soa.entry_for(annex_a_control("8.16")) is None


def test_saving_the_same_decision_changes_and_records_nothing(officer):
    decide("8.16", included(reasons=["business", "risk_treatment"], owner_id=officer.id), officer)
    entry = soa.entry_for(annex_a_control("8.16"))

    changes = decide("8.16", included(reasons=["risk_treatment", "business"], owner_id=officer.id,
                                      justification=JUSTIFICATION + " "), officer)

    assert changes == {}
    assert entry.version == 1
    assert len(audit_entries(entity_type="soa_entry")) == 1


def test_an_edit_records_only_what_changed(officer):
    decide("8.16", included(), officer)

    changes = decide("8.16", included(status="implemented", owner_id=officer.id), officer)

    assert changes == {"implementation_status": ["planned", "implemented"], "owner_id": [None, officer.id]}
    entry = soa.entry_for(annex_a_control("8.16"))
    audit_entry, audited = only_entry("update", "soa_entry", entry.id)
    assert audited == changes and audit_entry.actor_id == officer.id
    assert entry.version == 2


# --- the rows --------------------------------------------------------------------------------------


def test_every_annex_a_control_is_a_row_in_reference_order(app):
    rows = soa.soa_rows()

    assert len(rows) == 93
    shown = references(rows)
    assert shown[:11] == [f"5.{n}" for n in range(1, 12)]  # 5.9 before 5.10
    assert shown == sorted(shown, key=lambda reference: tuple(int(part) for part in reference.split(".")))
    assert shown[-1] == "8.34"
    assert not any(row.decided for row in rows) and all(row.status is None for row in rows)


@pytest.mark.parametrize(("theme", "expected"), [
    ("People", [f"6.{n}" for n in range(1, 9)]),
    ("Physical", [f"7.{n}" for n in range(1, 15)]),
])
def test_rows_filtered_by_theme(app, theme, expected):
    assert references(soa.soa_rows(theme=theme)) == expected


def test_an_unknown_theme_filters_nothing(app):
    assert len(soa.soa_rows(theme="Spiritual")) == 93


def test_rows_filtered_by_decision_and_status(officer):
    decide("5.1", included(status="implemented"), officer)
    decide("6.3", included(status="planned"), officer)
    decide("8.28", excluded(), officer)

    assert references(soa.soa_rows(applicable="yes")) == ["5.1", "6.3"]
    assert references(soa.soa_rows(applicable="no")) == ["8.28"]
    undecided = references(soa.soa_rows(applicable="undecided"))
    assert len(undecided) == 90 and not {"5.1", "6.3", "8.28"} & set(undecided)
    assert references(soa.soa_rows(status="planned")) == ["6.3"]
    assert references(soa.soa_rows(status="not_applicable")) == ["8.28"]
    assert references(soa.soa_rows(applicable="no", status="planned")) == []
    assert references(soa.soa_rows(theme="Organizational", applicable="yes")) == ["5.1"]


def test_a_row_shows_the_internal_controls_in_use_implementing_it(officer, make_internal_control):
    policy = make_internal_control("IC-001", ["5.1", "5.4"])
    make_internal_control("IC-099", ["5.1"], active=False)

    rows = {row.control.reference: row for row in soa.soa_rows()}

    assert [other.reference for other in rows["5.1"].internal_controls] == ["IC-001"]
    assert rows["5.4"].internal_controls == [soa.Linked(policy.id, "IC-001", policy.title)]
    assert rows["5.2"].internal_controls == []


def test_a_row_shows_the_open_risks_relying_on_it_directly_or_through_an_internal_control(
        officer, make_risk, make_internal_control):
    monitoring = make_internal_control("IC-009", ["8.15", "8.16"])
    retired = make_internal_control("IC-098", ["8.16"])
    make_risk("Undetected intrusion", controls=[annex_a_control("8.16")])
    make_risk("Information Security", controls=[monitoring])
    make_risk("Log tampering", controls=[annex_a_control("8.16"), monitoring])  # listed once
    make_risk("Unlogged access", controls=[retired])
    closed = make_risk("Legacy SIEM outage", controls=[annex_a_control("8.16"), monitoring])
    risks.close_risk(closed, expected_version=closed.version, reason="The SIEM was decommissioned.", actor=officer)
    retire(retired, officer)

    rows = {row.control.reference: row for row in soa.soa_rows()}

    assert [risk.title for risk in rows["8.16"].risks] == ["Undetected intrusion", "Information Security",
                                                            "Log tampering"]  # in reference order
    assert [risk.title for risk in rows["8.15"].risks] == ["Information Security", "Log tampering"]
    assert rows["8.17"].risks == []


def test_limited_rows_name_the_first_risks_by_reference_and_count_them_all(officer, make_risk, make_internal_control):
    monitoring = make_internal_control("IC-009", ["8.16"])
    made = [make_risk(f"Risk {n}", controls=[monitoring] if n % 2 else [annex_a_control("8.16"), monitoring])
            for n in range(7)]

    [row] = [row for row in soa.soa_rows(risks_per_row=3) if row.control.reference == "8.16"]

    by_reference = sorted(made, key=lambda risk: risk.reference)
    assert row.risks == [soa.Linked(risk.id, risk.reference, risk.title) for risk in by_reference[:3]]
    assert (row.risk_count, row.more_risks) == (7, 4)
    assert [str(risk) for risk in row.risks] == [f"{risk.reference} {risk.title}" for risk in by_reference[:3]]
    [unlimited] = [row for row in soa.soa_rows() if row.control.reference == "8.16"]
    assert [risk.id for risk in unlimited.risks] == [risk.id for risk in by_reference]
    assert unlimited.more_risks == 0


def test_the_risk_register_filter_agrees_with_every_row(officer, make_risk, make_internal_control):
    """queries.risks_relying_on() (SQL, for /risks?control=) and the SoA rows (counted in Python)
    apply the same rule: directly, or through an internal control in use."""
    from app.controls.queries import risks_relying_on
    from app.risks.models import Risk, RiskStatus

    monitoring = make_internal_control("IC-009", ["8.15", "8.16"])
    retired = make_internal_control("IC-098", ["8.16", "5.1"])
    make_risk("Undetected intrusion", controls=[annex_a_control("8.16"), monitoring])
    make_risk("Log tampering", controls=[monitoring, retired])
    make_risk("Policy gap", controls=[retired, annex_a_control("5.1")])
    make_risk("Draft", controls=[annex_a_control("8.15")], status="draft")
    closed = make_risk("Old SIEM", controls=[monitoring])
    risks.close_risk(closed, expected_version=closed.version, reason="Gone.", actor=officer)
    retire(retired, officer)

    for row in soa.soa_rows():
        relying = db.session.scalars(db.select(Risk.id).where(
            Risk.id.in_(risks_relying_on(row.control.id)), Risk.status != RiskStatus.CLOSED)).all()
        assert sorted(risk.id for risk in row.risks) == sorted(relying), row.control.reference
        assert row.risk_count == len(relying)


def test_one_row_is_the_same_as_in_the_table(officer, make_risk, make_internal_control):
    monitoring = make_internal_control("IC-009", ["8.15", "8.16"])
    make_risk("Undetected intrusion", controls=[monitoring])
    decide("8.16", included(), officer)

    row = soa.soa_row(annex_a_control("8.16"))

    [in_table] = [other for other in soa.soa_rows() if other.control.reference == "8.16"]
    assert (row.control, row.entry, row.internal_controls, row.risks, row.risk_count) == (
        in_table.control, in_table.entry, in_table.internal_controls, in_table.risks, in_table.risk_count)


def test_the_record_of_an_undecided_row_says_so(officer, make_internal_control):
    make_internal_control("IC-001", ["5.1"])

    record = soa.as_record(soa.soa_row(annex_a_control("5.1")))

    assert record == {"reference": "5.1", "title": annex_a_control("5.1").title, "theme": "Organizational",
                      "applicable": None, "reasons": [], "justification": "", "status": "Not decided", "owner": "",
                      "internal_controls": ["IC-001 Internal control IC-001"], "risks": [], "last_test": ""}


# --- issuing a version -------------------------------------------------------------------------------


def test_a_version_is_not_issued_while_a_control_is_undecided(officer):
    decide_every_control(officer, leaving=("8.32", "8.33", "8.34"))

    with pytest.raises(SoaRuleError) as refusal:
        soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer, today=TODAY)

    assert problems_of(refusal) == {None: "3 Annex A controls have no decision yet (8.32, 8.33, 8.34). Decide "
                                          "every control before issuing the Statement of Applicability."}
    db.session.rollback()
    assert soa.versions() == [] and audit_entries("issue") == []


def test_the_refusal_names_the_first_ten_undecided_controls_and_counts_the_rest(officer):
    decide("5.1", included(), officer)

    with pytest.raises(SoaRuleError) as refusal:
        soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer, today=TODAY)

    assert problems_of(refusal)[None].startswith(
        "92 Annex A controls have no decision yet (5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 5.10, 5.11 and 82 more).")


@pytest.mark.parametrize(
    ("approver", "approved_on", "field", "message"),
    [
        ("  ", TODAY, "approver", "Name who approved this version, like “Head of Department”."),
        ("Head of Department", TODAY + timedelta(days=1), "approved_on",
         "The approval cannot be dated in the future."),
    ],
)
def test_a_version_needs_an_approver_and_an_approval_that_has_happened(officer, approver, approved_on, field,
                                                                        message):
    decide_every_control(officer)

    with pytest.raises(SoaRuleError) as refusal:
        soa.issue_version(approver=approver, approved_on=approved_on, note="", actor=officer, today=TODAY)

    assert problems_of(refusal) == {field: message}
    db.session.rollback()
    assert soa.versions() == []


def test_every_problem_of_an_issue_is_reported_at_once(officer):
    with pytest.raises(SoaRuleError) as refusal:
        soa.issue_version(approver="", approved_on=TODAY + timedelta(days=1), note="", actor=officer, today=TODAY)

    assert list(problems_of(refusal)) == [None, "approver", "approved_on"]


def test_issuing_freezes_every_row_with_the_approval(officer, make_risk, make_internal_control):
    decide_every_control(officer)
    decide("8.16", included(reasons=["legal_regulatory", "risk_treatment"], owner_id=officer.id), officer)
    decide("8.28", excluded(), officer)
    monitoring = make_internal_control("IC-009", ["8.16"])
    risk = make_risk("Undetected intrusion", controls=[monitoring])

    version = soa.issue_version(approver=" Head of Department, Department of the Premier ", approved_on=TODAY,
                                note=" ISMS forum minute 2026/03/4 ", actor=officer, today=TODAY)

    assert (version.number, version.approver, version.approval_note, version.approved_on, version.issued_by) == (
        1, "Head of Department, Department of the Premier", "ISMS forum minute 2026/03/4", TODAY, officer)
    rows = {row["reference"]: row for row in version.rows}
    assert list(rows)[:3] == ["5.1", "5.2", "5.3"] and len(rows) == 93
    assert rows["8.16"] == {
        "reference": "8.16", "title": "Monitoring activities", "theme": "Technological", "applicable": True,
        "reasons": ["Risk treatment", "Legal or regulatory (e.g. POPIA)"], "justification": JUSTIFICATION,
        "status": "Planned", "owner": "Thandi Mokoena", "internal_controls": ["IC-009 Internal control IC-009"],
        "risks": [f"{risk.reference} Undetected intrusion"], "last_test": ""}
    assert rows["8.28"] | {"title": ""} == {
        "reference": "8.28", "title": "", "theme": "Technological", "applicable": False, "reasons": [],
        "justification": EXCLUSION, "status": "Not applicable", "owner": "", "internal_controls": [], "risks": [],
        "last_test": ""}
    issued = only_entry("issue", "soa_version", version.id)[0]
    assert issued.actor_id == officer.id
    assert issued.summary == ("Issued Statement of Applicability version 1, approved by Head of Department, "
                              "Department of the Premier on 2026-03-31: 92 of 93 controls applicable")


def test_an_approval_dated_today_is_accepted_and_versions_count_up(officer):
    decide_every_control(officer)

    first = soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer, today=TODAY)
    second = soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer,
                               today=TODAY)

    assert (first.number, second.number) == (1, 2)
    assert [version.number for version in soa.versions()] == [2, 1]
    assert soa.get_version(1) is first and soa.get_version(3) is None
    assert len(audit_entries("issue", "soa_version")) == 2


def test_later_changes_do_not_alter_an_issued_version(officer, make_risk):
    decide_every_control(officer)
    decide("8.16", included(owner_id=officer.id), officer)
    soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer, today=TODAY)
    frozen = soa.get_version(1).rows_json

    decide("8.16", included(status="implemented", owner_id=None), officer)
    decide("5.1", excluded(), officer)
    make_risk("Undetected intrusion", controls=[annex_a_control("8.16")])
    accounts.update_user(officer, expected_version=officer.version, email=officer.email, full_name="Thandi Nkosi",
                         role=officer.role, department_id=None, actor=None)
    db.session.commit()
    db.session.expire_all()

    version = db.session.get(SoaVersion, soa.get_version(1).id)
    assert version.rows_json == frozen
    row = next(row for row in version.rows if row["reference"] == "8.16")
    assert (row["status"], row["owner"], row["risks"]) == ("Planned", "Thandi Mokoena", [])


# --- comparing two versions -----------------------------------------------------------------------------


def issue(officer) -> SoaVersion:
    made = soa.issue_version(approver="Head of Department", approved_on=TODAY, note="", actor=officer, today=TODAY)
    db.session.commit()
    return made


def test_identical_versions_have_no_differences(officer):
    decide_every_control(officer)
    first, second = issue(officer), issue(officer)

    assert soa.compare(first, second) == []
    assert soa.compare(first, first) == []


def test_comparing_lists_exactly_the_changed_controls_and_fields(officer, make_risk):
    decide_every_control(officer, status="planned")
    first = issue(officer)
    decide("5.10", included(status="implemented"), officer)
    decide("5.9", included(status="partially_implemented", reasons=["risk_treatment", "contractual"]), officer)
    decide("8.28", excluded(owner_id=officer.id), officer)
    risk = make_risk("Undetected intrusion", controls=[annex_a_control("8.16")])
    second = issue(officer)

    differences = soa.compare(first, second)

    assert [(d.reference, d.title) for d in differences] == [
        ("5.9", "Inventory of information and other associated assets"),
        ("5.10", "Acceptable use of information and other associated assets"),
        ("8.16", "Monitoring activities"), ("8.28", "Secure coding")]
    changes = {difference.reference: difference.changes for difference in differences}
    assert changes["5.9"] == {"Reasons for inclusion": (["Risk treatment"], ["Risk treatment", "Contractual"]),
                              "Implementation status": ("Planned", "Partially implemented")}
    assert changes["5.10"] == {"Implementation status": ("Planned", "Implemented")}
    assert changes["8.16"] == {"Risks": ([], [f"{risk.reference} Undetected intrusion"])}
    assert changes["8.28"] == {
        "Applicable": (True, False), "Reasons for inclusion": (["Risk treatment"], []),
        "Justification": (JUSTIFICATION, EXCLUSION), "Implementation status": ("Planned", "Not applicable"),
        "Owner": ("", "Thandi Mokoena")}


def test_comparing_backwards_shows_the_same_changes_the_other_way(officer):
    decide_every_control(officer, status="planned")
    first = issue(officer)
    decide("5.1", included(status="implemented"), officer)
    second = issue(officer)

    [difference] = soa.compare(second, first)

    assert difference.changes == {"Implementation status": ("Implemented", "Planned")}


# --- coverage -------------------------------------------------------------------------------------------


def test_coverage_of_an_undecided_statement(officer, make_risk):
    coverage = soa.coverage(TODAY)

    assert (coverage.total, coverage.by_status["undecided"], coverage.applicable) == (93, 93, 0)
    assert {theme: sum(counts.values()) for theme, counts in coverage.by_theme.items()} == {
        "Organizational": 37, "People": 8, "Physical": 14, "Technological": 34}
    assert coverage.not_implemented == [] and coverage.risks_without_controls == []
    assert coverage.percent(coverage.by_status["implemented"], coverage.applicable) == 0  # no division by zero


def test_coverage_counts_by_status_and_theme(officer):
    decide_every_control(officer)
    decide("5.1", included(status="planned"), officer)
    decide("5.2", included(status="partially_implemented"), officer)
    decide("6.3", included(status="not_implemented"), officer)
    decide("8.28", excluded(), officer)
    decide("8.31", excluded(), officer)

    coverage = soa.coverage(TODAY)

    assert dict(coverage.by_status) == {"implemented": 88, "planned": 1, "partially_implemented": 1,
                                        "not_implemented": 1, "not_applicable": 2}
    assert coverage.applicable == 91
    assert dict(coverage.by_theme["People"]) == {"implemented": 7, "not_implemented": 1}
    assert dict(coverage.by_theme["Technological"]) == {"implemented": 32, "not_applicable": 2}
    assert coverage.percent(coverage.by_status["implemented"], coverage.applicable) == 97  # 88 of 91
    assert coverage.percent(coverage.applicable) == 98  # 91 of 93
    assert coverage.percent(coverage.by_status["not_applicable"]) == 2
    assert [(control.reference, control.soa_entry.status) for control in coverage.not_implemented] == [
        ("5.1", ImplementationStatus.PLANNED), ("5.2", ImplementationStatus.PARTIALLY_IMPLEMENTED),
        ("6.3", ImplementationStatus.NOT_IMPLEMENTED)]


def test_a_risk_relying_only_on_a_retired_control_is_listed_as_without_control(
        officer, make_risk, make_internal_control):
    """A retired internal control implements nothing in the SoA rows (they show active ones only), so
    such a risk is on no row; coverage still counts it as controlled and the page says "Every open
    risk has at least one control in place", hiding it from both views."""
    backup = make_internal_control("IC-004", ["8.13"])
    risk = make_risk("Loss of the data centre", controls=[backup])
    retire(backup, officer)
    assert all(risk not in row.risks for row in soa.soa_rows())

    assert soa.coverage(TODAY).risks_without_controls == [risk]


def test_coverage_lists_the_open_risks_with_no_control(officer, make_risk):
    unguarded = make_risk("Loss of ISP service")
    make_risk("Draft: cloud outage", status="draft")
    make_risk("Undetected intrusion", controls=[annex_a_control("8.16")])
    closed = make_risk("Legacy fax server")
    risks.close_risk(closed, expected_version=closed.version, reason="Decommissioned.", actor=officer)

    titles = [risk.title for risk in soa.coverage(TODAY).risks_without_controls]
    assert titles == [unguarded.title, "Draft: cloud outage"]


def test_coverage_names_the_first_open_risks_without_a_control_and_counts_them_all(officer, make_risk, monkeypatch):
    monkeypatch.setattr(soa, "RISKS_WITHOUT_CONTROLS_SHOWN", 2)
    made = [make_risk(f"Unguarded {n}") for n in range(3)]

    coverage = soa.coverage(TODAY)

    assert coverage.risks_without_controls == sorted(made, key=lambda risk: risk.reference)[:2]
    assert coverage.risks_without_controls_count == 3
