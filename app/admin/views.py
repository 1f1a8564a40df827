"""Administration pages. The blueprint lives here; the Administration page in home_views.py, user
accounts in user_views.py, departments in department_views.py, organisation settings in
settings_views.py, the risk matrix and risk categories in matrix_views.py, the case settings
(corrective actions) in case_settings_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import (  # noqa: E402,F401,I001  (routes register on bp)
    case_settings_views, department_views, home_views, matrix_views, settings_views, user_views,
)
