"""Importing completions and attendance: /awareness/import checks the file and previews the import
(a dry run); confirming applies the same staged file, all or nothing (app.common.imports)."""

from __future__ import annotations

from app.auth.permissions import AWARENESS_EDIT
from app.awareness import importing
from app.awareness.views import bp
from app.common.imports import ImportReport, ImportRoutes, add_import_pages


def import_from_the_web(filename: str, data: bytes, *, actor, dry_run: bool) -> ImportReport:
    """The page checks the file and imports it again on confirming, each within one request: a
    smaller limit than the command's."""
    return importing.import_training(filename, data, actor=actor, dry_run=dry_run,
                                     max_rows=importing.WEB_MAX_IMPORT_ROWS)


add_import_pages(bp, ImportRoutes(
    permission=AWARENESS_EDIT, run=import_from_the_web, upload_template="awareness/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.WEB_MAX_IMPORT_ROWS,
                            "skipped_headers": importing.SKIPPED_HEADERS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-training-import-template", done_endpoint="awareness.index",
    breadcrumb=("Awareness", "awareness.index"),
))
