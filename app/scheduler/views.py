"""The scheduler's pages. The blueprint lives here; a user's notifications and e-mail choices (and
the bell's unread count) in notification_views.py, /admin/jobs in job_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scheduler", __name__)

from app.scheduler import job_views, notification_views  # noqa: E402,F401,I001  (routes register on bp)
