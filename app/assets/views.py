"""CMDB pages. The blueprint lives here; the item list in list_views.py, one item's pages in
record_views.py, importing in import_views.py, the portfolio as reported in reported_views.py. The
product lifecycle list's pages, under /assets/products, have a blueprint of their own
(app/assets/products/views.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assets", __name__, url_prefix="/assets")

from app.assets import (  # noqa: E402,F401,I001  (routes register on bp)
    estate_views, import_views, list_views, record_views, reported_views, summary_views,
)
