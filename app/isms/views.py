"""The ISMS pages. The blueprint lives here; the certification-evidence page in evidence_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("isms", __name__, url_prefix="/isms")

from app.isms import evidence_views  # noqa: E402,F401,I001  (routes register on bp)
