"""Policy pages. The blueprint lives here; the list and a policy's own pages in policy_views.py, one
version's draft, review and approval in version_views.py, the acknowledgement register in
acknowledgement_views.py. The policy-violation cases are a sub-package with a blueprint of their own
(app/policies/cases/views.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("policies", __name__, url_prefix="/policies")

from app.policies import acknowledgement_views, import_views, policy_views, version_views  # noqa: E402,F401,I001  (routes register on bp)
