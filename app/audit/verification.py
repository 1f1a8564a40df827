"""The full check of the audit log that /audit reports, and when it ran.

/audit cannot walk the whole log on every view (about 17 microseconds an entry: 3.5 s for 200,000
entries, a minute for a few million), so the full check (`checkpoints.verify_log`: every hash with
the chain key, every link, every signed checkpoint and the checkpoint file) runs every night (the
scheduler's `audit-verify` job) and, while the log is small enough to check within a page's wait,
on demand by an administrator or auditor. Each run is recorded in the log itself (action "verify",
with what it found), so the page reads the latest result with one indexed query, and the record of
the checks is as tamper-evident as the rest of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.checkpoints import LogReport
from app.audit.models import AuditEntry
from app.auth.models import User
from app.common.models import RuleError
from app.common.timeutil import utcnow
from app.extensions import db

# The largest log checked on demand: about 5 s on the benchmark machine (benchmarks/README.md). A
# larger log is checked every night and by `flask --app wsgi audit verify`.
ON_DEMAND_LIMIT = 300_000
# Two people pressing the button together do not check twice.
ON_DEMAND_INTERVAL = timedelta(minutes=1)
ENTITY = "audit_log"


class VerificationRefused(RuleError):
    """A check on demand that would take too long, or repeats one that just ran."""


class AuditLogBroken(Exception):
    """The nightly check found the log broken: the job fails, so /admin/jobs shows it too."""


@dataclass(frozen=True)
class LastVerification:
    at: datetime
    by: str | None  # the e-mail of whoever asked; None: the nightly job
    ok: bool
    entries: int
    up_to_entry: int | None
    summary: str


def last_verification() -> LastVerification | None:
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == AuditAction.VERIFY.value)
                              .order_by(AuditEntry.id.desc()).limit(1))
    if entry is None:
        return None
    found = {name: pair[1] for name, pair in audit.changes_of(entry).items()}
    return LastVerification(at=entry.occurred_at, by=entry.actor_email, ok=found.get("result") == "intact",
                            entries=int(found.get("entries") or 0), up_to_entry=found.get("up_to_entry"),
                            summary=entry.summary)


def refusal_now(now: datetime | None = None) -> str | None:
    """Why a check on demand cannot run now, or None. The head's id stands for the number of entries
    (ids only grow): a COUNT of a large log costs more than this question is worth."""
    head = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
    if head > ON_DEMAND_LIMIT:
        return (f"The log holds about {head:,} entries, too many to check while you wait (the limit is "
                f"{ON_DEMAND_LIMIT:,}). It is checked in full every night; an administrator can run "
                "`flask --app wsgi audit verify` on the server at any time.")
    latest = last_verification()
    if latest is not None and (now or utcnow()) - latest.at < ON_DEMAND_INTERVAL:
        return "The log was checked less than a minute ago: its result is shown under Chain status."
    return None


def verify_now(*, actor: User) -> LogReport:
    """The full check on demand, recorded; flushed, the caller commits. Call it under
    transactions.deferred(), so that the walk does not hold the write lock."""
    refusal = refusal_now()
    if refusal:
        raise VerificationRefused(refusal)
    return verify_and_record(actor=actor)


def verify_and_record(*, actor: User | None = None, actor_email: str | None = None) -> LogReport:
    report = checkpoints.verify_log()
    chain = report.chain
    audit.record(AuditAction.VERIFY, ENTITY, None, actor=actor, actor_email=actor_email, summary=summary_of(report),
                 changes={"result": [None, "intact" if report.ok else "broken"], "entries": [None, chain.entries],
                          "up_to_entry": [None, chain.latest_entry_id if chain.ok else chain.broken_entry_id],
                          "problems": [None, len(report.problems) + (0 if chain.ok else 1)]})
    return report


def summary_of(report: LogReport) -> str:
    chain = report.chain
    if report.ok:
        return (f"Verified the audit log: intact, {chain.entries:,} entries up to entry {chain.latest_entry_id}, "
                f"{report.checkpoints} signed checkpoint(s)")
    problems = ([chain.message] if not chain.ok else []) + report.problems
    return f"Verified the audit log: BROKEN. {'; '.join(problems)}"


def verify_nightly() -> str:
    """The scheduler's `audit-verify` job: the result is recorded even when the log is broken, and
    then the job fails, so that /admin/jobs shows it as well as /audit."""
    report = verify_and_record()
    db.session.commit()
    if not report.ok:
        raise AuditLogBroken(summary_of(report))
    return f"Audit log intact: {report.chain.entries:,} entries, {report.checkpoints} signed checkpoint(s)"
