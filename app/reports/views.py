"""Report pages. The blueprints live here; the /reports page and the PDF reports in
report_views.py, the reports being prepared for a user in document_views.py, the evidence packs in
pack_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
# Evidence packs keep their own endpoint names (packs.detail ...) under /reports/packs.
packs_bp = Blueprint("packs", __name__, url_prefix="/reports/packs")

from app.reports import document_views, pack_views, report_views  # noqa: E402,F401,I001  (routes register on bp and packs_bp)
