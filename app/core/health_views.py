"""The health check for load balancers and monitoring: public, and 503 when the database does not
answer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify

from app.auth.permissions import public
from app.core.views import bp
from app.extensions import db


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
