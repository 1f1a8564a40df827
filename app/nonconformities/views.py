"""Nonconformity register pages. The blueprint lives here; the list and its summary in
list_views.py, one nonconformity's pages in record_views.py, its actions in action_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("nonconformities", __name__, url_prefix="/nonconformities")

from app.nonconformities import action_views, list_views, record_views  # noqa: E402,F401  (routes register on bp)
