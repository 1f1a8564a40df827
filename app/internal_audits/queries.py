"""Reading audits for the list, its export, evidence packs and reminders. Filters come from the query
string; a value that cannot be understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app.auth.models import User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.controls.clauses import CLAUSES_BY_NUMBER
from app.controls.models import Control, ControlSource, Evidence
from app.controls.queries import evidence_count_of_controls, evidence_family, evidence_of_controls, evidence_search
from app.extensions import db
from app.internal_audits.models import (
    AuditProgramme,
    AuditStatus,
    ChecklistLine,
    InternalAudit,
    LineResult,
)

Lead = aliased(User)

SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": InternalAudit.reference, "title": sa.func.lower(InternalAudit.title),
    "start": InternalAudit.planned_start, "end": InternalAudit.planned_end, "status": InternalAudit.status,
    "lead": sa.func.lower(Lead.full_name), "issued": InternalAudit.issued_on,
}
DEFAULT_SORT = "start"


@dataclass(frozen=True)
class AuditFilters:
    q: str = ""
    status: str = ""
    year: int | None = None
    lead_id: int | None = None
    clause: str = ""
    control_id: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        year = (args.get("year") or "").strip()
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            status=choice_arg(args, "status", {status.value for status in AuditStatus}),
            year=int(year) if year.isdigit() and 1990 <= int(year) <= 2200 else None,
            lead_id=id_arg(args, "lead"),
            clause=choice_arg(args, "clause", CLAUSES_BY_NUMBER),
            control_id=id_arg(args, "control"),
        )

    def conditions(self) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            where.append(sa.or_(contains_text(InternalAudit.reference, self.q),
                                contains_text(InternalAudit.title, self.q)))
        if self.status:
            where.append(InternalAudit.status == self.status)
        if self.year:
            where.append(InternalAudit.planned_start.between(date(self.year, 1, 1), date(self.year, 12, 31)))
        if self.lead_id:
            where.append(InternalAudit.lead_auditor_id == self.lead_id)
        if self.clause:
            where.append(InternalAudit.id.in_(sa.select(ChecklistLine.audit_id)
                                              .where(ChecklistLine.clause == self.clause)))
        if self.control_id:
            where.append(InternalAudit.id.in_(sa.select(ChecklistLine.audit_id)
                                              .where(ChecklistLine.control_id == self.control_id)))
        return where


def filtered_audits(filters: AuditFilters, *, with_lines: bool = False) -> sa.Select:
    """Audits with what the list shows loaded up front (a fixed number of queries per page); the export
    also loads every checklist line (the list page reads them as `list_summaries`)."""
    statement = (sa.select(InternalAudit).join(Lead, Lead.id == InternalAudit.lead_auditor_id)
                 .where(*filters.conditions())
                 .options(selectinload(InternalAudit.lead_auditor), selectinload(InternalAudit.team),
                          selectinload(InternalAudit.departments)))
    if with_lines:
        statement = statement.options(selectinload(InternalAudit.lines).selectinload(ChecklistLine.control))
    return statement


@dataclass(frozen=True)
class ListSummary:
    """What the list shows of an audit's checklist: its first subjects, how many, how many nonconforming."""

    subjects: list[str]
    total: int
    nonconformities: int

    SHOWN = 8


def list_summaries(audit_ids: list[int]) -> dict[int, ListSummary]:
    """One query of plain rows for a page of audits: a whole-ISMS audit has a hundred lines, and a page
    of ORM lines with their controls took most of the list's time."""
    subjects: dict[int, list[str]] = {audit_id: [] for audit_id in audit_ids}
    counts = dict.fromkeys(audit_ids, 0)
    nonconforming = dict.fromkeys(audit_ids, 0)
    rows = db.session.execute(
        sa.select(ChecklistLine.audit_id, ChecklistLine.clause, ChecklistLine.result, Control.reference,
                  Control.source)
        .outerjoin(Control, Control.id == ChecklistLine.control_id)
        .where(ChecklistLine.audit_id.in_(audit_ids)).order_by(ChecklistLine.audit_id, ChecklistLine.position))
    for audit_id, clause, result, reference, source in rows:
        counts[audit_id] += 1
        nonconforming[audit_id] += result in (LineResult.MAJOR_NC.value, LineResult.MINOR_NC.value)
        if len(subjects[audit_id]) < ListSummary.SHOWN:
            subjects[audit_id].append(clause or (f"A.{reference}" if source == ControlSource.ANNEX_A.value
                                                 else reference or ""))
    return {audit_id: ListSummary(subjects[audit_id], counts[audit_id], nonconforming[audit_id])
            for audit_id in audit_ids}


def lead_auditors() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(sa.select(InternalAudit.lead_auditor_id)))
                                   .order_by(sa.func.lower(User.full_name))))


def audit_years() -> list[int]:
    starts = db.session.scalars(sa.select(InternalAudit.planned_start))
    return sorted({start.year for start in starts}, reverse=True)


