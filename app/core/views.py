"""The pages outside every register. The blueprint lives here; the landing page (the dashboard) in
home_views.py, the health check in health_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import health_views, home_views  # noqa: E402,F401,I001  (routes register on bp)
