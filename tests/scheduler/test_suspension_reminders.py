"""The reminder of a precautionary suspension reaching its limit without a hearing (issue 18 point 14):
who is told, when, once per stage, and no employee's name."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.admin import settings
from app.extensions import db
from app.policies.cases.models import CaseHearing, CaseSuspension
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from app.scheduler.models import Notification
from tests import factories
from tests.scheduler.conftest import TODAY, make_case

DAY = timedelta(days=1)


def _suspend(case, starts_on, *, by=None, ends_on=None) -> CaseSuspension:
    suspension = CaseSuspension(case_id=case.id, starts_on=starts_on, ends_on=ends_on, with_pay=True,
                                reasons="The logs must be kept intact.", created_by_id=by.id if by else None)
    db.session.add(suspension)
    db.session.commit()
    return suspension


def _notes() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.kind == Kind.SUSPENSION_WITHOUT_HEARING.value).order_by(Notification.id)))


def test_a_suspension_reaching_60_days_without_a_hearing_is_reminded_of(app):
    manager, hr = factories.make_user("manager"), factories.make_user("hr_officer")
    case = make_case(manager, employee_name="Nomsa Zulu")
    soon = _suspend(case, TODAY - 53 * DAY, by=hr)  # reaches 60 days in 7 days
    _suspend(make_case(manager), TODAY - 52 * DAY, by=hr)  # not yet within the week
    _suspend(make_case(manager), TODAY - 80 * DAY, by=hr, ends_on=TODAY - DAY)  # lifted
    heard = make_case(manager)
    _suspend(heard, TODAY - 80 * DAY, by=hr)
    db.session.add(CaseHearing(case_id=heard.id, held_on=TODAY - 2 * DAY, chair="Mr T. Nkosi"))
    db.session.commit()

    reminders.send_reminders(TODAY)

    notes = _notes()
    assert {(n.user_id, n.item_key) for n in notes} == {(hr.id, f"suspension:{soon.id}:due"),
                                                        (manager.id, f"suspension:{soon.id}:due")}
    assert notes[0].title == f"Suspension in case {case.reference} reaches its limit on 14 Dec 2026, no hearing held"
    assert notes[0].due_on == date(2026, 12, 14) and notes[0].link == f"/cases/{case.id}"
    for note in notes:
        assert "Nomsa" not in note.title + note.body and "Zulu" not in note.title + note.body


def test_past_the_limit_it_is_overdue_and_follows_the_setting(app):
    hr = factories.make_user("hr_officer")
    case = make_case(None)
    late = _suspend(case, TODAY - 61 * DAY)
    settings.save({settings.SUSPENSION_HEARING_DAYS: 90}, actor=None)
    db.session.commit()
    reminders.send_reminders(TODAY)
    assert _notes() == []  # within the SALGBC's three months

    settings.save({settings.SUSPENSION_HEARING_DAYS: 60}, actor=None)
    db.session.commit()
    reminders.send_reminders(TODAY)
    reminders.send_reminders(TODAY + DAY)

    assert [(n.user_id, n.item_key) for n in _notes()] == [(hr.id, f"suspension:{late.id}:overdue")]
    assert "past its limit since 06 Dec 2026" in _notes()[0].title
