"""flask scheduler run: the one process that runs the scheduled jobs.

    flask --app wsgi scheduler run            run the schedule (exits if another runner holds the lock)
    flask --app wsgi scheduler run --standby  wait for the lock instead, and take over when it is freed
    flask --app wsgi scheduler run-job ID     run one job once now (for cron users and checks)
    flask --app wsgi scheduler list           the jobs and their schedules
"""

from __future__ import annotations

import os
import signal
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.scheduler import jobs as registry
from app.scheduler import runner
from app.scheduler.models import JobStatus

scheduler_cli = AppGroup("scheduler", help="Run the scheduled jobs (reminders, digests, housekeeping).")


@scheduler_cli.command("list")
def list_jobs() -> None:
    """The registered jobs and when each runs."""
    for job in registry.JOBS.values():
        click.echo(f"{job.id:<20} {job.schedule!s:<32} {job.title}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
def run_job(job_id: str) -> None:
    """Run one job once now and record the run (exit 1 if it failed)."""
    if registry.get(job_id) is None:
        raise click.BadParameter(f"no job {job_id!r}; the jobs are: {', '.join(registry.JOBS)}", param_hint="JOB_ID")
    run = runner.run_job(job_id)
    if run.status == JobStatus.ERROR:
        click.echo(f"{job_id} failed:\n{run.error}", err=True)
        sys.exit(1)
    click.echo(f"{job_id}: {run.summary} ({run.duration_seconds:.1f} s)")


def _stop_on_sigterm(scheduler) -> None:
    def stop(signum, frame):  # noqa: ARG001
        scheduler.shutdown(wait=False)
    signal.signal(signal.SIGTERM, stop)


@scheduler_cli.command("run")
@click.option("--standby", is_flag=True,
              help="If another runner holds the lock, wait and retry every --retry seconds instead of exiting.")
@click.option("--retry", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between attempts to take the lock in --standby mode.")
def run(standby: bool, retry: int) -> None:
    """Run the schedule in this process until stopped (Ctrl+C or SIGTERM).

    Only one process may run it: the first takes a lock (a PostgreSQL advisory lock, or on SQLite a
    file lock in instance/) and a second copy exits with status 1, or with --standby waits for it."""
    # The app itself, not the proxy, which the scheduler's threads could not resolve (they have no app
    # context); Flask types current_app as Flask, which has no _get_current_object.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = runner.runner_lock(app)
    while not lock.acquire():
        if not standby:
            click.echo("Another scheduler runner holds the lock (see /admin/jobs); not starting a second one.",
                       err=True)
            sys.exit(1)
        click.echo(f"Another scheduler runner holds the lock; standing by, next try in {retry} s.", err=True)
        time.sleep(retry)
    # Everything this process does is background work (the queued PDF reports above all, a core each
    # while they render): on a host it shares with gunicorn, the web workers' pages come first.
    if app.config["SCHEDULER_NICE"]:
        os.nice(app.config["SCHEDULER_NICE"])
    record_id = runner.start_runner_record()
    scheduler = runner.build_scheduler(app)
    _stop_on_sigterm(scheduler)
    click.echo(f"Scheduler started ({runner.this_process()}): "
               + ", ".join(f"{job.id} ({job.schedule})" for job in registry.JOBS.values()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runner.finish_runner_record(record_id)
        lock.release()
        click.echo("Scheduler stopped.")
