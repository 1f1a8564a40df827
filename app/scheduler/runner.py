"""Running the jobs: one at a time with a record of each run, and the single scheduler process.

Exactly one process runs the schedule, however many gunicorn workers or hosts serve the app: the
web app never starts a scheduler; `flask scheduler run` does, and only after taking a lock that
one process at a time can hold: a PostgreSQL session-level advisory lock (every host shares it),
or on SQLite an fcntl lock on a file next to the instance (one host). The lock goes with the
process: when it stops or dies, the database or the kernel frees it and another copy may take over.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import traceback
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from flask import Flask

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common import transactions
from app.common.timeutil import utcnow
from app.extensions import db
from app.scheduler import jobs as registry
from app.scheduler.models import JobRun, JobStatus

log = logging.getLogger(__name__)

# pg_try_advisory_lock(key): one number for the whole database, chosen once ("KHUSELA" on a keypad).
ADVISORY_LOCK_KEY = 5487352
RUNNER_JOB_ID = "scheduler"  # the JobRun row a scheduler process keeps while it runs
# Runs older than this are deleted as each job runs (e-mail retries alone record ~290 runs a day).
JOB_RUN_KEEP_DAYS = 90


def this_process() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


# --- the lock -------------------------------------------------------------------------------------


class RunnerLock:
    """Held by at most one process at a time; `acquire()` never waits."""

    def acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class AdvisoryLock(RunnerLock):
    """A PostgreSQL session-level advisory lock on a connection kept open for the process's life."""

    def __init__(self, engine: sa.Engine, key: int = ADVISORY_LOCK_KEY) -> None:
        self.engine, self.key = engine, key
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        connection = self.engine.connect()
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        connection.commit()  # a session-level lock outlives the transaction
        if not got:
            connection.close()
            return False
        self.connection = connection
        return True

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self.connection.commit()
            self.connection.close()
            self.connection = None


class FileLock(RunnerLock):
    """An exclusive fcntl lock on a file: SQLite has no advisory locks, and lives on one host anyway."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.handle: TextIO | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115  (held open for the process's life)
        if not transactions.try_lock_file(handle):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(this_process())
        handle.flush()
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def _on_postgres(engine: sa.Engine) -> bool:
    return engine.dialect.name == "postgresql"


def lock_file_path(app: Flask) -> Path:
    return Path(app.config.get("SCHEDULER_LOCK_FILE") or Path(app.instance_path) / "scheduler.lock")


def runner_lock(app: Flask) -> RunnerLock:
    engine = db.engine
    return AdvisoryLock(engine) if _on_postgres(engine) else FileLock(lock_file_path(app))


def lock_is_held(app: Flask) -> bool:
    """Whether some process holds the scheduler lock now (asked without taking it for long)."""
    engine = db.engine
    if _on_postgres(engine):
        held = db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = 0 AND objid = :key AND objsubid = 1 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"), {"key": ADVISORY_LOCK_KEY})
        return bool(held)
    probe = FileLock(lock_file_path(app))
    if probe.path.exists() and probe.acquire():
        probe.release()
        return False
    return probe.path.exists()


# --- running one job --------------------------------------------------------------------------------


def run_job(job_id: str) -> JobRun:
    """Run a registered job now, in the current application context, and record the run. A failing
    job is recorded with its traceback and never raises: the scheduler goes on with the next."""
    job = registry.get(job_id)
    if job is None:
        raise KeyError(job_id)
    run = JobRun(job_id=job.id, started_at=utcnow(), status=JobStatus.RUNNING.value, host=this_process())
    if not job.quiet:
        db.session.add(run)
        db.session.commit()
    try:
        summary = job.load()() or ""
    except Exception:
        error = traceback.format_exc()
        log.exception("Job %s failed", job.id)
        db.session.rollback()
        run = _recorded(run)
        run.status, run.error, run.summary = JobStatus.ERROR.value, error[-20_000:], "Failed"
    else:
        if job.quiet and not summary:
            run.status, run.summary, run.finished_at = JobStatus.OK.value, "Nothing to do", utcnow()
            return run  # not recorded
        run = _recorded(run)
        run.status, run.summary = JobStatus.OK.value, str(summary)[:2000]
    run.finished_at = utcnow()
    db.session.execute(sa.delete(JobRun).where(JobRun.job_id == job.id,
                                               JobRun.started_at < run.finished_at - timedelta(days=JOB_RUN_KEEP_DAYS)))
    db.session.commit()
    return run


def _recorded(run: JobRun) -> JobRun:
    """The run's row: committed before the job ran, or (a quiet job) added now that it did something."""
    if run.id is None:
        db.session.add(run)
        return run
    return db.session.get_one(JobRun, run.id)


def run_by_hand(job_id: str, *, actor: User) -> JobRun:
    """run_job() for an administrator (/admin/jobs), who is named in the audit log."""
    run = run_job(job_id)
    audit.record(AuditAction.RUN, "job", job_id, summary=f"Job {job_id} run by hand: {run.status}, {run.summary}"[:300],
                 actor=actor)
    return run


def _run_in_app(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


# --- the scheduler process ----------------------------------------------------------------------


def build_scheduler(app: Flask):
    from apscheduler.schedulers.blocking import BlockingScheduler

    from app.common.timeutil import local_zone

    scheduler = BlockingScheduler(timezone=local_zone(), job_defaults={
        # A run missed while the process was down runs once when it is back (within an hour), not once per miss.
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    for job in registry.JOBS.values():
        scheduler.add_job(_run_in_app, job.schedule.trigger, args=[app, job.id], id=job.id, name=job.title,
                          replace_existing=True, **job.schedule.arguments)
    return scheduler


def start_runner_record() -> int:
    run = JobRun(job_id=RUNNER_JOB_ID, started_at=utcnow(), status=JobStatus.RUNNING.value, host=this_process(),
                 summary="Scheduler process started")
    db.session.add(run)
    db.session.commit()
    return run.id


def finish_runner_record(run_id: int, summary: str = "Scheduler process stopped") -> None:
    run = db.session.get(JobRun, run_id)
    if run is not None:
        run.status, run.finished_at, run.summary = JobStatus.OK.value, utcnow(), summary
        db.session.commit()


def latest_runner() -> JobRun | None:
    return db.session.scalar(sa.select(JobRun).where(JobRun.job_id == RUNNER_JOB_ID)
                             .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1))
