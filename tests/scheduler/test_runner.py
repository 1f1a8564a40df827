"""One runner at a time (the lock), the record of each run, a failing job that does not stop the
others, and the CLI. No real scheduler is started: the lock is tried twice, jobs are called directly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.scheduler import jobs as registry
from app.scheduler import runner
from app.scheduler.models import JobRun, JobStatus


@pytest.fixture
def lock_app(make_app, tmp_path):
    app = make_app(SCHEDULER_LOCK_FILE=str(tmp_path / "scheduler.lock"))
    with app.app_context():
        yield app


def test_two_runners_one_gets_the_lock_the_other_is_refused_until_it_is_freed(lock_app):
    first, second = runner.runner_lock(lock_app), runner.runner_lock(lock_app)
    assert not runner.lock_is_held(lock_app)
    assert first.acquire() is True
    try:
        assert second.acquire() is False
        assert runner.lock_is_held(lock_app)
    finally:
        first.release()
    assert not runner.lock_is_held(lock_app)
    assert second.acquire() is True  # the standby takes over once the first is gone
    second.release()


def test_the_lock_is_the_databases_on_postgresql_and_a_file_on_sqlite(lock_app):
    lock = runner.runner_lock(lock_app)
    if db.engine.dialect.name == "postgresql":
        assert isinstance(lock, runner.AdvisoryLock)
    else:
        assert isinstance(lock, runner.FileLock) and str(lock.path).endswith("scheduler.lock")


@pytest.fixture
def test_jobs(monkeypatch):
    jobs = dict(registry.JOBS)
    monkeypatch.setattr(registry, "JOBS", jobs)
    registry.register(registry.Job("boom", "Always fails", "tests.scheduler.test_runner:_boom", registry.every(5)))
    registry.register(registry.Job("fine", "Works", "tests.scheduler.test_runner:_fine", registry.daily(hour=2)))
    return jobs


def _boom() -> str:
    db.session.add(JobRun(job_id="half-written"))  # the failed job's own writes are rolled back
    raise RuntimeError("disk full")


def _fine() -> str:
    return "3 things done"


def test_each_run_is_recorded_and_a_failure_keeps_its_traceback(lock_app, test_jobs):
    failed = runner.run_job("boom")
    assert failed.status == JobStatus.ERROR and "RuntimeError: disk full" in failed.error
    assert failed.finished_at is not None and failed.host.endswith(f"pid {__import__('os').getpid()}")
    done = runner.run_job("fine")  # the next job runs regardless
    assert done.status == JobStatus.OK and done.summary == "3 things done" and done.duration_seconds >= 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job_id == "half-written")) == 0


def test_the_registry_refuses_a_second_job_with_the_same_id(test_jobs):
    with pytest.raises(ValueError, match="'fine' is registered already"):
        registry.register(registry.Job("fine", "Again", "x:y", registry.every(1)))


def test_the_scheduler_gets_every_registered_job_with_its_trigger(lock_app):
    scheduler = runner.build_scheduler(lock_app)
    assert {job.id for job in scheduler.get_jobs()} == set(registry.JOBS) >= {"reminders", "weekly-digest",
                                                                               "email-retry"}
    assert "cron" in str(scheduler.get_job("reminders").trigger)
    assert "interval" in str(scheduler.get_job("email-retry").trigger)


# --- the CLI -----------------------------------------------------------------------------------------


def test_cli_list_and_run_job(lock_app):
    cli = lock_app.test_cli_runner()
    listed = cli.invoke(args=["scheduler", "list"])
    assert listed.exit_code == 0 and "reminders" in listed.output and "Every day at 06:00" in listed.output
    ran = cli.invoke(args=["scheduler", "run-job", "reminders"])
    assert ran.exit_code == 0 and ran.output.startswith("reminders: 0 reminders left")
    assert db.session.scalar(sa.select(JobRun.status).where(JobRun.job_id == "reminders")) == JobStatus.OK


def test_cli_run_job_names_the_jobs_when_given_an_unknown_one(lock_app):
    result = lock_app.test_cli_runner().invoke(args=["scheduler", "run-job", "nope"])
    assert result.exit_code == 2 and "no job 'nope'; the jobs are: reminders" in result.output


def test_cli_run_job_exits_1_when_the_job_fails(lock_app, test_jobs):
    result = lock_app.test_cli_runner().invoke(args=["scheduler", "run-job", "boom"])
    assert result.exit_code == 1 and "disk full" in result.output


def test_cli_run_refuses_to_start_a_second_runner(lock_app):
    holder = runner.runner_lock(lock_app)
    assert holder.acquire()
    try:
        result = lock_app.test_cli_runner().invoke(args=["scheduler", "run"])
    finally:
        holder.release()
    assert result.exit_code == 1
    assert "Another scheduler runner holds the lock" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0


def test_runs_older_than_90_days_are_deleted_as_the_job_runs(lock_app, test_jobs):
    from datetime import timedelta

    from app.common.timeutil import utcnow

    db.session.add_all([JobRun(job_id="fine", started_at=utcnow() - timedelta(days=91), status="ok"),
                        JobRun(job_id="fine", started_at=utcnow() - timedelta(days=89), status="ok"),
                        JobRun(job_id="boom", started_at=utcnow() - timedelta(days=91), status="ok")])
    db.session.commit()
    runner.run_job("fine")
    kept = db.session.execute(sa.select(JobRun.job_id, sa.func.count()).group_by(JobRun.job_id)).all()
    assert dict(kept) == {"fine": 2, "boom": 1}  # another job's old runs wait for that job


def test_the_web_app_starts_no_scheduler(app, client, login_as):
    import threading

    login_as("admin")
    assert client.get("/admin/jobs").status_code == 200
    assert not any("APScheduler" in thread.name for thread in threading.enumerate())


def _quiet() -> str:
    return ""


def _quiet_failing() -> str:
    raise RuntimeError("queue table missing")


def test_a_quiet_job_is_recorded_only_when_it_did_something_or_failed(lock_app, test_jobs):
    registry.register(registry.Job("idle", "Polls", "tests.scheduler.test_runner:_quiet", registry.every_seconds(3),
                                   quiet=True))
    registry.register(registry.Job("busy", "Polls", "tests.scheduler.test_runner:_fine", registry.every_seconds(3),
                                   quiet=True))
    registry.register(registry.Job("broken", "Polls", "tests.scheduler.test_runner:_quiet_failing",
                                    registry.every_seconds(3), quiet=True))
    assert runner.run_job("idle").summary == "Nothing to do"
    runner.run_job("busy")
    runner.run_job("broken")
    recorded = db.session.execute(sa.select(JobRun.job_id, JobRun.status, JobRun.summary).order_by(JobRun.id)).all()
    assert [tuple(row) for row in recorded] == [("busy", "ok", "3 things done"), ("broken", "error", "Failed")]


def test_the_scheduler_process_runs_at_a_lower_cpu_priority_than_the_web(lock_app, monkeypatch):
    """Its work (PDF reports above all) must not take the CPU from the web workers' pages."""
    niced = []

    class NoScheduler:
        def start(self) -> None:
            pass

        def shutdown(self, wait: bool) -> None:
            pass

    monkeypatch.setattr("os.nice", niced.append)
    monkeypatch.setattr(runner, "build_scheduler", lambda app: NoScheduler())
    monkeypatch.setattr("signal.signal", lambda *args: None)  # the test runner's own handlers stay
    result = lock_app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 0, result.output
    assert niced == [10]
