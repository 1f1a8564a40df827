"""The inputs of a management review (ISO/IEC 27001:2022 9.3.2), as one registry of sections.

Each `ReviewInput` names the 9.3.2 item it answers and a function that compiles its section as of a
date: JSON-serialisable figures (numbers a later review is compared with), tables (rows of plain
values; the first cell names the row) and notes. `compile(as_of)` runs every section and is what a
review's pack stores, frozen once the review is held; the page, the PDF and the comparison of two
reviews read only that stored dict, never the registers again.

Dates: a section counts what was recorded on or before `as_of` (records raised, closed, completed,
accepted or acknowledged after it are left out, or counted as still open on that date). Where a
register keeps no history (a risk's current rating, the SoA's working copy, who is employed), the
section says that it shows the record as it stood when the pack was compiled.

Sections whose register lives in another package (the context of the organisation, objectives and
metrics, internal audits, awareness) are read through PROVIDERS: "module:function" names, imported when a pack
is compiled (as app.scheduler.jobs names its jobs), of functions following the `Provider` protocol.
metrics, internal audits, business continuity) are read through PROVIDERS: "module:function" names,
imported when a pack is compiled (as app.scheduler.jobs names its jobs), of functions following the `Provider` protocol.
Until one is named, or when it returns None, the section says plainly that nothing of that kind is
recorded in Khusela as of the date: the pack is complete and honest about what was available.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.common.timeutil import add_months, start_of_local_day
from app.controls.models import Control, ControlSource, ImplementationStatus, SoaEntry, SoaVersion
from app.employees.models import EMPLOYED, Employee
from app.extensions import db
from app.nonconformities.models import (
    CorrectiveAction,
    CorrectiveActionStatus,
    Nonconformity,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)
from app.policies.models import Policy, PolicyAcknowledgement, PolicyState, PolicyVersion
from app.reviews.models import HELD_STATUSES, ActionStatus, ManagementReview, ReviewAction
from app.risks import plans
from app.risks.models import ActionStatus as TreatmentStatus
from app.risks.models import Risk, RiskAcceptance, RiskMatrix, RiskStatus, TreatmentAction, TreatmentStrategy

# The shape of the stored figures: a pack keeps the version it was compiled with, so a later change
# of shape can still read (or say it cannot compare) an older pack.
SCHEMA_VERSION = 1
ROWS_LISTED = 50  # an item table lists this many rows, then says how many more there are
DEFAULT_PERIOD_MONTHS = 12  # "since" when no earlier review was held


@dataclass(frozen=True)
class Period:
    """What every section is compiled against."""

    as_of: date
    since: date  # the previous review's meeting date, else DEFAULT_PERIOD_MONTHS before as_of
    previous_review: str  # "Management review 2025 (2025-11-20)", or "" when none was held
    feedback: str = ""  # recorded by hand on the review (9.3.2 e)
    opportunities: str = ""  # recorded by hand on the review (9.3.2 g)

    @property
    def end(self) -> datetime:
        """The first moment after as_of, in UTC: a record created before it existed on as_of."""
        return start_of_local_day(self.as_of + timedelta(days=1))


class Provider(Protocol):
    """A section compiled by another package: what it holds as of `as_of`, with what changed since
    `since`, as a section dict (see `section()`), or None when it holds nothing for that date."""

    def __call__(self, as_of: date, since: date) -> dict | None: ...


@dataclass(frozen=True)
class ReviewInput:
    key: str
    item: str  # "9.3.2 a"
    title: str  # the standard's words
    compile: Callable[[Period], dict]
    source: str  # where Khusela finds it, as the pack says


# --- the shape of a section --------------------------------------------------------------------------


def figure(key: str, label: str, value: int | float | None) -> dict:
    return {"key": key, "label": label, "value": value}


def table(key: str, caption: str, columns: list[str], rows: list[list[Any]], *, kind: str = "counts",
          more: int = 0) -> dict:
    """kind "counts": each row is a label and numbers (compared value by value); "items": each row is a
    record named by its first cell (compared as new and no longer listed). `more`: rows left out."""
    return {"key": key, "caption": caption, "columns": columns, "rows": rows, "kind": kind, "more": more}


def section(*, figures: list[dict] | None = None, tables: list[dict] | None = None, note: str = "",
            text: str = "", available: bool = True) -> dict:
    return {"available": available, "figures": figures or [], "tables": tables or [], "note": note, "text": text}


def nothing_recorded(what: str, as_of: date) -> dict:
    return section(available=False, note=f"No {what} recorded in Khusela as of {as_of.isoformat()}.")


def _count(statement: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0


def _listed(rows: list[list[Any]]) -> tuple[list[list[Any]], int]:
    return rows[:ROWS_LISTED], max(0, len(rows) - ROWS_LISTED)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


# --- 9.3.2 a: actions from previous management reviews ---------------------------------------------


def previous_actions(period: Period) -> dict:
    """Actions of earlier reviews (held before as_of) that were raised at the last one or still open
    after it: their status on as_of."""
    earlier = sa.select(ManagementReview.id).where(ManagementReview.status.in_(HELD_STATUSES),
                                                   ManagementReview.meeting_on <= period.as_of)
    statement = (sa.select(ReviewAction, ManagementReview, User)
                 .join(ManagementReview, ManagementReview.id == ReviewAction.review_id)
                 .join(User, User.id == ReviewAction.owner_id)
                 .where(ReviewAction.review_id.in_(earlier),
                        sa.or_(ManagementReview.meeting_on >= period.since, ReviewAction.closed_on.is_(None),
                               ReviewAction.closed_on > period.since))
                 .order_by(ReviewAction.due_on, ReviewAction.id))
    rows, counts = [], {"done": 0, "cancelled": 0, "open": 0, "overdue": 0}
    for action, review, owner in db.session.execute(statement):
        # Closed after as_of, it was still open that day.
        if action.status in (ActionStatus.DONE, ActionStatus.CANCELLED) and action.closed_on \
                and action.closed_on <= period.as_of:
            state = ActionStatus(action.status).label
            counts[action.status] += 1
        else:
            overdue = action.due_on < period.as_of
            state = "Overdue" if overdue else "Open"
            counts["open"] += 1
            counts["overdue"] += overdue
        rows.append([action.reference, action.title, owner.full_name, _iso(action.due_on), state,
                     f"{review.title} ({_iso(review.meeting_on)})"])
    if not rows:
        return section(note="No actions from earlier management reviews were open or due since "
                            + (f"the previous review, {period.previous_review}." if period.previous_review
                               else f"{period.since.isoformat()} (no earlier review held in Khusela)."))
    listed, more = _listed(rows)
    return section(
        figures=[figure("actions", "Actions from earlier reviews", len(rows)),
                 figure("done", "Done", counts["done"]), figure("open", "Still open", counts["open"]),
                 figure("overdue", "Of those, overdue", counts["overdue"]),
                 figure("cancelled", "Cancelled", counts["cancelled"])],
        tables=[table("actions", "Actions from earlier reviews and their status on " + period.as_of.isoformat(),
                      ["Action", "Title", "Owner", "Due", "Status", "Decided at"], listed, kind="items", more=more)])


# --- 9.3.2 d 1: nonconformities and corrective actions ---------------------------------------------


def nonconformities(period: Period) -> dict:
    as_of, since = period.as_of, period.since
    raised = Nonconformity.raised_on <= as_of
    closed_by_date = sa.and_(Nonconformity.closed_on.is_not(None), Nonconformity.closed_on <= as_of)
    open_on_date = sa.and_(raised, ~closed_by_date)
    if _count(sa.select(Nonconformity.id).where(raised)) == 0:
        return nothing_recorded("nonconformities", as_of)

    def grouped(column) -> dict[str, int]:
        return dict(db.session.execute(sa.select(column, sa.func.count()).where(open_on_date).group_by(column)).all())

    # Open on as_of, by the status each has now; one closed since was still open that day.
    later = f"Closed after {as_of.isoformat()}"
    status = sa.case((Nonconformity.status == NonconformityStatus.CLOSED.value, later), else_=Nonconformity.status)
    by_status = grouped(status)
    status_rows = [[NonconformityStatus(value).label, by_status.get(value, 0)]
                   for value in NonconformityStatus if value != NonconformityStatus.CLOSED]
    if by_status.get(later):
        status_rows.append([later + " (open on that date)", by_status[later]])
    by_source, by_severity = grouped(Nonconformity.source), grouped(Nonconformity.severity)
    opened_since = dict(db.session.execute(
        sa.select(Nonconformity.source, sa.func.count())
        .where(Nonconformity.raised_on > since, raised).group_by(Nonconformity.source)).all())

    action_open_on_date = sa.and_(
        CorrectiveAction.created_at < period.end, CorrectiveAction.status != CorrectiveActionStatus.CANCELLED.value,
        sa.or_(CorrectiveAction.completed_on.is_(None), CorrectiveAction.completed_on > as_of))
    overdue = (sa.select(CorrectiveAction.title, CorrectiveAction.due_on, Nonconformity.reference, User.full_name)
               .join(Nonconformity, Nonconformity.id == CorrectiveAction.nonconformity_id)
               .outerjoin(User, User.id == CorrectiveAction.owner_id)
               .where(action_open_on_date, CorrectiveAction.due_on < as_of)
               .order_by(CorrectiveAction.due_on, CorrectiveAction.id))
    overdue_rows = [[f"{reference}: {title}", name or "No owner", _iso(due_on)]
                    for title, due_on, reference, name in db.session.execute(overdue)]
    listed, more = _listed(overdue_rows)
    quarters = []
    for back in range(3, -1, -1):  # the trend: raised and closed in each of the last four quarters
        start, end = add_months(as_of, -3 * (back + 1)), add_months(as_of, -3 * back)
        quarters.append([f"{start + timedelta(days=1):%d %b %Y} to {end:%d %b %Y}",
                         _count(sa.select(Nonconformity.id).where(Nonconformity.raised_on > start,
                                                                  Nonconformity.raised_on <= end)),
                         _count(sa.select(Nonconformity.id).where(Nonconformity.closed_on > start,
                                                                  Nonconformity.closed_on <= end))])
    return section(
        figures=[
            figure("open", "Open nonconformities", sum(by_status.values())),
            figure("open_major", "Of those, major", by_severity.get(Severity.MAJOR.value, 0)),
            figure("raised_since", "Raised since the previous review", sum(opened_since.values())),
            figure("closed_since", "Closed since the previous review",
                   _count(sa.select(Nonconformity.id).where(Nonconformity.closed_on > since,
                                                            Nonconformity.closed_on <= as_of))),
            figure("actions_open", "Corrective actions open", _count(sa.select(CorrectiveAction.id)
                                                                    .where(action_open_on_date))),
            figure("actions_overdue", "Corrective actions overdue", len(overdue_rows)),
            figure("actions_done_since", "Corrective actions done since the previous review",
                   _count(sa.select(CorrectiveAction.id).where(CorrectiveAction.completed_on > since,
                                                               CorrectiveAction.completed_on <= as_of))),
        ],
        tables=[
            table("by_status", f"Open on {as_of.isoformat()}, by status", ["Status", "Nonconformities"], status_rows),
            table("by_source", "By source: open, and raised since the previous review",
                  ["Source", "Open", "Raised since"],
                  [[source.label, by_source.get(source.value, 0), opened_since.get(source.value, 0)]
                   for source in NonconformitySource]),
            table("by_severity", "Open, by severity", ["Severity", "Open"],
                  [[severity.label, by_severity.get(severity.value, 0)] for severity in Severity]),
            table("trend", "Trend: raised and closed per quarter", ["Quarter", "Raised", "Closed"], quarters),
            table("overdue_actions", f"Corrective actions overdue on {as_of.isoformat()}",
                  ["Nonconformity and action", "Owner", "Due"], listed, kind="items", more=more),
        ])


# --- 9.3.2 d 2: monitoring and measurement: policy acknowledgement -----------------------------------


def policy_acknowledgements(period: Period) -> dict:
    """Awareness (7.3) measured: of the employees employed when compiled, how many acknowledged each
    policy version in force on as_of, by that date."""
    as_of = period.as_of
    in_force = (sa.select(PolicyVersion.id, Policy.code, Policy.title, PolicyVersion.number)
                .join(Policy, Policy.id == PolicyVersion.policy_id)
                .where(PolicyVersion.state.in_([PolicyState.APPROVED.value, PolicyState.SUPERSEDED.value]),
                       PolicyVersion.approved_on <= as_of,
                       sa.or_(PolicyVersion.superseded_on.is_(None), PolicyVersion.superseded_on > as_of))
                .order_by(Policy.code))
    versions = db.session.execute(in_force).all()
    if not versions:
        return nothing_recorded("approved policies", as_of)
    employed = sa.select(Employee.id).where(Employee.status.in_([status.value for status in EMPLOYED]))
    headcount = _count(employed)
    acknowledged = dict(db.session.execute(
        sa.select(PolicyAcknowledgement.version_id, sa.func.count())
        .where(PolicyAcknowledgement.version_id.in_([row.id for row in versions]),
               PolicyAcknowledgement.acknowledged_on <= as_of, PolicyAcknowledgement.employee_id.in_(employed))
        .group_by(PolicyAcknowledgement.version_id)).all())
    rows = []
    for version_id, code, title, number in versions:
        done = acknowledged.get(version_id, 0)
        rows.append([f"{code} {title}", number, done, headcount, round(100 * done / headcount) if headcount else 0])
    total = sum(acknowledged.values())
    rate = round(100 * total / (headcount * len(versions))) if headcount else 0
    return section(
        figures=[figure("policies", "Policies in force", len(versions)),
                 figure("employed", "Employees employed (when compiled)", headcount),
                 figure("rate", "Acknowledgement rate (%)", rate)],
        tables=[table("policies", "Acknowledgements of each policy in force", ["Policy", "Version", "Acknowledged",
                                                                                 "Employed", "%"], rows)],
        note="Acknowledgements count up to the date; the employees are those employed when the pack was compiled.")


# --- 9.3.2 e: feedback from interested parties -------------------------------------------------------


def interested_party_feedback(period: Period) -> dict:
    complaints = (sa.select(Nonconformity.reference, Nonconformity.title, Nonconformity.raised_on,
                            Nonconformity.closed_on)
                  .where(Nonconformity.source == NonconformitySource.COMPLAINT.value,
                         Nonconformity.raised_on <= period.as_of,
                         sa.or_(Nonconformity.raised_on > period.since, Nonconformity.closed_on.is_(None),
                                Nonconformity.closed_on > period.since))
                  .order_by(Nonconformity.raised_on, Nonconformity.reference))
    rows = [[f"{reference} {title}", _iso(raised_on),
             "Closed" if closed_on and closed_on <= period.as_of else "Open"]
            for reference, title, raised_on, closed_on in db.session.execute(complaints)]
    listed, more = _listed(rows)
    note = "" if period.feedback.strip() else "No feedback was recorded on the review when the pack was compiled."
    return section(
        figures=[figure("complaints", "Complaints raised as nonconformities, open or raised since the previous review",
                        len(rows))],
        tables=[table("complaints", "Complaints", ["Nonconformity", "Raised", "Status"], listed, kind="items",
                      more=more)] if rows else [],
        text=period.feedback.strip(), note=note)


# --- 9.3.2 f: risk assessment and risk treatment plan ---------------------------------------------


def _band_counts(risks_on_date) -> tuple[dict[str, int], list[str], int]:
    """Risks per residual band, each on its own matrix version (a band is a score range per version):
    ({band: count}, the bands in order, not yet rated)."""
    versions = {matrix.id: matrix for matrix in db.session.scalars(sa.select(RiskMatrix))}
    current = max(versions.values(), key=lambda matrix: matrix.version_number, default=None)
    order: list[str] = [band.name for band in sorted(current.to_scoring().bands, key=lambda b: b.min_score)] \
        if current else []
    counts: dict[str, int] = {}
    unrated = 0
    parsed = {matrix_id: matrix.to_scoring() for matrix_id, matrix in versions.items()}
    grouped = db.session.execute(sa.select(Risk.matrix_id, Risk.residual_score, sa.func.count())
                                 .where(risks_on_date).group_by(Risk.matrix_id, Risk.residual_score))
    for matrix_id, score, count in grouped:
        if score is None:
            unrated += count
            continue
        try:
            name = parsed[matrix_id].band_for(score).name
        except Exception:  # noqa: BLE001 - a score no band covers is counted, not lost
            name = "Outside the matrix's bands"
        counts[name] = counts.get(name, 0) + count
        if name not in order:
            order.append(name)
    return counts, order, unrated


def risks(period: Period) -> dict:
    as_of, since = period.as_of, period.since
    in_register = sa.and_(Risk.created_at < period.end,
                          Risk.status.in_([RiskStatus.OPEN.value, RiskStatus.IN_TREATMENT.value,
                                           RiskStatus.ACCEPTED.value]))
    total = _count(sa.select(Risk.id).where(in_register))
    if total == 0:
        return nothing_recorded("assessed risks", as_of)
    counts, order, unrated = _band_counts(in_register)
    out_of_tolerance = Risk.residual_score > Risk.tolerance
    accepted_on_date = (sa.select(RiskAcceptance.risk_id)
                        .where(RiskAcceptance.accepted_on <= as_of, RiskAcceptance.expires_on >= as_of,
                               sa.or_(RiskAcceptance.ended_at.is_(None), RiskAcceptance.ended_at >= period.end)))
    accepted = Risk.id.in_(accepted_on_date)
    beyond = [[reference, title, score, tolerance, "Accepted" if is_accepted else "Not accepted"]
              for reference, title, score, tolerance, is_accepted in db.session.execute(
                  sa.select(Risk.reference, Risk.title, Risk.residual_score, Risk.tolerance, accepted)
                  .where(in_register, out_of_tolerance).order_by(Risk.residual_score.desc(), Risk.reference))]
    listed, more = _listed(beyond)

    treated = TreatmentAction.risk_id.in_(sa.select(Risk.id).where(in_register))
    existed = sa.and_(treated, TreatmentAction.created_at < period.end,
                      TreatmentAction.status != TreatmentStatus.CANCELLED.value)
    done_by_date = sa.and_(TreatmentAction.completed_on.is_not(None), TreatmentAction.completed_on <= as_of)
    actions_open = sa.and_(existed, ~done_by_date)
    strategies = dict(db.session.execute(sa.select(Risk.strategy, sa.func.count()).where(in_register)
                                         .group_by(Risk.strategy)).all())
    return section(
        figures=[
            figure("risks", "Risks in the register", total),
            figure("out_of_tolerance", "Residual rating above tolerance", len(beyond)),
            figure("accepted", "Of those, accepted on the date", sum(1 for row in beyond if row[4] == "Accepted")),
            figure("untreated", "Above tolerance and not accepted", sum(1 for row in beyond if row[4] != "Accepted")),
            figure("unrated", "Not yet rated after controls", unrated),
            figure("actions_open", "Treatment actions open", _count(sa.select(TreatmentAction.id).where(actions_open))),
            figure("actions_overdue", "Treatment actions overdue",
                   _count(sa.select(TreatmentAction.id).where(actions_open, TreatmentAction.due_on < as_of))),
            figure("actions_done", "Treatment actions done", _count(sa.select(TreatmentAction.id)
                                                                    .where(existed, done_by_date))),
            figure("actions_done_since", "Treatment actions done since the previous review",
                   _count(sa.select(TreatmentAction.id).where(existed, done_by_date,
                                                              TreatmentAction.completed_on > since))),
            figure("plans_approved", "Treatment plans approved by their risk owner (unchanged since)",
                   _plans_approved(in_register)),
        ],
        tables=[
            table("by_band", "Risks by residual band (each on the matrix version it was scored on)",
                  ["Residual band", "Risks"], [[name, counts.get(name, 0)] for name in order]
                  + ([["Not yet rated", unrated]] if unrated else [])),
            table("by_strategy", "Risks by treatment strategy", ["Strategy", "Risks"],
                  [[strategy.label, strategies.get(strategy.value, 0)] for strategy in TreatmentStrategy]
                  + [["Not chosen", strategies.get(None, 0)]]),
            table("out_of_tolerance", "Risks above tolerance", ["Risk", "Title", "Residual", "Tolerance",
                                                                "Acceptance"], listed, kind="items", more=more),
        ],
        note="Ratings, strategies and plans are as they stood when the pack was compiled (the register keeps "
             "no earlier ratings); risks recorded after the date, drafts and closed risks are left out.")


def _plans_approved(in_register) -> int:
    """Risks whose owner approved the treatment plan as it is (app.risks.plans): three queries whatever
    the size of the register (the risks with a strategy, their actions, the latest approvals)."""
    planned = list(db.session.scalars(sa.select(Risk).where(in_register, Risk.strategy.is_not(None))
                                      .options(selectinload(Risk.actions))))
    return sum(1 for state in plans.approval_states(planned).values() if state.current)


# --- 9.3.2 f: the Statement of Applicability -------------------------------------------------------


def statement_of_applicability(period: Period) -> dict:
    """Applicable Annex A controls and how many are implemented: the issued version in force on the
    date (frozen as approved) and the working copy when compiled."""
    working = dict(db.session.execute(
        sa.select(SoaEntry.implementation_status, sa.func.count())
        .join(Control, Control.id == SoaEntry.control_id)
        .where(Control.source == ControlSource.ANNEX_A.value, SoaEntry.applicable.is_(True))
        .group_by(SoaEntry.implementation_status)).all())
    annex_a = _count(sa.select(Control.id).where(Control.source == ControlSource.ANNEX_A.value))
    decided = _count(sa.select(SoaEntry.id).join(Control, Control.id == SoaEntry.control_id)
                     .where(Control.source == ControlSource.ANNEX_A.value))
    if annex_a == 0:
        return nothing_recorded("Annex A controls", period.as_of)
    applicable = sum(working.values())
    figures = [figure("applicable", "Applicable Annex A controls (working copy)", applicable),
               figure("implemented", "Of those, implemented", working.get(ImplementationStatus.IMPLEMENTED.value, 0)),
               figure("undecided", "Annex A controls not yet decided", annex_a - decided)]
    rows = [[status.label, working.get(status.value, 0)] for status in ImplementationStatus
            if status != ImplementationStatus.NOT_APPLICABLE]
    issued = db.session.scalar(sa.select(SoaVersion).where(SoaVersion.approved_on <= period.as_of)
                               .order_by(SoaVersion.number.desc()).limit(1))
    note = "No Statement of Applicability had been issued by the date."
    if issued is not None:
        issued_rows = [row for row in issued.rows if row.get("applicable")]
        implemented = sum(1 for row in issued_rows if row.get("status") == ImplementationStatus.IMPLEMENTED.label)
        figures += [figure("issued_applicable", f"Applicable in issued version {issued.number}", len(issued_rows)),
                    figure("issued_implemented", f"Implemented in issued version {issued.number}", implemented)]
        note = (f"Issued version {issued.number}, approved on {issued.approved_on.isoformat()} by {issued.approver}, "
                "was in force on the date; the working copy is as it stood when the pack was compiled.")
    return section(figures=figures, note=note, tables=[
        table("by_status", "Applicable controls by implementation status (working copy)", ["Status", "Controls"],
              rows)])


# --- 9.3.2 g: opportunities for continual improvement ---------------------------------------------


def improvement_opportunities(period: Period) -> dict:
    text = period.opportunities.strip()
    return section(text=text, note="" if text else "No opportunities were recorded on the review when the pack "
                                                   "was compiled.")


# --- sections read from other packages -------------------------------------------------------------

# "module:function" of each Provider, named when the package that holds the register is merged
# (see the README's management review section). None: nothing to read yet.
PROVIDERS: dict[str, str | None] = {
    "context_issues": "app.context.review_inputs:issue_changes_for_review",  # 4.1
    "interested_parties": "app.context.review_inputs:party_changes_for_review",  # 4.2
    "monitoring": "app.objectives.review_inputs:monitoring_for_review",  # 9.1
    "audits": "app.internal_audits.review_inputs:audit_results_for_review",  # 9.2
    "objectives": "app.objectives.review_inputs:objectives_for_review",  # 6.2
    "incidents": "app.incidents.review_inputs:incidents_for_review",  # 9.3.2 d, A.5.24-5.28
    "awareness": "app.awareness.review_inputs:campaigns_for_review",  # 7.3 (issue 20, part 4)
    "continuity": "app.continuity.review_inputs:continuity_results_for_review",  # A.5.29-5.30, 8.13-8.14 tests
}


def provided(key: str, what: str) -> Callable[[Period], dict]:
    """The section compiled by the provider named in PROVIDERS[key], or "No <what> recorded"."""

    def compile_section(period: Period) -> dict:
        name = PROVIDERS.get(key)
        if not name:
            return nothing_recorded(what, period.as_of)
        module, _, function = name.partition(":")
        provider: Provider = getattr(importlib.import_module(module), function)
        data = provider(period.as_of, period.since)
        if data is None:
            return nothing_recorded(what, period.as_of)
        return section(figures=list(data.get("figures", [])), tables=list(data.get("tables", [])),
                       note=str(data.get("note", "")), text=str(data.get("text", "")))

    return compile_section


# --- the registry ------------------------------------------------------------------------------


INPUTS: tuple[ReviewInput, ...] = (
    ReviewInput("previous_actions", "9.3.2 a", "Status of actions from previous management reviews",
                previous_actions, "Management reviews"),
    ReviewInput("context_issues", "9.3.2 b", "Changes in external and internal issues that are relevant to the "
                "information security management system", provided("context_issues", "external or internal issues"),
                "Context of the organisation"),
    ReviewInput("interested_parties", "9.3.2 c", "Changes in needs and expectations of interested parties that "
                "are relevant to the information security management system",
                provided("interested_parties", "interested parties"), "Context of the organisation"),
    ReviewInput("nonconformities", "9.3.2 d 1", "Feedback on information security performance, including trends "
                "in: nonconformities and corrective actions", nonconformities, "Nonconformity register"),
    ReviewInput("incidents", "9.3.2 d", "Feedback on information security performance: security incidents, "
                "their handling and the POPIA s22 notifications", provided("incidents", "security incidents"),
                "Incident register"),
    ReviewInput("monitoring", "9.3.2 d 2", "Feedback on information security performance, including trends in: "
                "monitoring and measurement results", provided("monitoring", "monitoring and measurement results"),
                "Objectives and metrics"),
    ReviewInput("policy_acknowledgements", "9.3.2 d 2", "Monitoring and measurement results: acknowledgement of "
                "the policies in force", policy_acknowledgements, "Policies"),
    ReviewInput("awareness", "9.3.2 d 2", "Monitoring and measurement results: completion of the awareness "
                "campaigns (7.3)", provided("awareness", "awareness campaigns"), "Awareness and training"),
    ReviewInput("continuity", "9.3.2 d 2", "Monitoring and measurement results: business continuity tests and "
                "exercises", provided("continuity", "business continuity tests or exercises"), "Business continuity"),
    ReviewInput("audits", "9.3.2 d 3", "Feedback on information security performance, including trends in: audit "
                "results", provided("audits", "internal audit results"), "Internal audits"),
    ReviewInput("objectives", "9.3.2 d 4", "Feedback on information security performance, including trends in: "
                "fulfilment of information security objectives", provided("objectives", "information security "
                                                                                        "objectives"),
                "Objectives and metrics"),
    ReviewInput("interested_party_feedback", "9.3.2 e", "Feedback from interested parties",
                interested_party_feedback, "Recorded on the review; complaints in the nonconformity register"),
    ReviewInput("risks", "9.3.2 f", "Results of risk assessment and status of risk treatment plan", risks,
                "Risk register"),
    ReviewInput("soa", "9.3.2 f", "Status of risk treatment: the Statement of Applicability",
                statement_of_applicability, "Statement of Applicability"),
    ReviewInput("opportunities", "9.3.2 g", "Opportunities for continual improvement", improvement_opportunities,
                "Recorded on the review"),
)
INPUTS_BY_KEY = {entry.key: entry for entry in INPUTS}


def previous_review(as_of: date, *, excluding: int | None = None) -> ManagementReview | None:
    """The last review held on or before as_of."""
    statement = (sa.select(ManagementReview).where(ManagementReview.status.in_(HELD_STATUSES),
                                                   ManagementReview.meeting_on <= as_of)
                 .order_by(ManagementReview.meeting_on.desc(), ManagementReview.id.desc()).limit(1))
    if excluding is not None:
        statement = statement.where(ManagementReview.id != excluding)
    return db.session.scalar(statement)


def period_for(as_of: date, *, feedback: str = "", opportunities: str = "", excluding: int | None = None) -> Period:
    previous = previous_review(as_of, excluding=excluding)
    since = previous.meeting_on if previous else add_months(as_of, -DEFAULT_PERIOD_MONTHS)
    return Period(as_of=as_of, since=since, previous_review=str(previous) if previous else "",
                  feedback=feedback, opportunities=opportunities)


def compile(as_of: date, *, feedback: str = "", opportunities: str = "", excluding: int | None = None) -> dict:  # noqa: A001
    """Every section as of the date: the dict a review pack stores (JSON-serialisable)."""
    period = period_for(as_of, feedback=feedback, opportunities=opportunities, excluding=excluding)
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "since": period.since.isoformat(),
        "previous_review": period.previous_review,
        "sections": [{"key": entry.key, "item": entry.item, "title": entry.title, "source": entry.source,
                      **entry.compile(period)} for entry in INPUTS],
    }
