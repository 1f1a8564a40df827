"""Controls catalogue pages. The blueprint lives here; the list in list_views.py, one control's
pages in record_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("controls", __name__, url_prefix="/controls")

from app.controls import list_views, record_views  # noqa: E402,F401  (routes register on bp)
