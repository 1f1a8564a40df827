"""Importing the cases an organisation brings, with their steps: /cases/import checks the file and
previews the import (a dry run); confirming applies the same staged file, all or nothing
(app.common.imports)."""

from __future__ import annotations

from app.auth.permissions import CASE_IMPORT
from app.common.imports import ImportRoutes, add_import_pages
from app.policies.cases import importing
from app.policies.cases.views import bp

add_import_pages(bp, ImportRoutes(
    permission=CASE_IMPORT, run=importing.import_cases, upload_template="cases/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.MAX_IMPORT_ROWS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-case-import-template", done_endpoint="cases.index",
    breadcrumb=("Cases", "cases.index"),
))
