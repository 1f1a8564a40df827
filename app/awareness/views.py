"""Awareness register pages. The blueprint lives here; the campaign list and the rates in
list_views.py, one campaign's pages and a person's training record in record_views.py, the training
system's import in import_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("awareness", __name__, url_prefix="/awareness")

from app.awareness import import_views, list_views, record_views  # noqa: E402,F401  (routes register on bp)
