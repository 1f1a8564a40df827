"""The landing page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from app.auth.permissions import ACCOUNT_SELF, permission_required, public
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@permission_required(ACCOUNT_SELF)
def index():
    from app.admin.services import organisation_summary

    return render_template("core/index.html", summary=organisation_summary(current_user))


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
