"""The columns of the awareness register's CSV and XLSX downloads: the list page's export and the
evidence pack's extract use the same ones."""

from __future__ import annotations

from app.common.export import Column


def _rate(rates, campaign) -> float | str:
    rate = rates.get(campaign.id)
    return rate.percent if rate is not None and rate.audience else ""


def campaign_columns(rates: dict) -> list[Column]:
    """`rates`: campaign id -> queries.Rate, counted for the rows exported."""
    return [
        Column("Reference", lambda c: c.reference, 10),
        Column("Topic", lambda c: c.topic, 40),
        Column("Channel", lambda c: c.channel_enum.label, 22),
        Column("Starts on", lambda c: c.starts_on, 12),
        Column("Ends on", lambda c: c.ends_on, 12),
        Column("Departments", lambda c: ", ".join(d.code for d in c.departments) or "Every department", 24),
        Column("Roles", lambda c: "; ".join(c.role_names) or "Every position", 24),
        Column("Owner", lambda c: c.owner.full_name if c.owner else "", 22),
        Column("Material", lambda c: c.material_name or c.material_url, 30),
        Column("Audience", lambda c: rates[c.id].audience if c.id in rates else "", 10),
        Column("Completed or attended", lambda c: rates[c.id].done if c.id in rates else "", 12),
        Column("Completion rate (%)", lambda c: _rate(rates, c), 12),
    ]


# The import's columns (app.awareness.importing), so that a campaign's download can be corrected and
# imported again; the name and the source are read and left aside.
ATTENDANCE_COLUMNS = [
    Column("Campaign", lambda r: r.campaign.reference, 10),
    Column("Employee number", lambda r: r.employee.number, 16),
    Column("Name", lambda r: r.employee.full_name, 28),
    Column("Outcome", lambda r: r.outcome_enum.label, 14),
    Column("Completed on", lambda r: r.completed_on, 12),
    Column("Score", lambda r: r.score if r.score is not None else "", 8),
    Column("Source", lambda r: "Import" if r.source == "import" else "By hand", 10),
    Column("Note", lambda r: r.note, 30),
]


# One row per campaign and department: (campaign, department code or "", queries.Rate). Counts only.
RATE_COLUMNS = [
    Column("Reference", lambda row: row[0].reference, 10),
    Column("Topic", lambda row: row[0].topic, 40),
    Column("Ends on", lambda row: row[0].ends_on, 12),
    Column("Department", lambda row: row[1] or "No department", 14),
    Column("Audience", lambda row: row[2].audience, 10),
    Column("Completed or attended", lambda row: row[2].done, 12),
    Column("Completion rate (%)", lambda row: row[2].percent if row[2].audience else "", 12),
]
