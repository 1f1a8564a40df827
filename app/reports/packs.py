"""Evidence packs: one ZIP with what an auditor needs for a scope of the ISMS.

A pack holds the PDF reports, CSV and XLSX extracts of the registers, every evidence file in scope
(byte for byte, in a folder per control), the signed policy documents and the audit log of its
period (app.audit.extracts), with `manifest.json` listing every other file's SHA-256, size and source
record, `manifest.sig`, an Ed25519 signature of the manifest (app.common.signing), and `SHA256SUMS`
for `sha256sum -c` (app.reports.pack_archive). `verify_pack` checks a pack offline.

Packs are built in the background (a thread of the web process; the scheduler's housekeeping job
builds any pack whose builder died, and removes packs past their retention). A pack's record keeps
its progress, so a user may leave the page and come back.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import traceback
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.audit import checkpoints
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import CheckpointReason
from app.auth.models import Department, User
from app.awareness import queries as awareness_queries
from app.common import transactions
from app.common.models import RuleError, rows_matched, table_of
from app.common.timeutil import to_local, utcnow
from app.controls.models import (
    Control,
    ControlSource,
    ControlTest,
    Evidence,
    control_mapping,
    risk_control,
)
from app.extensions import db
from app.incidents import queries as incident_queries
from app.nonconformities import queries as nonconformity_queries
from app.reports.models import EvidencePack, PackStatus
from app.reports.pack_archive import MANIFEST, Tracker, write_pack

# A builder that has not reported for this long has died (a worker restarted): build the pack again.
STALE_AFTER = timedelta(minutes=10)
ANNEX_A_REFERENCE = re.compile(r"^[5-8]\.\d{1,2}$")
AWARENESS_CONTROL = "6.3"  # Information security awareness, education and training


# --- scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a pack covers. Nothing chosen is the whole ISMS; the choices narrow it together.

    - controls: these Annex A controls, the internal controls in use implementing them, their SoA
      rows, evidence and tests, the risks linked to them and those risks' actions, their policies;
    - department: its risks (and their actions), its assets, and the controls its risks are linked to;
    - date range: evidence by its date, control tests by test date, risk reviews by review date and
      treatment actions by due date fall inside it.
    """

    controls: tuple[str, ...] = ()
    department_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def whole(self) -> bool:
        return not (self.controls or self.department_id or self.date_from or self.date_to)

    def as_json(self) -> str:
        return json.dumps({"controls": list(self.controls), "department_id": self.department_id,
                           "date_from": self.date_from.isoformat() if self.date_from else None,
                           "date_to": self.date_to.isoformat() if self.date_to else None})

    @classmethod
    def from_json(cls, text: str) -> Scope:
        data = json.loads(text)
        return cls(controls=tuple(data.get("controls") or ()), department_id=data.get("department_id"),
                   date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
                   date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None)

    def label(self) -> str:
        if self.whole:
            return "Whole ISMS"
        parts = []
        if self.controls:
            parts.append(("Control " if len(self.controls) == 1 else "Controls ") + ", ".join(self.controls))
        if self.department_id:
            department = db.session.get(Department, self.department_id)
            parts.append(f"Department {department.code if department else self.department_id}")
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from.isoformat() if self.date_from else 'start'} to "
                         f"{self.date_to.isoformat() if self.date_to else 'today'}")
        return "; ".join(parts)


def parse_control_references(text: str) -> tuple[str, ...]:
    """"5.1, 8.7 A.8.8" → ("5.1", "8.7", "8.8"): commas, spaces or new lines between; an "A." is optional."""
    references = []
    for token in re.split(r"[\s,;]+", text or ""):
        token = token.strip().upper().removeprefix("A.")
        if token and token not in references:
            references.append(token)
    return tuple(references)


def check_scope(scope: Scope) -> Scope:
    """The scope with its controls in catalogue order; RuleError naming each unknown part."""
    problems = []
    unknown = [ref for ref in scope.controls if not ANNEX_A_REFERENCE.match(ref)]
    known = _annex_a_by_reference(ref for ref in scope.controls if ref not in unknown)
    unknown += [ref for ref in scope.controls if ref not in unknown and ref not in known]
    if unknown:
        problems.append(("controls", f"Not an Annex A control: {', '.join(unknown)}. Write references as in the "
                                     "catalogue, such as 5.1 or 8.7, separated by commas."))
    if scope.department_id is not None and db.session.get(Department, scope.department_id) is None:
        problems.append(("department", "That department does not exist."))
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        problems.append(("date_to", "The end of the date range is before its start."))
    if problems:
        raise RuleError(problems)
    ordered = tuple(control.reference for control in sorted(known.values(), key=lambda c: c.sort_key))
    return Scope(ordered, scope.department_id, scope.date_from, scope.date_to)


