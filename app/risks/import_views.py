"""Importing a register: /risks/import checks the file and previews the import (a dry run);
confirming applies the same staged file, all or nothing."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.permissions import RISK_IMPORT, permission_required
from app.common import staging
from app.common.export import XLSX_MIMETYPE
from app.common.tabular import Problem
from app.risks import importing
from app.risks.forms import ImportConfirmForm, ImportForm
from app.risks.matrices import current_matrix
from app.risks.views import bp


def _render_upload(form: ImportForm, problems: list[Problem] = (), filename: str = "", status: int = 200):
    return render_template(
        "risks/import.html", form=form, problems=problems, filename=filename, columns=importing.COLUMNS,
        max_rows=importing.MAX_IMPORT_ROWS, matrix=current_matrix().to_scoring(),
    ), status


@bp.get("/import")
@permission_required(RISK_IMPORT)
def import_start():
    return _render_upload(ImportForm())


@bp.post("/import")
@permission_required(RISK_IMPORT)
def import_check():
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_upload(form, status=422)
    upload = form.file.data
    filename, data = upload.filename or "upload", upload.read()
    report = importing.import_risks(filename, data, actor=current_user, dry_run=True)
    if not report.ok:
        return _render_upload(ImportForm(formdata=None), report.problems, filename, status=422)
    token = staging.stage(filename, data, current_user.id)
    return render_template("risks/import_preview.html", report=report, form=ImportConfirmForm(token=token))


@bp.post("/import/confirm")
@permission_required(RISK_IMPORT)
def import_confirm():
    form = ImportConfirmForm()
    staged = staging.load(form.token.data, current_user.id) if form.validate_on_submit() else None
    if staged is None:
        flash("That import is no longer waiting (it was confirmed, cancelled or is over an hour old). "
              "Upload the file again.", "warning")
        return redirect(url_for("risks.import_start"))
    report = importing.import_risks(staged.filename, staged.data, actor=current_user, dry_run=False)
    staging.discard(staged.token)
    if not report.ok:
        # The register changed since the preview (a risk edited or a category deactivated meanwhile).
        return _render_upload(ImportForm(formdata=None), report.problems, staged.filename, status=422)
    flash(f"Imported {staged.filename}: {report.summary}.", "success")
    return redirect(url_for("risks.index"))


@bp.post("/import/cancel")
@permission_required(RISK_IMPORT)
def import_cancel():
    form = ImportConfirmForm()
    if form.validate_on_submit():
        staging.discard(form.token.data)
    flash("Import cancelled; nothing was written.", "info")
    return redirect(url_for("risks.import_start"))


@bp.get("/import/template.<any(csv, xlsx):fmt>")
@permission_required(RISK_IMPORT)
def import_template(fmt: str):
    if fmt == "csv":
        body, mimetype = importing.template_csv(), "text/csv; charset=utf-8"
    else:
        body, mimetype = importing.template_xlsx(), XLSX_MIMETYPE
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="khusela-risk-import-template.{fmt}"'})
