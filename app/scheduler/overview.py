"""What /admin/jobs shows: each job's schedule and last run, the recent runs, and whether a
scheduler process is running now."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.scheduler import jobs as registry
from app.scheduler import runner
from app.scheduler.models import JobRun, JobStatus

RECENT_RUNS = 50


@dataclass(frozen=True)
class JobLine:
    job: registry.Job
    last: JobRun | None
    last_ok: JobRun | None
    failures: int  # of the last ten runs


def jobs_overview() -> list[JobLine]:
    lines = []
    for job in registry.JOBS.values():
        runs = list(db.session.scalars(sa.select(JobRun).where(JobRun.job_id == job.id)
                                       .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(10)))
        last_ok = next((run for run in runs if run.status == JobStatus.OK), None)
        lines.append(JobLine(job, runs[0] if runs else None, last_ok,
                             sum(1 for run in runs if run.status == JobStatus.ERROR)))
    return lines


def recent_runs(limit: int = RECENT_RUNS) -> list[JobRun]:
    return list(db.session.scalars(sa.select(JobRun).where(JobRun.job_id != runner.RUNNER_JOB_ID)
                                   .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))


@dataclass(frozen=True)
class RunnerState:
    lock_held: bool  # asked of the database (PostgreSQL) or the lock file (SQLite) just now
    latest: JobRun | None  # the last scheduler process that started: host, pid, since when
    postgres: bool

    @property
    def running(self) -> bool:
        return self.lock_held


def runner_state(app: Flask) -> RunnerState:
    return RunnerState(lock_held=runner.lock_is_held(app), latest=runner.latest_runner(),
                       postgres=db.engine.dialect.name == "postgresql")
