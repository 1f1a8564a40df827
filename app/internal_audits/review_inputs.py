"""Internal audit's section of a management review pack (9.3.2 d 3, audit results): the audits whose
report was issued by the review's date, their findings by result, those issued since the previous
review, and how much of the programme's cycle is covered. Named in app.reviews.inputs.PROVIDERS."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.internal_audits import services
from app.internal_audits.models import ChecklistLine, InternalAudit, LineResult
from app.nonconformities.models import Nonconformity
from app.reviews.inputs import ROWS_LISTED, figure, table


def audit_results_for_review(as_of: date, since: date) -> dict | None:
    issued = list(db.session.scalars(
        sa.select(InternalAudit).where(InternalAudit.issued_on.is_not(None), InternalAudit.issued_on <= as_of)
        .order_by(InternalAudit.issued_on, InternalAudit.reference)))
    if not issued:
        return None
    recent_ids = [audit.id for audit in issued if audit.issued_on and audit.issued_on > since]
    results = dict(db.session.execute(
        sa.select(ChecklistLine.result, sa.func.count()).where(ChecklistLine.audit_id.in_(recent_ids))
        .group_by(ChecklistLine.result)).all()) if recent_ids else {}
    raised = dict(db.session.execute(
        sa.select(ChecklistLine.audit_id, sa.func.count(ChecklistLine.nonconformity_id))
        .where(ChecklistLine.audit_id.in_(recent_ids)).group_by(ChecklistLine.audit_id)).all()) if recent_ids else {}
    still_open = db.session.scalar(
        sa.select(sa.func.count(Nonconformity.id))
        .join(ChecklistLine, ChecklistLine.nonconformity_id == Nonconformity.id)
        .where(Nonconformity.raised_on <= as_of,
               sa.or_(Nonconformity.closed_on.is_(None), Nonconformity.closed_on > as_of))) or 0
    rows = [[f"{audit.reference} {audit.title}", audit.issued_on.isoformat() if audit.issued_on else "",
             raised.get(audit.id, 0)] for audit in issued if audit.id in recent_ids]
    figures = [figure("audits_issued", "Audit reports issued since the previous review", len(recent_ids)),
               figure("audit_ncs_open", "Nonconformities from internal audits open on the date", still_open)]
    programme = services.programme_for(as_of)
    note = ""
    if programme is not None:
        coverage = services.coverage(programme)
        figures.append(figure("programme_gaps", "Clauses and applicable controls not yet planned in the cycle",
                              len(coverage.gaps)))
        note = (f"Programme cycle {programme.starts_on.isoformat()} to {programme.ends_on.isoformat()}: "
                f"{coverage.done_count} of {len(coverage.rows)} clauses and applicable controls audited "
                "(the coverage is as the programme stands when the pack is compiled).")
    return {"figures": figures,
            "tables": [table("audit_findings", "Findings of the audits issued since the previous review",
                             ["Result", "Checklist lines"],
                             [[result.label, results.get(result.value, 0)] for result in LineResult]),
                       *([table("audits_issued", "Audits issued since the previous review",
                                ["Audit", "Issued", "Nonconformities raised"], rows[:ROWS_LISTED], kind="items",
                                more=max(0, len(rows) - ROWS_LISTED))] if rows else [])],
            "note": note}
