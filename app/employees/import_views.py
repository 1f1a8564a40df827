"""Importing employees: /employees/import checks the file and previews the import (a dry run);
confirming applies the same staged file, all or nothing (app.common.imports)."""

from __future__ import annotations

from app.auth.permissions import EMPLOYEE_IMPORT
from app.common.imports import ImportReport, ImportRoutes, add_import_pages
from app.employees import importing
from app.employees.views import bp


def import_from_the_web(filename: str, data: bytes, *, actor, dry_run: bool) -> ImportReport:
    """The page checks the file and imports it again on confirming, each within one request:
    a smaller limit than the command's."""
    return importing.import_employees(filename, data, actor=actor, dry_run=dry_run,
                                      max_rows=importing.WEB_MAX_IMPORT_ROWS)


add_import_pages(bp, ImportRoutes(
    permission=EMPLOYEE_IMPORT, run=import_from_the_web, upload_template="employees/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.WEB_MAX_IMPORT_ROWS,
                            "cli_max_rows": importing.MAX_IMPORT_ROWS,
                            "skipped_headers": importing.SKIPPED_HEADERS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-employee-import-template", done_endpoint="employees.index",
    breadcrumb=("Employees", "employees.index"),
))
