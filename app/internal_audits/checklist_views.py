"""An audit's checklist: one line's result, notes and evidence (the lead auditor and team, while the
audit is in progress), raising its nonconformity, and downloading the file kept with it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import INTERNAL_AUDIT_CONDUCT, INTERNAL_AUDIT_VIEW, acting_user, permission_required
from app.common import uploads
from app.common.saving import acting, saving
from app.controls.models import Evidence
from app.extensions import db
from app.internal_audits import queries, services
from app.internal_audits.forms import LineForm, RaiseForm
from app.internal_audits.views import bp


def _evidence_label(evidence: Evidence) -> str:
    shows = ", ".join(("A." if control.is_annex_a else "") + control.reference for control in evidence.controls)
    return f"{evidence.title} ({evidence.evidence_date.isoformat()}{'; ' + shows if shows else ''})"


def _find() -> str:
    return (request.args.get("find") or "").replace("\x00", "").strip()[:100]


def _posted_evidence_ids() -> list[int]:
    return [int(value) for value in request.form.getlist("evidence_ids") if value.isascii() and value.isdigit()
            and len(value) <= 9]


def _render(form: LineForm, internal_audit, line, offer: queries.EvidenceOffer, status: int = 200):
    return render_template("internal_audits/line_form.html", form=form, audit=internal_audit, line=line,
                           asks_for=services.asks_for(line), line_title=services.line_title(line), offer=offer,
                           search_limit=queries.EVIDENCE_SEARCH_LIMIT, search_min=queries.EVIDENCE_SEARCH_MIN,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB), accepted=uploads.ACCEPTED), status


@bp.route("/<int:audit_id>/lines/<int:line_id>", methods=["GET", "POST"])
@permission_required(INTERNAL_AUDIT_CONDUCT)
def edit_line(audit_id: int, line_id: int):
    internal_audit, line = services.get_line_or_403(current_user, audit_id, line_id, INTERNAL_AUDIT_CONDUCT)
    detail_url = url_for("internal_audits.detail", audit_id=audit_id, _anchor=f"line-{line.id}")
    if internal_audit.frozen:
        flash(f"The report of {internal_audit.reference} is issued: its checklist is frozen.", "warning")
        return redirect(detail_url)
    form = LineForm()
    # What was ticked in the form sent stays offered, so a refused save shows it ticked again.
    offer = queries.evidence_to_offer(line, find=_find(), chosen_ids=_posted_evidence_ids())
    form.evidence_ids.choices = [(evidence.id, _evidence_label(evidence)) for evidence in offer.items]
    if request.method == "GET":
        form.version.data = str(line.version)
        form.result.data, form.notes.data = line.result or "", line.notes
        form.evidence_ids.data = [e.id for e in line.evidence]
        return _render(form, internal_audit, line, offer)
    if form.validate_on_submit():
        stale_url = url_for("internal_audits.edit_line", audit_id=audit_id, line_id=line.id)
        with saving(form, services.InternalAuditRuleError, stale_url=stale_url):
            changes = services.save_line(
                line, services.LineInput(result=form.result.data or None, notes=form.notes.data or "",
                                         evidence_ids=list(form.evidence_ids.data or [])),
                expected_version=form.version.data, actor=acting_user(), upload=uploads.form_file(form.file.data))
            flash(f"Saved {line.subject}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(detail_url)
    return _render(form, internal_audit, line, offer, 422)


@bp.post("/<int:audit_id>/lines/<int:line_id>/raise")
@permission_required(INTERNAL_AUDIT_CONDUCT)
def raise_nonconformity(audit_id: int, line_id: int):
    internal_audit, line = services.get_line_or_403(current_user, audit_id, line_id, INTERNAL_AUDIT_CONDUCT)
    form = RaiseForm()
    if not form.validate_on_submit():
        flash("The form had expired; press Raise again.", "danger")
    else:
        with acting(services.REFUSALS) as refused:
            nonconformity, raised = services.raise_for_line(line, expected_version=form.version.data,
                                                            actor=acting_user())
        if refused:
            flash(f"{refused} Nothing was raised.", "danger")
        elif not raised:
            flash(f"{line.subject} was already raised as {nonconformity.reference}.", "info")
        else:
            flash(f"Raised {line.subject} as nonconformity {nonconformity.reference}.", "success")
    return redirect(url_for("internal_audits.detail", audit_id=internal_audit.id, _anchor=f"line-{line_id}"))


@bp.get("/<int:audit_id>/lines/<int:line_id>/file")
@permission_required(INTERNAL_AUDIT_VIEW)
def line_file(audit_id: int, line_id: int):
    _, line = services.get_line_or_403(current_user, audit_id, line_id, INTERNAL_AUDIT_VIEW)
    if not line.file_sha256:
        abort(404)
    path = uploads.stored_path(line.file_sha256)
    if not path.is_file():
        abort(404)
    services.record_file_download(line, actor=acting_user())
    db.session.commit()
    # Always a download, never shown inline: an uploaded HTML or SVG must not run in Khusela's origin.
    return send_file(path, mimetype=line.file_media_type or "application/octet-stream", as_attachment=True,
                     download_name=line.file_name or "file", max_age=0, etag=line.file_sha256, conditional=False)
