"""Importing internal controls or a custom catalogue: /controls/import, as for the risk register."""

from __future__ import annotations

from flask import Response, render_template, url_for

from app.auth.permissions import CONTROL_EDIT, permission_required
from app.common.export import XLSX_MIMETYPE
from app.common.imports import ImportForm, ImportPages
from app.common.tabular import Problem
from app.controls import importing
from app.controls.views import bp


def _render_upload(form: ImportForm, problems: list[Problem] = (), filename: str = "", status: int = 200):
    return render_template("controls/import.html", form=form, problems=problems, filename=filename,
                           columns=importing.COLUMNS, max_rows=importing.MAX_IMPORT_ROWS), status


def _pages() -> ImportPages:
    return ImportPages(
        run=importing.import_controls, render_upload=_render_upload, confirm_url=url_for("controls.import_confirm"),
        cancel_url=url_for("controls.import_cancel"), start_url=url_for("controls.import_start"),
        done_url=url_for("controls.index", source="internal"), breadcrumb=[("Controls", url_for("controls.index"))],
    )


@bp.get("/import")
@permission_required(CONTROL_EDIT)
def import_start():
    return _render_upload(ImportForm())


@bp.post("/import")
@permission_required(CONTROL_EDIT)
def import_check():
    return _pages().check(ImportForm())


@bp.post("/import/confirm")
@permission_required(CONTROL_EDIT)
def import_confirm():
    return _pages().confirm()


@bp.post("/import/cancel")
@permission_required(CONTROL_EDIT)
def import_cancel():
    return _pages().cancel()


@bp.get("/import/template.<any(csv, xlsx):fmt>")
@permission_required(CONTROL_EDIT)
def import_template(fmt: str):
    if fmt == "csv":
        body, mimetype = importing.template_csv(), "text/csv; charset=utf-8"
    else:
        body, mimetype = importing.template_xlsx(), XLSX_MIMETYPE
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="khusela-control-import-template.{fmt}"'})
