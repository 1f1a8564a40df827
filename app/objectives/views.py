"""Objectives and measurement pages, under /objectives. The blueprint lives here; the lists and
their exports in list_views.py, one objective in record_views.py, one metric and its measurements in
metric_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("objectives", __name__, url_prefix="/objectives")

from app.objectives import list_views, metric_views, record_views  # noqa: E402,F401  (routes register on bp)
