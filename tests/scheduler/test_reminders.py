"""Each reminder rule: what comes due, who is told, once per item and due date, and no personal data."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.audit import checkpoints
from app.audit.models import AuditCheckpoint
from app.extensions import db
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from app.scheduler.models import Notification
from tests import factories
from tests.scheduler.conftest import (
    TODAY,
    make_acceptance,
    make_action,
    make_asset,
    make_case,
    make_evidence,
    make_policy,
    make_revocation,
    make_risk,
    make_training,
    make_warning,
)

DAY = timedelta(days=1)


def _notes(kind: Kind | None = None) -> list[Notification]:
    statement = sa.select(Notification).order_by(Notification.id)
    if kind:
        statement = statement.where(Notification.kind == kind.value)
    return list(db.session.scalars(statement))


def _keys(kind: Kind) -> set[tuple[int, str]]:
    return {(n.user_id, n.item_key) for n in _notes(kind)}


def test_risk_review_due_within_14_days_and_overdue_go_to_the_owner(app):
    owner, other = factories.make_user("risk_owner"), factories.make_user("risk_owner")
    soon = make_risk(owner, next_review_on=TODAY + 14 * DAY)
    late = make_risk(owner, next_review_on=TODAY - 3 * DAY)
    make_risk(other, next_review_on=TODAY + 15 * DAY)  # not yet
    make_risk(other, next_review_on=TODAY - DAY, status="closed")  # closed risks are not reviewed
    reminders.send_reminders(TODAY)
    assert _keys(Kind.RISK_REVIEW) == {(owner.id, f"risk:{soon.id}:due"), (owner.id, f"risk:{late.id}:overdue")}
    overdue = next(n for n in _notes(Kind.RISK_REVIEW) if n.item_key.endswith("overdue"))
    assert overdue.title == f"Review of risk {late.reference} overdue since 04 Dec 2026"
    assert overdue.link == f"/risks/{late.id}" and overdue.due_on == late.next_review_on


def test_a_reminder_is_left_once_per_item_and_due_date_even_when_the_job_runs_twice(app):
    owner = factories.make_user("risk_owner")
    risk = make_risk(owner, next_review_on=TODAY + 2 * DAY)
    first = reminders.send_reminders(TODAY)
    second = reminders.send_reminders(TODAY)
    reminders.send_reminders(TODAY + DAY)  # the next day: still the same item and date
    assert len(_notes()) == 1
    assert first.startswith("1 reminders left") and second.startswith("0 reminders left, 1 already sent before")
    # The review moved to a new date: that date gets its own reminder; past it, one "overdue" more.
    risk.next_review_on = TODAY + 5 * DAY
    db.session.commit()
    reminders.send_reminders(TODAY)
    reminders.send_reminders(TODAY + 6 * DAY)
    assert [n.item_key for n in _notes()] == [f"risk:{risk.id}:due", f"risk:{risk.id}:due", f"risk:{risk.id}:overdue"]


def test_treatment_actions_go_to_the_action_owner_else_the_risk_owner(app):
    risk_owner, action_owner = factories.make_user("risk_owner"), factories.make_user("risk_owner")
    risk = make_risk(risk_owner)
    owned = make_action(risk, action_owner, TODAY + 7 * DAY)
    unowned = make_action(risk, None, TODAY - DAY)
    make_action(risk, action_owner, TODAY + 8 * DAY)  # not yet
    make_action(risk, action_owner, TODAY - DAY, status="done")
    reminders.send_reminders(TODAY)
    assert _keys(Kind.TREATMENT_ACTION) == {(action_owner.id, f"action:{owned.id}:due"),
                                            (risk_owner.id, f"action:{unowned.id}:overdue")}


def test_acceptances_expiring_within_30_days_tell_the_risk_owner_and_who_accepted(app):
    owner, officer = factories.make_user("risk_owner"), factories.make_user("security_officer")
    risk = make_risk(owner)
    expiring = make_acceptance(risk, officer, TODAY + 30 * DAY)
    make_acceptance(make_risk(owner), officer, TODAY + 31 * DAY)
    reminders.send_reminders(TODAY)
    assert _keys(Kind.ACCEPTANCE_EXPIRING) == {(owner.id, f"acceptance:{expiring.id}:due"),
                                               (officer.id, f"acceptance:{expiring.id}:due")}


def test_evidence_expiring_tells_the_control_owner_else_whoever_added_it(app):
    control_owner, uploader = factories.make_user("security_officer"), factories.make_user("security_officer")
    expiring = make_evidence(TODAY + 30 * DAY, control_owner=control_owner)
    assert _keys(Kind.EVIDENCE_EXPIRING) == set()
    reminders.send_reminders(TODAY)
    assert _keys(Kind.EVIDENCE_EXPIRING) == {(control_owner.id, f"evidence:{expiring.id}:due")}
    db.session.execute(sa.delete(Notification))
    expiring.controls[0].owner_id = None
    db.session.commit()
    expired = make_evidence(TODAY - 10 * DAY, created_by=uploader)
    make_evidence(TODAY - 31 * DAY, created_by=uploader)  # long expired: history, not a task
    reminders.send_reminders(TODAY)
    assert (uploader.id, f"evidence:{expired.id}:overdue") in _keys(Kind.EVIDENCE_EXPIRING)
    assert len(_keys(Kind.EVIDENCE_EXPIRING)) == 1


def test_policy_reviews_due_go_to_the_policy_owner(app):
    owner = factories.make_user("security_officer")
    due = make_policy(owner, TODAY + 30 * DAY)
    make_policy(owner, TODAY + 31 * DAY)
    make_policy(owner, TODAY - DAY, state="draft")  # only the version in force is reviewed
    reminders.send_reminders(TODAY)
    assert _keys(Kind.POLICY_REVIEW) == {(owner.id, f"policy-version:{due.versions[0].id}:due")}


def test_privileges_to_restore_name_the_case_never_the_employee(app):
    manager, hr = factories.make_user("manager"), factories.make_user("hr_officer")
    case = make_case(manager, employee_name="Nomsa Zulu")
    ending = make_revocation(case, TODAY + DAY, revoked_by=hr)
    make_revocation(case, TODAY + 2 * DAY, revoked_by=hr)  # not yet
    reminders.send_reminders(TODAY)
    notes = _notes(Kind.PRIVILEGES_RESTORE)
    assert {(n.user_id, n.item_key) for n in notes} == {(hr.id, f"revocation:{ending.id}:due"),
                                                        (manager.id, f"revocation:{ending.id}:due")}
    assert case.reference in notes[0].title and "Internet access" in notes[0].body
    for note in notes:
        assert "Nomsa" not in note.title + note.body and "Zulu" not in note.title + note.body


def test_case_reminders_fall_back_to_hr_when_nobody_who_handled_the_case_can_sign_in(app):
    hr = factories.make_user("hr_officer")
    case = make_case(None)
    training = make_training(case, TODAY + 7 * DAY)
    warning = make_warning(case, TODAY + 30 * DAY)
    make_warning(case, TODAY + 31 * DAY)
    reminders.send_reminders(TODAY)
    assert _keys(Kind.TRAINING_DUE) == {(hr.id, f"training:{training.id}:due")}
    assert _keys(Kind.WARNING_LAPSING) == {(hr.id, f"warning:{warning.id}:due")}
    assert "written warning" in _notes(Kind.WARNING_LAPSING)[0].body


def test_end_of_support_is_one_reminder_per_owner_and_date_naming_the_items(app):
    owner, other = factories.make_user("security_officer"), factories.make_user("security_officer")
    ends = TODAY + 90 * DAY
    for number in range(25):
        make_asset(owner, ends, tag=f"PC-{number:03d}")
    make_asset(other, TODAY + 10 * DAY, tag="SRV-1")
    make_asset(other, TODAY + 91 * DAY, tag="SRV-2")  # not yet
    make_asset(other, TODAY + 10 * DAY, tag="SRV-3", status="retired")  # out of the estate
    make_asset(owner, TODAY - DAY, tag="XP-1")  # support already ended: the unsupported page, not a reminder
    reminders.send_reminders(TODAY)
    notes = _notes(Kind.END_OF_SUPPORT)
    assert {(n.user_id, n.due_on) for n in notes} == {(owner.id, ends), (other.id, TODAY + 10 * DAY)}
    mine = next(n for n in notes if n.user_id == owner.id)
    assert mine.title == "25 items you own reach vendor end of support on 07 Mar 2027"
    assert "PC-000" in mine.body and "and 5 more" in mine.body and "XP-1" not in mine.body
    assert mine.link == f"/assets?owner={owner.id}&support=ending"


def test_nobody_is_told_about_items_without_an_active_owner(app):
    owner = factories.make_user("risk_owner")
    make_risk(None, next_review_on=TODAY)
    make_risk(owner, next_review_on=TODAY)
    owner.active = False
    db.session.commit()
    summary = reminders.send_reminders(TODAY)
    assert _notes() == [] and "2 items with nobody to tell" in summary


def test_weekly_digest_lists_each_users_coming_week_once(app):
    owner = factories.make_user("risk_owner")
    risk = make_risk(owner, next_review_on=TODAY + 3 * DAY)
    make_action(risk, owner, TODAY - 2 * DAY)
    make_risk(owner, next_review_on=TODAY + 8 * DAY)  # beyond the week
    factories.make_user("risk_owner")  # nothing due: no digest
    assert reminders.send_weekly_digest(TODAY) == "1 digests left"
    assert reminders.send_weekly_digest(TODAY + 2 * DAY) == "0 digests left"  # same week
    (digest,) = _notes(Kind.DIGEST)
    assert digest.user_id == owner.id and digest.item_key == "digest:2026-W50" and digest.due_on == TODAY
    assert digest.title == "Your week from 07 Dec 2026: 2 items due, 1 of them overdue"
    assert digest.body.splitlines()[0].startswith("- Treatment action overdue")
    assert digest.link == "/notifications"
    # The audit log's signed head, published in every digest (issue 17, point 5).
    published = db.session.scalar(sa.select(AuditCheckpoint).where(AuditCheckpoint.reason == "digest")
                                  .order_by(AuditCheckpoint.id).limit(1))
    assert digest.body.splitlines()[-1] == checkpoints.digest_line(published)
    assert f"--checkpoint {published.entry_id}:{published.entry_hash}:{published.entry_count}" in digest.body
