"""Revoking privileges and training against a fresh database: every rule, the restoration and
completion, the scheduler's queries, the close checks, and audit entries without personal details."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.assets.services import AssetInput, create_asset
from app.audit.models import AuditEntry
from app.common.uploads import check_evidence
from app.extensions import db
from app.policies.cases import privileges
from app.policies.cases import services as cases
from app.policies.cases.models import CaseRevocation, CaseTraining
from app.policies.cases.privileges import RevocationInput
from app.policies.cases.services import CaseRuleError, FairnessError
from tests.policies.cases.conftest import decided
from tests.policies.conftest import open_case

pytestmark = pytest.mark.usefixtures("app")
TODAY = date(2026, 12, 4)
INCIDENT = date(2026, 11, 2)


def revocation(**changes) -> RevocationInput:
    values = {"resources": ["removable_media"], "starts_on": date(2026, 11, 10), "ends_on": date(2026, 12, 10),
              "no_harm_confirmed": True, "no_harm_note": "A colleague copies files to the shared drive for him.",
              **changes}
    return RevocationInput(**values)


def revoke(case, **changes):
    return privileges.revoke_privileges(case, revocation(**changes), actor=None, today=TODAY)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def fields_of(refused) -> list[str | None]:
    return [field for field, _ in refused.value.problems]


# --- revoking -------------------------------------------------------------------------------------


def test_revoking_records_the_resources_the_period_and_how_the_job_is_kept(revoking):
    kept = revoke(revoking, resources=["vpn", "removable_media"])

    assert json.loads(kept.resources_json) == ["vpn", "removable_media"]  # the register's order
    assert (kept.starts_on, kept.ends_on, kept.no_harm_confirmed) == (date(2026, 11, 10), date(2026, 12, 10), True)
    assert kept.restored_on is None and revoking.revocations == [kept]
    [entry] = entries("revoke")
    assert entry.summary == (f"Revoked privileges in case {revoking.reference} (vpn, removable_media) from "
                             "2026-11-10 until 2026-12-10")
    assert "Ayanda" not in entry.summary + entry.changes and revoking.employee.number not in entry.changes


def test_an_application_comes_from_the_cmdb_by_its_tag(revoking):
    payroll = create_asset(AssetInput(tag="APP-0001", name="Payroll", kind="application"), actor=None)

    kept = revoke(revoking, resources=["application"], application_tag="app-0001")

    assert kept.asset_id == payroll.id and kept.resources == [privileges.Resource.APPLICATION]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"resources": []}, "resources", "Choose at least one resource to revoke."),
    ({"resources": ["printing"]}, "resources", "Not a resource Khusela knows: printing."),
    ({"resources": ["application"]}, "application_tag", "Give the CMDB tag of the application"),
    ({"resources": ["application"], "application_tag": "APP-9"}, "application_tag",
     "No item in the CMDB has the tag APP-9."),
    ({"resources": ["application"], "application_tag": "PC-1"}, "application_tag",
     "PC-1 is a desktop, not an application"),
    ({"application_tag": "PC-1"}, "application_tag", "tick “An application” among the resources too"),
    ({"resources": ["other"]}, "other", "Say what else is revoked"),
    ({"other": "Printing"}, "other", "tick “Other” among the resources too"),
    ({"starts_on": None}, "starts_on", "Give the date the revocation starts."),
    ({"starts_on": date(2026, 11, 1)}, "starts_on", "cannot start before the incident (2026-11-02)"),
    ({"ends_on": None}, "ends_on", "a revocation is for a limited period"),
    ({"ends_on": date(2026, 11, 10)}, "ends_on", "The end (2026-11-10) must be after the start (2026-11-10)."),
    ({"ends_on": date(2027, 2, 9)}, "ends_on", "91 days is longer than allowed: a revocation lasts at most 90 "
                                               "days (the setting under Administration → Corrective actions)."),
    ({"no_harm_confirmed": False}, "no_harm_confirmed", "Confirm that the revocation does not harm"),
    ({"no_harm_note": " "}, "no_harm_note", "Say how the employee's job functions are kept"),
])
def test_a_bad_revocation_is_refused_with_its_reason_and_nothing_is_stored(revoking, changes, field, message):
    create_asset(AssetInput(tag="PC-1", name="Reception PC", kind="desktop"), actor=None)

    with pytest.raises(CaseRuleError) as refused:
        revoke(revoking, **changes)

    assert any(f == field and message in text for f, text in refused.value.problems), refused.value.problems
    assert count(CaseRevocation) == 0 and entries("revoke") == []


def test_the_longest_revocation_is_a_setting(revoking):
    settings.save({settings.REVOCATION_MAX_DAYS: 20}, actor=None)
    db.session.commit()

    with pytest.raises(CaseRuleError, match="21 days is longer than allowed: a revocation lasts at most 20 days"):
        revoke(revoking, ends_on=date(2026, 12, 1))
    assert revoke(revoking, ends_on=date(2026, 11, 30)).ends_on == date(2026, 11, 30)


@pytest.mark.parametrize(("action", "message"), [
    (None, "Decide the corrective action first: revoking privileges follows the decision."),
    ("training", "The decision in this case is training, not revoking privileges"),
])
def test_revoking_follows_a_decision_to_revoke(employee, policy, action, message):
    case = decided(employee, policy, action) if action else open_case(employee, policy)

    with pytest.raises(CaseRuleError, match=message):
        revoke(case)
    assert count(CaseRevocation) == 0


def test_privileges_not_yet_restored_cannot_be_revoked_again(revoking):
    revoke(revoking)

    with pytest.raises(CaseRuleError, match="until 2026-12-10 are not restored yet"):
        revoke(revoking, resources=["vpn"])
    assert count(CaseRevocation) == 1


# --- restoring ------------------------------------------------------------------------------------


def test_restoring_records_the_day_and_who(revoking, login_as):
    kept = revoke(revoking)
    hr = login_as("hr_officer")

    privileges.record_restoration(revoking, kept.id, date(2026, 12, 4), actor=hr, today=TODAY)

    assert (kept.restored_on, kept.restored_by_id) == (date(2026, 12, 4), hr.id)
    [entry] = entries("restore")
    assert entry.summary == f"Privileges revoked in case {revoking.reference} restored on 2026-12-04"


@pytest.mark.parametrize(("restored_on", "message"), [
    (None, "Give the date the privileges were given back."),
    (date(2026, 11, 9), "The revocation started on 2026-11-10: privileges cannot be restored before."),
    (date(2026, 12, 5), "The restoration cannot be dated after today"),
])
def test_a_bad_restoration_is_refused(revoking, restored_on, message):
    kept = revoke(revoking)

    with pytest.raises(CaseRuleError, match=message) as refused:
        privileges.record_restoration(revoking, kept.id, restored_on, actor=None, today=TODAY)
    assert fields_of(refused) == ["restored_on"]
    db.session.refresh(kept)
    assert kept.restored_on is None and entries("restore") == []


def test_restoring_twice_or_another_cases_revocation_is_refused(revoking, employee, policy):
    kept = revoke(revoking)
    privileges.record_restoration(revoking, kept.id, TODAY, actor=None, today=TODAY)
    other = decided(employee, policy, "revoke_privileges")

    with pytest.raises(CaseRuleError, match="restored on 2026-12-04 already"):
        privileges.record_restoration(revoking, kept.id, TODAY, actor=None, today=TODAY)
    with pytest.raises(CaseRuleError, match="That revocation is not part of this case."):
        privileges.record_restoration(other, kept.id, TODAY, actor=None, today=TODAY)


def test_revocations_due_are_those_not_restored_ending_by_the_day(revoking, employee, policy):
    due = revoke(revoking)  # ends 2026-12-10
    later = revoke(decided(employee, policy, "revoke_privileges"), ends_on=date(2026, 12, 20))
    restored_case = decided(employee, policy, "revoke_privileges")
    restored = revoke(restored_case, ends_on=date(2026, 12, 1))
    privileges.record_restoration(restored_case, restored.id, date(2026, 12, 1), actor=None, today=TODAY)

    assert privileges.revocations_due(date(2026, 12, 9)) == []
    assert privileges.revocations_due(date(2026, 12, 10)) == [due]
    assert privileges.revocations_due(date(2026, 12, 31)) == [due, later]
    assert privileges.restore_overdue(due, date(2026, 12, 11)) and not privileges.restore_overdue(due, TODAY)


# --- training -------------------------------------------------------------------------------------


def assign(case, **changes):
    values = {"course": "Information security awareness", "provider": "SITA", "due_on": date(2026, 12, 31), **changes}
    return privileges.assign_training(case, values["course"], values["provider"], values["due_on"], actor=None,
                                      today=TODAY)


def test_assigning_training_records_the_course_and_due_date(training_case):
    training = assign(training_case)

    assert (training.course, training.provider, training.due_on) == ("Information security awareness", "SITA",
                                                                     date(2026, 12, 31))
    [entry] = entries("assign")
    assert entry.summary == f"Training assigned in case {training_case.reference}, due 2026-12-31"
    assert "Ayanda" not in entry.summary + entry.changes


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"course": " "}, "course", "Name the course the employee must attend."),
    ({"due_on": None}, "due_on", "Give the date by which the training must be completed."),
    ({"due_on": date(2026, 12, 3)}, "due_on", "The due date (2026-12-03) cannot be in the past: give 2026-12-04 "
                                              "or later."),
])
def test_bad_training_is_refused_and_nothing_is_stored(training_case, changes, field, message):
    with pytest.raises(CaseRuleError) as refused:
        assign(training_case, **changes)
    assert (field, message) in refused.value.problems
    assert count(CaseTraining) == 0


def test_training_follows_a_decision_to_train(revoking):
    with pytest.raises(CaseRuleError, match="The decision in this case is revoking privileges, not training"):
        assign(revoking)
    assert count(CaseTraining) == 0


def test_completing_training_with_evidence_adds_it_to_the_case(training_case):
    training = assign(training_case)
    certificate = check_evidence("certificate.pdf", b"%PDF-1.4\n%certificate\n")

    privileges.record_training_completion(training_case, training.id, date(2026, 12, 3), evidence=certificate,
                                          actor=None, today=TODAY)

    assert training.completed_on == date(2026, 12, 3)
    assert training.evidence.original_name == "certificate.pdf" and training_case.evidence == [training.evidence]
    assert [e.summary for e in entries("complete")] == [
        f"Training in case {training_case.reference} completed on 2026-12-03 (evidence added)"]
    assert len(entries("upload")) == 1


@pytest.mark.parametrize(("completed_on", "message"), [
    (None, "Give the date the employee completed the training."),
    (date(2026, 11, 1), "The incident was on 2026-11-02: training for it cannot have been completed before"),
    (date(2026, 12, 5), "The completion cannot be dated after today."),
])
def test_a_bad_completion_is_refused_and_nothing_is_stored(training_case, completed_on, message):
    training = assign(training_case)
    certificate = check_evidence("certificate.pdf", b"%PDF-1.4\n%certificate\n")

    with pytest.raises(CaseRuleError, match=message) as refused:
        privileges.record_training_completion(training_case, training.id, completed_on, evidence=certificate,
                                              actor=None, today=TODAY)
    assert fields_of(refused) == ["completed_on"]
    db.session.refresh(training)
    assert training.completed_on is None and training_case.evidence == [] and entries("complete") == []


def test_a_completion_before_the_decision_needs_a_reason(training_case):
    """Completed before the decision to train (2026-11-05): only with a reason, kept and audited."""
    training = assign(training_case)

    with pytest.raises(FairnessError, match="The training's completion is dated 2026-11-04, before the decision of "
                                            "2026-11-05") as refused:
        privileges.record_training_completion(training_case, training.id, date(2026, 11, 4), actor=None, today=TODAY)
    assert set(fields_of(refused)) == {"override_reason"} and entries("complete") == []

    privileges.record_training_completion(training_case, training.id, date(2026, 11, 4), actor=None, today=TODAY,
                                          override_reason="She took the course of her own accord the day before.")
    assert training.completed_on == date(2026, 11, 4)
    assert [o.check for o in training_case.fairness_overrides] == ["dated_before_decision"]
    assert len(entries("override")) == 1


def test_completing_twice_is_refused(training_case):
    training = assign(training_case)
    privileges.record_training_completion(training_case, training.id, TODAY, actor=None, today=TODAY)

    with pytest.raises(CaseRuleError, match="completed on 2026-12-04 already"):
        privileges.record_training_completion(training_case, training.id, TODAY, actor=None, today=TODAY)


def test_trainings_due_are_those_not_completed_due_by_the_day(training_case):
    due = assign(training_case)
    done = assign(training_case, course="POPIA basics", due_on=date(2026, 12, 5))
    privileges.record_training_completion(training_case, done.id, TODAY, actor=None, today=TODAY)

    assert privileges.trainings_due(date(2026, 12, 30)) == []
    assert privileges.trainings_due(date(2026, 12, 31)) == [due]
    assert privileges.training_overdue(due, date(2027, 1, 1)) and not privileges.training_overdue(due, TODAY)


# --- closing --------------------------------------------------------------------------------------


def close(case):
    cases.close_case(case, "Done.", expected_version=case.version, actor=None, today=TODAY)


def test_a_revocation_case_closes_only_once_privileges_are_restored(revoking):
    with pytest.raises(CaseRuleError, match="record the revocation before closing"):
        close(revoking)
    kept = revoke(revoking)
    with pytest.raises(CaseRuleError, match="revoked until 2026-12-10 are not restored yet"):
        close(revoking)
    privileges.record_restoration(revoking, kept.id, TODAY, actor=None, today=TODAY)

    close(revoking)

    assert revoking.status == "closed"
    with pytest.raises(CaseRuleError, match="is closed"):
        revoke(revoking, starts_on=date(2026, 12, 4), ends_on=date(2026, 12, 20))


def test_a_training_case_closes_only_once_training_is_completed(training_case):
    with pytest.raises(CaseRuleError, match="assign the training before closing"):
        close(training_case)
    training = assign(training_case)
    with pytest.raises(CaseRuleError, match="“Information security awareness” \\(due 2026-12-31\\) is not completed"):
        close(training_case)
    privileges.record_training_completion(training_case, training.id, TODAY, actor=None, today=TODAY)

    close(training_case)

    assert training_case.status == "closed"
