"""The scheduler's `measurements` job (once per period, however often it runs) and the reminders of a
hand-measured metric's value falling due."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.objectives import measuring
from app.objectives.models import Measurement
from app.scheduler import reminders, runner
from app.scheduler.kinds import Kind
from app.scheduler.models import Notification
from tests import factories
from tests.objectives.conftest import make_metric, measure


def measurement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) or 0


def test_the_job_records_each_computed_metric_once_per_period(app):
    make_metric("SoA implemented", computation="soa_implemented", target=80, direction="higher")
    make_metric("Overdue actions", computation="overdue_treatment_actions", target=0, unit="actions",
                frequency="quarterly")
    make_metric()  # by hand: not the job's

    assert measuring.record_computed_measurements(date(2026, 12, 6)) == "2 computed measurements recorded"
    assert measuring.record_computed_measurements(date(2026, 12, 7)) == "0 computed measurements recorded"
    assert measuring.record_computed_measurements(date(2026, 12, 31)) == "0 computed measurements recorded"
    assert measuring.record_computed_measurements(date(2027, 1, 1)) == "2 computed measurements recorded"
    assert measuring.record_computed_measurements(date(2027, 2, 1)) == "1 computed measurement recorded"
    assert measurement_count() == 5


def test_the_job_is_registered_and_its_run_commits(app):
    make_metric("SoA implemented", computation="soa_implemented", target=80, direction="higher")

    run = runner.run_job("measurements")
    again = runner.run_job("measurements")

    assert run.summary == "1 computed measurement recorded" and again.summary == "0 computed measurements recorded"
    db.session.rollback()
    assert measurement_count() == 1


def test_a_hand_measured_metric_is_reminded_in_the_last_week_and_when_overdue(app):
    measurer = factories.make_user("risk_owner")
    metric = make_metric(measurer=measurer)
    metric.created_at = metric.created_at.replace(year=2026, month=1, day=1)
    db.session.commit()
    measure(metric, date(2026, 10, 15), 9.1)  # October measured, November not

    early = reminders.collect(date(2026, 12, 20), kinds=[Kind.MEASUREMENT_DUE])
    late = reminders.collect(date(2026, 12, 26), kinds=[Kind.MEASUREMENT_DUE])

    assert [r.message.title for r in early] == [
        "Measurement of Phishing simulation click rate for Nov 2026 overdue since 30 Nov 2026"]
    assert [r.message.title for r in late][-1] == (
        "Measurement of Phishing simulation click rate for Dec 2026 due by 31 Dec 2026")
    assert all(r.user_ids == (measurer.id,) for r in late)
    assert late[0].message.link == f"/objectives/metrics/{metric.id}"
    measure(metric, date(2026, 11, 30), 7.3)  # November measured: no longer asked for
    assert [r.message.title for r in reminders.collect(date(2026, 12, 26), kinds=[Kind.MEASUREMENT_DUE])] == [
        "Measurement of Phishing simulation click rate for Dec 2026 due by 31 Dec 2026"]


def test_a_reminder_is_left_once_and_not_for_periods_before_the_metric(app):
    measurer = factories.make_user("manager")
    metric = make_metric(measurer=measurer)
    metric.created_at = metric.created_at.replace(year=2026, month=12, day=6)  # November ended before it
    db.session.commit()

    reminders.leave(reminders.collect(date(2026, 12, 28), kinds=[Kind.MEASUREMENT_DUE]))
    reminders.leave(reminders.collect(date(2026, 12, 29), kinds=[Kind.MEASUREMENT_DUE]))
    db.session.commit()

    notes = list(db.session.scalars(sa.select(Notification).where(Notification.kind == "measurement_due")))
    assert [note.user_id for note in notes] == [measurer.id]
    assert "for Dec 2026 due by" in notes[0].title
