"""Importing products: /assets/products/import checks the file and previews the import (a dry
run); confirming applies the same staged file, all or nothing (app.common.imports)."""

from __future__ import annotations

from app.assets.products import importing
from app.assets.products.views import bp
from app.auth.permissions import ASSET_EDIT
from app.common.imports import ImportRoutes, add_import_pages

add_import_pages(bp, ImportRoutes(
    permission=ASSET_EDIT, run=importing.import_products, upload_template="products/import.html",
    upload_context=lambda: {"columns": importing.COLUMNS, "max_rows": importing.MAX_IMPORT_ROWS},
    template_csv=importing.template_csv, template_xlsx=importing.template_xlsx,
    download_name="khusela-product-import-template", done_endpoint="products.index",
    breadcrumb=("Product lifecycle", "products.index"),
))
