"""The landing page: the dashboard's figures for the user's role (app/core/dashboard.py), each linking
to the list that shows the same rows, and the organisation's summary (last sign-in, accounts)."""

from __future__ import annotations

from typing import Any

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
    from app.risks.models import RatingKind
    from app.risks.queries import CELL_PARAMS

    today = local_today()
    board = dashboard(current_user, today)

    def cell_url(kind: RatingKind, likelihood: int, impact: int) -> str:
        assert board.risks is not None  # only the risk panel's heat map links to its cells
        likelihood_param, impact_param = CELL_PARAMS[kind]
        # Any: url_for's own keywords (_external: bool...) would otherwise be checked against these values.
        args: dict[str, Any] = {**board.risks.scope_args, "matrix": board.risks.heat_map.version.id,
                                likelihood_param: likelihood, impact_param: impact}
        return url_for("risks.index", **args)

    return render_template("core/index.html", board=board, today=today, cell_url=cell_url,
                           summary=organisation_summary(current_user))
