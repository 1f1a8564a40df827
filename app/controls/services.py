"""Use cases of the controls catalogue. Each write records its audit entry and flushes; the caller of
the unit of work (a view, the import, a CLI command) commits once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, User
from app.common import uploads
from app.common.models import RuleError, table_of
from app.common.timeutil import local_today
from app.controls.annex_a import ANNEX_A_CATALOGUE, SyncResult, reference_sort_key, sync_annex_a
from app.controls.models import (
    INTERNAL_CATALOGUE,
    AnnexA2013Mapping,
    Control,
    ControlSource,
    ControlTest,
    ControlType,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    Frequency,
    TestResult,
)
from app.extensions import db
from app.nonconformities import services as nonconformity_services


def get_control(control_id: int) -> Control | None:
    return db.session.get(Control, control_id)


def annex_a_control(reference: str) -> Control | None:
    reference = reference.strip().upper().removeprefix("A.")
    return db.session.scalar(sa.select(Control).where(Control.source == ControlSource.ANNEX_A,
                                                      Control.reference == reference))


def controls_to_link(keep_ids=()) -> list[Control]:
    """Active controls in catalogue order (Annex A first), for the pickers that link to a control;
    `keep_ids` stay listed even when retired, so an edit does not silently drop a link."""
    keep = [control_id for control_id in keep_ids if control_id is not None]
    condition = sa.or_(Control.active.is_(True), Control.id.in_(keep)) if keep else Control.active.is_(True)
    return list(db.session.scalars(sa.select(Control).where(condition).order_by(
        sa.case((Control.source == ControlSource.ANNEX_A, 0), else_=1), Control.catalogue, Control.sort_key)))


def mappings_2013_for(control: Control) -> list[AnnexA2013Mapping]:
    return list(db.session.scalars(sa.select(AnnexA2013Mapping).where(AnnexA2013Mapping.ref_2022 == control.reference)
                                   .order_by(AnnexA2013Mapping.ref_2013)))


def load_annex_a(actor: User | None = None) -> SyncResult:
    """Bring the Annex A catalogue in step with app/data (idempotent); audited when it changes anything."""
    result = sync_annex_a(db.session.connection(), table_of(Control), table_of(AnnexA2013Mapping))
    if result.changed:
        audit.record(AuditAction.LOAD, "control", None, actor=actor, summary=(
            f"Loaded ISO/IEC 27001:2022 Annex A: {result.added} controls added, {result.updated} updated, "
            f"{result.mappings_added} 2013 mappings added"))
    db.session.flush()
    return result


# --- the catalogue's controls ----------------------------------------------------------------------

CONTROL_AUDIT_FIELDS = ["catalogue", "reference", "title", "description", "control_types", "owner_id",
                        "department_id", "frequency", "active"]
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,31}$")


class ControlRuleError(RuleError):
    """A rule of the controls catalogue was broken."""


@dataclass
class ControlInput:
    """What a person keeps on a control. For an Annex A control only description, owner and
    department apply: its reference, title and attributes are the standard's."""

    title: str = ""
    reference: str = ""
    catalogue: str = INTERNAL_CATALOGUE
    description: str = ""
    control_type: str | None = None
    owner_id: int | None = None
    department_id: int | None = None
    frequency: str | None = None
    active: bool = True
    annex_a_ids: list[int] = field(default_factory=list)


