"""Administration → Scheduled jobs (/admin/jobs): when each job last ran and what it did, the recent
runs with their errors, and running a job by hand."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for

from app.auth.permissions import ADMIN_JOBS, acting_user, permission_required
from app.extensions import db
from app.scheduler import jobs as registry
from app.scheduler import overview, runner
from app.scheduler.models import JobStatus
from app.scheduler.views import bp


@bp.get("/admin/jobs")
@permission_required(ADMIN_JOBS)
def jobs():
    return render_template("scheduler/jobs.html", jobs=overview.jobs_overview(),
                           recent=overview.recent_runs(), runner=overview.runner_state(current_app),
                           JobStatus=JobStatus)


@bp.post("/admin/jobs/<job_id>/run")
@permission_required(ADMIN_JOBS)
def run_now(job_id: str):
    job = registry.get(job_id)
    if job is None:
        abort(404)
    run = runner.run_by_hand(job.id, actor=acting_user())
    db.session.commit()
    if run.status == JobStatus.ERROR:
        flash(f"{job.title} failed; the error is under Recent runs.", "error")
    else:
        flash(f"{job.title} ran in {run.duration_seconds:.1f} s: {run.summary}", "success")
    return redirect(url_for("scheduler.jobs"))
