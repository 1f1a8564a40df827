"""A case's history as dated events, oldest first: for the timeline page and the case file PDF.
Each module that adds a step to cases adds a source of its events to TIMELINE_SOURCES."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.common.timeutil import to_local
from app.policies.cases.models import PolicyCase


@dataclass(frozen=True)
class Event:
    on: date
    title: str
    detail: str = ""


def _core_events(case: PolicyCase) -> list[Event]:
    clause = f", clause {case.clause.reference} {case.clause.title}" if case.clause else ""
    events = [Event(case.incident_on, "Incident", f"Breach of {case.policy_version}{clause}"),
              Event(case.opened_on, "Case opened",
                    f"Recommended: {case.recommended.label.lower()} ({case.severity_enum.label.lower()} severity, "
                    f"{case.security_risk_enum.label.lower()} security risk)")]
    if case.decided and case.decided_on:
        differs = f" — not the recommended action: {case.decision_reason}" if case.decided != case.recommended else ""
        events.append(Event(case.decided_on, "Decision", f"{case.decided.label}{differs}"))
    for item in case.evidence:
        events.append(Event(to_local(item.uploaded_at).date(), "Evidence added",
                            f"{item.original_name}{': ' + item.description if item.description else ''}"))
    for warning in case.warnings:
        events.append(Event(warning.issued_on, f"{warning.type_enum.label} given",
                            f"Counts until {warning.valid_until.isoformat()}"))
        if warning.acknowledged_on:
            events.append(Event(warning.acknowledged_on, "Warning signed by the employee"))
        elif warning.refused_to_sign:
            events.append(Event(warning.issued_on, "The employee refused to sign the warning",
                                f"Witness: {warning.witness_name}"))
    if case.closed_on:
        events.append(Event(case.closed_on, "Case closed", case.outcome))
    return events


TIMELINE_SOURCES: list[Callable[[PolicyCase], list[Event]]] = [_core_events]


def events(case: PolicyCase) -> list[Event]:
    """Every source's events, by date (a stable sort keeps each source's own order within a day)."""
    found = [event for source in TIMELINE_SOURCES for event in source(case)]
    return sorted(found, key=lambda event: event.on)
