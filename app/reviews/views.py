"""Management review pages, under /management-reviews. The blueprint lives here; the list and its
exports in list_views.py, one review (plan, compile, minutes, approval, pack PDF, comparison) in
record_views.py, its decisions and actions in action_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/management-reviews")

from app.reviews import action_views, list_views, record_views  # noqa: E402,F401  (routes register on bp)
