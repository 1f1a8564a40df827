"""A request for acceptance is told to whoever holds the authority the risk's band needs, within a
minute (a quiet job), once, and never to whoever asked."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth import services as accounts
from app.extensions import db
from app.risks import services as risk_services
from app.scheduler import reminders, runner
from app.scheduler.kinds import Kind
from app.scheduler.models import JobRun, Notification
from tests import factories
from tests.scheduler.conftest import TODAY


def _notifications() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == Kind.ACCEPTANCE_REQUESTED.value)
                                   .order_by(Notification.user_id)))


def _designated(designation, role="risk_owner", department=None, **fields):
    user = factories.make_user(role, department=department, **fields)
    accounts.set_acceptance_authority(user, designation, actor=None)
    db.session.commit()
    return user


def test_the_holders_are_told_once_and_the_asker_never(app):
    owner = factories.make_user("risk_owner")
    risk = factories.make_risk(owner)  # residual 9 (Medium) over 4: its owner's to accept
    asking_admin = _designated("accounting_officer", role="admin")  # holds authority too, but asked
    officer = factories.make_user("security_officer")
    request = risk_services.request_acceptance(risk, actor=asking_admin, note="Budget in April.", today=TODAY)
    db.session.commit()

    first = reminders.send_acceptance_requests(TODAY)
    again = reminders.send_acceptance_requests(TODAY)

    [note] = _notifications()
    assert note.user_id == owner.id and note.item_key == f"acceptance-request:{request.id}"
    assert note.title == f"Acceptance of risk R-0001 requested by {asking_admin.full_name}"
    assert "Budget in April." in note.body and note.link == f"/risks/{risk.id}/accept"
    assert first == "1 reminders left" and again == ""  # quiet: nothing new, nothing to say
    assert officer.id not in {n.user_id for n in _notifications()}


def test_the_job_runs_quietly_every_minute(app):
    owner = factories.make_user("risk_owner")
    risk = factories.make_risk(owner)
    runner.run_job("acceptance-requests")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0  # nothing to do: no record
    risk_services.request_acceptance(risk, actor=factories.make_user("security_officer"), note="", today=TODAY)
    db.session.commit()

    run = runner.run_job("acceptance-requests")

    assert run.summary == "1 reminders left" and [n.user_id for n in _notifications()] == [owner.id]


def test_an_answered_request_is_not_told(app):
    owner = factories.make_user("risk_owner")
    risk = factories.make_risk(owner)
    request = risk_services.request_acceptance(risk, actor=factories.make_user("security_officer"), note="",
                                               today=TODAY)
    risk_services.withdraw_request(request, actor=request.requested_by, reason="Treated")
    db.session.commit()
    assert reminders.send_acceptance_requests(TODAY) == "" and _notifications() == []