def _annex_a_by_reference(references: Iterable[str]) -> dict[str, Control]:
    references = list(references)
    if not references:
        return {}
    return {control.reference: control for control in db.session.scalars(
        sa.select(Control).where(Control.source == ControlSource.ANNEX_A, Control.reference.in_(references)))}


# --- what is in scope -----------------------------------------------------------------------------


@dataclass
class Contents:
    scope: Scope
    controls: list[Control]  # Annex A and internal, catalogue order
    risks: list  # app.risks.models.Risk
    actions: list  # TreatmentAction
    reviews: list  # RiskReview
    evidence: list[Evidence]
    tests: list[ControlTest]
    assets: list | None  # None: assets are not part of a pack for chosen controls
    policy_versions: list  # PolicyVersion in force
    internal_audits: list  # InternalAudit whose report is issued (9.2), with their checklists
    # Nonconformity raised in the pack's period or open during it (its department's, its controls')
    nonconformities: list = field(default_factory=list)
    # Incident reported by the end of the pack's period and not closed before it (A.5.24-5.28)
    incidents: list = field(default_factory=list)
    # Awareness campaigns (A.6.3, 7.2-7.3) that ran in the pack's period, for its department's audience;
    # none in a pack of chosen controls without 6.3
    awareness_campaigns: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.evidence or self.risks or self.assets)


def gather(scope: Scope) -> Contents:
    from app.assets.models import Asset
    from app.policies.models import Policy, PolicyState, PolicyVersion, policy_control
    from app.risks.models import Risk, RiskAcceptance, RiskReview, TreatmentAction

    control_ids = _control_ids(scope)
    risks = list(db.session.scalars(_risks_statement(scope, control_ids).order_by(Risk.reference).options(
        selectinload(Risk.owner), selectinload(Risk.department), selectinload(Risk.category),
        selectinload(Risk.subcategory), selectinload(Risk.matrix),
        selectinload(Risk.standing_acceptance).selectinload(RiskAcceptance.accepted_by))))
    risk_ids = [risk.id for risk in risks]

    if control_ids is None and scope.department_id:
        # A department's pack: the controls its risks are linked to, and the Annex A ones they implement.
        linked = set(db.session.scalars(sa.select(risk_control.c.control_id)
                                        .where(risk_control.c.risk_id.in_(risk_ids))))
        linked |= set(db.session.scalars(sa.select(control_mapping.c.annex_a_control_id)
                                         .where(control_mapping.c.internal_control_id.in_(linked))))
        control_ids = linked
    control_query = sa.select(Control).order_by(Control.catalogue, Control.sort_key)
    if control_ids is not None:
        control_query = control_query.where(Control.id.in_(control_ids))
    controls = list(db.session.scalars(control_query.options(
        selectinload(Control.owner), selectinload(Control.department), selectinload(Control.annex_a_controls),
        selectinload(Control.implemented_by))))
    ids = [control.id for control in controls]

    evidence_query = (_evidence_statement(scope, ids).order_by(Evidence.evidence_date, Evidence.id)
                      .options(selectinload(Evidence.controls), selectinload(Evidence.files)))
    tests_query = (sa.select(ControlTest).where(ControlTest.control_id.in_(ids))
                   .order_by(ControlTest.tested_on, ControlTest.id)
                   .options(selectinload(ControlTest.control), selectinload(ControlTest.tester)))
    reviews_query = (sa.select(RiskReview).where(RiskReview.risk_id.in_(risk_ids))
                     .order_by(RiskReview.reviewed_on, RiskReview.id)
                     .options(selectinload(RiskReview.reviewer)))
    actions_query = (sa.select(TreatmentAction).where(TreatmentAction.risk_id.in_(risk_ids))
                     .order_by(TreatmentAction.due_on, TreatmentAction.id)
                     .options(selectinload(TreatmentAction.owner), selectinload(TreatmentAction.risk),
                              selectinload(TreatmentAction.control)))
    tests_query = _in_range(tests_query, ControlTest.tested_on, scope)
    reviews_query = _in_range(reviews_query, RiskReview.reviewed_on, scope)
    actions_query = _in_range(actions_query, TreatmentAction.due_on, scope)

    assets = None
    if not scope.controls:
        assets = list(db.session.scalars(_assets_statement(scope).order_by(Asset.tag).options(
            selectinload(Asset.owner), selectinload(Asset.department), selectinload(Asset.site),
            selectinload(Asset.product))))

    policy_query = (sa.select(PolicyVersion).join(Policy, Policy.id == PolicyVersion.policy_id)
                    .where(PolicyVersion.state == PolicyState.APPROVED.value).order_by(Policy.code))
    if scope.controls or scope.department_id:
        policy_query = policy_query.where(PolicyVersion.policy_id.in_(
            sa.select(policy_control.c.policy_id).where(policy_control.c.control_id.in_(ids))))
    nonconformities = nonconformity_queries.in_period(
        scope.date_from, scope.date_to, department_id=scope.department_id,
        control_ids=set(ids) if scope.controls else None)
    incidents = incident_queries.in_period(scope.date_from, scope.date_to, department_id=scope.department_id,
                                           control_ids=set(ids) if scope.controls else None)
    return Contents(scope=scope, controls=controls, risks=risks, actions=list(db.session.scalars(actions_query)),
                    nonconformities=nonconformities, incidents=incidents,
                    awareness_campaigns=_awareness_campaigns(scope),
                    reviews=list(db.session.scalars(reviews_query)), evidence=list(db.session.scalars(evidence_query)),
                    tests=list(db.session.scalars(tests_query)), assets=assets,
                    policy_versions=list(db.session.scalars(policy_query.options(selectinload(PolicyVersion.policy)))),
                    internal_audits=_internal_audits(scope, ids))


