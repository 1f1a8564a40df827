"""The audit log's pages. The blueprint lives here; the log itself (filter, page, export) in
log_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from app.audit import log_views  # noqa: E402,F401,I001  (routes register on bp)
