"""Employee register pages. The blueprint lives here; the list in list_views.py, one employee's
pages in record_views.py, importing in import_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("employees", __name__, url_prefix="/employees")

from app.employees import import_views, list_views, record_views  # noqa: E402,F401,I001  (routes register on bp)
