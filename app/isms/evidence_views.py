"""The certification-evidence page: one click from the navigation, every artefact one more."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.auth.permissions import ISMS_VIEW, permission_required
from app.common.timeutil import local_today
from app.controls.clauses import CHAPTERS
from app.isms import artefacts
from app.isms.views import bp
from app.risks.queries import register_scope


@bp.get("/")
@permission_required(ISMS_VIEW)
def index():
    today = local_today()
    shown = artefacts.states_for(current_user, today)
    return render_template("isms/index.html", shown=shown, clause_rows=artefacts.clause_rows(shown),
                           chapters=CHAPTERS, today=today,
                           scoped=register_scope(current_user) is not None)