def _check_people(data: ControlInput, control: Control | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    # An owner who has left may stay on a control until someone is chosen; a new choice must be active.
    if data.owner_id is not None and (control is None or data.owner_id != control.owner_id):
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The control owner must be an active user."))
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        problems.append(("department_id", "Choose a department from the list."))
    return problems


def _check_internal(data: ControlInput, control: Control | None) -> list[tuple[str | None, str]]:
    problems = _check_people(data, control)
    reference, catalogue = data.reference.strip(), (data.catalogue or INTERNAL_CATALOGUE).strip()
    if not REFERENCE_PATTERN.match(reference):
        problems.append(("reference", "Give the control a reference of up to 32 letters, digits, spaces and "
                                      ". / _ -, like IC-001."))
    existing = {name.casefold(): name for name in db.session.scalars(sa.select(Control.catalogue).distinct())}
    catalogue = existing.get(catalogue.casefold(), catalogue)  # "internal" is the existing "Internal"
    data.catalogue = catalogue
    if catalogue == ANNEX_A_CATALOGUE:
        problems.append(("catalogue", f"“{ANNEX_A_CATALOGUE}” holds the standard's 93 controls only; name your "
                                      "own catalogue differently."))
    elif not catalogue or len(catalogue) > 120:
        problems.append(("catalogue", "Name the catalogue in 1 to 120 characters, like “Internal”."))
    else:
        clash = db.session.scalar(sa.select(Control).where(
            Control.catalogue == catalogue, sa.func.upper(Control.reference) == reference.upper()))
        if clash is not None and clash is not control:
            problems.append(("reference", f"{catalogue} already has a control {clash.reference} ({clash.title})."))
    if not data.title.strip():
        problems.append(("title", "Give the control a title."))
    elif len(data.title.strip()) > 200:
        problems.append(("title", "Use at most 200 characters for the title."))
    if data.control_type not in {t.value for t in ControlType}:
        problems.append(("control_type", "Choose whether the control is preventive, detective or corrective."))
    if data.frequency is not None and data.frequency not in {f.value for f in Frequency}:
        problems.append(("frequency", "Choose how often the control operates."))
    annex_a = _annex_a_controls(data.annex_a_ids)
    if not data.annex_a_ids:
        problems.append(("annex_a_ids", "Map the control to at least one Annex A control it implements."))
    elif len(annex_a) != len(set(data.annex_a_ids)):
        problems.append(("annex_a_ids", "Choose Annex A controls from the list."))
    return problems


def _annex_a_controls(ids: list[int]) -> list[Control]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(ids)),
                                                            Control.source == ControlSource.ANNEX_A)
                                   .order_by(Control.sort_key)))


def _snapshot(control: Control) -> dict:
    return {**audit.snapshot(control, CONTROL_AUDIT_FIELDS),
            "annex_a": [annex.reference for annex in control.annex_a_controls]}


def create_internal_control(data: ControlInput, *, actor: User) -> Control:
    problems = _check_internal(data, None)
    if problems:
        raise ControlRuleError(problems)
    reference = data.reference.strip()
    control = Control(source=ControlSource.INTERNAL.value, catalogue=(data.catalogue or INTERNAL_CATALOGUE).strip(),
                      reference=reference, sort_key=reference_sort_key(reference))
    _apply(control, data)
    db.session.add(control)
    db.session.flush()
    audit.record(AuditAction.CREATE, "control", control.id, changes=audit.diff({}, _snapshot(control)),
                 summary=f"Created control {control.reference} {control.title}"[:300], actor=actor)
    return control


def update_control(control: Control, data: ControlInput, *, expected_version, actor: User) -> dict:
    control.check_version(expected_version, "control")
    problems = _check_people(data, control) if control.is_annex_a else _check_internal(data, control)
    if problems:
        raise ControlRuleError(problems)
    before, version = _snapshot(control), control.version
    if control.is_annex_a:
        control.description = data.description.strip()
        control.owner_id, control.department_id = data.owner_id, data.department_id
    else:
        control.catalogue = (data.catalogue or INTERNAL_CATALOGUE).strip()
        control.reference = data.reference.strip()
        control.sort_key = reference_sort_key(control.reference)
        _apply(control, data)
    db.session.flush()
    changes = audit.diff(before, _snapshot(control))
    control.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "control", control.id, changes=changes,
                     summary=f"Edited control {control.reference} {control.title}"[:300], actor=actor)
    return changes


def _apply(control: Control, data: ControlInput) -> None:
    control.title = data.title.strip()
    control.description = data.description.strip()
    control.control_types = data.control_type or ""
    control.owner_id, control.department_id = data.owner_id, data.department_id
    control.frequency = data.frequency
    control.active = data.active
    control.annex_a_controls = _annex_a_controls(data.annex_a_ids)


