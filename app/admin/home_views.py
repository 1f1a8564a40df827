"""The Administration page: a card for each administration area the user's role may open."""

from __future__ import annotations

from flask import render_template

from app.admin.views import bp
from app.auth.permissions import ADMIN_USERS, permission_required


@bp.get("/")
@permission_required(ADMIN_USERS)
def index():
    return render_template("admin/index.html")
