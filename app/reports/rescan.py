"""Checking the evidence already kept against today's upload rules.

Files stored before Khusela looked inside archives may hold a program, a document with macros or
a zip bomb, and would travel into every evidence pack that covers them. rescan() reads each stored
file that a record holds (control evidence, case evidence, signed policy documents, signed
acknowledgement sheets) and checks it as an upload would be checked now. It changes nothing: a
security officer decides what to do with each file it lists (replace it, remove the evidence, or
keep it with a note).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from app.common import uploads
from app.common.contents import ArchiveLimits
from app.controls.models import Evidence, EvidenceFile
from app.extensions import db
from app.internal_audits.models import ChecklistLine, InternalAudit
from app.policies.cases.models import CaseEvidence, PolicyCase
from app.policies.models import AcknowledgementSheet, Policy, PolicyVersion
from app.suppliers.models import Supplier, SupplierAssessment


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str  # as uploaded: its extension says what the content must be
    held_by: str  # the record, as an officer finds it in Khusela


@dataclass(frozen=True)
class Finding:
    file: StoredFile
    problem: str


@dataclass(frozen=True)
class Rescan:
    checked: int
    findings: list[Finding]


def stored_files() -> Iterator[StoredFile]:
    """Every stored file a record holds, record by record (one content may be held by several)."""
    control_files = (sa.select(EvidenceFile.sha256, EvidenceFile.original_name, Evidence.id, Evidence.title,
                               EvidenceFile.id)
                     .join(Evidence, Evidence.id == EvidenceFile.evidence_id).order_by(Evidence.id, EvidenceFile.id))
    for sha256, name, evidence_id, title, file_id in db.session.execute(control_files):
        yield StoredFile(sha256, name, f"control evidence {evidence_id} “{title}”, file {file_id}")
    case_files = (sa.select(CaseEvidence.sha256, CaseEvidence.original_name, PolicyCase.reference, CaseEvidence.id)
                  .join(PolicyCase, PolicyCase.id == CaseEvidence.case_id).order_by(CaseEvidence.id))
    for sha256, name, reference, evidence_id in db.session.execute(case_files):
        yield StoredFile(sha256, name, f"case {reference}, evidence {evidence_id}")
    documents = (sa.select(PolicyVersion.document_sha256, PolicyVersion.document_name, Policy.code,
                           PolicyVersion.number)
                 .join(Policy, Policy.id == PolicyVersion.policy_id)
                 .where(PolicyVersion.document_sha256.is_not(None)).order_by(Policy.code, PolicyVersion.id))
    for document_sha256, document_name, code, number in db.session.execute(documents):
        yield StoredFile(document_sha256 or "", document_name or "document.pdf",
                         f"policy {code} version {number}, signed document")
    sheets = (sa.select(AcknowledgementSheet.sha256, AcknowledgementSheet.original_name, Policy.code,
                        PolicyVersion.number, AcknowledgementSheet.id)
              .join(PolicyVersion, PolicyVersion.id == AcknowledgementSheet.version_id)
              .join(Policy, Policy.id == PolicyVersion.policy_id).order_by(AcknowledgementSheet.id))
    for sha256, name, code, number, sheet_id in db.session.execute(sheets):
        yield StoredFile(sha256, name, f"policy {code} version {number}, signed acknowledgement sheet {sheet_id}")
    audit_files = (sa.select(ChecklistLine.file_sha256, ChecklistLine.file_name, InternalAudit.reference,
                             ChecklistLine.id)
                   .join(InternalAudit, InternalAudit.id == ChecklistLine.audit_id)
                   .where(ChecklistLine.file_sha256.is_not(None)).order_by(ChecklistLine.id))
    for line_sha256, line_name, reference, line_id in db.session.execute(audit_files):
        yield StoredFile(line_sha256 or "", line_name or "file",
                         f"internal audit {reference}, checklist line {line_id}")
    reports = (sa.select(InternalAudit.report_sha256, InternalAudit.reference)
               .where(InternalAudit.report_sha256.is_not(None)).order_by(InternalAudit.id))
    for report_sha256, reference in db.session.execute(reports):
        yield StoredFile(report_sha256 or "", f"{reference}-internal-audit-report.pdf",
                         f"internal audit {reference}, issued report")
    assessments = (sa.select(SupplierAssessment.file_sha256, SupplierAssessment.file_name, Supplier.name,
                             SupplierAssessment.id)
                   .join(Supplier, Supplier.id == SupplierAssessment.supplier_id)
                   .where(SupplierAssessment.file_sha256.is_not(None)).order_by(SupplierAssessment.id))
    for file_sha256, file_name, supplier_name, assessment_id in db.session.execute(assessments):
        yield StoredFile(file_sha256 or "", file_name or "file",
                         f"supplier {supplier_name}, security assessment {assessment_id}")


def rescan() -> Rescan:
    limits = uploads.archive_limits()
    verdicts: dict[tuple[str, str], str | None] = {}  # the same file under the same name is read once
    checked, findings = 0, []
    for stored in stored_files():
        checked += 1
        key = (stored.sha256, stored.name)
        if key not in verdicts:
            verdicts[key] = _problem(stored, limits)
        problem = verdicts[key]
        if problem:
            findings.append(Finding(stored, problem))
    return Rescan(checked, findings)


def _problem(stored: StoredFile, limits: ArchiveLimits) -> str | None:
    try:
        data = uploads.stored_path(stored.sha256).read_bytes()
    except (OSError, ValueError):
        return "The file is not in the evidence store (deleted, or not restored from backup)."
    digest = hashlib.sha256(data).hexdigest()
    if digest != stored.sha256:
        return f"The stored file's SHA-256 is {digest}, not the one recorded at upload: it changed on disk."
    try:
        # No size limit: a file kept under an earlier, higher limit is not unsafe for its size.
        uploads.check_upload(stored.name, data, max_bytes=len(data), limits=limits)
    except uploads.UploadError as refusal:
        return str(refusal)
    return None
