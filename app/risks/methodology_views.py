"""The risk methodology page: the criteria risks are scored and accepted by, read-only, for every
role that reads the register (auditors included), with each earlier matrix version."""

from __future__ import annotations

from flask import abort, render_template, request

from app.auth.permissions import RISK_VIEW, permission_required
from app.risks import methodology
from app.risks.views import bp


@bp.get("/methodology")
@permission_required(RISK_VIEW)
def methodology_page():
    requested = request.args.get("version", "").strip()
    if requested and not requested.isdigit():
        abort(404)
    # The organisation's criteria, not a record: every role that reads risks reads all of them.
    shown = methodology.methodology(int(requested) if requested else None)
    if shown is None:
        abort(404)
    return render_template("risks/methodology.html", m=shown)
