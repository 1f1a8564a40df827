"""The incident register's section of a management review pack (9.3.2 d: feedback on information
security performance, here the incidents): what was discovered since the previous review, by category
and severity, time to contain and close, and the POPIA s22 notifications. Named in
app.reviews.inputs.PROVIDERS and called when a pack is compiled."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from app.common.timeutil import start_of_local_day
from app.extensions import db
from app.incidents import queries
from app.incidents.models import Incident, IncidentCategory, IncidentSeverity
from app.reviews.inputs import figure, table


def incidents_for_review(as_of: date, since: date) -> dict | None:
    facts = queries.incident_facts(since + timedelta(days=1), as_of)
    tracks = db.session.execute(sa.select(Incident.regulator_notified_on, Incident.delay_reason).where(
        Incident.personal_information_compromised.is_(True), Incident.status.in_(queries.INCIDENT_VALUES),
        Incident.discovered_at >= start_of_local_day(since + timedelta(days=1)),
        Incident.discovered_at < start_of_local_day(as_of + timedelta(days=1)))).all()
    if not facts:
        return None
    contain = [days for fact in facts if (days := fact.days_to_contain()) is not None]
    close = [days for fact in facts if (days := fact.days_to_close()) is not None]
    by_category = Counter(fact.category for fact in facts)
    by_severity = Counter(fact.severity for fact in facts)
    return {
        "figures": [
            figure("incidents", "Incidents discovered since the previous review", len(facts)),
            figure("incidents_high", "Of them high or critical", by_severity["high"] + by_severity["critical"]),
            figure("mean_days_to_contain", "Mean days from discovery to containment",
                   round(sum(contain) / len(contain), 1) if contain else None),
            figure("mean_days_to_close", "Mean days from discovery to closing",
                   round(sum(close) / len(close), 1) if close else None),
            figure("popia_breaches", "Personal information compromised (POPIA s22)", len(tracks)),
            figure("popia_regulator_notified", "Of them notified to the Information Regulator",
                   sum(1 for notified_on, _ in tracks if notified_on)),
            figure("popia_delayed", "Of them with a recorded reason for delay",
                   sum(1 for _, reason in tracks if reason)),
        ],
        "tables": [
            table("incidents_by_category", "Incidents by category", ["Category", "Incidents"],
                  [[category.label, by_category[category.value]] for category in IncidentCategory
                   if by_category[category.value]]),
            table("incidents_by_severity", "Incidents by severity", ["Severity", "Incidents"],
                  [[severity.label, by_severity[severity.value]] for severity in IncidentSeverity]),
        ],
        "note": "Events triaged as incidents, by the day they were discovered, from the incident register "
                "(ISO/IEC 27001 A.5.24-5.28).",
    }
