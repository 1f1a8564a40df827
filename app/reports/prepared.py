"""PDF reports prepared off the web workers: asked for in a request, built by the scheduler process.

Four register-wide PDFs in the request used to hold every gunicorn thread for seconds each (more on
a bigger register), and signing in waited behind them. Now a request for a report whose
`documents.Report.check` is set only checks its parameters and queues a `PreparedDocument`; the
being-prepared page follows it, and its requester downloads it when it is ready.

- **Where it is built**: by the `documents` job (`work()`), which the scheduler process
  (`flask scheduler run`) runs every few seconds. WeasyPrint's CPU and memory (about 1 GB for 200
  pages) are then never in a process that answers pages, and its Python code never holds the GIL
  of one.
- **One build at a time, overall**: a build is claimed only while no other is building (one UPDATE,
  under an advisory lock on PostgreSQL), whichever process asks, so one core stays free for the web.
- **Limits per person and overall**: a repeat request for the same report and parameters while it
  is pending gets the same document; a user may have DOCUMENTS_PENDING_PER_USER pending, and no
  more than DOCUMENTS_QUEUE_LIMIT wait in all, so a click storm cannot queue hours of work.
- **Only its requester** sees a document or downloads it, and only while their role still reads
  the report's area (`get_document_or_404`).
- **Kept** DOCUMENT_RETENTION_HOURS after it is ready, then its file is removed (by the same job).
- A build that stopped (the scheduler restarted mid-build) is marked failed after STALE_AFTER, with
  a message that says to ask again.
"""

from __future__ import annotations

import json
import secrets
import traceback
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import user_can
from app.common import transactions
from app.common.models import RuleError, rows_matched, table_of
from app.common.timeutil import utcnow
from app.extensions import db
from app.reports import documents, review_packs
from app.reports.models import PENDING_DOCUMENT_STATUSES, DocumentStatus, PreparedDocument

# A build not finished after this long has died with its process: a 200-page PDF takes about 40 s.
STALE_AFTER = timedelta(minutes=15)
# A document still queued after this long, with no scheduler process running, gets a warning.
WAIT_BEFORE_WARNING = timedelta(seconds=30)
ENTITY = "document"


class TooManyDocuments(RuleError):
    """A request refused by a limit; `everyone` says whether it is the overall queue (try later) or the
    user's own (wait for one of theirs)."""

    def __init__(self, message: str, *, everyone: bool) -> None:
        super().__init__(message)
        self.message, self.everyone = message, everyone


# --- asking ---------------------------------------------------------------------------------------


