"""flask scheduler run: the one process that runs the scheduled jobs."""

from __future__ import annotations

from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs (reminders, digests, housekeeping).")
