"""The context's sections of a management review pack (9.3.2 b and c): the issues and interested
parties as of the review's date, and what changed since the previous review. Named in
app.reviews.inputs.PROVIDERS and called when a pack is compiled.

The registers keep no history of their own rows (the audit log does), so "as of" counts the records
created by that date as they stand now, and a change is a record created, edited or retired since the
previous review: the pack says so in its note."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.common.timeutil import start_of_local_day
from app.context.models import ContextIssue, ContextStatus, InterestedParty, IssueKind, PartyRequirement
from app.extensions import db
from app.reviews.inputs import ROWS_LISTED, figure, table

NOTE = ("As recorded in Khusela when the pack was compiled, for the records created by the date; a change is a "
        "record added, edited or retired since the previous review.")


def _change(created_at, updated_at, status: str, since_moment) -> str:
    if created_at >= since_moment:
        return "New"
    if status == ContextStatus.RETIRED.value:
        return "Retired"
    return "Changed" if updated_at >= since_moment else ""


def issue_changes_for_review(as_of: date, since: date) -> dict | None:
    end, since_moment = start_of_local_day(as_of + timedelta(days=1)), start_of_local_day(since + timedelta(days=1))
    issues = list(db.session.execute(
        sa.select(ContextIssue.kind, ContextIssue.title, ContextIssue.status, ContextIssue.created_at,
                  ContextIssue.updated_at, ContextIssue.review_on)
        .where(ContextIssue.created_at < end).order_by(ContextIssue.kind, ContextIssue.title)))
    if not issues:
        return None
    active = [issue for issue in issues if issue.status == ContextStatus.ACTIVE.value]
    changed = [[issue.title, IssueKind(issue.kind).label, change]
               for issue in issues if (change := _change(issue.created_at, issue.updated_at, issue.status,
                                                         since_moment))]
    overdue = sum(1 for issue in active if issue.review_on and issue.review_on < as_of)
    by_kind = [[kind.label, sum(1 for issue in active if issue.kind == kind.value)] for kind in IssueKind]
    return {"figures": [figure("issues_active", "Issues in the register", len(active)),
                        figure("issues_changed", "Added, edited or retired since the previous review", len(changed)),
                        figure("issues_review_overdue", "Past their review date", overdue)],
            "tables": [table("issues_by_kind", "Issues by kind", ["Kind", "Issues"], by_kind),
                       *([table("issues_changed", "Changes since the previous review", ["Issue", "Kind", "Change"],
                                changed[:ROWS_LISTED], kind="items", more=max(0, len(changed) - ROWS_LISTED))]
                         if changed else [])],
            "note": NOTE}


def party_changes_for_review(as_of: date, since: date) -> dict | None:
    end, since_moment = start_of_local_day(as_of + timedelta(days=1)), start_of_local_day(since + timedelta(days=1))
    parties = list(db.session.execute(
        sa.select(InterestedParty.id, InterestedParty.name, InterestedParty.status, InterestedParty.created_at,
                  InterestedParty.updated_at).where(InterestedParty.created_at < end).order_by(InterestedParty.name)))
    if not parties:
        return None
    requirements = list(db.session.execute(
        sa.select(PartyRequirement.party_id, PartyRequirement.requirement, PartyRequirement.addressed,
                  PartyRequirement.created_at, PartyRequirement.updated_at)
        .where(PartyRequirement.created_at < end)))
    names = {party.id: party.name for party in parties}
    changed = [[party.name, "Party", change] for party in parties
               if (change := _change(party.created_at, party.updated_at, party.status, since_moment))]
    changed += [[f"{names.get(row.party_id, '')}: {row.requirement[:120]}", "Requirement", change]
                for row in requirements
                if (change := _change(row.created_at, row.updated_at, ContextStatus.ACTIVE.value, since_moment))]
    active = [party for party in parties if party.status == ContextStatus.ACTIVE.value]
    active_ids = {party.id for party in active}
    open_requirements = sum(1 for row in requirements if row.party_id in active_ids and not row.addressed)
    return {"figures": [figure("parties_active", "Interested parties in the register", len(active)),
                        figure("requirements", "Their requirements",
                               sum(1 for row in requirements if row.party_id in active_ids)),
                        figure("requirements_open", "Requirements not yet addressed by the ISMS", open_requirements),
                        figure("parties_changed", "Parties and requirements added, edited or retired since the "
                                                  "previous review", len(changed))],
            "tables": [table("parties_changed", "Changes since the previous review", ["Party or requirement",
                                                                                     "Record", "Change"],
                             changed[:ROWS_LISTED], kind="items", more=max(0, len(changed) - ROWS_LISTED))]
            if changed else [],
            "note": NOTE}
