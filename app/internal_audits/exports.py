"""The columns of the audits' and checklist lines' CSV and XLSX downloads: the list page's export and
an evidence pack's extracts use the same ones."""

from __future__ import annotations

from app.common.export import Column
from app.internal_audits.models import AuditStatus, ChecklistLine, InternalAudit
from app.internal_audits.services import line_title


def _scope(internal_audit: InternalAudit) -> str:
    return "; ".join(line.subject for line in internal_audit.lines)


AUDIT_COLUMNS = [
    Column("Reference", lambda a: a.reference, 12),
    Column("Title", lambda a: a.title, 40),
    Column("Status", lambda a: AuditStatus(a.status).label, 14),
    Column("Scope", _scope, 40),
    Column("Criteria", lambda a: a.criteria, 40),
    Column("Planned start", lambda a: a.planned_start, 12),
    Column("Planned end", lambda a: a.planned_end, 12),
    Column("Actual start", lambda a: a.actual_start, 12),
    Column("Actual end", lambda a: a.actual_end, 12),
    Column("Lead auditor", lambda a: a.lead_auditor.full_name, 24),
    Column("Team", lambda a: "; ".join(m.full_name for m in a.team), 30),
    Column("Auditee departments", lambda a: "; ".join(d.code for d in a.departments), 16),
    Column("Independence conflicts", lambda a: a.independence_conflicts.replace("\n", "; "), 40),
    Column("Independence reason", lambda a: a.independence_reason, 40),
    Column("Nonconformities", lambda a: sum(1 for line in a.lines if line.is_nonconformity), 8),
    Column("Report issued on", lambda a: a.issued_on, 12),
    Column("Report SHA-256", lambda a: a.report_sha256 or "", 66),
]


def _result(line: ChecklistLine) -> str:
    return line.result_enum.label if line.result_enum else ""


CHECKLIST_COLUMNS = [
    Column("Audit", lambda line: line.audit.reference, 12),
    Column("Clause or control", lambda line: line.subject, 12),
    Column("Title", line_title, 40),
    Column("Result", _result, 22),
    Column("Notes", lambda line: line.notes, 60),
    Column("Evidence examined", lambda line: "; ".join(e.title for e in line.evidence), 40),
    Column("File", lambda line: line.file_name or "", 24),
    Column("File SHA-256", lambda line: line.file_sha256 or "", 66),
    Column("Nonconformity", lambda line: line.nonconformity.reference if line.nonconformity else "", 10),
]
