"""Business continuity pages. The blueprint lives here; the BIA list and the tests list in
list_views.py, one BIA's pages and its tests in record_views.py, its plans in plan_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("continuity", __name__, url_prefix="/continuity")

from app.continuity import list_views, plan_views, record_views  # noqa: E402,F401  (routes register on bp)
