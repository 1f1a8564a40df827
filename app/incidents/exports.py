"""The columns of the register's CSV and XLSX downloads: the list page's export and an evidence
pack's extract use the same ones."""

from __future__ import annotations

from app.common.export import Column


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def incident_columns() -> list[Column]:
    return [
        Column("Reference", lambda i: i.reference, 10),
        Column("Title", lambda i: i.title, 40),
        Column("Status", lambda i: i.status_enum.label, 16),
        Column("Reported by", lambda i: i.source_label, 18),
        Column("Operator", lambda i: i.reporting_operator.name if i.reporting_operator else "", 20),
        Column("Discovered at", lambda i: i.discovered_at, 20),
        Column("Reported at", lambda i: i.reported_at, 20),
        Column("Category", lambda i: i.category_label, 18),
        Column("Severity", lambda i: i.severity_label, 9),
        Column("Departments", lambda i: ", ".join(d.code for d in i.departments), 14),
        Column("Handler", lambda i: i.handler.full_name if i.handler else "", 20),
        Column("Personal information involved", lambda i: _yes(i.personal_information_involved), 10),
        Column("Personal information compromised (POPIA s22)", lambda i: _yes(i.personal_information_compromised), 10),
        Column("Regulator notified on", lambda i: i.regulator_notified_on, 12),
        Column("eServices reference", lambda i: i.regulator_reference, 16),
        Column("Data subjects notified on", lambda i: i.subjects_notified_on, 12),
        Column("Data subjects notified", lambda i: i.subjects_count, 10),
        Column("Reason for delay", lambda i: i.delay_reason, 30),
        Column("Contained on", lambda i: i.contained_on, 12),
        Column("Eradicated on", lambda i: i.eradicated_on, 12),
        Column("Recovered on", lambda i: i.recovered_on, 12),
        Column("Closed on", lambda i: i.closed_on, 12),
        Column("Lessons learned", lambda i: i.lessons_learned, 40),
    ]




TIMELINE_COLUMNS = [
    Column("Incident", lambda a: a.incident.reference, 10),
    Column("When", lambda a: a.at, 20),
    Column("Who", lambda a: a.actor.full_name if a.actor else "Khusela", 20),
    Column("What", lambda a: a.description, 60),
    Column("Due on", lambda a: a.due_on, 12),
    Column("Done", lambda a: _yes(a.done), 6),
]
CUSTODY_COLUMNS = [
    Column("Incident", lambda c: c.evidence.incident.reference, 10),
    Column("Evidence", lambda c: c.evidence.title, 30),
    Column("File", lambda c: c.evidence.original_name, 24),
    Column("SHA-256", lambda c: c.evidence.sha256, 66),
    Column("When", lambda c: c.at, 20),
    Column("Who", lambda c: c.handler.full_name if c.handler else "", 20),
    Column("Did", lambda c: c.action_label, 12),
    Column("Note", lambda c: c.note, 40),
]