def request_document(name: str, params: dict, *, actor: User) -> tuple[PreparedDocument, bool]:
    """Queue the report `name` for `actor`, or give back the same one already pending (True).

    Raises documents.ReportInputError on bad parameters (nothing queued) and TooManyDocuments at a
    limit. Flushes; the caller commits."""
    report = documents.report_named(name)
    checked = documents.check(name, params)
    params_json = json.dumps(checked.params, sort_keys=True)
    # The checks below and the insert are one step: a double click must not queue the report twice.
    transactions.lock_chain_tail(db.session)
    pending = sa.select(PreparedDocument).where(PreparedDocument.status.in_(PENDING_DOCUMENT_STATUSES))
    same = db.session.scalar(pending.where(PreparedDocument.requested_by_id == actor.id,
                                           PreparedDocument.report == name,
                                           PreparedDocument.params_json == params_json).limit(1))
    if same is not None:
        return same, True
    config = current_app.config
    per_user = config["DOCUMENTS_PENDING_PER_USER"]
    if _count(pending.where(PreparedDocument.requested_by_id == actor.id)) >= per_user:
        raise TooManyDocuments(f"You already have {per_user} reports being prepared. Wait for one of them to be "
                               "ready (they are listed below), then ask for this one again.", everyone=False)
    if _count(pending) >= config["DOCUMENTS_QUEUE_LIMIT"]:
        raise TooManyDocuments("Khusela is preparing many reports for other people just now. Ask for this one "
                               "again in a few minutes.", everyone=True)
    document = PreparedDocument(report=name, params_json=params_json, title=report.title,
                                scope_label=checked.scope_label[:500], requested_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    audit.record(AuditAction.CREATE, ENTITY, document.id, actor=actor,
                 summary=f"Asked for the {report.title} PDF ({document.scope_label})"[:300])
    return document, False


def _count(statement: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


# --- reading ----------------------------------------------------------------------------------------


def documents_of(user: User, limit: int = 20) -> list[PreparedDocument]:
    """The user's own documents, newest first."""
    return list(db.session.scalars(sa.select(PreparedDocument).where(PreparedDocument.requested_by_id == user.id)
                                   .order_by(PreparedDocument.id.desc()).limit(limit)))


def get_document_or_404(user: User, document_id: int, need: str) -> PreparedDocument:
    """The user's own document: someone else's is 404, as if missing (its scope says what they asked
    for). A user whose role no longer reads the report's area gets 403, as when asking for it."""
    document = db.session.get(PreparedDocument, document_id) if user_can(user, need) else None
    if document is None or document.requested_by_id != user.id:
        abort(404)
    report = documents.REPORTS.get(document.report)
    if report is None or not user_can(user, report.permission):
        abort(403)
    return document


def documents_folder() -> Path:
    config = current_app.config
    folder = Path(config.get("DOCUMENTS_FOLDER") or Path(config["PACKS_FOLDER"]) / "documents")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def file_of(document: PreparedDocument) -> Path | None:
    """The PDF on disk, when it is ready and still kept."""
    if document.status != DocumentStatus.READY or not document.file_name:
        return None
    path = documents_folder() / document.file_name
    return path if path.is_file() else None


def waiting_long(document: PreparedDocument, now: datetime | None = None) -> bool:
    """Queued for longer than a running scheduler would leave it (only then is it worth asking
    whether one runs)."""
    return document.status == DocumentStatus.QUEUED and (now or utcnow()) - document.requested_at > WAIT_BEFORE_WARNING


def record_download(document: PreparedDocument, actor: User) -> None:
    audit.record(AuditAction.DOWNLOAD, ENTITY, document.id, actor=actor,
                 summary=f"Downloaded the {document.title} PDF ({document.scope_label})"[:300])


# --- building (the scheduler process) ---------------------------------------------------------------


def work(now: datetime | None = None) -> str:
    """The `documents` job: remove documents past their retention, mark builds that died as failed,
    then build what is queued, one after another. Returns what it did ("" when nothing: the
    scheduler keeps no record of an idle run)."""
    removed = purge_expired(now)
    stopped = fail_stale(now)
    built = failed = 0
    while (document := build_next()) is not None:
        if document.status == DocumentStatus.READY:
            built += 1
        else:
            failed += 1
    # Management review packs, after the reports asked for: also one build at a time, in this process.
    packs_built, packs_failed = review_packs.build_queued()
    built, failed = built + packs_built, failed + packs_failed
    parts = [(built, "prepared"), (failed, "failed"), (removed, "removed after their retention"),
             (stopped, "marked failed: their build had stopped")]
    return ", ".join(f"{count} document(s) {what}" for count, what in parts if count)


def build_next() -> PreparedDocument | None:
    """Claim the oldest queued document, if no other is building, and build it."""
    document_id = _claim()
    return _build(document_id) if document_id is not None else None


def _claim() -> int | None:
    """Queued → building, for the oldest queued document, only while no other build is running."""
    table = table_of(PreparedDocument)
    queued = table.c.status == DocumentStatus.QUEUED.value
    if db.session.scalar(sa.select(sa.exists().where(queued))) is not True:
        return None  # the usual case, every few seconds: read only, no write lock taken
    now = utcnow()
    building = sa.exists().where(table.c.status == DocumentStatus.BUILDING.value,
                                 table.c.started_at >= now - STALE_AFTER)
    oldest = sa.select(table.c.id).where(queued).order_by(table.c.id).limit(1).scalar_subquery()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # One statement is atomic on SQLite; on PostgreSQL two claimers could each see no build running.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": transactions.DOCUMENT_QUEUE_LOCK})
        claimed = connection.execute(sa.update(table).where(table.c.id == oldest, queued, ~building)
                                     .values(status=DocumentStatus.BUILDING.value, started_at=now)
                                     .returning(table.c.id)).scalar()
    return claimed


def _build(document_id: int) -> PreparedDocument:
    document = db.session.get_one(PreparedDocument, document_id)
    db.session.refresh(document)  # claimed on another connection
    requester = document.requested_by
    try:
        # A request context of its own: the templates and the footer's "generated by" expect one.
        with current_app.test_request_context(), transactions.deferred():
            prepared = documents.prepare(document.report, document.params)
            content = documents.render_prepared(prepared, generated_by=requester.full_name)
    except Exception as error:  # noqa: BLE001 - any failure is shown to the requester, never lost
        db.session.rollback()
        current_app.logger.exception("Prepared document %s (%s) failed", document_id, document.report)
        return _failed(document_id, _failure_message(error))
    target = documents_folder() / f"document-{document_id}-{secrets.token_hex(8)}.pdf"
    target.write_bytes(content)
    target.chmod(0o600)
    finished = utcnow()
    transactions.lock_chain_tail(db.session)
    done = rows_matched(db.session.execute(
        sa.update(PreparedDocument)
        .where(PreparedDocument.id == document_id, PreparedDocument.status == DocumentStatus.BUILDING.value)
        .values(status=DocumentStatus.READY.value, finished_at=finished, file_name=target.name,
                download_name=prepared.filename, size=len(content),
                expires_at=finished + timedelta(hours=current_app.config["DOCUMENT_RETENTION_HOURS"]))))
    if done:
        documents.record_generated(prepared, actor=requester)
    db.session.commit()
    if not done:
        target.unlink(missing_ok=True)  # marked failed as stopped meanwhile: its requester was told to ask again
    document = db.session.get_one(PreparedDocument, document_id)
    db.session.refresh(document)
    return document


def _failure_message(error: Exception) -> str:
    if isinstance(error, documents.ReportInputError):
        # The version or department asked for went away after the request.
        return f"{error} Ask for the report again with other choices."
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    return (f"The PDF could not be made ({detail[:300]}). Ask for it again; if it fails again, tell an "
            "administrator: the scheduler process's log has the details (job “documents”).")


def _failed(document_id: int, message: str) -> PreparedDocument:
    transactions.lock_chain_tail(db.session)
    document = db.session.get_one(PreparedDocument, document_id)
    document.status, document.finished_at, document.error = DocumentStatus.FAILED.value, utcnow(), message
    audit.record(AuditAction.UPDATE, ENTITY, document_id, actor=document.requested_by,
                 summary=f"The {document.title} PDF could not be prepared: {message}"[:300])
    db.session.commit()
    return document


# --- housekeeping ---------------------------------------------------------------------------------


def purge_expired(now: datetime | None = None) -> int:
    """Remove the files of documents past their retention; the records stay (as "removed")."""
    now = now or utcnow()
    expired_rows = sa.select(PreparedDocument).where(PreparedDocument.status == DocumentStatus.READY.value,
                                                     PreparedDocument.expires_at < now)
    if db.session.scalar(sa.select(expired_rows.exists())) is not True:
        return 0
    transactions.lock_chain_tail(db.session)
    expired = list(db.session.scalars(expired_rows.order_by(PreparedDocument.id)))
    for document in expired:
        document.status = DocumentStatus.EXPIRED.value
    audit.record(AuditAction.DELETE, ENTITY, None,
                 summary=f"Removed {len(expired)} prepared PDF(s) past their retention: "
                         + ", ".join(str(document.id) for document in expired)[:200])
    names = [document.file_name for document in expired]
    db.session.commit()
    folder = documents_folder()
    for name in names:  # after the commit: a rollback keeps the files
        (folder / name).unlink(missing_ok=True)
    return len(expired)


def fail_stale(now: datetime | None = None) -> int:
    """Builds that started STALE_AFTER ago and never finished: their process died."""
    now = now or utcnow()
    stale_rows = sa.select(PreparedDocument).where(PreparedDocument.status == DocumentStatus.BUILDING.value,
                                                   PreparedDocument.started_at < now - STALE_AFTER)
    if db.session.scalar(sa.select(stale_rows.exists())) is not True:
        return 0
    transactions.lock_chain_tail(db.session)
    stale = list(db.session.scalars(stale_rows.options(selectinload(PreparedDocument.requested_by))))
    for document in stale:
        document.status, document.finished_at = DocumentStatus.FAILED.value, now
        document.error = ("Preparing this PDF stopped before it was ready (the scheduler process was restarted or "
                          "ran out of memory). Ask for it again; for a very large register, choose one department.")
        audit.record(AuditAction.UPDATE, ENTITY, document.id, actor=document.requested_by,
                     summary=f"The {document.title} PDF could not be prepared: its build stopped"[:300])
    db.session.commit()
    return len(stale)
