"""Notifications (the bell, the list, e-mail choices) and /admin/jobs."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scheduler", __name__)
