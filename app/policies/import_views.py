"""Importing policies with their version history: /policies/import checks the file and previews the
import (a dry run); confirming applies the same staged file, all or nothing (app.common.imports)."""

from __future__ import annotations

from app.auth.permissions import POLICY_IMPORT
from app.common.imports import ImportRoutes, add_import_pages
from app.policies import importing
from app.policies.views import bp

add_import_pages(bp, ImportRoutes(
    permission=POLICY_IMPORT, run=importing.import_policies, upload_template="policies/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.MAX_IMPORT_ROWS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-policy-import-template", done_endpoint="policies.index",
    breadcrumb=("Policies", "policies.index"),
))
