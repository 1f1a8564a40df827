"""Risk register pages. The blueprint lives here; the list and heat maps in list_views.py, one
risk's pages in record_views.py, the import in import_views.py, confirming ratings on a new matrix
version in reband_views.py, the acceptances register and requests for acceptance in acceptance_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("risks", __name__, url_prefix="/risks")

from app.risks import (  # noqa: E402,F401  (routes register on bp)
    acceptance_views,
    import_views,
    list_views,
    methodology_views,
    plan_views,
    reband_views,
    record_views,
)