def lines_of(audits: list[InternalAudit]) -> list[ChecklistLine]:
    """Their checklist lines, audit by audit, with the control, the evidence and the nonconformity loaded."""
    if not audits:
        return []
    return list(db.session.scalars(
        sa.select(ChecklistLine).where(ChecklistLine.audit_id.in_([a.id for a in audits]))
        .join(InternalAudit, InternalAudit.id == ChecklistLine.audit_id)
        .order_by(InternalAudit.reference, ChecklistLine.position)
        .options(selectinload(ChecklistLine.audit), selectinload(ChecklistLine.control),
                 selectinload(ChecklistLine.evidence), selectinload(ChecklistLine.nonconformity))))


# --- the evidence a checklist line offers -------------------------------------------------------------

RELATED_EVIDENCE_SHOWN = 50  # a popular control has hundreds of items: the newest, and a search for the rest
EVIDENCE_SEARCH_LIMIT = 20
EVIDENCE_SEARCH_MIN = 2  # characters


@dataclass
class EvidenceOffer:
    """What a checklist line's evidence boxes offer: the items linked to the line (or ticked in the form
    being sent), the newest evidence of its control and the controls that count for it, and the matches
    of a search; never the whole store (the benchmark holds 20,000 items)."""

    items: list[Evidence]
    related_total: int  # evidence of the control's family in all
    related_shown: int
    found: list[Evidence]  # the search's matches not offered already
    find: str


def evidence_to_offer(line: ChecklistLine, *, find: str = "", chosen_ids: Collection[int] = ()) -> EvidenceOffer:
    linked = list(line.evidence)
    kept = {evidence.id for evidence in linked}
    chosen = [i for i in chosen_ids if i not in kept]
    if chosen:
        linked += db.session.scalars(sa.select(Evidence).where(Evidence.id.in_(chosen))
                                     .order_by(Evidence.evidence_date.desc(), Evidence.id.desc()))
        kept = {evidence.id for evidence in linked}
    related: list[Evidence] = []
    total = 0
    if line.control is not None:
        family = evidence_family(line.control)
        total = evidence_count_of_controls(family)
        related = [e for e in db.session.scalars(evidence_of_controls(family, total).limit(RELATED_EVIDENCE_SHOWN))
                   if e.id not in kept]
        kept |= {evidence.id for evidence in related}
    found: list[Evidence] = []
    if len(find) >= EVIDENCE_SEARCH_MIN:
        found = list(db.session.scalars(
            sa.select(Evidence).where(evidence_search(find), Evidence.id.not_in(kept) if kept else sa.true())
            .order_by(Evidence.evidence_date.desc(), Evidence.id.desc()).limit(EVIDENCE_SEARCH_LIMIT)))
    items = linked + related + found
    if items:  # the controls each item shows, for its label, in one query
        db.session.scalars(sa.select(Evidence).where(Evidence.id.in_([e.id for e in items]))
                           .options(selectinload(Evidence.controls))).all()
    return EvidenceOffer(items=items, related_total=total, related_shown=min(total, RELATED_EVIDENCE_SHOWN),
                         found=found, find=find)


def issued_audits(*, control_ids: set[int] | None = None, department_id: int | None = None,
                  date_from: date | None = None, date_to: date | None = None) -> list[InternalAudit]:
    """Audits whose report is issued (for evidence packs): covering any of these controls, auditing this
    department, issued within the dates; None or nothing chosen: any."""
    statement = sa.select(InternalAudit).where(InternalAudit.issued_on.is_not(None))
    if control_ids is not None:
        statement = statement.where(InternalAudit.id.in_(
            sa.select(ChecklistLine.audit_id).where(ChecklistLine.control_id.in_(control_ids))))
    if department_id:
        statement = statement.where(InternalAudit.departments.any(id=department_id))
    if date_from:
        statement = statement.where(InternalAudit.issued_on >= date_from)
    if date_to:
        statement = statement.where(InternalAudit.issued_on <= date_to)
    return list(db.session.scalars(statement.order_by(InternalAudit.reference).options(
        selectinload(InternalAudit.lead_auditor), selectinload(InternalAudit.team),
        selectinload(InternalAudit.departments), selectinload(InternalAudit.lines))))


# --- reminders ---------------------------------------------------------------------------------------


def audits_starting(today: date, until: date) -> list[InternalAudit]:
    """Planned audits starting between today and `until`, with their team."""
    return list(db.session.scalars(
        sa.select(InternalAudit).where(InternalAudit.status == AuditStatus.PLANNED.value,
                                       InternalAudit.planned_start.between(today, until))
        .order_by(InternalAudit.planned_start, InternalAudit.id).options(selectinload(InternalAudit.team))))


def reports_overdue(today: date) -> list[InternalAudit]:
    """Audits past their planned end without an issued report."""
    return list(db.session.scalars(
        sa.select(InternalAudit).where(InternalAudit.status.in_([AuditStatus.PLANNED.value,
                                                                 AuditStatus.IN_PROGRESS.value]),
                                       InternalAudit.planned_end < today)
        .order_by(InternalAudit.planned_end, InternalAudit.id)))


def programmes_ending(today: date, until: date) -> list[AuditProgramme]:
    """Cycles running today that end by `until`."""
    return list(db.session.scalars(sa.select(AuditProgramme).where(AuditProgramme.starts_on <= today,
                                                                   AuditProgramme.ends_on >= today,
                                                                   AuditProgramme.ends_on <= until)))
