"""Controls catalogue pages. The blueprints live here; the list in list_views.py, one control's
pages in record_views.py, the Statement of Applicability in soa_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("controls", __name__, url_prefix="/controls")
# The Statement of Applicability has its own address (/soa), as auditors ask for it by name.
soa_bp = Blueprint("soa", __name__, url_prefix="/soa")

from app.controls import evidence_views, import_views, list_views, record_views, soa_views  # noqa: E402,F401  (routes register on bp)
