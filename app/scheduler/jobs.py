"""The scheduled jobs: one registry that the scheduler process, `scheduler run-job`, `scheduler list`
and /admin/jobs all read.

A job is a plain function that takes no arguments, runs inside an application context and returns
a one-line summary of what it did ("12 reminders, 3 e-mails sent"). Another package adds a job with
one line at the bottom of this module, naming its function as "module:function" so that nothing is
imported until the job runs:

    register(Job("pack-housekeeping", "Remove expired evidence packs", "app.reports.packs:remove_expired",
                 daily(hour=2)))
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Schedule:
    """An APScheduler trigger ("cron" or "interval") with its arguments, in the local time zone."""

    trigger: str
    arguments: dict = field(default_factory=dict)
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.trigger} {self.arguments}"


def daily(hour: int, minute: int = 0) -> Schedule:
    return Schedule("cron", {"hour": hour, "minute": minute}, f"Every day at {hour:02d}:{minute:02d}")


_WEEKDAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}


def weekly(day: str, hour: int, minute: int = 0) -> Schedule:
    return Schedule("cron", {"day_of_week": day, "hour": hour, "minute": minute},
                    f"Every {_WEEKDAYS[day]} at {hour:02d}:{minute:02d}")


def every(minutes: int) -> Schedule:
    return Schedule("interval", {"minutes": minutes}, f"Every {minutes} minutes")


def every_seconds(seconds: int) -> Schedule:
    return Schedule("interval", {"seconds": seconds}, f"Every {seconds} seconds")


@dataclass(frozen=True)
class Job:
    id: str
    title: str
    function: str  # "package.module:function"
    schedule: Schedule
    description: str = ""
    # A queue polled every few seconds: a run that found nothing to do (an empty summary) leaves no
    # record, or /admin/jobs and the job_run table would fill with idle runs.
    quiet: bool = False

    def load(self) -> Callable[[], str]:
        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module), name)


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    if job.id in JOBS:
        raise ValueError(f"A job with the id {job.id!r} is registered already.")
    JOBS[job.id] = job
    return job


def get(job_id: str) -> Job | None:
    return JOBS.get(job_id)


register(Job("reminders", "Daily reminders", "app.scheduler.reminders:send_reminders", daily(hour=6),
             "Reviews, treatment actions, acceptances, evidence, policies, privileges, warnings and "
             "end of support coming due: one notification per item and due date, then the e-mails."))
register(Job("acceptance-requests", "Requests for risk acceptance",
             "app.scheduler.reminders:send_acceptance_requests", every(minutes=1),
             "Tells whoever holds the authority to accept a risk that a security officer asked them to, within a "
             "minute of the request (the daily reminders repeat nothing already told).", quiet=True))
register(Job("weekly-digest", "Weekly digest", "app.scheduler.reminders:send_weekly_digest",
             weekly("mon", hour=6, minute=30),
             "For each user, one notification listing what falls due for them in the coming week."))
register(Job("email-retry", "Send pending e-mails", "app.scheduler.mail:send_pending", every(minutes=5),
             "Sends the notifications waiting for e-mail; a failed send stays pending and is retried "
             "until the last attempt, then marked failed."))
register(Job("pack-housekeeping", "Evidence packs", "app.reports.packs:housekeeping", every(minutes=5),
             "Removes evidence packs past their retention period, builds packs whose builder stopped (a "
             "restarted web worker) and any still queued."))
register(Job("risk-acceptances", "Expired risk acceptances", "app.risks.services:expire_acceptances_today",
             daily(hour=0, minute=15),
             "Ends risk acceptances past their expiry date; their risks return to \"open\" (as `flask risks "
             "expire-acceptances` does)."))
register(Job("sign-in-counts", "Old failed sign-ins", "app.auth.throttle:purge", daily(hour=1, minute=30),
             "Deletes the counts of failed sign-ins that no longer slow anyone down (a day after the last "
             "failure) and addresses an account has not signed in from for 90 days."))
register(Job("session-housekeeping", "Old sessions", "app.auth.sessions:remove_old_sessions", daily(hour=3),
             "Deletes the records of sessions not used for 30 days (each sign-in and sign-out stays in the "
             "audit log)."))
register(Job("audit-checkpoint", "Audit log checkpoint", "app.audit.checkpoints:take_daily", daily(hour=0, minute=30),
             "Signs the audit log's head and writes it to instance/audit_checkpoint.json, so that entries cut off "
             "the end or a re-chained log are caught by `flask audit verify`. Fails if the log no longer holds "
             "the previous checkpoint."))
register(Job("audit-verify", "Audit log check", "app.audit.verification:verify_nightly", daily(hour=0, minute=45),
             "Checks the whole audit log as `flask audit verify` does (every hash with the chain key, every link and "
             "signed checkpoint) and records the result, which /audit shows. Fails if the log is broken."))
register(Job("documents", "PDF reports asked for", "app.reports.prepared:work", every_seconds(3),
             "Prepares the PDF reports users asked for (risk register, treatment plan, acceptances, SoA, asset "
             "register), one at a time, and removes them after their retention.", quiet=True))
register(Job("measurements", "Computed measurements", "app.objectives.measuring:record_computed_measurements",
             daily(hour=5, minute=30),
             "Records each computed metric's value for the current period (SoA implemented, risks out of tolerance, "
             "overdue actions, evidence coverage, policy acknowledgements), once per period: the first run in a "
             "period measures, later runs find it measured."))
