"""The pages of the ISMS context (ISO/IEC 27001 4.1-4.3, 5.3). The blueprint lives here; the hub and
the lists in list_views.py, issues, parties and their requirements in record_views.py, the scope
statement in scope_views.py, the information-security roles in role_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("context", __name__, url_prefix="/context")

from app.context import list_views, record_views, role_views, scope_views  # noqa: E402,F401  (routes register on bp)