def catalogues() -> list[str]:
    """Every catalogue's name, Annex A first."""
    names = set(db.session.scalars(sa.select(Control.catalogue).distinct()))
    return [ANNEX_A_CATALOGUE, *sorted(names - {ANNEX_A_CATALOGUE})] if names else []


def annex_a_catalogue() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.ANNEX_A)
                                   .order_by(Control.sort_key)))


def control_by_reference(reference: str) -> Control | None:
    """An Annex A control ("8.16", "A.8.16"), else an internal one with that reference."""
    return annex_a_control(reference) or db.session.scalar(
        sa.select(Control).where(Control.catalogue == INTERNAL_CATALOGUE,
                                 sa.func.upper(Control.reference) == reference.strip().upper()))


# --- evidence ------------------------------------------------------------------------------------

EVIDENCE_AUDIT_FIELDS = ["title", "description", "kind", "url", "evidence_date", "valid_until"]
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass
class EvidenceInput:
    title: str
    evidence_date: date | None
    description: str = ""
    valid_until: date | None = None
    control_ids: list[int] = field(default_factory=list)
    url: str | None = None  # a link; None for a file


def _check_evidence(data: EvidenceInput, *, is_link: bool) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title.strip():
        problems.append(("title", "Give the evidence a title, like “Restore test, Q3 2026”."))
    elif len(data.title.strip()) > 200:
        problems.append(("title", "Use at most 200 characters for the title."))
    if data.evidence_date is None:
        problems.append(("evidence_date", "Enter the date of the evidence."))
    elif data.evidence_date > local_today():
        problems.append(("evidence_date", "Evidence cannot be dated in the future."))
    elif data.valid_until is not None and data.valid_until < data.evidence_date:
        problems.append(("valid_until", "The evidence cannot stop being valid before its own date."))
    if not data.control_ids:
        problems.append(("control_ids", "Choose at least one control the evidence supports."))
    elif len(set(data.control_ids)) != db.session.scalar(
            sa.select(sa.func.count()).select_from(Control).where(Control.id.in_(set(data.control_ids)))):
        problems.append(("control_ids", "Choose controls from the catalogue."))
    if is_link and not URL_PATTERN.match((data.url or "").strip()):
        problems.append(("url", "Enter the full address, starting with https:// (or http://)."))
    return problems


def _evidence_snapshot(evidence: Evidence) -> dict:
    return {**audit.snapshot(evidence, EVIDENCE_AUDIT_FIELDS),
            "controls": [control.reference for control in evidence.controls],
            "file": evidence.current_file.sha256 if evidence.current_file else None}


def _checked_file(filename: str, content: bytes) -> uploads.CheckedUpload:
    try:
        return uploads.check_evidence(filename, content)
    except RuleError as error:
        raise ControlRuleError(error.problems) from None


def add_evidence(data: EvidenceInput, *, actor: User, filename: str | None = None, content: bytes | None = None
                 ) -> Evidence:
    """A file (filename and content) or a link (data.url). The file is checked before anything
    is written, and stored by its SHA-256."""
    is_link = content is None
    problems = _check_evidence(data, is_link=is_link)
    upload = None
    if not is_link and not filename and not content:
        problems.append(("file", "Choose the file to upload, or record a link instead."))
    elif content is not None:  # a file
        try:
            upload = _checked_file(filename or "", content)
        except ControlRuleError as error:
            problems += error.problems
    if problems:
        raise ControlRuleError(problems)
    evidence = Evidence(kind=EvidenceKind.LINK.value if is_link else EvidenceKind.FILE.value,
                        url=(data.url or "").strip() if is_link else None)
    _apply_evidence(evidence, data)
    db.session.add(evidence)
    if upload is not None:
        _add_file(evidence, upload, actor)
    db.session.flush()
    audit.record(AuditAction.CREATE, "evidence", evidence.id, changes=audit.diff({}, _evidence_snapshot(evidence)),
                 summary=f"Added evidence “{evidence.title}”"[:300], actor=actor)
    db.session.flush()
    return evidence