def _awareness_campaigns(scope: Scope) -> list:
    """The campaigns that ran in the period, whose audience may include the department; A.6.3 is the
    control they evidence, so a pack of chosen controls holds them only when 6.3 is one."""
    if scope.controls and AWARENESS_CONTROL not in scope.controls:
        return []
    return awareness_queries.campaigns_in_period(scope.date_from, scope.date_to, scope.department_id)


def _internal_audits(scope: Scope, control_ids: list[int]) -> list:
    """The audits whose report is issued: covering the controls in scope, auditing the department,
    issued within the dates (the whole ISMS: every one)."""
    from app.internal_audits.queries import issued_audits

    return issued_audits(control_ids=set(control_ids) if scope.controls else None,
                         department_id=scope.department_id, date_from=scope.date_from, date_to=scope.date_to)


def has_contents(scope: Scope) -> bool:
    """Whether gather(scope) would find a risk, an asset or an evidence item: a few EXISTS queries,
    not the whole register (a request must not load 100,000 assets to refuse an empty scope)."""
    control_ids = _control_ids(scope)

    def any_row(statement: sa.Select) -> bool:
        return bool(db.session.scalar(sa.select(statement.exists())))

    if any_row(_risks_statement(scope, control_ids)):
        return True
    if not scope.controls and any_row(_assets_statement(scope)):
        return True
    if control_ids is None and scope.department_id:
        return False  # no risk in the department: no control of its own, so no evidence either
    return any_row(_evidence_statement(scope, control_ids))


def _risks_statement(scope: Scope, control_ids: set[int] | None) -> sa.Select:
    """The open risks in scope: the department's, and those linked to the controls in scope."""
    from app.risks.models import Risk, RiskStatus

    statement = sa.select(Risk).where(Risk.status != RiskStatus.CLOSED.value)
    if scope.department_id:
        statement = statement.where(Risk.department_id == scope.department_id)
    if control_ids is not None:
        statement = statement.where(Risk.id.in_(
            sa.select(risk_control.c.risk_id).where(risk_control.c.control_id.in_(control_ids))))
    return statement


def _assets_statement(scope: Scope) -> sa.Select:
    from app.assets.models import Asset

    statement = sa.select(Asset)
    return statement.where(Asset.department_id == scope.department_id) if scope.department_id else statement


def _evidence_statement(scope: Scope, control_ids) -> sa.Select:
    """Evidence supporting the controls (None: any control), dated within the scope's range."""
    statement = sa.select(Evidence)
    if control_ids is None:
        statement = statement.where(Evidence.controls.any())
    else:
        statement = statement.where(Evidence.controls.any(Control.id.in_(control_ids)))
    return _in_range(statement, Evidence.evidence_date, scope)


