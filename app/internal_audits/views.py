"""Internal audit pages. The blueprint lives here; the list in list_views.py, the programme in
programme_views.py, one audit's pages in record_views.py, its checklist in checklist_views.py and its
report in report_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("internal_audits", __name__, url_prefix="/internal-audits")

from app.internal_audits import (  # noqa: E402,F401  (routes register on bp)
    checklist_views,
    list_views,
    programme_views,
    record_views,
    report_views,
)
