"""The incident register at benchmark size (issue 20): 5,000 incidents over three years on top of the demo's
year, with their departments, affected CMDB items, timelines and, for one in ten, the POPIA s22 track.

Rows are written in bulk (table_of(...) INSERTs, as benchmarks/risk_data.py writes its generated risks):
5,000 reports, triages and handlings through the services would take minutes for rows the pages read the
same way; the demo's incidents (written through the services) stay as they are. Statuses follow age: the
older are closed, the last weeks' still handled, a few awaiting triage, one in twenty not an incident.
The data is the same on every run (fixed random seed, dates relative to today).

measure_incidents() times the list (first page, filtered, the open POPIA tracks), the summary, one record
(the one with the longest timeline) and a reporter's own reports, as the security officer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.assets.models import Asset
from app.auth.models import Department, User
from app.common.models import table_of
from app.common.timeutil import local_today, to_local
from app.extensions import db
from app.incidents.models import (
    Incident,
    IncidentAction,
    IncidentCategory,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    incident_asset,
    incident_department,
)

INCIDENT_SEED = 2020
INCIDENTS = 5000
BATCH = 1000


@dataclass
class IncidentReport:
    incidents: int = 0
    actions: int = 0
    popia_tracks: int = 0
    seconds: float = 0.0
    record_id: int | None = None


def _status(rng: random.Random, age_days: int) -> str:
    if rng.random() < 0.05:
        return IncidentStatus.NOT_AN_INCIDENT.value
    if age_days < 3 and rng.random() < 0.5:
        return IncidentStatus.REPORTED.value
    return IncidentStatus.OPEN.value if age_days < 45 and rng.random() < 0.7 else IncidentStatus.CLOSED.value


def generate_incidents(count: int = INCIDENTS, *, seed: int = INCIDENT_SEED) -> IncidentReport:
    started = time.perf_counter()
    rng = random.Random(seed)
    today = local_today()
    report = IncidentReport()
    users = list(db.session.scalars(sa.select(User.id).where(User.active.is_(True)).limit(500)))
    officers = list(db.session.scalars(sa.select(User.id).where(User.role == "security_officer"))) or users[:1]
    departments = list(db.session.scalars(sa.select(Department.id)))
    assets = list(db.session.scalars(sa.select(Asset.id).order_by(Asset.id).limit(5000)))
    first = (db.session.scalar(sa.select(sa.func.max(Incident.id))) or 0) + 1
    highest = db.session.scalar(sa.select(sa.func.max(Incident.reference))) or "INC-0000"
    number = int(highest.removeprefix("INC-"))
    categories, severities = list(IncidentCategory), list(IncidentSeverity)
    for batch_start in range(0, count, BATCH):
        incidents, actions, department_links, asset_links = [], [], [], []
        for offset in range(batch_start, min(count, batch_start + BATCH)):
            incident_id, number = first + offset, number + 1
            age = int(rng.triangular(0, 3 * 365, 0))  # more recently more
            discovered = datetime.now(UTC) - timedelta(days=age, hours=rng.randint(1, 20))
            found = to_local(discovered).date()
            status = _status(rng, age)
            triaged = status != IncidentStatus.REPORTED.value
            is_incident = status in (IncidentStatus.OPEN.value, IncidentStatus.CLOSED.value)
            compromised = is_incident and rng.random() < 0.1
            contained = found + timedelta(days=rng.randint(0, 5)) if is_incident else None
            contained = min(contained, today) if contained else None
            closed = min(found + timedelta(days=rng.randint(5, 60)), today) \
                if status == IncidentStatus.CLOSED.value else None
            notified = found + timedelta(days=rng.randint(1, 6)) if compromised and (closed or rng.random() < 0.6) \
                else None
            notified = min(notified, today) if notified else None
            category = rng.choice(categories).value if triaged else None
            incidents.append({
                "id": incident_id, "reference": f"INC-{number:04d}", "version": 1,
                "title": f"{rng.choice(['Suspicious', 'Reported', 'Detected', 'Confirmed'])} "
                         f"{(category or 'event').replace('_', ' ')} {number}",
                "description": "Generated for the benchmark.", "source": rng.choice(list(IncidentSource)).value,
                "reported_by_id": rng.choice(users), "reported_at": discovered + timedelta(hours=1),
                "discovered_at": discovered, "reporter_personal_information": "unsure", "status": status,
                "triaged_at": discovered + timedelta(hours=3) if triaged else None,
                "triaged_by_id": rng.choice(officers) if triaged else None,
                "triage_reason": "Generated." if triaged else "", "category": category,
                "severity": rng.choices(severities, weights=(5, 4, 2, 1))[0].value if is_incident else None,
                "handler_id": rng.choice(officers) if is_incident else None, "systems": "",
                "personal_information_involved": compromised or rng.random() < 0.2,
                "personal_information_compromised": compromised, "contained_on": contained,
                "eradicated_on": contained, "recovered_on": closed or None, "closed_on": closed,
                "lessons_learned": "Generated." if closed else "",
                "regulator_notified_on": notified, "regulator_reference": f"IR-SCN-{number}" if notified else "",
                "subjects_notified_on": notified, "subjects_count": rng.randint(1, 2000) if notified else None,
                "subjects_unidentifiable": False, "notice_method": "email" if notified else None,
                "notice_text": "Generated." if notified else "", "measures_taken": "Generated." if notified else "",
                "recommendations": "Generated." if notified else "", "intruder_identity": "",
                "delay_reason": "Generated." if notified and (notified - found).days > 3 else "",
                "notification_pending": compromised and notified is None and closed is None,
                "created_at": discovered, "updated_at": discovered})
            report.popia_tracks += compromised
            department_links.append({"incident_id": incident_id, "department_id": rng.choice(departments)})
            if assets and is_incident:
                asset_links.extend({"incident_id": incident_id, "asset_id": asset_id}
                                   for asset_id in set(rng.sample(assets, rng.randint(0, 3))))
            for step in range(rng.randint(1, 6) if is_incident else 0):
                actions.append({"incident_id": incident_id, "at": discovered + timedelta(hours=2 + step * 5),
                                "actor_id": rng.choice(officers), "description": f"Step {step + 1} of the handling.",
                                "due_on": None, "done": True, "created_at": discovered, "updated_at": discovered})
        db.session.execute(sa.insert(table_of(Incident)), incidents)
        db.session.execute(sa.insert(incident_department), department_links)
        if asset_links:
            db.session.execute(sa.insert(incident_asset), asset_links)
        if actions:
            db.session.execute(sa.insert(table_of(IncidentAction)), actions)
        db.session.commit()
        report.incidents += len(incidents)
        report.actions += len(actions)
    report.record_id = db.session.scalar(sa.select(IncidentAction.incident_id).group_by(IncidentAction.incident_id)
                                         .order_by(sa.func.count().desc(), IncidentAction.incident_id).limit(1))
    report.seconds = time.perf_counter() - started
    return report


def measure_incidents(app, results, report: IncidentReport) -> None:
    """The register's pages as the security officer (issue 20: every list and record page p95 < 50 ms)."""
    from benchmarks.run import OFFICER_EMAIL, PAGE_RUNS, PAGE_TARGET_MS, measure_pages, sign_in

    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count(Incident.id))) or 0
        department = db.session.scalar(sa.select(Department.id).where(Department.code == "DOH"))
        db.session.remove()
    client = sign_in(app, OFFICER_EMAIL, app.config["DEMO_PASSWORD"])
    measure_pages(client, [
        ("incidents_list", "/incidents", PAGE_RUNS, "Incidents awaiting triage or being handled, first page"),
        ("incidents_all_filtered", f"/incidents?status=all&severity=high&department={department}", PAGE_RUNS,
         "Every high-severity incident of one department, closed ones too"),
        ("incidents_popia_pending", "/incidents?popia=pending", PAGE_RUNS, "Open POPIA s22 notification tracks"),
        ("incidents_search", "/incidents?status=all&q=phishing", PAGE_RUNS, "Search, closed ones too"),
        ("incidents_summary", "/incidents/summary", PAGE_RUNS, "By category and severity per month, time to "
         "contain and close (12 months)"),
        ("incident_record", f"/incidents/{report.record_id}", PAGE_RUNS, "The incident with the longest timeline"),
        ("incidents_mine", "/incidents/mine", PAGE_RUNS, "The security officer's own reports"),
    ], results, total, PAGE_TARGET_MS)
