"""The demo's management reviews: last year's, and one held about six weeks ago and approved by the
accounting officer, each with its compiled pack (its PDF made by the scheduler's documents job within
seconds of `make run`), minutes and decisions. Seeded from app/core/demo.py after the registers whose
figures the packs read."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.auth import services as accounts
from app.common.timeutil import add_months, local_today, start_of_local_day
from app.extensions import db
from app.reviews import services
from app.reviews.models import ActionStatus, ManagementReview
from app.risks.models import Risk, TreatmentAction

EXTERNAL = "Provincial Internal Audit (Department of the Premier)"


def _person(email: str):
    user = accounts.find_user_by_email(email)
    if user is None:
        raise LookupError(f"The demo account {email} is missing: seed the accounts first.")
    return user


def _review(title, meeting_on, chair, attendees, *, feedback: str, opportunities: str, minutes: str, actions):
    review = services.create_review(services.ReviewInput(
        title=title, meeting_on=meeting_on, chair_id=chair.id, attendee_ids=[user.id for user in attendees],
        external_attendees=EXTERNAL, interested_party_feedback=feedback, improvement_opportunities=opportunities),
        actor=None)
    services.compile_pack(review, as_of=meeting_on - timedelta(days=7), actor=None, today=meeting_on)
    added = []
    for decision, title_, owner, due_on, closed_on in actions:
        action = services.add_action(review, services.ActionInput(decision, title_, owner.id, due_on), actor=None)
        if closed_on:
            action.status, action.closed_on = ActionStatus.DONE.value, closed_on
            action.progress_note = "Done and reported to the ISMS committee."
        added.append(action)
    services.record_minutes(review, minutes, expected_version=review.version, actor=None, today=meeting_on)
    services.approve(review, expected_version=review.version, actor=chair)
    return review


def _date_the_register_back(start) -> None:
    """The demo's risks and treatment actions were all written just now, yet the demo tells an ISMS year
    ending today: date their records from its start, or the packs compiled as of earlier dates (which
    leave out what was recorded after them) would find no risk at all."""
    since = start_of_local_day(local_today())
    for model in (Risk, TreatmentAction):
        db.session.execute(sa.update(model).where(model.created_at >= since)
                           .values(created_at=start_of_local_day(start)))


def seed_demo_reviews() -> list[str]:
    if db.session.scalar(sa.select(sa.func.count(ManagementReview.id))):
        return []
    today = local_today()
    ao, hod = _person("ao@example.org"), _person("hod@example.org")
    officer, owner = _person("officer@example.org"), _person("owner@example.org")
    manager = _person("manager@example.org")
    earlier_on = add_months(today, -13)
    recent_on = today - timedelta(days=45)
    _date_the_register_back(add_months(today, -14))
    _review(
        f"Management review {earlier_on.year}", earlier_on, hod, [officer, owner],
        feedback="The Auditor-General's management letter asked for a documented ICT risk register and treatment plan.",
        opportunities="Move the risk register from spreadsheets into Khusela.",
        minutes="The head of department chaired. The ISMS scope and the risk methodology were confirmed. The "
                "committee agreed to adopt ISO/IEC 27001:2022 and to report on the treatment plan every quarter.",
        actions=[("Adopt a single risk register.", "Load the departmental risk registers into Khusela", officer,
                  add_months(earlier_on, 3), add_months(earlier_on, 2)),
                 ("Close the gaps in security monitoring.", "Write the business case for a security operations centre",
                  owner, add_months(earlier_on, 6), None)])
    _review(
        f"Management review {recent_on.year}", recent_on, ao, [hod, officer, owner, manager],
        feedback="Residents complained about phishing e-mails that used the Department of Health's name; SITA "
                 "asked for the firewall change window to be agreed.",
        opportunities="Automate the quarterly access reviews; report control test results on the dashboard.",
        minutes="The accounting officer chaired. The committee considered the review pack: the risks above tolerance "
                "and their acceptances, the open nonconformities and the treatment actions overdue. The SOC "
                "business case from the last review is still open and was given a new date. Decisions below.",
        actions=[("Raise awareness of phishing.", "Run a phishing simulation for all staff", officer,
                  recent_on + timedelta(days=30), recent_on + timedelta(days=28)),
                 ("Renew the end-of-support technology.", "Approve the technology refresh budget", hod,
                  recent_on + timedelta(days=120), None),
                 ("Strengthen monitoring.", "Present the SOC business case to the executive committee", owner,
                  recent_on + timedelta(days=40), None),
                 ("Keep health facilities' networks segmented.", "Review the firewall rules of the health network",
                  manager, recent_on + timedelta(days=90), None)])
    return ["management reviews: two held and approved, with their packs and actions"]
