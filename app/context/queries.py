"""Reading the context registers: the lists and their exports, the reminders, the roles page.
Filters come from the query string; a value that cannot be understood is ignored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app.auth.models import User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.context.models import (
    ContextIssue,
    ContextStatus,
    InterestedParty,
    IsmsRole,
    IssueKind,
    PartyKind,
    PartyRequirement,
    RoleAssignment,
)
from app.controls.models import Control
from app.extensions import db

STATUS_ANY = "any"
Owner = aliased(User)

ISSUE_SORT_COLUMNS: dict[str, SqlColumn] = {
    "title": sa.func.lower(ContextIssue.title), "kind": ContextIssue.kind, "owner": sa.func.lower(Owner.full_name),
    "review": ContextIssue.review_on, "status": ContextIssue.status,
}
PARTY_SORT_COLUMNS: dict[str, SqlColumn] = {
    "name": sa.func.lower(InterestedParty.name), "kind": InterestedParty.kind,
    "owner": sa.func.lower(Owner.full_name), "review": InterestedParty.review_on, "status": InterestedParty.status,
}


@dataclass(frozen=True)
class ContextFilters:
    """The filters of both lists: kind means an issue's kind on one, a party's on the other."""

    q: str = ""
    kind: str = ""
    owner_id: int | None = None
    status: str = ContextStatus.ACTIVE.value  # "" from the query string means active; "any" means both
    overdue: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], kinds) -> ContextFilters:
        status = choice_arg(args, "status", {ContextStatus.RETIRED.value, STATUS_ANY})
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   kind=choice_arg(args, "kind", {kind.value for kind in kinds}), owner_id=id_arg(args, "owner"),
                   status=status or ContextStatus.ACTIVE.value, overdue=args.get("overdue") == "1")

    @property
    def any(self) -> bool:
        return bool(self.q or self.kind or self.owner_id or self.status != ContextStatus.ACTIVE or self.overdue)


def _conditions(model, filters: ContextFilters, today: date, searched: tuple) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if filters.q:
        conditions.append(sa.or_(*(contains_text(column, filters.q) for column in searched)))
    if filters.kind:
        conditions.append(model.kind == filters.kind)
    if filters.owner_id:
        conditions.append(model.owner_id == filters.owner_id)
    if filters.status != STATUS_ANY:
        conditions.append(model.status == filters.status)
    if filters.overdue:
        conditions.append(sa.and_(model.status == ContextStatus.ACTIVE.value, model.review_on < today))
    return conditions


def issues(filters: ContextFilters, today: date) -> sa.Select:
    return (sa.select(ContextIssue).outerjoin(Owner, Owner.id == ContextIssue.owner_id)
            .where(*_conditions(ContextIssue, filters, today,
                                (ContextIssue.title, ContextIssue.description, ContextIssue.effect)))
            .options(selectinload(ContextIssue.owner)))


def issue_filters(args: Mapping[str, str]) -> ContextFilters:
    return ContextFilters.from_args(args, IssueKind)


def parties(filters: ContextFilters, today: date) -> sa.Select:
    return (sa.select(InterestedParty).outerjoin(Owner, Owner.id == InterestedParty.owner_id)
            .where(*_conditions(InterestedParty, filters, today, (InterestedParty.name, InterestedParty.description)))
            .options(selectinload(InterestedParty.owner),
                     selectinload(InterestedParty.requirements).selectinload(PartyRequirement.controls)))


def party_filters(args: Mapping[str, str]) -> ContextFilters:
    return ContextFilters.from_args(args, PartyKind)


def owners() -> list[User]:
    """Everyone who owns an issue or a party, for the lists' owner filter."""
    owned = sa.union(sa.select(ContextIssue.owner_id), sa.select(InterestedParty.owner_id)).subquery()
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(owned.c[0])))
                                   .order_by(sa.func.lower(User.full_name))))


def requirements_of(parties: list[InterestedParty]) -> list[tuple[InterestedParty, PartyRequirement | None]]:
    """One row per requirement (a party without any on a row of its own): the requirements' export."""
    rows: list[tuple[InterestedParty, PartyRequirement | None]] = []
    for party in parties:
        rows.extend([(party, requirement) for requirement in party.requirements] or [(party, None)])
    return rows


# --- reminders and the hub ---------------------------------------------------------------------------


def issue_reviews_due(until: date) -> list[ContextIssue]:
    return list(db.session.scalars(sa.select(ContextIssue).where(
        ContextIssue.status == ContextStatus.ACTIVE.value, ContextIssue.review_on <= until)
        .order_by(ContextIssue.review_on, ContextIssue.id)))


def party_reviews_due(until: date) -> list[InterestedParty]:
    return list(db.session.scalars(sa.select(InterestedParty).where(
        InterestedParty.status == ContextStatus.ACTIVE.value, InterestedParty.review_on <= until)
        .order_by(InterestedParty.review_on, InterestedParty.id)))


@dataclass(frozen=True)
class Counts:
    issues: int
    issues_overdue: int
    parties: int
    parties_overdue: int
    requirements: int
    requirements_open: int  # not (yet) addressed by the ISMS


def counts(today: date) -> Counts:
    def count(statement) -> int:
        return db.session.scalar(statement) or 0

    active_issue = ContextIssue.status == ContextStatus.ACTIVE.value
    active_party = InterestedParty.status == ContextStatus.ACTIVE.value
    of_active_parties = PartyRequirement.party_id.in_(sa.select(InterestedParty.id).where(active_party))
    return Counts(
        issues=count(sa.select(sa.func.count(ContextIssue.id)).where(active_issue)),
        issues_overdue=count(sa.select(sa.func.count(ContextIssue.id)).where(active_issue,
                                                                             ContextIssue.review_on < today)),
        parties=count(sa.select(sa.func.count(InterestedParty.id)).where(active_party)),
        parties_overdue=count(sa.select(sa.func.count(InterestedParty.id)).where(
            active_party, InterestedParty.review_on < today)),
        requirements=count(sa.select(sa.func.count(PartyRequirement.id)).where(of_active_parties)),
        requirements_open=count(sa.select(sa.func.count(PartyRequirement.id)).where(
            of_active_parties, PartyRequirement.addressed.is_(False))),
    )


# --- roles (5.3) --------------------------------------------------------------------------------------


def roles() -> list[IsmsRole]:
    return list(db.session.scalars(sa.select(IsmsRole).order_by(sa.func.lower(IsmsRole.name)).options(
        selectinload(IsmsRole.assignments).selectinload(RoleAssignment.user))))


@dataclass(frozen=True)
class RoleHolding:
    """One row of the roles' export and report: a role and one person who held it (or nobody)."""

    role: IsmsRole
    assignment: RoleAssignment | None


def holdings(every_role: list[IsmsRole]) -> list[RoleHolding]:
    rows: list[RoleHolding] = []
    for role in every_role:
        rows.extend([RoleHolding(role, assignment) for assignment in role.assignments] or [RoleHolding(role, None)])
    return rows


@dataclass(frozen=True)
class ControlOwner:
    user: User
    controls: int  # controls in use they own


def control_owners() -> list[ControlOwner]:
    """The owners of the controls in use, as the catalogue records them (not kept twice)."""
    rows = db.session.execute(
        sa.select(User, sa.func.count(Control.id)).join(Control, Control.owner_id == User.id)
        .where(Control.active.is_(True)).group_by(User.id).order_by(sa.func.lower(User.full_name)))
    return [ControlOwner(user, count) for user, count in rows]
