"""The awareness reminders: a campaign ending within a week below the completion target tells its
owner and the security officers; and the case training a person's record shows as overdue is the one
the scheduler reminds of (Kind.TRAINING_DUE), no more and no less."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.admin import settings
from app.extensions import db
from app.policies.cases.models import CaseTraining, PolicyCase
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from app.scheduler.models import Notification
from tests import factories
from tests.pages import page_text


def _below_target(today) -> list[reminders.Reminder]:
    return reminders.collect(today, kinds=[Kind.CAMPAIGN_BELOW_TARGET])


def test_a_campaign_ending_within_a_week_below_the_target_tells_its_owner_and_the_officers(
        make_campaign, record, officer, health, today):
    other_officer = factories.make_user("security_officer")
    staff = [factories.make_employee(department=health) for _ in range(4)]
    ending = make_campaign("Phishing", starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=5))
    on_target = make_campaign("Passwords", starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=5))
    later = make_campaign("Clean desk", starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=8))
    ended = make_campaign("USB", starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1))
    record(ending, staff[0])
    for employee in staff:
        record(on_target, employee)

    found = _below_target(today)

    assert [reminder.message.link for reminder in found] == [f"/awareness/campaigns/{ending.id}"]
    [reminder] = found
    due_on = ending.ends_on
    assert reminder.message.title == (f"End of awareness campaign {ending.reference} due on {due_on:%d %b %Y}: "
                                      "25% completed, the target is 80%")
    assert "1 of 4 employees in its audience" in reminder.message.body
    assert set(reminder.user_ids) == {officer.id, other_officer.id}  # the owner is an officer here
    assert later.id and ended.id  # outside the week, or over: nothing

    reminders.leave(found)
    reminders.leave(_below_target(today))  # the daily job again: once per user
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.kind == "campaign_below_target")) == 2


def test_the_target_is_the_setting(make_campaign, record, health, today):
    staff = [factories.make_employee(department=health) for _ in range(4)]
    campaign = make_campaign(starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=2))
    for employee in staff[:3]:
        record(campaign, employee)
    assert _below_target(today)  # 75% < 80%

    settings.save({settings.AWARENESS_TARGET_RATE: 70}, actor=None)
    db.session.commit()
    assert _below_target(today) == []


def test_a_campaign_owned_by_someone_else_tells_them_too(make_campaign, health, today):
    from app.awareness import services

    owner = factories.make_user("hr_officer")
    factories.make_employee(department=health)
    campaign = make_campaign(ends_on=today + timedelta(days=1))
    services.update_campaign(campaign, services.CampaignInput(
        topic=campaign.topic, channel=campaign.channel, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        owner_id=owner.id), expected_version=campaign.version, actor=None)
    db.session.commit()

    [reminder] = _below_target(today)
    assert owner.id in reminder.user_ids


def test_case_training_overdue_on_a_persons_record_is_what_the_scheduler_reminds_of(client, login_as, health,
                                                                                    today):
    nurse = factories.make_employee("Zanele Cele", department=health)
    case = factories.make_case(health, employee=nurse)
    training = CaseTraining(case_id=case.id, course="Phishing awareness (e-learning, 2 hours)",
                            due_on=today - timedelta(days=1))
    db.session.add(training)
    db.session.commit()
    login_as("hr_officer")

    def reminded() -> list[str]:
        return [r.message.item_key for r in reminders.collect(today, kinds=[Kind.TRAINING_DUE])]

    assert reminded() == [f"training:{training.id}:overdue"]
    assert "Overdue" in page_text(client.get(f"/awareness/people/{nurse.id}"))

    # Decided again and closed without it: nobody is reminded, and the record does not call it overdue.
    db.session.execute(sa.update(PolicyCase).where(PolicyCase.id == case.id).values(status="closed"))
    db.session.commit()
    assert reminded() == []
    page = page_text(client.get(f"/awareness/people/{nurse.id}"))
    assert "Overdue" not in page and "Not completed: case closed" in page
