"""Importing internal controls or a custom catalogue: /controls/import, as for the risk register."""

from __future__ import annotations

from app.auth.permissions import CONTROL_EDIT
from app.common.imports import ImportRoutes, add_import_pages
from app.controls import importing
from app.controls.views import bp

add_import_pages(bp, ImportRoutes(
    permission=CONTROL_EDIT, run=importing.import_controls, upload_template="controls/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.MAX_IMPORT_ROWS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-control-import-template", done_endpoint="controls.index",
    done_args={"source": "internal"}, breadcrumb=("Controls", "controls.index"),
))