def _control_ids(scope: Scope) -> set[int] | None:
    """The chosen Annex A controls and the internal controls in use implementing them (None: all)."""
    if not scope.controls:
        return None
    chosen = [control.id for control in _annex_a_by_reference(scope.controls).values()]
    implementing = db.session.scalars(
        sa.select(control_mapping.c.internal_control_id)
        .join(Control, Control.id == control_mapping.c.internal_control_id)
        .where(control_mapping.c.annex_a_control_id.in_(chosen), Control.active.is_(True)))
    return set(chosen) | set(implementing)


def _in_range(statement: sa.Select, column, scope: Scope) -> sa.Select:
    if scope.date_from:
        statement = statement.where(column >= scope.date_from)
    if scope.date_to:
        statement = statement.where(column <= scope.date_to)
    return statement


# --- asking for a pack ----------------------------------------------------------------------------


def request_pack(scope: Scope, *, actor: User) -> EvidencePack:
    """Record the request (queued); refuses a scope with nothing in it rather than build an empty ZIP."""
    scope = check_scope(scope)
    if not has_contents(scope):
        raise RuleError("Nothing to pack: no risk, asset or evidence matches this scope. Choose other "
                        "controls, another department or a wider date range.")
    pack = EvidencePack(requested_by_id=actor.id, scope_json=scope.as_json(), scope_label=scope.label())
    db.session.add(pack)
    db.session.flush()
    audit.record(AuditAction.CREATE, "evidence_pack", pack.id,
                 summary=f"Asked for evidence pack {pack.id}: {pack.scope_label}", actor=actor)
    return pack


def start_building(pack: EvidencePack) -> None:
    """Build now in this request (tests, KHUSELA_PACKS_INLINE) or in a background thread."""
    if current_app.config.get("PACKS_INLINE"):
        pack_id = pack.id
        # The build is a unit of work of its own, after the request for it: end this request's
        # transaction (and with it the write lock a POST holds), as the builder reports progress
        # through a second connection and takes the lock only when it writes.
        db.session.commit()
        with transactions.deferred():
            build_pack(pack_id)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy is typed as the Flask app it stands for
    threading.Thread(target=_build_in_thread, args=(app, pack.id), name=f"evidence-pack-{pack.id}",
                     daemon=True).start()


def _build_in_thread(app: Flask, pack_id: int) -> None:
    with app.app_context(), app.test_request_context():
        try:
            build_pack(pack_id)
        finally:
            db.session.remove()


def packs_folder() -> Path:
    folder = Path(current_app.config.get("PACKS_FOLDER") or Path(current_app.instance_path) / "packs")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _claim(pack_id: int) -> bool:
    """Queued → building, by one builder only (a thread and the housekeeping job may both try)."""
    now, table = utcnow(), table_of(EvidencePack)
    with db.engine.begin() as connection:
        claimed = connection.execute(
            sa.update(table)
            .where(table.c.id == pack_id, table.c.status == PackStatus.QUEUED.value)
            .values(status=PackStatus.BUILDING.value, heartbeat_at=now, progress=0,
                    progress_note="Starting"))
    return claimed.rowcount == 1


def _report_progress(pack_id: int, percent: int, note: str) -> None:
    # Its own connection: committing the builder's session would expire every record it has loaded.
    table = table_of(EvidencePack)
    with db.engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == pack_id)
                           .values(progress=percent, progress_note=note[:300], heartbeat_at=utcnow()))


