"""Management review packs' PDFs, made by the scheduler's `documents` job (app.reports.prepared.work)
from the figures a review stored when its inputs were compiled (app.reviews.services.compile_pack):
a WeasyPrint build of several seconds never holds a web worker. The PDF is kept in the pack's row
with its SHA-256. A build for an older compile (the inputs compiled again meanwhile) is dropped."""

from __future__ import annotations

import hashlib
import traceback

import sqlalchemy as sa
from flask import current_app

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.common import transactions
from app.common.models import rows_matched
from app.common.timeutil import utcnow
from app.extensions import db
from app.reports.pdf import html_to_pdf, render_html
from app.reviews.models import PdfStatus, ReviewPack

TEMPLATE = "pdf/management_review.html"


def pack_html(pack: ReviewPack) -> str:
    review = pack.review
    return render_html(TEMPLATE, title=f"Management review pack: {review.title}",
                       generated_by=pack.compiled_by.full_name if pack.compiled_by else "Khusela",
                       scope_label=f"Meeting on {review.meeting_on.isoformat()}; inputs as of {pack.as_of.isoformat()}",
                       version_label=f"Compile {pack.revision}", toc=False, sections=[],
                       review=review, pack=pack, figures=pack.figures)


def build_queued() -> tuple[int, int]:
    """Build every queued pack's PDF, one after another: (built, failed)."""
    built = failed = 0
    queued = sa.select(ReviewPack.id, ReviewPack.revision).where(ReviewPack.pdf_status == PdfStatus.QUEUED.value)
    for pack_id, revision in db.session.execute(queued.order_by(ReviewPack.id)).all():
        if build(pack_id, revision):
            built += 1
        else:
            failed += 1
    return built, failed


def build(pack_id: int, revision: int) -> bool:
    pack = db.session.get_one(ReviewPack, pack_id)
    try:
        with current_app.test_request_context(), transactions.deferred():
            content = html_to_pdf(pack_html(pack))
    except Exception as error:  # noqa: BLE001 - shown on the review page, never lost
        db.session.rollback()
        current_app.logger.exception("Review pack %s failed", pack_id)
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return _finish(pack_id, revision, status=PdfStatus.FAILED, error=f"{detail[:300]}. Compile the inputs again; "
                       "if it fails again, tell an administrator (the scheduler's log, job “documents”).")
    return _finish(pack_id, revision, status=PdfStatus.READY, content=content)


def _finish(pack_id: int, revision: int, *, status: PdfStatus, content: bytes = b"", error: str = "") -> bool:
    transactions.lock_chain_tail(db.session)
    values: dict = {"pdf_status": status.value, "pdf_error": error, "pdf_built_at": utcnow()}
    if content:
        values.update(pdf=content, pdf_sha256=hashlib.sha256(content).hexdigest(), pdf_size=len(content))
    done = rows_matched(db.session.execute(
        sa.update(ReviewPack).where(ReviewPack.id == pack_id, ReviewPack.revision == revision,
                                    ReviewPack.pdf_status == PdfStatus.QUEUED.value).values(**values)))
    if done:
        pack = db.session.get_one(ReviewPack, pack_id)
        db.session.refresh(pack)
        what = (f"Made the PDF of the review pack of {pack.review} (SHA-256 {values.get('pdf_sha256', '')[:16]}…)"
                if content else f"The PDF of the review pack of {pack.review} could not be made: {error}")
        audit.record(AuditAction.GENERATE, "management_review", pack.review_id, summary=what[:300])
    db.session.commit()
    return bool(done) and status == PdfStatus.READY
