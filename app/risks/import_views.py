"""Importing a register: /risks/import checks the file and previews the import (a dry run);
confirming applies the same staged file, all or nothing (app.common.imports)."""

from __future__ import annotations

from app.auth.permissions import RISK_IMPORT
from app.common.imports import ImportRoutes, add_import_pages
from app.risks import importing
from app.risks.matrices import current_matrix
from app.risks.views import bp

add_import_pages(bp, ImportRoutes(
    permission=RISK_IMPORT, run=importing.import_risks, upload_template="risks/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.MAX_IMPORT_ROWS,
                            "matrix": current_matrix().to_scoring()},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-risk-import-template", done_endpoint="risks.index",
    breadcrumb=("Risk register", "risks.index"),
))
