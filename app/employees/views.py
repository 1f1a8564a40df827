"""Employee register pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("employees", __name__, url_prefix="/employees")
