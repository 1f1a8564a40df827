"""Sign-in and account pages. The blueprint lives here; signing in and out in sign_in_views.py, a
user's own password and two-factor settings in account_views.py (with the hook that keeps a user
who must change a password or enrol in two-factor sign-in on those pages), their open sessions in
session_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import account_views, session_views, sign_in_views  # noqa: E402,F401,I001  (routes register on bp)
