"""Retention of closed cases (POPIA s14: personal information is kept no longer than needed, then
destroyed or de-identified). A case closed longer ago than the retention setting is listed for
destruction; destroying it keeps only an anonymised statistical record (department, policy and
clause, year, severity, actions) and an audit entry, and deletes its evidence files from disk unless
another record holds the same file."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common import uploads
from app.common.models import STORED_FILE_COLUMNS, RuleError
from app.common.timeutil import add_months, local_today
from app.extensions import db
from app.policies.cases.models import CaseEvidence, CaseStatistic, CaseStatus, PolicyCase


def retention_years() -> int:
    return settings.get(settings.CASE_RETENTION_YEARS)


def destroy_before(today: date) -> date:
    """Cases closed before this day are past their retention period."""
    return add_months(today, -12 * retention_years())


def due_for_destruction(today: date | None = None) -> sa.Select:
    limit = destroy_before(today or local_today())
    return (sa.select(PolicyCase).where(PolicyCase.status == CaseStatus.CLOSED.value, PolicyCase.closed_on < limit)
            .order_by(PolicyCase.closed_on, PolicyCase.id))


def statistics_kept() -> int:
    return db.session.execute(sa.select(sa.func.count(CaseStatistic.id))).scalar_one()


def _statistic(case: PolicyCase, actor: User | None, today: date) -> CaseStatistic:
    return CaseStatistic(
        department_id=case.department_id, policy_code=case.policy_version.policy.code,
        clause_reference=case.clause.reference if case.clause else "", incident_year=case.incident_on.year,
        severity=case.severity, security_risk=case.security_risk, recommended_action=case.recommended_action,
        decided_action=case.decided_action, sanction=case.sanction.sanction if case.sanction else None,
        code=case.code, closed_year=case.closed_on.year if case.closed_on else None, destroyed_on=today,
        destroyed_by_id=actor.id if actor else None)


def _file_still_needed(sha256: str, case_id: int) -> bool:
    """Files are stored once per content: another record (of any kind that names stored files, not
    this case's own evidence) may hold the same bytes."""
    for stored in STORED_FILE_COLUMNS:
        check = sa.select(stored.sha256).where(stored.sha256 == sha256)
        if stored.sha256 is CaseEvidence.sha256:
            check = check.where(CaseEvidence.case_id != case_id)
        if db.session.scalar(check.limit(1)) is not None:
            return True
    return False


def destroy_case(case: PolicyCase, *, actor: User, today: date | None = None) -> CaseStatistic:
    today = today or local_today()
    if case.status != CaseStatus.CLOSED.value or case.closed_on is None or case.closed_on >= destroy_before(today):
        raise RuleError(f"Case {case.reference} is not past its retention period of {retention_years()} years "
                        "after closing: it cannot be destroyed yet.")
    statistic = _statistic(case, actor, today)
    db.session.add(statistic)
    files = [item.sha256 for item in case.evidence if not _file_still_needed(item.sha256, case.id)]
    audit.record(AuditAction.DESTROY, "case", case.id, actor=actor,
                 changes={"case": [case.reference, None], "evidence_files": [len(case.evidence), 0]},
                 summary=f"Destroyed case {case.reference} (closed {case.closed_on.isoformat()}) at the end of its "
                         f"retention period; an anonymised statistical record is kept")
    db.session.delete(case)
    db.session.flush()
    # After the caller's commit: a rolled-back destruction must not lose the files.
    uploads.remove_after_commit(db.session(), [uploads.stored_path(sha256) for sha256 in files])
    return statistic