def _apply_evidence(evidence: Evidence, data: EvidenceInput) -> None:
    if data.evidence_date is None:  # _check_evidence() names it before anything is applied
        raise ControlRuleError("Enter the date of the evidence.", "evidence_date")
    evidence.title, evidence.description = data.title.strip(), data.description.strip()
    evidence.evidence_date, evidence.valid_until = data.evidence_date, data.valid_until
    # In the relationship's own order: the audit entry lists them before any reload would sort them.
    evidence.controls = list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(data.control_ids)))
                                                .order_by(Control.catalogue, Control.sort_key)))


def _add_file(evidence: Evidence, upload: uploads.CheckedUpload, actor: User | None) -> EvidenceFile:
    stored = EvidenceFile(sha256=uploads.store(upload), original_name=upload.filename, size=len(upload.data),
                          media_type=upload.media_type, uploaded_by_id=actor.id if actor else None)
    evidence.files.insert(0, stored)
    return stored


def update_evidence(evidence: Evidence, data: EvidenceInput, *, expected_version, actor: User) -> dict:
    evidence.check_version(expected_version, "evidence")
    is_link = evidence.kind == EvidenceKind.LINK
    problems = _check_evidence(data, is_link=is_link)
    if problems:
        raise ControlRuleError(problems)
    before, version = _evidence_snapshot(evidence), evidence.version
    _apply_evidence(evidence, data)
    if is_link:
        evidence.url = (data.url or "").strip()
    db.session.flush()
    changes = audit.diff(before, _evidence_snapshot(evidence))
    evidence.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "evidence", evidence.id, changes=changes,
                     summary=f"Edited evidence “{evidence.title}”"[:300], actor=actor)
    db.session.flush()
    return changes


def replace_evidence_file(evidence: Evidence, *, filename: str, content: bytes, expected_version, actor: User
                          ) -> EvidenceFile:
    """A new version of the file; the earlier versions stay and can still be downloaded."""
    evidence.check_version(expected_version, "evidence")
    if evidence.kind != EvidenceKind.FILE:
        raise ControlRuleError("This evidence is a link; edit its address instead.", "file")
    upload = _checked_file(filename, content)
    previous = evidence.current_file
    stored = _add_file(evidence, upload, actor)
    evidence.version += 1
    db.session.flush()
    audit.record(AuditAction.REPLACE, "evidence", evidence.id,
                 changes={"file": [previous.sha256 if previous else None, stored.sha256],
                          "original_name": [previous.original_name if previous else None, stored.original_name]},
                 summary=f"New version of evidence “{evidence.title}”: {stored.original_name}"[:300], actor=actor)
    db.session.flush()
    return stored


def get_evidence(evidence_id: int) -> Evidence | None:
    return db.session.get(Evidence, evidence_id)


def get_evidence_file(file_id: int) -> EvidenceFile | None:
    return db.session.get(EvidenceFile, file_id)


def record_download(stored: EvidenceFile, *, actor: User | None = None) -> None:
    audit.record(AuditAction.DOWNLOAD, "evidence", stored.evidence_id, actor=actor,
                 summary=f"Downloaded {stored.original_name} (SHA-256 {stored.sha256[:16]}…)"[:300])


# --- control tests -------------------------------------------------------------------------------

TEST_AUDIT_FIELDS = ["what_is_checked", "method", "sample", "tested_on", "tester_id", "result", "findings",
                     "nonconformity_id"]
# The nonconformity service's fields, as the test form names them.
_FOLLOW_UP_FIELDS = {"owner_id": "nonconformity_owner_id", "due_on": "nonconformity_due_on",
                     "severity": "nonconformity_severity"}


