"""The landing page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import current_user

from app.auth.permissions import ACCOUNT_SELF, permission_required, public
from app.common.timeutil import local_today
from app.extensions import db

bp = Blueprint("core", __name__)


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


@bp.get("/health")
@public
def health():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Health check: database unreachable")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
