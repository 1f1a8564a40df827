"""Product lifecycle pages, under /assets/products. The blueprint lives here; the list and its
export in list_views.py, adding, editing and deleting a product in record_views.py, the import in
import_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("products", __name__, url_prefix="/assets/products")

from app.assets.products import import_views, list_views, record_views  # noqa: E402,F401  (routes register on bp)
