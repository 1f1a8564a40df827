"""Evidence packs: ask for one, watch it being built, download it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("packs", __name__, url_prefix="/reports/packs")
