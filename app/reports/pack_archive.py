"""Writing an evidence pack's ZIP (reports, extracts, evidence files, the audit-log extract, the signed
manifest, SHA256SUMS) and checking one offline. What goes in is decided by app.reports.packs.gather
(a `Contents`).

The signed manifest lists every file of the pack, README.txt and public_key.pem included, except
itself and its signature; SHA256SUMS, written last, lists every file but itself in the format of
`sha256sum -c`, for auditors who check with the tools they have. The manifest's signature is what
proves the pack: SHA256SUMS, being unsigned, only spares them reading hashes out of JSON."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import sqlalchemy as sa

from app.admin import settings
from app.assets.exports import ASSET_COLUMNS
from app.audit import checkpoints, extracts
from app.audit.exports import auditors_columns
from app.awareness import queries as awareness_queries
from app.awareness.exports import RATE_COLUMNS as AWARENESS_RATE_COLUMNS
from app.awareness.exports import campaign_columns as awareness_campaign_columns
from app.common import signing, uploads
from app.common.export import Column, csv_bytes, csv_chunks, xlsx_bytes
from app.common.timeutil import local_today, to_local, utcnow
from app.context import queries as context_queries
from app.context import scope as context_scope
from app.context.exports import (
    ISSUE_COLUMNS,
    PARTY_COLUMNS,
    REQUIREMENT_COLUMNS,
    ROLE_COLUMNS,
    SCOPE_VERSION_COLUMNS,
)
from app.context.models import ContextIssue, InterestedParty
from app.continuity import queries as continuity_queries
from app.continuity import services as continuity_services
from app.continuity.exports import ANALYSIS_COLUMNS as CONTINUITY_ANALYSIS_COLUMNS
from app.continuity.exports import TEST_COLUMNS as CONTINUITY_TEST_COLUMNS
from app.controls import soa
from app.controls.exports import CONTROL_COLUMNS, EVIDENCE_COLUMNS, SOA_VERSION_COLUMNS, soa_columns
from app.controls.models import EvidenceKind
from app.employees.models import Employee
from app.extensions import db
from app.incidents.exports import CUSTODY_COLUMNS, TIMELINE_COLUMNS, incident_columns
from app.internal_audits.exports import AUDIT_COLUMNS, CHECKLIST_COLUMNS
from app.internal_audits.queries import lines_of
from app.nonconformities.exports import ACTION_COLUMNS as CORRECTIVE_ACTION_COLUMNS
from app.nonconformities.exports import nonconformity_columns
from app.objectives import queries as objective_queries
from app.objectives.exports import MEASUREMENT_COLUMNS, OBJECTIVE_COLUMNS, metric_columns
from app.policies import services as policies
from app.policies.exports import PSEUDONYMISED_REGISTER_COLUMNS
from app.reports import documents
from app.reviews import services as reviews
from app.reviews.exports import ACTION_COLUMNS as REVIEW_ACTION_COLUMNS
from app.reviews.exports import REVIEW_COLUMNS as MANAGEMENT_REVIEW_COLUMNS
from app.reviews.models import ManagementReview
from app.risks import queries as risk_queries
from app.risks.exports import acceptance_columns, risk_columns
from app.risks.matrices import current_matrix
from app.suppliers import queries as supplier_queries
from app.suppliers.exports import ASSESSMENT_COLUMNS as SUPPLIER_ASSESSMENT_COLUMNS
from app.suppliers.exports import supplier_columns
from app.suppliers.models import Supplier

if TYPE_CHECKING:
    from app.audit.models import AuditCheckpoint
    from app.reports.packs import Contents

# /2: README.txt and public_key.pem are listed in the signed manifest, and SHA256SUMS is added.
FORMAT = "khusela-evidence-pack/2"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
README = "README.txt"
SHA256SUMS = "SHA256SUMS"
# The files the manifest does not list: itself, its signature, and SHA256SUMS (which lists them).
PACK_FILES = frozenset({MANIFEST, SIGNATURE, SHA256SUMS})
# Packs of the first format left README.txt and public_key.pem out of the manifest too.
UNLISTED_BY_FORMAT = {"khusela-evidence-pack/1": frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY, README}),
                      FORMAT: PACK_FILES}
# The audit log's extract for the pack's period (app.audit.extracts), and the script that checks it.
AUDIT_FOLDER = "audit"
AUDIT_JSON_LINES = f"{AUDIT_FOLDER}/audit-log.jsonl"
AUDIT_CSV = f"{AUDIT_FOLDER}/audit-log.csv"
AUDIT_CHECKPOINT = f"{AUDIT_FOLDER}/checkpoint.json"
AUDIT_CHECKPOINT_SIGNATURE = f"{AUDIT_FOLDER}/checkpoint.sig"
AUDIT_SCRIPT = f"{AUDIT_FOLDER}/verify_audit_extract.py"
CHUNK = 1024 * 1024
# Already compressed: deflating them again costs time and saves nothing.
STORED_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".docx", ".xlsx", ".pptx",
                             ".odt", ".ods", ".gz", ".7z", ".mp4", ".msg"})


# --- writing the ZIP ------------------------------------------------------------------------------


@dataclass
class PackResult:
    size: int
    sha256: str
    file_count: int
    problems: list[dict] = field(default_factory=list)


class Tracker:
    """Progress in percent, reported at most once a second (each report is a database write)."""

    def __init__(self, report: Callable[[int, str], None] | None):
        self.report, self.total, self.done, self.last = report, 1, 0, 0.0

    def plan(self, units: int) -> None:
        self.total = max(units, 1)

    def step(self, units: int, note: str) -> None:
        self.done += units
        now = time.monotonic()
        if self.report and now - self.last >= 1.0:
            self.last = now
            self.report(min(99, int(100 * self.done / self.total)), note)


REPORT_UNITS = 20  # a PDF report takes about as long as copying 20 MB of evidence


@dataclass(frozen=True)
class _Source:
    """One file to copy into the pack: from the evidence store, by its recorded SHA-256."""

    path: str
    sha256: str
    size: int
    source: dict


def write_pack(contents: Contents, target: Path, *, generated_by: str, checkpoint: AuditCheckpoint,
               pack_id: int | None = None, progress: Tracker | None = None) -> PackResult:
    """The ZIP for `contents` at `target` (written to a .part file, renamed when complete). The
    manifest publishes `checkpoint`, the audit log's signed head (app.audit.checkpoints.publish)."""
    progress = progress or Tracker(None)
    reports, tables = _reports(contents), _extracts(contents)
    files = _evidence_files(contents) + _policy_documents(contents) + _internal_audit_reports(contents)
    audit_extract = extracts.plan(extracts.period_of(contents.scope.date_from, contents.scope.date_to, local_today()),
                                  checkpoint)
    progress.plan(REPORT_UNITS * len(reports) + len(tables) + sum(1 + f.size // CHUNK for f in files)
                  + 2 * (1 + audit_extract.in_period // extracts.BATCH))
    partial = target.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6, allowZip64=True) as archive:
            entries, problems = _write_contents(archive, reports, tables, files, generated_by, progress)
            entries += _write_audit_extract(archive, audit_extract, progress)
            entries.append(_add_bytes(archive, PUBLIC_KEY, signing.public_key_pem(),
                                      {"type": "public_key", "fingerprint": signing.fingerprint()}))
            entries.append(_add_bytes(archive, README, _readme(contents, problems, audit_extract).encode("utf-8"),
                                      {"type": "readme"}))
            manifest = _manifest(contents, entries, problems, generated_by=generated_by, pack_id=pack_id,
                                 checkpoint=checkpoint, audit_extract=audit_extract)
            signature = signing.sign(manifest)
            archive.writestr(_info(MANIFEST), manifest)
            archive.writestr(_info(SIGNATURE), signature)
            archive.writestr(_info(SHA256SUMS), sha256sums(
                [(entry["path"], entry["sha256"]) for entry in entries]
                + [(MANIFEST, hashlib.sha256(manifest).hexdigest()),
                   (SIGNATURE, hashlib.sha256(signature).hexdigest())]))
    except BaseException:
        partial.unlink(missing_ok=True)  # never a half-written pack left behind
        raise
    digest, size = _sha256_of(partial)
    os.replace(partial, target)
    return PackResult(size=size, sha256=digest, file_count=len(entries), problems=problems)


def _write_contents(archive: zipfile.ZipFile, reports: list, extracts: list, files: list[_Source], generated_by: str,
                    progress: Tracker) -> tuple[list[dict], list[dict]]:
    """Every file but the pack's own: (manifest entries, evidence files missing or altered)."""
    entries: list[dict] = []
    problems: list[dict] = []
    for path, name, params, source in reports:
        progress.step(0, f"Writing {path}")
        data = documents.build_report(name, params=params, generated_by=generated_by)
        entries.append(_add_bytes(archive, path, data, source))
        progress.step(REPORT_UNITS, f"Wrote {path}")
    for path, data, source in extracts:
        entries.append(_add_bytes(archive, path, data, source))
        progress.step(1, f"Wrote {path}")
    for item in files:
        entry, problem = _add_stored_file(archive, item)
        if entry:
            entries.append(entry)
        if problem:
            problems.append(problem)
        progress.step(1 + item.size // CHUNK, f"Copied {item.path}")
    return entries, problems


def _add_bytes(archive: zipfile.ZipFile, path: str, data: bytes, source: dict) -> dict:
    archive.writestr(_info(path), data, compress_type=_compression(path))
    return {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "source": source}


def _add_chunks(archive: zipfile.ZipFile, path: str, chunks: Iterable[bytes], source: dict) -> dict:
    """A file written as it is made (a year of the audit log need not be held whole), hashed on the way."""
    digest, size = hashlib.sha256(), 0
    with archive.open(_info(path, _compression(path)), "w", force_zip64=True) as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return {"path": path, "sha256": digest.hexdigest(), "size": size, "source": source}


def _write_audit_extract(archive: zipfile.ZipFile, audit_extract: extracts.Plan, progress: Tracker) -> list[dict]:
    """audit/: the period's entries (JSON Lines for the script, CSV to read), the signed checkpoint that
    covers them, and the script that checks them offline."""
    source = {"type": "audit_log_extract", **extracts.manifest_block(audit_extract)}
    entries = [_add_chunks(archive, AUDIT_JSON_LINES, extracts.json_lines(audit_extract), source)]
    progress.step(1 + audit_extract.in_period // extracts.BATCH, f"Wrote {AUDIT_JSON_LINES}")
    entries.append(_add_chunks(archive, AUDIT_CSV, csv_chunks(extracts.rows(audit_extract), auditors_columns()),
                               source))
    progress.step(1 + audit_extract.in_period // extracts.BATCH, f"Wrote {AUDIT_CSV}")
    payload, signature = extracts.signed_checkpoint(audit_extract)
    checkpoint_source = {"type": "audit_checkpoint", "checkpoint": audit_extract.checkpoint.id,
                         "reference": checkpoints.reference(audit_extract.checkpoint)}
    entries.append(_add_bytes(archive, AUDIT_CHECKPOINT, payload, checkpoint_source))
    entries.append(_add_bytes(archive, AUDIT_CHECKPOINT_SIGNATURE, signature, checkpoint_source))
    entries.append(_add_bytes(archive, AUDIT_SCRIPT, extracts.OFFLINE_SCRIPT.read_bytes(),
                              {"type": "script", "checks": AUDIT_JSON_LINES}))
    return entries


def sha256sums(hashes: list[tuple[str, str]]) -> bytes:
    """The lines of `sha256sum`: HASH, two spaces, the path; a path with a backslash or a new line is
    escaped as GNU coreutils does it (the line then starts with a backslash)."""
    lines = []
    for path, digest in sorted(hashes):
        if "\\" in path or "\n" in path:
            escaped = path.replace("\\", "\\\\").replace("\n", "\\n")
            lines.append(f"\\{digest}  {escaped}\n")
        else:
            lines.append(f"{digest}  {path}\n")
    return "".join(lines).encode("utf-8")


def _add_stored_file(archive: zipfile.ZipFile, item: _Source) -> tuple[dict | None, dict | None]:
    """Copy one stored file in, hashing it on the way: byte for byte, or named as missing or altered."""
    try:
        handle = uploads.stored_path(item.sha256).open("rb")
    except (OSError, ValueError):
        return None, {"path": item.path, "problem": "missing",
                      "detail": "The file is not in the evidence store (deleted or not restored from backup).",
                      "source": item.source}
    digest, size = hashlib.sha256(), 0
    with handle, archive.open(_info(item.path, _compression(item.path)), "w", force_zip64=True) as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    entry = {"path": item.path, "sha256": digest.hexdigest(), "size": size, "source": item.source}
    if entry["sha256"] != item.sha256:
        return entry, {"path": item.path, "problem": "altered",
                       "detail": f"The stored file's SHA-256 is {entry['sha256']}, not the {item.sha256} "
                                 "recorded when it was uploaded: it changed on disk.",
                       "source": item.source}
    return entry, None


def _info(path: str, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    # The organisation's local time (what people unpacking it expect) and a plain file mode on every entry.
    info = zipfile.ZipInfo(path, date_time=to_local(utcnow()).timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


def _compression(path: str) -> int:
    return zipfile.ZIP_STORED if PurePosixPath(path).suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED


def _sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_name(text: str, limit: int = 80) -> str:
    """A file or folder name that unpacks the same on Windows, macOS and Linux, cut at a word."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "_", text).strip(" .")
    if len(cleaned) > limit:
        cut = cleaned[:limit]
        cleaned = cut[:cut.rfind(" ")] if cut.rfind(" ") > limit // 2 else cut
    return cleaned.rstrip(" .") or "file"


# --- what goes in ---------------------------------------------------------------------------------


def _reports(contents: Contents) -> list[tuple[str, str, dict, dict]]:
    """(path, report name, parameters, source) of each PDF report in the pack."""
    scope = contents.scope
    department = {"department_id": scope.department_id} if scope.department_id else {}
    reports: list[tuple[str, str, dict, dict]] = []
    if contents.risks:
        reports.append(("reports/risk-register.pdf", "risk_register", dict(department),
                        {"type": "report", "report": "risk_register", **department}))
        reports.append(("reports/risk-treatment-plan.pdf", "treatment_plan", dict(department),
                        {"type": "report", "report": "treatment_plan", **department}))
    # The risk criteria the register is scored and accepted by (ISO/IEC 27001 6.1.2 a), whatever the scope.
    matrix_version = current_matrix().version_number
    reports.append(("reports/risk-methodology.pdf", "risk_methodology", {"version_number": matrix_version},
                    {"type": "report", "report": "risk_methodology", "matrix_version": matrix_version}))
    issued = soa.versions()
    if issued:
        latest = issued[0]
        reports.append((f"reports/statement-of-applicability-v{latest.number}.pdf", "soa",
                        {"version_id": latest.id}, {"type": "report", "report": "soa", "soa_version": latest.number}))
    if _has_context():
        # The ISMS's context (4.1-4.3, 5.3) is organisation-wide: in every pack, whatever the scope.
        reports.append(("reports/isms-context-and-scope.pdf", "isms_context", {},
                        {"type": "report", "report": "isms_context"}))
    if contents.assets:
        reports.append(("reports/asset-register.pdf", "asset_register", dict(department),
                        {"type": "report", "report": "asset_register", **department}))
    if contents.nonconformities:
        reports.append(("reports/nonconformities.pdf", "nonconformities", _nonconformity_report_params(contents),
                        {"type": "report", "report": "nonconformities", **_nonconformity_report_params(contents)}))
    if _suppliers_in(contents):
        every_supplier: dict = {"filters": {"status": "all"}}  # exited ones too: they are history
        reports.append(("reports/suppliers.pdf", "suppliers", every_supplier,
                        {"type": "report", "report": "suppliers"}))
    if contents.incidents:
        incident_filters = {"status": "all"} | ({"department": str(scope.department_id)} if scope.department_id
                                                else {})
        reports.append(("reports/incidents.pdf", "incidents", {"filters": incident_filters},
                        {"type": "report", "report": "incidents", **department}))
    if _continuity_in(contents):
        reports.append(("reports/business-continuity.pdf", "continuity", {},
                        {"type": "report", "report": "continuity"}))
    if objective_queries.anything_set_up():  # 27001 6.2 and 9.1, whatever the scope
        reports.append(("reports/objectives-and-measurement.pdf", "objectives", {},
                        {"type": "report", "report": "objectives"}))
    if contents.awareness_campaigns:
        params = _awareness_report_params(contents)
        reports.append(("reports/awareness-and-training.pdf", "awareness", params,
                        {"type": "report", "report": "awareness", **params}))
    for version in contents.policy_versions:
        reports.append((f"reports/policies/{_safe_name(version.policy.code)}-v{version.number}.pdf", "policy",
                        {"version_id": version.id},
                        {"type": "report", "report": "policy", "policy": version.policy.code,
                         "version": version.number}))
    return reports


def _nonconformity_report_params(contents: Contents) -> dict:
    """The report holds the pack's nonconformities: its period (raised in it or open during it), its department."""
    scope = contents.scope
    params: dict = {"filters": {"status": "all"}}
    if scope.department_id:
        params["department_id"] = scope.department_id
    params |= {key: value.isoformat() for key, value in (("date_from", scope.date_from), ("date_to", scope.date_to))
               if value}
    return params


def _awareness_report_params(contents: Contents) -> dict:
    """The report holds the pack's campaigns: its period (else from the first campaign's start to the
    last one's end), its department's audience."""
    scope, campaigns = contents.scope, contents.awareness_campaigns
    params: dict = {"date_from": (scope.date_from or min(c.starts_on for c in campaigns)).isoformat(),
                    "date_to": (scope.date_to or max(c.ends_on for c in campaigns)).isoformat()}
    if scope.department_id:
        params["department_id"] = scope.department_id
    return params


Extract = tuple[str, bytes, dict]  # (path in the pack, the file, its source in the manifest)
ExtractTable = tuple[str, str, list, list[Column]]  # (file name without its ending, XLSX sheet title, rows, columns)


def _csv_and_xlsx(tables: Iterable[ExtractTable]) -> list[Extract]:
    """Each table as extracts/<name>.csv and extracts/<name>.xlsx, with its row count in the manifest."""
    files: list[Extract] = []
    for stem, title, rows, columns in tables:
        source = {"type": "extract", "register": stem, "rows": len(rows)}
        files.append((f"extracts/{stem}.csv", csv_bytes(rows, columns), source))
        files.append((f"extracts/{stem}.xlsx", xlsx_bytes(rows, columns, title), source))
    return files


def _extracts(contents: Contents) -> list[Extract]:
    """The files of extracts/, from each of EXTRACT_MAKERS in turn."""
    return [extract for make in EXTRACT_MAKERS for extract in make(contents)]


def _register_extracts(contents: Contents) -> list[Extract]:
    """CSV and XLSX of each register in scope, with the columns of the list pages' exports."""
    today = local_today()
    reference_of = {risk.id: risk.reference for risk in contents.risks}
    annex_references = set(contents.scope.controls)
    soa_records = [soa.as_record(row) for row in soa.soa_rows()
                   if not annex_references or row.control.reference in annex_references]
    tables = [
        ("risks", "Risks", contents.risks, risk_columns(risk_queries.Bands(), today)),
        ("treatment-actions", "Treatment actions", contents.actions, ACTION_COLUMNS),
        ("risk-reviews", "Risk reviews", [(reference_of[r.risk_id], r) for r in contents.reviews], REVIEW_COLUMNS),
        # The acceptances register of the risks in scope (ended ones too: 6.1.3 f evidence over time).
        ("risk-acceptances", "Risk acceptances",
         risk_queries.acceptances_of(list(reference_of), contents.scope.date_from, contents.scope.date_to),
         acceptance_columns(today)),
        ("statement-of-applicability-current", "Statement of Applicability", soa_records, soa_columns()),
        ("controls", "Controls", contents.controls, CONTROL_COLUMNS),
        ("control-tests", "Control tests", contents.tests, TEST_COLUMNS),
        ("evidence", "Evidence", contents.evidence, EVIDENCE_COLUMNS),
    ]
    if contents.assets is not None:
        tables.append(("assets", "Assets", contents.assets, ASSET_COLUMNS))
    return _csv_and_xlsx(tables)


def _soa_history(contents: Contents) -> list[Extract]:
    """The issued versions of the Statement of Applicability (who approved each, when), and each
    version's rows as it was issued (the controls in scope only); reports/ holds the latest's PDF."""
    issued = soa.versions()
    if not issued:
        return []
    history = {"type": "extract", "register": "statement-of-applicability-versions", "rows": len(issued)}
    files = [("extracts/statement-of-applicability-versions.csv", csv_bytes(issued, SOA_VERSION_COLUMNS), history),
             ("extracts/statement-of-applicability-versions.xlsx",
              xlsx_bytes(issued, SOA_VERSION_COLUMNS, "SoA versions"), history)]
    chosen = set(contents.scope.controls)
    for version in issued:
        rows = [row for row in version.rows if not chosen or row["reference"] in chosen]
        files.append((f"extracts/statement-of-applicability-v{version.number}.csv", csv_bytes(rows, soa_columns()),
                      {"type": "extract", "register": "statement-of-applicability", "soa_version": version.number,
                       "approved_on": version.approved_on.isoformat(), "approver": version.approver,
                       "rows": len(rows)}))
    return files


def _acknowledgement_registers(contents: Contents) -> list[Extract]:
    """Per policy version in the pack, who acknowledged it and who has not yet (still employed),
    pseudonymised as auditors read it; a department's pack keeps to that department's staff."""
    department_id = contents.scope.department_id
    files = []
    for version in contents.policy_versions:
        acknowledged = policies.acknowledged_select(version)
        outstanding = policies.not_acknowledged_select(version)
        if department_id:
            acknowledged = acknowledged.where(Employee.department_id == department_id)
            outstanding = outstanding.where(Employee.department_id == department_id)
        rows = [(employee, acknowledgement) for acknowledgement, employee in db.session.execute(acknowledged)]
        done = len(rows)
        rows += [(employee, None) for employee in db.session.scalars(outstanding)]
        # By pseudonym, not by name or number, whose order would hint at who is who.
        rows.sort(key=lambda row: (row[1] is None, PSEUDONYMISED_REGISTER_COLUMNS[0].value(row)))
        files.append((f"extracts/acknowledgements/{_safe_name(version.policy.code)}-v{version.number}.csv",
                      csv_bytes(rows, PSEUDONYMISED_REGISTER_COLUMNS),
                      {"type": "acknowledgement_register", "policy": version.policy.code, "version": version.number,
                       "acknowledged": done, "not_yet": len(rows) - done, "pseudonymised": True}))
    return files


def _objective_extracts(contents: Contents) -> list[Extract]:
    """The information-security objectives with their status, the metrics with their latest values,
    and the measurements of the pack's period (every one without a period): evidence of 27001 6.2 and
    9.1 for the whole ISMS, whatever controls or department the scope names."""
    if not objective_queries.anything_set_up():
        return []
    metrics = objective_queries.all_metrics()
    latest = objective_queries.latest_measurements([metric.id for metric in metrics])
    measurements = list(db.session.scalars(objective_queries.measurements_statement(
        None, contents.scope.date_from, contents.scope.date_to)))
    return _csv_and_xlsx([
        ("objectives", "Objectives", objective_queries.all_objectives(), OBJECTIVE_COLUMNS),
        ("metrics", "Metrics", metrics, metric_columns(latest)),
        ("measurements", "Measurements", measurements, MEASUREMENT_COLUMNS)])


def _has_context() -> bool:
    counts = context_queries.counts(local_today())
    return bool(counts.issues or counts.parties or context_scope.latest_issued() or context_queries.roles())


def _context_extracts(contents: Contents) -> list[Extract]:
    """The context of the ISMS, organisation-wide whatever the pack's scope: every issue and interested
    party (retired ones too, as history), each party's requirements, the roles and who held them, and
    the issued versions of the scope statement."""
    today = local_today()
    every = context_queries.ContextFilters(status=context_queries.STATUS_ANY)
    issues = list(db.session.scalars(context_queries.issues(every, today).order_by(
        ContextIssue.kind, ContextIssue.id)))
    parties = list(db.session.scalars(context_queries.parties(every, today).order_by(
        InterestedParty.name)))
    tables = [
        ("context-issues", "Issues", issues, ISSUE_COLUMNS),
        ("interested-parties", "Interested parties", parties, PARTY_COLUMNS),
        ("interested-party-requirements", "Requirements", context_queries.requirements_of(parties),
         REQUIREMENT_COLUMNS),
        ("isms-roles", "ISMS roles", context_queries.holdings(context_queries.roles()), ROLE_COLUMNS),
        ("scope-statement-versions", "Scope versions", context_scope.issued_versions(), SCOPE_VERSION_COLUMNS),
    ]
    return _csv_and_xlsx(table for table in tables if table[2])  # an empty part of the context: no file


def _management_reviews(contents: Contents) -> list[Extract]:
    """Management review (9.3): the reviews held (with their minutes) and their actions as CSV and XLSX,
    and each held review's pack PDF as it was made from its frozen figures. ISMS-wide: in a pack of the
    whole ISMS or of a date range (reviews whose meeting falls in it), not in one of chosen controls or
    a department."""
    scope = contents.scope
    if scope.controls or scope.department_id:
        return []
    held = [review for review in reviews.held_reviews()
            if (not scope.date_from or review.meeting_on >= scope.date_from)
            and (not scope.date_to or review.meeting_on <= scope.date_to)]
    if not held:
        return []
    ids = {review.id for review in held}
    rows = [row for row in db.session.execute(reviews.filtered_reviews(reviews.ReviewFilters())
                                              .order_by(ManagementReview.meeting_on))
            if row.ManagementReview.id in ids]
    actions = [action for action in db.session.scalars(reviews.all_actions()) if action.review_id in ids]
    files = _csv_and_xlsx([("management-reviews", "Management reviews", rows, MANAGEMENT_REVIEW_COLUMNS),
                           ("management-review-actions", "Review actions", actions, REVIEW_ACTION_COLUMNS)])
    for review in held:
        pack = review.pack
        if pack is None or not pack.pdf_sha256 or pack.pdf is None:
            continue
        files.append((f"reports/management-reviews/{review.meeting_on.isoformat()}-{_safe_name(review.title, 60)}.pdf",
                      pack.pdf, {"type": "management_review_pack", "review": review.title,
                                 "meeting_on": review.meeting_on.isoformat(), "as_of": pack.as_of.isoformat(),
                                 "recorded_sha256": pack.pdf_sha256}))
    return files


# What extracts/ holds, one function per register, each returning (path, file, source): a register
# added to packs (the acceptance register, ...) is one more function here. Paths already in packs
# are never renamed: auditors' checklists and scripts name them.
def _nonconformity_register(contents: Contents) -> list[Extract]:
    """The nonconformities raised in the pack's period or open during it, and their corrective actions
    (ISO/IEC 27001 10.2: evidence of the nature, the actions and their results)."""
    if not contents.nonconformities:
        return []
    today = local_today()
    actions = [action for nonconformity in contents.nonconformities for action in nonconformity.actions]
    return _csv_and_xlsx([
        ("nonconformities", "Nonconformities", contents.nonconformities, nonconformity_columns(today)),
        ("corrective-actions", "Corrective actions", actions, CORRECTIVE_ACTION_COLUMNS)])


def _incident_register(contents: Contents) -> list[Extract]:
    """The pack's incidents, their timelines and their evidence's chain of custody (A.5.24-5.28; POPIA s22)."""
    if not contents.incidents:
        return []
    timeline = [entry for incident in contents.incidents for entry in incident.actions]
    custody = [entry for incident in contents.incidents for item in incident.evidence for entry in item.custody]
    return _csv_and_xlsx([("incidents", "Incidents", contents.incidents, incident_columns()),
                          ("incident-timelines", "Incident timelines", timeline, TIMELINE_COLUMNS),
                          ("incident-evidence-custody", "Chain of custody", custody, CUSTODY_COLUMNS)])


def _internal_audit_extracts(contents: Contents) -> list[Extract]:
    """The issued internal audits (9.2) and every line of their checklists; reports/ holds their PDFs."""
    if not contents.internal_audits:
        return []
    lines = lines_of(contents.internal_audits)
    return _csv_and_xlsx([("internal-audits", "Internal audits", contents.internal_audits, AUDIT_COLUMNS),
                          ("internal-audit-checklists", "Checklist lines", lines, CHECKLIST_COLUMNS)])


# The Annex A controls the supplier register evidences: a pack of chosen controls holds it only if one
# of them is among these.
SUPPLIER_CONTROLS = frozenset({"5.19", "5.20", "5.21", "5.22", "5.23"})


def _suppliers_in(contents: Contents) -> bool:
    """The supplier register is organisation-wide: in a pack of the whole ISMS, a department or a period,
    and in one of chosen controls that include A.5.19-5.23; never when it is empty."""
    scope = contents.scope
    if scope.controls and not SUPPLIER_CONTROLS & set(scope.controls):
        return False
    return bool(supplier_queries.counts(local_today()).total)


def _supplier_register(contents: Contents) -> list[Extract]:
    """Every supplier (exited ones too, as history) and every security assessment (A.5.19-5.23)."""
    if not _suppliers_in(contents):
        return []
    today = local_today()
    every = supplier_queries.SupplierFilters(status=supplier_queries.STATUS_ANY)
    suppliers = list(db.session.scalars(supplier_queries.filtered(every, today).order_by(
        sa.func.lower(Supplier.name), Supplier.id)))
    return _csv_and_xlsx([("suppliers", "Suppliers", suppliers, supplier_columns(today)),
                          ("supplier-assessments", "Assessments", supplier_queries.all_assessments(),
                           SUPPLIER_ASSESSMENT_COLUMNS)])
def _awareness_extracts(contents: Contents) -> list[Extract]:
    """The awareness campaigns in scope with their completion rates, and the rates per campaign and
    department (A.6.3, 7.2-7.3): counts only, no employee (the register's personal data stays out)."""
    campaigns = contents.awareness_campaigns
    if not campaigns:
        return []
    department_id = contents.scope.department_id
    by_department = awareness_queries.rates_by_department(campaigns)
    codes: dict[int | None, str] = {d.id: d.code for d in awareness_queries.departments_by_id(
        {d for rates in by_department.values() for d in rates}).values()}
    rates = {c.id: (by_department[c.id].get(department_id, awareness_queries.NO_RATE) if department_id
                    else sum(by_department[c.id].values(), awareness_queries.NO_RATE)) for c in campaigns}
    rows = [(campaign, codes.get(d, ""), rate) for campaign in campaigns
            for d, rate in sorted(by_department[campaign.id].items(), key=lambda item: codes.get(item[0], "~"))
            if department_id is None or d == department_id]
    return _csv_and_xlsx([
        ("awareness-campaigns", "Awareness campaigns", campaigns, awareness_campaign_columns(rates)),
        ("awareness-rates", "Completion by department", rows, AWARENESS_RATE_COLUMNS)])


# The Annex A controls the continuity register evidences: a pack of chosen controls holds it only if one
# of them is among these.
CONTINUITY_CONTROLS = frozenset({"5.29", "5.30", "8.13", "8.14"})


def _continuity_in(contents: Contents) -> bool:
    """The continuity register is organisation-wide, as the suppliers': in a pack of the whole ISMS, a
    department or a period, and in one of chosen controls that include A.5.29, 5.30, 8.13 or 8.14."""
    scope = contents.scope
    if scope.controls and not CONTINUITY_CONTROLS & set(scope.controls):
        return False
    return continuity_queries.anything_analysed()


def _continuity_register(contents: Contents) -> list[Extract]:
    """Every business impact analysis as it stands, and the tests and exercises held in the pack's period
    (every one without a period) with their findings and restore evidence."""
    if not _continuity_in(contents):
        return []
    analyses = continuity_queries.every_analysis(local_today(), continuity_services.test_months())
    tests = continuity_queries.tests_between(contents.scope.date_from, contents.scope.date_to)
    return _csv_and_xlsx([
        ("business-impact-analyses", "Business impact analyses", analyses, CONTINUITY_ANALYSIS_COLUMNS),
        ("continuity-tests", "Tests and exercises", tests, CONTINUITY_TEST_COLUMNS)])


EXTRACT_MAKERS: tuple[Callable[[Contents], list[Extract]], ...] = (
    _register_extracts,
    _soa_history,
    _acknowledgement_registers,
    _objective_extracts,
    _context_extracts,
    _management_reviews,
    _nonconformity_register,
    _internal_audit_extracts,
    _supplier_register,
    _incident_register,
    _awareness_extracts,
    _continuity_register,
)


def _evidence_files(contents: Contents) -> list[_Source]:
    """The current file of each evidence item, once in the folder of each control in scope it supports."""
    in_scope = {control.id for control in contents.controls}
    files = []
    for evidence in contents.evidence:
        current = evidence.current_file
        if evidence.kind != EvidenceKind.FILE or current is None:
            continue
        name = f"E{evidence.id}-{_safe_name(current.original_name)}"
        for control in evidence.controls:
            if control.id not in in_scope:
                continue
            folder = _safe_name(f"{control.reference} {control.title}", 60)
            files.append(_Source(
                path=f"evidence/{folder}/{name}", sha256=current.sha256, size=current.size,
                source={"type": "evidence_file", "evidence_id": evidence.id, "evidence_title": evidence.title,
                        "file_id": current.id, "control": control.reference,
                        "uploaded_at": current.uploaded_at.isoformat(timespec="seconds"),
                        "recorded_sha256": current.sha256}))
    return files


def _internal_audit_reports(contents: Contents) -> list[_Source]:
    """Each issued internal audit report, the very PDF issued (kept by its SHA-256), not a new rendering."""
    return [_Source(path=f"reports/internal-audits/{_safe_name(internal_audit.report_filename)}",
                    sha256=internal_audit.report_sha256, size=internal_audit.report_size or 0,
                    source={"type": "internal_audit_report", "audit": internal_audit.reference,
                            "issued_on": internal_audit.issued_on.isoformat() if internal_audit.issued_on else None,
                            "recorded_sha256": internal_audit.report_sha256})
            for internal_audit in contents.internal_audits if internal_audit.report_sha256]


def _policy_documents(contents: Contents) -> list[_Source]:
    """The signed PDF of each policy version in force, where one was uploaded."""
    return [_Source(path=f"policies/{_safe_name(version.policy.code)}-v{version.number}-"
                         f"{_safe_name(version.document_name or 'signed.pdf')}",
                    sha256=version.document_sha256, size=version.document_size or 0,
                    source={"type": "policy_document", "policy": version.policy.code, "version": version.number,
                            "recorded_sha256": version.document_sha256})
            for version in contents.policy_versions if version.document_sha256]


def _manifest(contents: Contents, entries: list[dict], problems: list[dict], *, generated_by: str,
              pack_id: int | None, checkpoint: AuditCheckpoint, audit_extract: extracts.Plan) -> bytes:
    manifest = {
        "format": FORMAT,
        "pack_id": pack_id,
        "organisation_classification": settings.get(settings.CLASSIFICATION_LABEL),
        "generated_at": to_local(utcnow()).isoformat(timespec="seconds"),
        "generated_by": generated_by,
        "scope": {**json.loads(contents.scope.as_json()), "label": contents.scope.label()},
        "signing_key_fingerprint": signing.fingerprint(),
        # The audit log's head when the pack was built: `audit verify --checkpoint REFERENCE` later
        # shows whether the log still holds it (nothing cut off, nothing re-chained).
        "audit_checkpoint": checkpoints.manifest_block(checkpoint),
        # audit/: the entries of the period, up to the signed checkpoint that covers them.
        "audit_extract": extracts.manifest_block(audit_extract),
        # Every file but manifest.json, manifest.sig and SHA256SUMS.
        "files": entries,
        "missing_or_altered": problems,
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")


def _readme(contents: Contents, problems: list[dict], audit_extract: extracts.Plan) -> str:
    period = audit_extract.period
    lines = [
        "Khusela evidence pack",
        f"Scope: {contents.scope.label()}",
        f"Organisation's signing key, SHA-256 fingerprint: {signing.fingerprint()}",
        "",
        "WHAT IS IN IT",
        "  reports/        PDF reports: risk register, treatment plan, Statement of Applicability, assets, policies,",
        "                  objectives and measurement; internal-audits/ holds each internal audit report as issued",
        "                  (the same bytes)",
        "  extracts/       CSV and XLSX of the registers in scope (objectives, metrics and measurements: the whole",
        "                  ISMS's); the Statement of Applicability's issued versions",
        "                  (statement-of-applicability-versions, and each version's rows); each policy's",
        "                  acknowledgement register (acknowledgements/, employees by pseudonym: POPIA)",
        "  evidence/       every evidence file in scope, byte for byte, in the folder of each control it supports",
        "  policies/       the signed policy documents in force",
        "  audit/          the audit log of the period, signed checkpoint and checking script (below)",
        "  public_key.pem  the organisation's public key (Ed25519)",
        "  manifest.json   every file above, this README included, with its SHA-256, size and the record it",
        "                  comes from; manifest.sig is its Ed25519 signature. Only manifest.json, manifest.sig",
        "                  and SHA256SUMS are not in the manifest (a file cannot list its own hash).",
        "  SHA256SUMS      the SHA-256 of every file, manifest.json and manifest.sig included, for sha256sum -c",
        "",
        "HOW TO CHECK IT",
        "1. Get the key's fingerprint by another channel than this pack. The public key and the fingerprint",
        "   printed here come with the pack, so whoever could change the pack could change them too. Ask the",
        "   organisation's Khusela administrator to tell you the fingerprint by phone, or in a signed letter;",
        "   they read it on Khusela's Reports > Evidence packs page or with `flask --app wsgi packs fingerprint`.",
        "   It must equal the fingerprint of public_key.pem (step 2's script prints it, as does",
        "   `flask --app wsgi packs verify PACK.zip --public-key public_key.pem`).",
        "2. The signature, with OpenSSL 3, in the unpacked pack:",
        "     openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in manifest.json -sigfile manifest.sig",
        "   (or, on the Khusela server: flask --app wsgi packs verify THIS-FILE.zip)",
        "3. Every file, with GNU coreutils (Linux; macOS: shasum -a 256 -c SHA256SUMS):",
        "     sha256sum -c SHA256SUMS",
        "   SHA256SUMS is not signed: it only spares you reading the hashes out of manifest.json, the signed list.",
        "   After step 2, check that SHA256SUMS says what manifest.json says (`packs verify` does).",
        "",
        "THE AUDIT LOG",
        f"audit/audit-log.jsonl holds the audit log's entries from {period.label()} "
        f"({audit_extract.in_period:,} entries in the period),",
        "and the entries after it up to the signed checkpoint audit/checkpoint.json (audit/checkpoint.sig is its",
        "signature), so that the links run unbroken from the period to a head the organisation signed.",
        "audit/audit-log.csv is the same, to read (as Khusela's /audit export). Check the extract with Python 3",
        "(nothing to install; it uses the cryptography package for the signature if it is there):",
        "     python3 audit/verify_audit_extract.py",
        "It checks each entry's link to the one before (prev_hash = the previous entry's hash), recomputes the",
        "hash of every entry written before the chain was keyed (plain SHA-256), checks the checkpoint's",
        "signature with public_key.pem and that the extract holds the checkpoint's entry with its hash.",
        "What it cannot check: entries since the chain was keyed are hashed with HMAC-SHA256 under a key that",
        "stays on the server, so offline only their links and the checkpoint are checked, and the same for",
        "entries whose details are withheld from auditors (an employee's personal information, POPIA). Their",
        "hashes are checked on the server: `flask --app wsgi audit verify`, nightly and on demand; Khusela's",
        "/audit page shows when that last ran and what it found. The checkpoint alone, with OpenSSL:",
        "     openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in audit/checkpoint.json "
        "-sigfile audit/checkpoint.sig",
        "",
        "The recipe of an entry's hash (what audit/verify_audit_extract.py recomputes):",
        "  content = the JSON object of the fields action, actor_email, actor_id, changes, entity_id,",
        "            entity_type, ip_address, occurred_at, prev_hash, summary; keys sorted, separators \",\" and",
        "            \":\" (no spaces), non-ASCII characters as they are (not \\u escapes), encoded UTF-8",
        "  occurred_at = UTC, ISO 8601 to the microsecond with its offset: 2026-03-02T08:15:30.123456+00:00",
        "  actor_id = a number or null; actor_email, ip_address, entity_id = text or null",
        "  changes = the stored text (JSON itself), hashed as a string; prev_hash of the first entry = 64 zeros",
        "  hash_scheme sha256: entry_hash = hex SHA-256(content)",
        "  hash_scheme hmac-sha256: entry_hash = hex HMAC-SHA256(chain key, content)",
        "",
        "manifest.json's audit_checkpoint is the audit log's signed head when this pack was built. Keep it:",
        "  flask --app wsgi audit verify --checkpoint REFERENCE   (on the server) fails if the log no longer holds it.",
    ]
    if problems:
        lines += ["", f"WARNING: {len(problems)} evidence file(s) could not be packed as recorded:"]
        lines += [f"  {problem['path']}: {problem['problem']}. {problem['detail']}" for problem in problems]
    return "\r\n".join(lines) + "\r\n"  # read on Windows too


ACTION_COLUMNS = [
    Column("Risk", lambda a: a.risk.reference, 11),
    Column("Action", lambda a: a.title, 40),
    Column("Owner", lambda a: a.owner.full_name if a.owner else "", 24),
    Column("Due", lambda a: a.due_on, 12),
    Column("Status", lambda a: a.status, 12),
    Column("Overdue", lambda a: "yes" if a.is_overdue(local_today()) else "no", 9),
    Column("Control", lambda a: a.control.reference if a.control else "", 12),
    Column("Progress", lambda a: a.progress_note, 50),
]
REVIEW_COLUMNS = [  # rows: (risk reference, RiskReview)
    Column("Risk", lambda row: row[0], 11),
    Column("Reviewed on", lambda row: row[1].reviewed_on, 12),
    Column("Reviewer", lambda row: row[1].reviewer.full_name if row[1].reviewer else "", 24),
    Column("Next review", lambda row: row[1].next_review_on, 12),
    Column("Notes", lambda row: row[1].notes, 60),
]
TEST_COLUMNS = [
    Column("Control", lambda t: t.control.reference, 11),
    Column("Tested on", lambda t: t.tested_on, 12),
    Column("Tester", lambda t: t.tester.full_name if t.tester else "", 24),
    Column("What is checked", lambda t: t.what_is_checked, 40),
    Column("Method", lambda t: t.method, 30),
    Column("Sample", lambda t: t.sample, 20),
    Column("Result", lambda t: t.result, 18),
]


# --- checking a pack ------------------------------------------------------------------------------


@dataclass
class Verification:
    problems: list[str]
    file_count: int = 0
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_pack(path: Path, key) -> Verification:
    """Check the signature of the manifest and every file against it; each problem names its file."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        return Verification([f"{path.name}: not a readable ZIP file ({error})."])
    with archive:
        names = set(archive.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                return Verification([f"{required}: missing from the pack, so nothing in it can be trusted."])
        manifest_bytes, signature = archive.read(MANIFEST), archive.read(SIGNATURE)
        fingerprint = signing.fingerprint(key)
        if not signing.signature_valid(manifest_bytes, signature, key):
            return Verification([f"{MANIFEST}: the signature does not match. The manifest was changed after "
                                 f"signing, or the pack was signed by another key than the one checked "
                                 f"(fingerprint {fingerprint})."], fingerprint=fingerprint)
        try:
            manifest = json.loads(manifest_bytes)
            listed, unlisted = manifest["files"], UNLISTED_BY_FORMAT[manifest.get("format")]
        except (ValueError, KeyError, TypeError):
            return Verification([f"{MANIFEST}: not a Khusela manifest."], fingerprint=fingerprint)
        problems = []
        actual: dict[str, str] = {}
        for entry in listed:
            if entry["path"] not in names:
                problems.append(f"{entry['path']}: missing from the pack.")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(entry["path"]) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            actual[entry["path"]] = digest.hexdigest()
            if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
                problems.append(f"{entry['path']}: altered (SHA-256 {digest.hexdigest()}, {size} bytes; the manifest "
                                f"says {entry['sha256']}, {entry['size']} bytes).")
        listed_paths = {entry["path"] for entry in listed}
        problems += [f"{name}: not in the manifest (added after the pack was signed)."
                     for name in sorted(names - listed_paths - unlisted) if not name.endswith("/")]
        if SHA256SUMS in unlisted and not problems:
            expected = sha256sums([*actual.items(), (MANIFEST, hashlib.sha256(manifest_bytes).hexdigest()),
                                   (SIGNATURE, hashlib.sha256(signature).hexdigest())])
            if SHA256SUMS not in names or archive.read(SHA256SUMS) != expected:
                problems.append(f"{SHA256SUMS}: missing or not the hashes of the signed files, so `sha256sum -c` "
                                "would not agree with the signed manifest: it was altered after the pack was built.")
        return Verification(problems, file_count=len(listed), fingerprint=fingerprint)