@dataclass
class ControlTestInput:
    what_is_checked: str
    method: str
    tested_on: date | None
    result: str
    sample: str = ""
    findings: str = ""
    tester_id: int | None = None
    # A partly effective or ineffective result raises a nonconformity (ISO/IEC 27001 10.2): who owns
    # it, when its corrective actions are due, and how serious it is.
    nonconformity_owner_id: int | None = None
    nonconformity_due_on: date | None = None
    nonconformity_severity: str = "minor"


def _test_problems(data: ControlTestInput, today: date) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.what_is_checked.strip():
        problems.append(("what_is_checked", "Say what the test checks, like “every leaver's accounts were "
                                            "disabled within 24 hours”."))
    if not data.method.strip():
        problems.append(("method", "Say how it was checked: inspection, re-performance, sampling..."))
    if data.tested_on is None:
        problems.append(("tested_on", "Enter the date of the test."))
    elif data.tested_on > today:
        problems.append(("tested_on", "A test cannot be dated in the future."))
    if data.result not in {result.value for result in TestResult}:
        problems.append(("result", "Choose the result: effective, partially effective or ineffective."))
    elif data.result != TestResult.EFFECTIVE:
        if not data.findings.strip():
            problems.append(("findings", "Record what was found wanting. It becomes the description of the "
                                         "nonconformity it raises."))
        if data.nonconformity_owner_id is None:
            problems.append(("nonconformity_owner_id", "Choose who owns the nonconformity this result raises."))
        problems += nonconformity_services.owner_problems(data.nonconformity_owner_id, "nonconformity_owner_id",
                                                          "owner")
        if data.nonconformity_due_on is None:
            problems.append(("nonconformity_due_on", "Enter the date its corrective actions are due."))
        elif data.tested_on is not None and data.nonconformity_due_on < data.tested_on:
            problems.append(("nonconformity_due_on", "The corrective actions cannot be due before the test."))
    if data.tester_id is not None:
        tester = db.session.get(User, data.tester_id)
        if tester is None or not tester.active:
            problems.append(("tester_id", "The tester must be an active user."))
    return problems


def record_test(control: Control, data: ControlTestInput, *, actor: User | None, today: date) -> ControlTest:
    """A test of the control. A partly effective or ineffective result raises a nonconformity (source:
    control test) with the findings as its description, so that the gap is corrected, its cause found
    and removed, and the fix checked (ISO/IEC 27001 10.2), not left as a note."""
    problems = _test_problems(data, today)
    if problems:
        raise ControlRuleError(problems)
    assert data.tested_on is not None  # checked above
    test = ControlTest(control_id=control.id, what_is_checked=data.what_is_checked.strip(),
                       method=data.method.strip(), sample=data.sample.strip(), tested_on=data.tested_on,
                       tester_id=data.tester_id, result=data.result, findings=data.findings.strip())
    db.session.add(test)
    db.session.flush()
    db.session.expire(control, ["tests"])
    if data.result != TestResult.EFFECTIVE:
        try:
            nonconformity_services.raise_for_test(test, nonconformity_services.TestFollowUp(
                owner_id=data.nonconformity_owner_id, due_on=data.nonconformity_due_on,
                severity=data.nonconformity_severity), actor=actor, today=today)
        except nonconformity_services.NonconformityRuleError as refused:
            raise ControlRuleError([(_FOLLOW_UP_FIELDS.get(name or ""), message)
                                    for name, message in refused.problems]) from refused
    raised = f"; raised {test.nonconformity.reference}" if test.nonconformity else ""
    audit.record(AuditAction.TEST, "control", control.id,
                 changes=audit.diff({}, audit.snapshot(test, TEST_AUDIT_FIELDS)),
                 summary=f"Tested {control.reference}: {TestResult(test.result).label}{raised}"[:300], actor=actor)
    db.session.flush()
    return test


def ineffective_controls_of(risk) -> list[Control]:
    """The risk's controls in place whose latest test found them ineffective or only partly
    effective: the residual rating may be too optimistic."""
    return [control for control in risk.controls
            if control.last_test is not None and control.last_test.result != TestResult.EFFECTIVE]
