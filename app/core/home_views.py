"""The landing page: the dashboard's figures for the user's role (app/core/dashboard.py), each linking
to the list that shows the same rows, and the organisation's summary (last sign-in, accounts)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from app.auth.permissions import ACCOUNT_SELF, permission_required
from app.common.timeutil import local_today
from app.core.views import bp


@bp.get("/")
@permission_required(ACCOUNT_SELF)
def index():
    from app.admin.services import organisation_summary
    from app.core.dashboard import dashboard
    from app.risks.queries import CELL_PARAMS

    today = local_today()
    board = dashboard(current_user, today)

    def cell_url(kind, likelihood: int, impact: int) -> str:
        likelihood_param, impact_param = CELL_PARAMS[kind]
        return url_for("risks.index", **board.risks.scope_args, matrix=board.risks.heat_map.version.id,
                       **{likelihood_param: likelihood, impact_param: impact})

    return render_template("core/index.html", board=board, today=today, cell_url=cell_url,
                           summary=organisation_summary(current_user))
