"""The demo's management reviews: last year's, held as the ISMS forum's first meeting before the ISMS
operated (the internal audit of the ISMS clauses found it did not consider the inputs of 9.3.2), and one
held about six weeks ago and approved by the accounting officer, on a pack with every input: the corrective
action of that finding (app/nonconformities/demo.py reviews its effectiveness). Each has its compiled pack
(its PDF made by the scheduler's documents job within seconds of `make run`), minutes and decisions. Seeded
from app/core/demo.py after the registers whose figures the packs read."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.auth import services as accounts
from app.common.timeutil import add_months, local_today, start_of_local_day
from app.extensions import db
from app.nonconformities.demo import REVIEW_HELD_DAYS_AGO  # the recent review corrects the 9.3 finding
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
    for decision, title_, owner, due_on, closed_on, *note in actions:
        action = services.add_action(review, services.ActionInput(decision, title_, owner.id, due_on), actor=None)
        if closed_on:
            action.status, action.closed_on = ActionStatus.DONE.value, closed_on
            action.progress_note = note[0] if note else "Done and reported to the ISMS forum."
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
    recent_on = today - timedelta(days=REVIEW_HELD_DAYS_AGO)
    _date_the_register_back(add_months(today, -14))
    _review(
        f"Management review {earlier_on.year}", earlier_on, hod, [officer, owner],
        feedback="The Auditor-General's management letter asked for a documented ICT risk register and treatment plan.",
        opportunities="Move the risk register from spreadsheets into Khusela.",
        minutes="The head of department chaired the ISMS forum's first meeting. The committee agreed to establish an "
                "ISMS for the shared ICT services to ISO/IEC 27001:2022, confirmed the ISMS manager's appointment, "
                "and asked for a scope statement, a risk methodology and objectives for the coming year. It agreed "
                "that the treatment plan be reported to the forum every quarter.",
        actions=[("Adopt a single risk register.", "Load the departmental risk registers into Khusela", officer,
                  add_months(earlier_on, 3), add_months(earlier_on, 2)),
                 ("Close the gaps in security monitoring.",
                  "Write the business case for the Security Operations Centre Enhancement",
                  owner, add_months(earlier_on, 6), recent_on - timedelta(days=20),
                  "Business case written (late: the SITA procurement options took longer to price); for the "
                  "executive committee.")])
    _review(
        f"Management review {recent_on.year}", recent_on, ao, [hod, officer, owner, manager],
        feedback="Residents complained about phishing e-mails that used the Department of Health's name; SITA "
                 "asked for the firewall change window to be agreed.",
        opportunities="Automate the quarterly access reviews; report control test results on the dashboard.",
        minutes="The accounting officer chaired. Held to the ISMS forum's revised terms of reference, this review is "
                "the corrective action of the internal audit's finding on management review (9.3). The committee "
                "considered each input of 9.3.2 in the review pack in turn: the last review's actions (the SOC "
                "enhancement's business case written late); the context and the revised scope; the nonconformities, "
                "the internal audits' findings among them; the metrics, off target but for the patching trend; the "
                "objectives, the risk-tolerance objective at risk and not to be met by its date; the feedback of "
                "residents and SITA; and the risks above tolerance, most without treatment actions or acceptance. "
                "Decisions below, each with an owner and a due date.",
        actions=[("Stop phishing e-mails that use the province's name.",
                  "Enforce DMARC rejection on the health department's mail domain", officer,
                  recent_on + timedelta(days=30), recent_on + timedelta(days=28),
                  "DMARC policy set to reject; the reports show no legitimate mail refused."),
                 ("Renew the end-of-support technology.", "Approve the technology refresh budget", hod,
                  recent_on + timedelta(days=120), None),
                 ("Strengthen monitoring.", "Present the SOC enhancement's business case to the executive committee",
                  owner, recent_on + timedelta(days=40), None),
                 ("Keep health facilities' networks segmented.", "Review the firewall rules of the health network",
                  manager, recent_on + timedelta(days=90), None),
                 ("Carry the risk-tolerance objective into next year.",
                  "Set next year's objective for risks out of tolerance: a treatment action or an acceptance for "
                  "every risk above tolerance", hod, recent_on + timedelta(days=60), None)])
    return ["management reviews: two held and approved, with their packs and actions"]
