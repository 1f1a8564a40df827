"""Writing an evidence pack's ZIP (reports, extracts, evidence files, the signed manifest) and
checking one offline. What goes in is decided by app.reports.packs.gather (a `Contents`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from app.admin import settings
from app.assets.exports import ASSET_COLUMNS
from app.audit import checkpoints
from app.common import signing, uploads
from app.common.export import Column, csv_bytes, xlsx_bytes
from app.common.timeutil import local_today, to_local, utcnow
from app.controls import soa
from app.controls.exports import CONTROL_COLUMNS, EVIDENCE_COLUMNS, soa_columns
from app.controls.models import EvidenceKind
from app.reports import documents
from app.risks import queries as risk_queries
from app.risks.exports import acceptance_columns, risk_columns

if TYPE_CHECKING:
    from app.audit.models import AuditCheckpoint
    from app.reports.packs import Contents

FORMAT = "khusela-evidence-pack/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
README = "README.txt"
# The pack's own files: the manifest cannot list itself or its signature.
PACK_FILES = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY, README})
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
    reports, extracts = _reports(contents), _extracts(contents)
    files = _evidence_files(contents) + _policy_documents(contents)
    progress.plan(REPORT_UNITS * len(reports) + len(extracts) + sum(1 + f.size // CHUNK for f in files))
    partial = target.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6, allowZip64=True) as archive:
            entries, problems = _write_contents(archive, reports, extracts, files, generated_by, progress)
            manifest = _manifest(contents, entries, problems, generated_by=generated_by, pack_id=pack_id,
                                 checkpoint=checkpoint)
            archive.writestr(_info(MANIFEST), manifest)
            archive.writestr(_info(SIGNATURE), signing.sign(manifest))
            archive.writestr(_info(PUBLIC_KEY), signing.public_key_pem())
            archive.writestr(_info(README), _readme(contents, problems))
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
    reports = []
    if contents.risks:
        reports.append(("reports/risk-register.pdf", "risk_register", dict(department),
                        {"type": "report", "report": "risk_register", **department}))
        reports.append(("reports/risk-treatment-plan.pdf", "treatment_plan", dict(department),
                        {"type": "report", "report": "treatment_plan", **department}))
    issued = soa.versions()
    if issued:
        latest = issued[0]
        reports.append((f"reports/statement-of-applicability-v{latest.number}.pdf", "soa",
                        {"version_id": latest.id}, {"type": "report", "report": "soa", "soa_version": latest.number}))
    if contents.assets:
        reports.append(("reports/asset-register.pdf", "asset_register", dict(department),
                        {"type": "report", "report": "asset_register", **department}))
    for version in contents.policy_versions:
        reports.append((f"reports/policies/{_safe_name(version.policy.code)}-v{version.number}.pdf", "policy",
                        {"version_id": version.id},
                        {"type": "report", "report": "policy", "policy": version.policy.code,
                         "version": version.number}))
    return reports


def _extracts(contents: Contents) -> list[tuple[str, bytes, dict]]:
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
    extracts = []
    for stem, title, rows, columns in tables:
        source = {"type": "extract", "register": stem, "rows": len(rows)}
        extracts.append((f"extracts/{stem}.csv", csv_bytes(rows, columns), source))
        extracts.append((f"extracts/{stem}.xlsx", xlsx_bytes(rows, columns, title), source))
    return extracts


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


def _policy_documents(contents: Contents) -> list[_Source]:
    """The signed PDF of each policy version in force, where one was uploaded."""
    return [_Source(path=f"policies/{_safe_name(version.policy.code)}-v{version.number}-"
                         f"{_safe_name(version.document_name or 'signed.pdf')}",
                    sha256=version.document_sha256, size=version.document_size or 0,
                    source={"type": "policy_document", "policy": version.policy.code, "version": version.number,
                            "recorded_sha256": version.document_sha256})
            for version in contents.policy_versions if version.document_sha256]


def _manifest(contents: Contents, entries: list[dict], problems: list[dict], *, generated_by: str,
              pack_id: int | None, checkpoint: AuditCheckpoint) -> bytes:
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
        "files": entries,
        "missing_or_altered": problems,
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")


def _readme(contents: Contents, problems: list[dict]) -> str:
    lines = [
        "Khusela evidence pack",
        f"Scope: {contents.scope.label()}",
        "",
        "manifest.json lists every file in this pack with its SHA-256, size and the record it comes from.",
        "manifest.sig is an Ed25519 signature of manifest.json by the organisation's Khusela key.",
        "",
        "To check the pack:",
        "  flask --app wsgi packs verify THIS-FILE.zip            (on the Khusela server)",
        "or, with the public key from Khusela's evidence-pack page (compare its fingerprint):",
        "  openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in manifest.json -sigfile manifest.sig",
        "  then compare each file's SHA-256 (sha256sum) with the manifest.",
        f"Key fingerprint (SHA-256 of the raw public key): {signing.fingerprint()}",
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
            listed = json.loads(manifest_bytes)["files"]
        except (ValueError, KeyError, TypeError):
            return Verification([f"{MANIFEST}: not a Khusela manifest."], fingerprint=fingerprint)
        problems = []
        for entry in listed:
            if entry["path"] not in names:
                problems.append(f"{entry['path']}: missing from the pack.")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(entry["path"]) as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
                problems.append(f"{entry['path']}: altered (SHA-256 {digest.hexdigest()}, {size} bytes; the manifest "
                                f"says {entry['sha256']}, {entry['size']} bytes).")
        listed_paths = {entry["path"] for entry in listed}
        problems += [f"{name}: not in the manifest (added after the pack was signed)."
                     for name in sorted(names - listed_paths - PACK_FILES) if not name.endswith("/")]
        return Verification(problems, file_count=len(listed), fingerprint=fingerprint)
