"""The audit log page: filter, page and export for admins and auditors; the chain's status, its
check on demand, and the script that checks an export or a pack's extract offline."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit import checkpoints, extracts, services, verification
from app.audit.exports import audit_log_columns
from app.audit.forms import VerifyForm
from app.audit.models import AuditEntry
from app.audit.views import bp
from app.auth.permissions import AUDIT_VIEW, permission_required
from app.common import transactions
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.saving import acting
from app.common.timeutil import start_of_local_day
from app.extensions import db

EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)

SORTS = {"when": AuditEntry.id, "who": AuditEntry.actor_email, "action": AuditEntry.action,
         "entity": AuditEntry.entity_type}


def _parse_day(name: str, problems: list[str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"“{text}” is not a date; use the form YYYY-MM-DD, like 2026-03-31.")
        return None
    # Near date.min and date.max the day's bounds in UTC cannot be computed.
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        problems.append(f"“{text}” is out of range; use a date between {EARLIEST_DAY} and {LATEST_DAY}.")
        return None
    return day


def _filtered(problems: list[str]) -> sa.Select:
    statement = sa.select(AuditEntry)
    who = request.args.get("who", "").strip().lower()
    if who:
        # autoescape: "_" and "%" are common in e-mail addresses and must not act as wildcards.
        statement = statement.where(AuditEntry.actor_email.contains(who, autoescape=True))
    if request.args.get("action"):
        statement = statement.where(AuditEntry.action == request.args["action"])
    if request.args.get("entity"):
        statement = statement.where(AuditEntry.entity_type == request.args["entity"])
    entity_id = request.args.get("entity_id", "").strip()
    if entity_id:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    date_from, date_to = _parse_day("from", problems), _parse_day("to", problems)
    if date_from and date_to and date_from > date_to:
        problems.append("The “from” date is after the “to” date; no entries can match.")
    if date_from:
        statement = statement.where(AuditEntry.occurred_at >= start_of_local_day(date_from))
    if date_to:
        statement = statement.where(AuditEntry.occurred_at < start_of_local_day(date_to + timedelta(days=1)))
    return statement


@bp.get("/")
@permission_required(AUDIT_VIEW)
def index():
    problems: list[str] = []
    statement = _filtered(problems)
    fmt = requested_export()
    if fmt and not problems:
        rows = all_matching(statement, sort_columns=SORTS, default_sort="when", default_direction="desc",
                            tiebreaker=AuditEntry.id)
        return audited_export(rows, audit_log_columns(current_user), fmt, "khusela-audit-log", entity_type="audit_log",
                              what="audit entries")
    listing = Listing.from_request(statement, sort_columns=SORTS, default_sort="when", default_direction="desc",
                                   tiebreaker=AuditEntry.id)
    return render_template(
        "audit/index.html", listing=listing, problems=problems,
        actions=services.action_choices(), entities=services.distinct_values(AuditEntry.entity_type),
        chain=checkpoints.head_status(), verified=verification.last_verification(),
        verify_refusal=verification.refusal_now(), verify_form=VerifyForm(),
    ), (400 if problems else 200)


@bp.post("/verify")
@permission_required(AUDIT_VIEW)
def verify():
    """Check the whole log now. The walk runs outside the write lock a POST takes at its first
    statement (app.common.transactions): only the entry recording the result waits for writers."""
    if not VerifyForm().validate_on_submit():
        flash("The check was not started: the form had expired. Press “Verify the whole log now” again.", "warning")
        return redirect(url_for("audit.index"))
    db.session.commit()  # ends the request's locked transaction before the long read
    with transactions.deferred(), acting(verification.VerificationRefused) as refused:
        report = verification.verify_now(actor=current_user)
    if refused:
        flash(str(refused), "warning")
    elif report.ok:
        flash(f"The audit log is intact: {report.chain.entries:,} entries checked.", "success")
    else:
        flash(verification.summary_of(report), "danger")
    return redirect(url_for("audit.index") + "#chain-status")


@bp.get("/verify_audit_extract.py")
@permission_required(AUDIT_VIEW)
def offline_script():
    """The offline checker, for a CSV export of this page (evidence packs carry their own copy)."""
    response = Response(extracts.OFFLINE_SCRIPT.read_bytes(), mimetype="text/x-python")
    response.headers["Content-Disposition"] = f'attachment; filename="{extracts.OFFLINE_SCRIPT.name}"'
    return response