def build_pack(pack_id: int) -> EvidencePack | None:
    """Build a queued pack into instance/packs/; returns it, or None when another builder has it."""
    if not _claim(pack_id):
        return None
    pack = db.session.get_one(EvidencePack, pack_id)  # this builder claimed it
    db.session.refresh(pack)
    target = packs_folder() / f"pack-{pack.id}-{secrets.token_hex(8)}.zip"
    try:
        # First, and committed: the manifest publishes the audit log's head, which must be in the database.
        checkpoint = checkpoints.publish(CheckpointReason.PACK)
        contents = gather(Scope.from_json(pack.scope_json))
        if contents.empty:
            raise RuleError("Nothing to pack any more: the risks, assets and evidence in this scope were "
                            "removed after the pack was asked for.")
        tracker = Tracker(lambda percent, note: _report_progress(pack_id, percent, note))
        result = write_pack(contents, target, generated_by=pack.requested_by.full_name, pack_id=pack.id,
                            checkpoint=checkpoint, progress=tracker)
    except Exception as error:  # noqa: BLE001 - any failure is shown on the pack's page, never lost
        db.session.rollback()
        target.unlink(missing_ok=True)
        pack = db.session.get_one(EvidencePack, pack_id)
        pack.status, pack.finished_at = PackStatus.FAILED.value, utcnow()
        pack.error = str(error) if isinstance(error, RuleError) else "".join(
            traceback.format_exception_only(type(error), error)).strip()
        current_app.logger.exception("Evidence pack %s failed", pack_id)
        audit.record(AuditAction.UPDATE, "evidence_pack", pack_id,
                     summary=f"Evidence pack {pack_id} failed: {pack.error[:200]}", actor=pack.requested_by)
        db.session.commit()
        return pack
    pack = db.session.get_one(EvidencePack, pack_id)
    finished = utcnow()
    pack.status, pack.progress, pack.progress_note = PackStatus.READY.value, 100, "Ready"
    pack.finished_at = finished
    pack.expires_at = finished + timedelta(days=settings.get(settings.PACK_RETENTION_DAYS))
    pack.file_name, pack.size, pack.sha256 = target.name, result.size, result.sha256
    pack.file_count, pack.missing_count = result.file_count, len(result.problems)
    audit.record(AuditAction.UPDATE, "evidence_pack", pack_id, actor=pack.requested_by,
                 summary=f"Built evidence pack {pack_id}: {result.file_count} files, {result.size:,} bytes"
                         + (f", {len(result.problems)} evidence file(s) missing or altered" if result.problems else ""))
    db.session.commit()
    return pack


# --- listing, downloading, housekeeping -----------------------------------------------------------


def packs_for_listing(limit: int = 50) -> list[EvidencePack]:
    return list(db.session.scalars(sa.select(EvidencePack).order_by(EvidencePack.id.desc()).limit(limit)
                                   .options(selectinload(EvidencePack.requested_by))))


def get_pack(pack_id: int) -> EvidencePack | None:
    return db.session.get(EvidencePack, pack_id)


def file_of(pack: EvidencePack) -> Path | None:
    """The pack's ZIP on disk, when it is ready and still kept."""
    if pack.status != PackStatus.READY or not pack.file_name:
        return None
    path = packs_folder() / pack.file_name
    return path if path.is_file() else None


def download_name(pack: EvidencePack) -> str:
    when = to_local(pack.finished_at or pack.requested_at)
    return f"khusela-evidence-pack-{pack.id}-{when:%Y%m%d}.zip"


def record_download(pack: EvidencePack, actor: User) -> None:
    audit.record(AuditAction.DOWNLOAD, "evidence_pack", pack.id, actor=actor,
                 summary=f"Downloaded evidence pack {pack.id} ({pack.scope_label})")


def housekeeping(now: datetime | None = None) -> str:
    """Remove packs past their retention, restart packs whose builder died, build what is queued.
    Run by the scheduler every few minutes; returns what it did, for /admin/jobs."""
    now = now or utcnow()
    expired = list(db.session.scalars(sa.select(EvidencePack).where(
        EvidencePack.status == PackStatus.READY.value, EvidencePack.expires_at < now)))
    for pack in expired:
        (packs_folder() / pack.file_name).unlink(missing_ok=True)
        pack.status, pack.progress_note = PackStatus.EXPIRED.value, "Removed after its retention period"
        audit.record(AuditAction.DELETE, "evidence_pack", pack.id,
                     summary=f"Removed evidence pack {pack.id}: past its retention period")
    stale = rows_matched(db.session.execute(
        sa.update(EvidencePack).where(EvidencePack.status == PackStatus.BUILDING.value,
                                      EvidencePack.heartbeat_at < now - STALE_AFTER)
        .values(status=PackStatus.QUEUED.value, progress_note="Restarted: the earlier builder stopped")
    ))
    db.session.commit()
    queued = list(db.session.scalars(sa.select(EvidencePack.id).where(EvidencePack.status == PackStatus.QUEUED.value)
                                     .order_by(EvidencePack.id)))
    built = sum(1 for pack_id in queued if build_pack(pack_id) is not None)
    return f"{len(expired)} pack(s) removed, {stale} restarted, {built} built"


def problems_of(pack: EvidencePack) -> list[dict]:
    """The evidence files the pack's manifest lists as missing or altered (read from the ZIP)."""
    path = file_of(pack)
    if path is None or not pack.missing_count:
        return []
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(MANIFEST)).get("missing_or_altered", [])
