"""The columns of the register's CSV and XLSX downloads: the list page's export and an evidence
pack's extracts use the same ones."""

from __future__ import annotations

from datetime import date

from app.common.export import Column
from app.nonconformities import queries, workflow
from app.nonconformities.models import (
    CorrectiveActionStatus,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)


def _age(nonconformity: Nonconformity, today: date) -> int:
    """Days open: to today, or to the day it closed."""
    return workflow.age_in_days(nonconformity.raised_on, nonconformity.closed_on or today)


def _effectiveness(nonconformity: Nonconformity) -> str:
    if nonconformity.effectiveness_effective is None:
        return ""
    return "Effective" if nonconformity.effectiveness_effective else "Not effective"


def nonconformity_columns(today: date) -> list[Column]:
    return [
        Column("Reference", lambda n: n.reference, 10),
        Column("Title", lambda n: n.title, 40),
        Column("Status", lambda n: NonconformityStatus(n.status).label, 16),
        Column("Source", lambda n: NonconformitySource(n.source).label, 16),
        Column("Source reference", lambda n: n.source_reference, 24),
        Column("Severity", lambda n: Severity(n.severity).label, 9),
        Column("Clause", lambda n: n.clause or "", 8),
        Column("Control", lambda n: n.control.reference if n.control else "", 10),
        Column("Department", lambda n: n.department.code if n.department else "", 10),
        Column("Owner", lambda n: n.owner.full_name if n.owner else "", 24),
        Column("Raised on", lambda n: n.raised_on, 12),
        Column("Due on", lambda n: n.due_on, 12),
        Column("Age (days)", lambda n: _age(n, today), 10),
        Column("Overdue", lambda n: "yes" if queries.is_overdue(n, today) else "", 8),
        Column("Open actions", lambda n: queries.open_action_count(n), 8),
        Column("Description", lambda n: n.description, 60),
        Column("Correction", lambda n: n.correction, 40),
        Column("Five whys", lambda n: " / ".join(n.five_whys or []), 60),
        Column("Root cause", lambda n: n.root_cause, 40),
        Column("Similar elsewhere", lambda n: n.similar_elsewhere, 40),
        Column("Effectiveness", _effectiveness, 14),
        Column("Reviewed on", lambda n: n.effectiveness_reviewed_on, 12),
        Column("Closed on", lambda n: n.closed_on, 12),
    ]


ACTION_COLUMNS = [
    Column("Nonconformity", lambda a: a.nonconformity.reference, 12),
    Column("Action", lambda a: a.title, 50),
    Column("Owner", lambda a: a.owner.full_name if a.owner else "", 24),
    Column("Due on", lambda a: a.due_on, 12),
    Column("Status", lambda a: CorrectiveActionStatus(a.status).label, 12),
    Column("Completed on", lambda a: a.completed_on, 12),
    Column("Round", lambda a: a.action_round, 6),
    Column("Progress", lambda a: a.progress_note, 50),
]
