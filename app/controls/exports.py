"""The columns of the catalogue's, the evidence register's and the Statement of Applicability's CSV
and XLSX downloads: the list pages' exports and the extracts of an evidence pack use the same ones."""

from __future__ import annotations

from app.common.export import Column
from app.controls.models import Control, EvidenceKind, Frequency

CONTROL_COLUMNS = [
    Column("Catalogue", lambda c: c.catalogue, 24),
    Column("Reference", lambda c: c.reference, 11),
    Column("Title", lambda c: c.title, 44),
    Column("Theme", lambda c: c.theme or "", 14),
    Column("Type", lambda c: ", ".join(Control.split(c.control_types)), 20),
    Column("Security properties", lambda c: ", ".join(Control.split(c.security_properties)), 22),
    Column("Cybersecurity concepts", lambda c: ", ".join(Control.split(c.cybersecurity_concepts)), 22),
    Column("Description", lambda c: c.description, 60),
    Column("Owner", lambda c: c.owner.full_name if c.owner else "", 24),
    Column("Department", lambda c: c.department.code if c.department else "", 12),
    Column("Operates", lambda c: Frequency(c.frequency).label if c.frequency else "", 14),
    Column("Implements (Annex A)", lambda c: "; ".join(a.reference for a in c.annex_a_controls), 20),
    Column("Implemented by", lambda c: "; ".join(i.reference for i in c.implemented_by), 20),
    Column("In use", lambda c: "yes" if c.active else "no", 8),
]


EVIDENCE_COLUMNS = [
    Column("Title", lambda e: e.title, 40),
    Column("Date", lambda e: e.evidence_date, 12),
    Column("Valid until", lambda e: e.valid_until, 12),
    Column("Controls", lambda e: "; ".join(c.reference for c in e.controls), 24),
    Column("Kind", lambda e: e.kind.capitalize(), 8),
    Column("File or link", lambda e: e.url if e.kind == EvidenceKind.LINK else
           (e.current_file.original_name if e.current_file else ""), 40),
    Column("SHA-256", lambda e: e.current_file.sha256 if e.current_file else "", 66),
    Column("Description", lambda e: e.description, 60),
]


def _yes_no(value) -> str:
    return "" if value is None else ("Yes" if value else "No")


def soa_columns() -> list[Column]:
    """The SoA as an auditor reads it; the same columns for the current rows and an issued version."""
    return [
        Column("Reference", lambda r: r["reference"], 10),
        Column("Control", lambda r: r["title"], 40),
        Column("Theme", lambda r: r["theme"], 14),
        Column("Applicable", lambda r: _yes_no(r["applicable"]), 10),
        Column("Reasons for inclusion", lambda r: "; ".join(r["reasons"]), 26),
        Column("Justification", lambda r: r["justification"], 60),
        Column("Implementation status", lambda r: r["status"], 20),
        Column("Owner", lambda r: r["owner"], 22),
        Column("Internal controls", lambda r: "; ".join(r["internal_controls"]), 40),
        Column("Risks", lambda r: "; ".join(r["risks"]), 40),
        Column("Last test", lambda r: r.get("last_test", ""), 30),
    ]


def _applicable_count(version) -> int:
    return sum(1 for row in version.rows if row["applicable"])


# The issued versions of the Statement of Applicability, newest first: the SoA's version history.
SOA_VERSION_COLUMNS = [
    Column("Version", lambda v: v.number, 8),
    Column("Approved on", lambda v: v.approved_on, 12),
    Column("Approved by", lambda v: v.approver, 36),
    Column("Approval note", lambda v: v.approval_note, 40),
    Column("Issued", lambda v: v.issued_at, 20),
    Column("Issued by", lambda v: v.issued_by.full_name if v.issued_by else "", 24),
    Column("Controls", lambda v: len(v.rows), 9),
    Column("Applicable", lambda v: _applicable_count(v), 10),
]
