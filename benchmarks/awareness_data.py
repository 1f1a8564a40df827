"""The awareness register at benchmark size (issue 20): 200,000 training records.

On top of the demo's employees and campaigns, employees are added in bulk up to `employees` (the
training system's learners), monthly campaigns up to `campaigns` going back in time (every other one
for one department, the rest for all staff), and each campaign's completions of its audience written
with multi-row INSERTs, as the asset generator writes the CMDB, until `records` training records exist.
measure_awareness() then times the list, the rates page, the largest campaign's page (its attendance
list, first page) and the person with the most records. The data is the same on every run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import Department
from app.awareness import services
from app.awareness.models import Campaign, TrainingRecord
from app.common.models import table_of
from app.common.timeutil import add_months, local_today, utcnow
from app.employees.models import EMPLOYED, Employee
from app.extensions import db

CHUNK = 5_000


@dataclass
class AwarenessReport:
    employees: int
    campaigns: int
    records: int
    seconds: float


def generate_awareness(records: int = 200_000, employees: int = 12_000, campaigns: int = 36,
                       seed: int = 2004) -> AwarenessReport:
    started, rng = time.perf_counter(), random.Random(seed)
    _add_employees(employees, rng)
    made = _add_campaigns(campaigns)
    db.session.flush()
    staff = db.session.execute(sa.select(Employee.id, Employee.department_id, Employee.status, Employee.position)
                               .where(Employee.status.in_(sorted(EMPLOYED))).order_by(Employee.id)).all()
    have = db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRecord)) or 0
    done_pairs = set(db.session.execute(sa.select(TrainingRecord.campaign_id, TrainingRecord.employee_id)).all())
    table, now, batch = table_of(TrainingRecord), utcnow(), []
    for campaign in sorted(made, key=lambda c: c.starts_on):
        if have >= records:
            break
        for person in staff:
            if have >= records:
                break
            if (campaign.id, person.id) in done_pairs or not services.in_audience(campaign, person):
                continue
            roll = rng.random()
            if roll > 0.85:
                continue
            outcome = "not_completed" if roll > 0.78 else "completed"
            batch.append({"campaign_id": campaign.id, "employee_id": person.id, "outcome": outcome,
                          "completed_on": None if outcome == "not_completed" else
                          campaign.starts_on + timedelta(days=rng.randint(0, 27)),
                          "score": rng.randint(50, 100) if outcome == "completed" else None, "source": "import",
                          "note": "", "department_id": person.department_id, "in_audience": True,
                          "created_at": now, "updated_at": now})
            have += 1
            if len(batch) >= CHUNK:
                db.session.execute(table.insert(), batch)
                batch = []
    if batch:
        db.session.execute(table.insert(), batch)
    db.session.commit()
    return AwarenessReport(employees=_count(Employee), campaigns=_count(Campaign), records=_count(TrainingRecord),
                           seconds=time.perf_counter() - started)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _add_employees(wanted: int, rng: random.Random) -> None:
    have = _count(Employee)
    departments = list(db.session.scalars(sa.select(Department.id).order_by(Department.id)))
    positions = ["Administration Clerk", "Professional Nurse", "Data Capturer", "Social Worker", "Accountant",
                 "ICT Technician", "School Administration Clerk", "Librarian"]
    now, rows = utcnow(), []
    for index in range(have, wanted):
        rows.append({"number": f"9{index:07d}", "full_name": f"Learner {index:05d}",
                     "department_id": rng.choice(departments) if departments else None,
                     "position": rng.choice(positions), "status": "active", "email": None, "phone": "", "language": "",
                     "version": 1, "created_at": now, "updated_at": now})
    for start in range(0, len(rows), CHUNK):
        db.session.execute(table_of(Employee).insert(), rows[start:start + CHUNK])


def _add_campaigns(wanted: int) -> list[Campaign]:
    existing = list(db.session.scalars(sa.select(Campaign).order_by(Campaign.starts_on)))
    departments = list(db.session.scalars(sa.select(Department.id).order_by(Department.id)))
    first = existing[0].starts_on if existing else local_today().replace(day=1)
    made = []
    for index in range(wanted - len(existing)):
        starts_on = add_months(first, -(index + 1))
        made.append(services.create_campaign(services.CampaignInput(
            topic=f"Benchmark awareness campaign {index + 1:03d}", channel="online", starts_on=starts_on,
            ends_on=add_months(starts_on, 1) - timedelta(days=1),
            department_ids=[departments[index % len(departments)]] if index % 2 and departments else []),
            actor=None))
    return existing + made


def measure_awareness(app, results) -> None:
    """The awareness pages as the security officer on the generated register."""
    from benchmarks.run import OFFICER_EMAIL, PAGE_RUNS, PAGE_TARGET_MS, measure_pages, sign_in

    with app.app_context():
        records = _count(TrainingRecord)
        largest = db.session.scalar(sa.select(TrainingRecord.campaign_id).group_by(TrainingRecord.campaign_id)
                                    .order_by(sa.func.count().desc()).limit(1))
        person = db.session.scalar(sa.select(TrainingRecord.employee_id).group_by(TrainingRecord.employee_id)
                                   .order_by(sa.func.count().desc()).limit(1))
        db.session.remove()
    client = sign_in(app, OFFICER_EMAIL, app.config["DEMO_PASSWORD"])
    measure_pages(client, [
        ("awareness_list", "/awareness", PAGE_RUNS, "Awareness campaigns, first page, with their completion rates"),
        ("awareness_rates", "/awareness/rates", PAGE_RUNS, "Completion per department and month, with the trend"),
        ("awareness_campaign", f"/awareness/campaigns/{largest}", PAGE_RUNS, "The campaign with the most training "
         "records: rates per department and the first page of its attendance"),
        ("awareness_person", f"/awareness/people/{person}", PAGE_RUNS, "The person with the most training records"),
    ], results, records, PAGE_TARGET_MS)
