"""Reading the catalogue for the list and its export. Filters come from the query string; a value
that cannot be understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, overload

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app import models  # noqa: F401  (every model mapped before the alias below configures the mappers)
from app.auth.models import Department, User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.controls.models import (
    CYBERSECURITY_CONCEPTS,
    SECURITY_PROPERTIES,
    Control,
    ControlSource,
    ControlType,
    Evidence,
    Theme,
    control_mapping,
    evidence_control,
    risk_control,
)
from app.extensions import db

STATUS_ACTIVE, STATUS_RETIRED, STATUS_ANY = "", "retired", "all"

Owner = aliased(User)

SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": Control.sort_key, "title": sa.func.lower(Control.title), "catalogue": Control.catalogue,
    "theme": Control.theme, "owner": sa.func.lower(Owner.full_name), "department": Department.code,
}
DEFAULT_SORT = "reference"
# Evidence list validity=...: expired, still valid, or still valid but ending within EXPIRING_DAYS.
EVIDENCE_VALIDITY = ("expired", "current", "expiring")
EVIDENCE_EXPIRING_DAYS = 30
FEW_EVIDENCE_ITEMS = 1000  # evidence_of_controls(): up to this many are sorted rather than walked in date order


@overload
def evidence_validity_condition(validity: Literal["expired", "current", "expiring"], today: date) -> ColumnElement: ...
@overload
def evidence_validity_condition(validity: str, today: date) -> ColumnElement | None: ...
def evidence_validity_condition(validity: str, today: date) -> ColumnElement | None:
    """The evidence list's validity filter; None for "any" (or a value it does not know)."""
    if validity == "expired":
        return Evidence.valid_until < today
    if validity == "current":
        return sa.or_(Evidence.valid_until.is_(None), Evidence.valid_until >= today)
    if validity == "expiring":
        return Evidence.valid_until.between(today, today + timedelta(days=EVIDENCE_EXPIRING_DAYS))
    return None




@dataclass(frozen=True)
class ControlFilters:
    q: str = ""
    source: str = ""
    catalogue: str = ""
    theme: str = ""
    control_type: str = ""
    security_property: str = ""
    concept: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    status: str = STATUS_ACTIVE

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ControlFilters:
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            source=choice_arg(args, "source", {s.value for s in ControlSource}),
            catalogue=(args.get("catalogue") or "").strip()[:120],
            theme=choice_arg(args, "theme", {t.value for t in Theme}),
            control_type=choice_arg(args, "type", {t.value for t in ControlType}),
            security_property=choice_arg(args, "property", SECURITY_PROPERTIES),
            concept=choice_arg(args, "concept", CYBERSECURITY_CONCEPTS),
            owner_id=id_arg(args, "owner"),
            department_id=id_arg(args, "department"),
            status=choice_arg(args, "status", {STATUS_RETIRED, STATUS_ANY}),
        )

    def conditions(self) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            needle = self.q.lower()
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (Control.reference, Control.title, Control.description))))
        for value, column in ((self.source, Control.source), (self.catalogue, Control.catalogue),
                              (self.theme, Control.theme), (self.owner_id, Control.owner_id),
                              (self.department_id, Control.department_id)):
            if value:
                where.append(column == value)
        # Attributes are ";"-separated words; match a whole word.
        for value, column in ((self.control_type, Control.control_types),
                              (self.security_property, Control.security_properties),
                              (self.concept, Control.cybersecurity_concepts)):
            if value:
                where.append((";" + column + ";").contains(f";{value};"))
        if self.status == STATUS_ACTIVE:
            where.append(Control.active.is_(True))
        elif self.status == STATUS_RETIRED:
            where.append(Control.active.is_(False))
        return where


def filtered_controls(filters: ControlFilters) -> sa.Select:
    """Controls with what the list shows loaded up front (a fixed number of queries per page)."""
    return (
        sa.select(Control)
        .outerjoin(Owner, Control.owner_id == Owner.id)
        .outerjoin(Department, Control.department_id == Department.id)
        .where(*filters.conditions())
        .options(selectinload(Control.owner), selectinload(Control.department),
                 selectinload(Control.annex_a_controls), selectinload(Control.implemented_by))
    )


def control_owners() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Control.owner_id).where(Control.owner_id.is_not(None)))).order_by(sa.func.lower(User.full_name))))


def implementing_controls() -> sa.Subquery:
    """(control_id, member_id): every control with itself, and each control with the internal
    controls in use that implement it. What is linked to a member counts for the control: a risk
    linked to an internal control relies on the Annex A controls it implements, and so does its
    evidence and its tests."""
    itself = sa.select(Control.id.label("control_id"), Control.id.label("member_id"))
    through = (sa.select(control_mapping.c.annex_a_control_id, control_mapping.c.internal_control_id)
               .join(Control, Control.id == control_mapping.c.internal_control_id)
               .where(Control.active.is_(True)))
    return sa.union_all(itself, through).subquery("implementing")


def risks_relying_on(control_id: int) -> sa.Select:
    """The ids of the risks linked to the control or to an internal control in use implementing it."""
    family = implementing_controls()
    return (sa.select(risk_control.c.risk_id)
            .join(family, family.c.member_id == risk_control.c.control_id)
            .where(family.c.control_id == control_id))


def evidence_expiring(start: date, end: date) -> list[Evidence]:
    """Evidence whose valid-until date falls between `start` and `end` (both included), with the
    controls it shows (their owners are reminded)."""
    return list(db.session.scalars(
        sa.select(Evidence).options(selectinload(Evidence.controls))
        .where(Evidence.valid_until.is_not(None), Evidence.valid_until.between(start, end))
        .order_by(Evidence.valid_until, Evidence.id)))


def evidence_search(text: str) -> ColumnElement[bool]:
    """Evidence whose title or description holds the text, whatever its case: the evidence list's
    search, and the internal-audit checklist's search for evidence of other controls."""
    return sa.or_(contains_text(Evidence.title, text), contains_text(Evidence.description, text))


def evidence_family(control: Control) -> list[int]:
    """The controls whose evidence shows this one at work, as the reliance summary counts them
    (app/controls/reliance.py): the control itself, the internal controls in use implementing it
    (an Annex A control) and the Annex A controls it implements (an internal control)."""
    related = [control.id] + [internal.id for internal in control.implemented_by if internal.active]
    return related + [annex.id for annex in control.annex_a_controls if annex.id not in related]


def evidence_of_controls(control_ids: list[int], count: int) -> sa.Select:
    """The evidence linked to any of these controls (once each), newest first; `count` is how many
    that is (evidence_count_of_controls), for the plan. Many items (a popular control holds thousands
    of the benchmark's 20,000): a correlated EXISTS, so that the database walks the evidence_date index
    from the newest and stops at the caller's limit instead of sorting them all. A few: their ids from
    the link table's index, sorted, rather than walking the whole store to find them."""
    linked: ColumnElement[bool]
    if count > FEW_EVIDENCE_ITEMS:
        linked = sa.exists().where(evidence_control.c.evidence_id == Evidence.id,
                                   evidence_control.c.control_id.in_(control_ids))
    else:
        linked = Evidence.id.in_(sa.select(evidence_control.c.evidence_id)
                                 .where(evidence_control.c.control_id.in_(control_ids)))
    return sa.select(Evidence).where(linked).order_by(Evidence.evidence_date.desc(), Evidence.id.desc())


def evidence_count_of_controls(control_ids: list[int]) -> int:
    """How many items evidence_of_controls() holds, from the link table's index alone."""
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(evidence_control.c.evidence_id)))
                             .where(evidence_control.c.control_id.in_(control_ids))) or 0
