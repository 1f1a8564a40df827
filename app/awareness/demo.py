"""Demo awareness register: the provincial deck's "Monthly cybersecurity awareness campaigns to educate
users in cyber risks and potential impact", one a month over the demo year, the current month's still
running. Topics are the deck's contributing factors of the Information Security risk, word for word,
and the municipal policy's "Adequate training to create awareness and guidance on policy compliance.";
the others follow the demo cases' policy clauses. Channels are the ICT Training Unit's delivery modes
(online, webinars, face-to-face) and e-mail bulletins. One campaign is for Health's clinical and
records staff only.

Completions of the demo employees still employed, the same every time (a seeded random): most
departments between 60% and 90%, written in bulk with one audit entry for the load, as the demo
employees are. The cases' training (the demo's phishing case, completed; the awareness course, still
required) shows on those employees' training records by itself. Idempotent: nothing is added when a
campaign exists."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department
from app.auth.services import find_user_by_email
from app.awareness import services
from app.awareness.models import Campaign, Outcome, TrainingRecord
from app.common.models import table_of
from app.common.timeutil import add_months, local_today, utcnow
from app.employees.models import EMPLOYED, Employee
from app.extensions import db

DECK = "Monthly cybersecurity awareness campaigns to educate users in cyber risks and potential impact."
# (topic, channel, departments, roles), oldest first; the last is this month's.
CAMPAIGNS = [
    ("Attack by an external source (e.g., cyber attack)", "online", (), ()),
    ("Passwords: never share them, never write them down (ICT-POL-003 clause 2.2)", "email", (), ()),
    ("Limited user adherence to ICT policies and procedures", "webinar", (), ()),
    ("Removable media: no personal USB sticks for work data (ICT-POL-002 clause 3.4)", "online", (), ()),
    ("Outdated computers (Windows 7 devices) on our network is major risk", "email", (), ()),
    ("Patients' personal information under POPIA", "face_to_face", ("DOH",),
     ("Professional Nurse", "Enrolled Nurse", "Clinical Nurse Practitioner", "Data Capturer",
      "Health Information Clerk", "Medical Records Clerk")),
    ("Attack and or Data/ Information leakage by an internal source (staff or Contractor)", "webinar", (), ()),
    ("Phishing: report it, do not click (ICT-POL-004 clause 5.3)", "phishing_simulation", (), ()),
    ("Ageing, unsupported, unmanaged technology (Hardware and software)", "online", (), ()),
    ("Report a lost device to the ICT Service Desk at once (ICT-POL-001 clause 4.2)", "email", (), ()),
    ("Adequate training to create awareness and guidance on policy compliance.", "face_to_face", (), ()),
    ("Attack by an external source (e.g., cyber attack): phishing refresher", "online", (), ()),
]
# How likely an employee of the department completes a campaign (the rest: default).
DEPARTMENT_UPTAKE = {"DOTP": 0.92, "PT": 0.85, "DOH": 0.62, "WCED": 0.58, "DSD": 0.7}
DEFAULT_UPTAKE = 0.76


def seed_demo_awareness(today: date | None = None) -> list[str]:
    if db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)):
        return []
    today = today or local_today()
    officer = find_user_by_email("officer@example.org")
    departments = {d.code: d.id for d in db.session.scalars(sa.select(Department))}
    first_month = add_months(today.replace(day=1), -(len(CAMPAIGNS) - 1))
    campaigns = []
    for index, (topic, channel, codes, roles) in enumerate(CAMPAIGNS):
        starts_on = add_months(first_month, index)
        ends_on = add_months(starts_on, 1) - timedelta(days=1)
        campaigns.append(services.create_campaign(services.CampaignInput(
            topic=topic, channel=channel, starts_on=starts_on, ends_on=ends_on, description=DECK,
            owner_id=officer.id if officer else None,
            department_ids=[departments[code] for code in codes if code in departments], roles=list(roles)),
            actor=None))
    rows = _completions(campaigns, today)
    if rows:
        db.session.execute(table_of(TrainingRecord).insert(), rows)
        audit.record(AuditAction.IMPORT, "training_record", None, changes={"training_records": [0, len(rows)]},
                     summary=f"Loaded {len(rows)} demo training records of {len(campaigns)} awareness campaigns")
    db.session.flush()
    return [f"awareness campaign {campaign.reference}" for campaign in campaigns] + \
        [f"{len(rows)} training records"]


def _completions(campaigns: list[Campaign], today: date) -> list[dict]:
    chance = random.Random(20)  # the same demo every time
    codes = {d.id: d.code for d in db.session.scalars(sa.select(Department))}
    staff = list(db.session.scalars(sa.select(Employee).where(Employee.status.in_(sorted(EMPLOYED)))
                                    .order_by(Employee.number)))
    now, rows = utcnow(), []
    for campaign in campaigns:
        last_day = min(campaign.ends_on, today)
        days = (last_day - campaign.starts_on).days
        running = campaign.ends_on >= today
        for employee in staff:
            if not services.in_audience(campaign, employee):
                continue
            uptake = DEPARTMENT_UPTAKE.get(codes.get(employee.department_id or 0, ""), DEFAULT_UPTAKE)
            if running:
                uptake *= min(1.0, (days + 1) / 30)  # this month's campaign is under way
            roll = chance.random()
            if roll < uptake:
                outcome = Outcome.ATTENDED if campaign.channel in ("face_to_face", "webinar") else Outcome.COMPLETED
                rows.append(_row(campaign, employee, outcome, campaign.starts_on + timedelta(
                    days=chance.randint(0, max(days, 0))), chance.randint(60, 100), now))
            elif roll < uptake + 0.08 and campaign.channel == "online":  # started the course, not finished
                rows.append(_row(campaign, employee, Outcome.NOT_COMPLETED, None, None, now))
    return rows


def _row(campaign: Campaign, employee: Employee, outcome: Outcome, completed_on: date | None, score: int | None,
         now) -> dict:
    scored = campaign.channel in ("online", "phishing_simulation") and outcome == Outcome.COMPLETED
    return {"campaign_id": campaign.id, "employee_id": employee.id, "outcome": outcome.value,
            "completed_on": completed_on, "score": score if scored else None, "source": "import", "note": "",
            "department_id": employee.department_id, "in_audience": True, "created_at": now, "updated_at": now}
