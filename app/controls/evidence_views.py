"""Evidence: the list, adding a file or link, its page with every file version, editing,
replacing the file, and downloading (signed-in users with the permission only; audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.auth.permissions import CONTROL_EDIT, CONTROL_VIEW, permission_required, user_can
from app.common import uploads
from app.common.choices import control_choices
from app.common.export import audited_export
from app.common.listing import Listing, SqlColumn, all_matching, requested_export
from app.common.saving import saving
from app.common.timeutil import local_today
from app.controls import services
from app.controls.exports import EVIDENCE_COLUMNS
from app.controls.forms import EvidenceForm, ReplaceFileForm
from app.controls.models import Control, Evidence, EvidenceFile, EvidenceKind
from app.controls.queries import evidence_search, evidence_validity_condition
from app.controls.views import bp
from app.extensions import db

SORT_COLUMNS: dict[str, SqlColumn] = {"date": Evidence.evidence_date, "title": sa.func.lower(Evidence.title),
                "valid_until": Evidence.valid_until}


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 9 else None


def _statement(args) -> sa.Select:
    statement = sa.select(Evidence).options(selectinload(Evidence.controls), selectinload(Evidence.files))
    q = (args.get("q") or "").replace("\x00", "").strip()[:200]
    if q:
        statement = statement.where(evidence_search(q))
    control_id = _id(args.get("control"))
    if control_id is not None:
        statement = statement.where(Evidence.controls.any(Control.id == control_id))
    validity = evidence_validity_condition(args.get("validity", ""), local_today())
    if validity is not None:
        statement = statement.where(validity)
    return statement


@bp.get("/evidence")
@permission_required(CONTROL_VIEW)
def evidence_index():
    statement = _statement(request.args)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=SORT_COLUMNS, default_sort="date", default_direction="desc",
                            tiebreaker=Evidence.id)
        return audited_export(rows, EVIDENCE_COLUMNS, fmt, "khusela-evidence", entity_type="evidence",
                              what="evidence items")
    listing = Listing.from_request(statement, sort_columns=SORT_COLUMNS, default_sort="date",
                                   default_direction="desc", tiebreaker=Evidence.id)
    control_id = _id(request.args.get("control"))
    control = services.get_control(control_id) if control_id else None
    return render_template("evidence/list.html", listing=listing, today=local_today(), control=control)


def _form(evidence: Evidence | None = None) -> EvidenceForm:
    form = EvidenceForm()
    keep = [control.id for control in evidence.controls] if evidence else ()
    form.control_ids.choices = control_choices(services.controls_to_link(keep_ids=keep))
    return form


def _input(form: EvidenceForm, *, link: bool) -> services.EvidenceInput:
    return services.EvidenceInput(
        title=form.title.data or "", evidence_date=form.evidence_date.data, description=form.description.data or "",
        valid_until=form.valid_until.data, control_ids=list(form.control_ids.data or []),
        url=(form.url.data or "") if link else None)


@bp.route("/evidence/new", methods=["GET", "POST"])
@permission_required(CONTROL_EDIT)
def new_evidence():
    form = _form()
    if request.method == "GET":
        control_id = _id(request.args.get("control"))
        form.control_ids.data = [control_id] if control_id else []
        form.evidence_date.data = local_today()
        return _render_form(form, None)
    if form.validate_on_submit():
        link = form.kind.data == EvidenceKind.LINK
        upload = form.file.data
        with saving(form, services.ControlRuleError):
            evidence = services.add_evidence(
                _input(form, link=link), actor=current_user,
                filename=None if link else (upload.filename if upload else ""),
                content=None if link else (upload.read() if upload else b""))
            flash(f"Added evidence “{evidence.title}”.", "success")
            return redirect(url_for("controls.evidence_detail", evidence_id=evidence.id))
    return _render_form(form, None, 422)


def _render_form(form: EvidenceForm, evidence: Evidence | None, status: int = 200):
    return render_template("evidence/form.html", form=form, evidence=evidence,
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB), accepted=uploads.ACCEPTED), status


@bp.get("/evidence/<int:evidence_id>")
@permission_required(CONTROL_VIEW)
def evidence_detail(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    form = ReplaceFileForm(version=str(evidence.version))
    return render_template("evidence/detail.html", evidence=evidence, today=local_today(), replace_form=form,
                           may_edit=user_can(current_user, CONTROL_EDIT),
                           max_mb=settings.get(settings.EVIDENCE_MAX_MB), accepted=uploads.ACCEPTED)


@bp.route("/evidence/<int:evidence_id>/edit", methods=["GET", "POST"])
@permission_required(CONTROL_EDIT)
def edit_evidence(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    form = _form(evidence)
    link = evidence.kind == EvidenceKind.LINK
    if request.method == "GET":
        form.version.data = str(evidence.version)
        form.kind.data = evidence.kind
        for name in ("title", "description", "evidence_date", "valid_until", "url"):
            getattr(form, name).data = getattr(evidence, name)
        form.control_ids.data = [control.id for control in evidence.controls]
        return _render_form(form, evidence)
    if form.validate_on_submit():
        stale_url = url_for("controls.edit_evidence", evidence_id=evidence.id)
        with saving(form, services.ControlRuleError, stale_url=stale_url):
            changes = services.update_evidence(evidence, _input(form, link=link), expected_version=form.version.data,
                                               actor=current_user)
            flash(f"Saved “{evidence.title}”." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("controls.evidence_detail", evidence_id=evidence.id))
    return _render_form(form, evidence, 422)


@bp.post("/evidence/<int:evidence_id>/replace")
@permission_required(CONTROL_EDIT)
def replace_evidence(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    form = ReplaceFileForm()
    if form.validate_on_submit():
        stale_url = url_for("controls.evidence_detail", evidence_id=evidence.id)
        with saving(form, services.ControlRuleError, stale_url=stale_url):
            stored = services.replace_evidence_file(evidence, filename=form.file.data.filename or "",
                                                    content=form.file.data.read(), expected_version=form.version.data,
                                                    actor=current_user)
            flash(f"Uploaded {stored.original_name} as the new version; the earlier ones are kept.", "success")
            return redirect(url_for("controls.evidence_detail", evidence_id=evidence.id))
    return render_template("evidence/detail.html", evidence=evidence, today=local_today(), replace_form=form,
                           may_edit=True, max_mb=settings.get(settings.EVIDENCE_MAX_MB),
                           accepted=uploads.ACCEPTED), 422


@bp.get("/evidence/files/<int:file_id>")
@permission_required(CONTROL_VIEW)
def download_evidence(file_id: int):
    stored = db.get_or_404(EvidenceFile, file_id)
    path = uploads.stored_path(stored.sha256)
    if not path.is_file():
        abort(404)
    services.record_download(stored, actor=current_user)
    db.session.commit()
    # Always a download, never shown inline: an uploaded HTML or SVG must not run in Khusela's origin.
    return send_file(path, mimetype=stored.media_type, as_attachment=True, download_name=stored.original_name,
                     max_age=0, etag=stored.sha256, conditional=False)
