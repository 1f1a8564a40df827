"""The columns of the supplier register's CSV and XLSX downloads: the list page's export and an
evidence pack's extracts use the same ones."""

from __future__ import annotations

from datetime import date

from app.common.export import Column
from app.suppliers import rules
from app.suppliers.models import AssessmentResult, Criticality, SupplierStatus


def _yes(value: bool) -> str:
    return "yes" if value else ""


def _result(value: str | None) -> str:
    return AssessmentResult(value).label if value else ""


def supplier_columns(today: date) -> list[Column]:
    return [
        Column("Name", lambda s: s.name, 32),
        Column("Status", lambda s: SupplierStatus(s.status).label, 12),
        Column("Criticality", lambda s: Criticality(s.criticality).label, 10),
        Column("Services", lambda s: s.services, 50),
        Column("Information", lambda s: s.information, 40),
        Column("Owner", lambda s: s.owner.full_name if s.owner else "", 24),
        Column("Contact", lambda s: s.contact, 24),
        Column("POPIA operator", lambda s: _yes(s.is_operator), 8),
        Column("Operator contract on", lambda s: s.operator_contract_on, 12),
        Column("Operator contract reference", lambda s: s.operator_contract_reference, 20),
        Column("Contract reference", lambda s: s.contract_reference, 20),
        Column("Contract starts", lambda s: s.contract_start, 12),
        Column("Contract ends", lambda s: s.contract_end, 12),
        Column("Security clauses", lambda s: "; ".join(clause.label for clause in s.clauses), 60),
        Column("Clauses missing", lambda s: "; ".join(clause.label for clause in s.missing_clauses), 60),
        Column("Cloud service", lambda s: _yes(s.is_cloud), 8),
        Column("Hosting region", lambda s: s.hosting_region, 20),
        Column("Exit plan", lambda s: s.exit_plan, 40),
        Column("Last assessed on", lambda s: s.last_assessed_on, 12),
        Column("Last assessment result", lambda s: _result(s.last_assessment_result), 16),
        Column("Next assessment due", lambda s: s.assessment_due_on, 12),
        Column("Next review", lambda s: s.review_on, 12),
        Column("Gaps", lambda s: " ".join(rules.gaps(rules.facts_of(s), today)), 60),
    ]


ASSESSMENT_COLUMNS = [
    Column("Supplier", lambda a: a.supplier.name, 32),
    Column("Assessed on", lambda a: a.assessed_on, 12),
    Column("Result", lambda a: _result(a.result), 16),
    Column("Assessor", lambda a: a.assessor.full_name if a.assessor else "", 24),
    Column("Summary", lambda a: a.summary, 60),
    Column("Evidence file", lambda a: a.file_name or "", 30),
    Column("SHA-256", lambda a: a.file_sha256 or "", 64),
]
