"""flask packs build / verify: evidence packs from the command line, and their offline check."""

from __future__ import annotations

from flask.cli import AppGroup

packs_cli = AppGroup("packs", help="Build and verify evidence packs.")
