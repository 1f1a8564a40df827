"""Policy-violation case pages (/cases). The blueprint lives here; the list and its export in
list_views.py, opening a case and the case page with its decision, evidence, warnings and closing in
case_views.py, the disciplinary procedure (Schedule 8) in disciplinary_views.py, privileges and
training in privilege_views.py, the timeline, letters and case file in document_views.py, retention in
retention_views.py, the import of an organisation's earlier cases in import_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from app.policies.cases import (  # noqa: E402,F401,I001  (routes register on bp)
    case_views, disciplinary_views, document_views, import_views, list_views, privilege_views, retention_views,
)
