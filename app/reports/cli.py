"""flask reports build NAME: a PDF report from the command line."""

from __future__ import annotations

from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Build PDF reports.")
