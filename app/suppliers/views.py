"""Supplier register pages (ISO/IEC 27001 A.5.19-5.23). The blueprint lives here; the list in
list_views.py, one supplier's pages (record, edit, assessments, reviews) in record_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")

from app.suppliers import list_views, record_views  # noqa: E402,F401  (routes register on bp)
