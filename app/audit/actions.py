"""What an audit entry says was done: the one list of actions `record()` writes.

The values are the exact strings stored in `audit_entry.action` and covered by each entry's hash,
so a value is never renamed: entries already in the log would no longer match the list, and an
entry recorded with a renamed value would read differently from its older neighbours. A new kind
of event gets a new member. `record()` stores the plain string, so an entry's hash is the same
whether it was recorded with a member or with its value.

Standard library only, so any module (app.common included) can import it without a cycle.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    # Records in any register
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    VIEW = "view"  # an employee's or a case's personal details read (POPIA: who saw them)
    DOWNLOAD = "download"
    UPLOAD = "upload"
    EXPORT = "export"  # a list downloaded as CSV or XLSX; an evidence pack built from the command line
    IMPORT = "import"  # a file or the demo data loaded into a register
    LOAD = "load"  # a reference catalogue loaded (Annex A)
    GENERATE = "generate"  # a PDF report
    ISSUE = "issue"  # a Statement of Applicability version
    REPLACE = "replace"  # a new file for the same evidence
    RELATE = "relate"
    UNRELATE = "unrelate"
    TEST = "test"  # a control test recorded
    READ = "read"  # notifications marked read
    RUN = "run"  # a job run by hand
    CHECKPOINT = "checkpoint"  # a signed checkpoint of the audit log's head (app.audit.checkpoints)
    VERIFY = "verify"  # the whole audit log checked: nightly, or on demand from /audit (app.audit.verification)

    # Risks
    ACCEPT = "accept"
    ACCEPTANCE_EXPIRED = "acceptance_expired"
    REQUEST_ACCEPTANCE = "request_acceptance"  # a security officer asks the holder of the authority to accept
    WITHDRAW = "withdraw"  # a request for acceptance withdrawn
    REVIEW = "review"
    CLOSE = "close"  # a risk or a case
    PLAN_APPROVED = "plan_approved"  # a risk owner approved their risk's treatment plan (27001 6.1.3 f)

    # Policies and cases
    ACKNOWLEDGE = "acknowledge"
    DECIDE = "decide"
    WARN = "warn"  # a written warning given
    OVERRIDE = "override"  # went on despite a fairness check
    REVOKE = "revoke"  # privileges revoked, and given back
    RESTORE = "restore"  # privileges given back; the database restored from a backup (`backup restore`)
    ASSIGN = "assign"  # training assigned, and completed
    COMPLETE = "complete"
    DESTROY = "destroy"  # a case's personal records destroyed at the end of retention
    RELEASE = "release"  # a case's evidence files released to auditors for an audit, with the reason
    WITHHOLD = "withhold"  # ... and withheld from them again
    MARK = "mark"  # a case's classification or special personal information (POPIA s26) set

    # Accounts and signing in
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED = "login_refused"
    LOGOUT = "logout"
    SESSIONS_ENDED = "sessions_ended"  # an administrator's "sign out everywhere", a user's "sign out my other sessions"
    ACCOUNT_LOCKED = "account_locked"  # the lockout before sign-in throttling (issue 17); kept for old entries
    SIGN_IN_SLOWED = "sign_in_slowed"  # failed sign-ins made the next attempts wait (app/auth/throttle.py)
    UNLOCK = "unlock"  # an account's failed sign-ins cleared
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event's name, not a password)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an event's name, not a password)
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    MFA_RESET = "mfa_reset"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"

    # Objectives and measurement (issue 19, part 2)
    STATUS_CHANGED = "status_changed"  # an objective's status over time, dated, with who and why
    MEASURE = "measure"  # a metric's measurement recorded, by hand or computed by the scheduler
    # Management review (issue 19, part 5)
    COMPILE = "compile"  # a management review's inputs compiled into its pack
    HOLD = "hold"  # a management review's minutes recorded: the meeting was held, its pack frozen
    APPROVE = "approve"  # a management review approved by its chair or a security officer
    # Nonconformities and corrective action (issue 19, part 4)
    REOPEN = "reopen"  # a closed nonconformity reopened, with the reason
    CANCEL = "cancel"  # a corrective action cancelled, with the reason
    # Security incidents (issue 20, part 1)
    TRIAGE = "triage"  # a reported event triaged into an incident or not, with the reason
    NOTIFY = "notify"  # a POPIA s22 notification to the Information Regulator or the data subjects recorded
    CUSTODY = "custody"  # a link of an evidence item's chain of custody recorded
    # The municipality's documents (issue 21, part 2)
    SIGN = "sign"  # a policy's document-control row signed: in Khusela by the person it names, or a signed scan
