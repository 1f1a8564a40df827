"""Incident register pages. The blueprint lives here; reporting and the lists in list_views.py, one
incident's triage and handling in record_views.py, its evidence and links in evidence_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("incidents", __name__, url_prefix="/incidents")

from app.incidents import evidence_views, list_views, record_views  # noqa: E402,F401  (routes register on bp)
