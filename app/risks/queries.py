"""Reading the register for the list, its export and the heat maps.

The filters come from the query string, so a filtered list, its export and a heat-map cell are
all plain links. A value that cannot be understood (page=abc, band=nonsense) is ignored, as on
the other list pages, rather than refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from app.auth.models import Department, Role, User
from app.common.listing import SqlColumn, choice_arg, id_arg
from app.controls.models import Control
from app.controls.queries import risks_relying_on
from app.extensions import db
from app.risks import scoring
from app.risks.models import (
    EXPIRED_REASON,
    AcceptanceRequest,
    AcceptanceStatus,
    ActionStatus,
    RatingKind,
    RequestStatus,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskMatrix,
    RiskStatus,
    TreatmentAction,
)

# status= "" (the default) hides closed risks, as the register is about the risks still held;
# status=all shows every risk, closed ones too.
STATUS_NOT_CLOSED, STATUS_ANY = "", "all"
CONTROL_NONE = "none"
ACCEPTANCE_EXPIRY_DAYS = 30  # acceptance_expiring=1: acceptances ending within this many days
# Filters the heat map honours (it draws its own cells, so the cell filters do not apply there).
HEATMAP_FILTERS = ("q", "department", "category", "owner", "status")
CELL_PARAMS = {kind: (f"{kind.value}_likelihood", f"{kind.value}_impact") for kind in RatingKind}

SORT_COLUMNS: dict[str, SqlColumn] = {
    "reference": Risk.reference, "title": sa.func.lower(Risk.title), "category": sa.func.lower(RiskCategory.name),
    "department": Department.code, "owner": sa.func.lower(User.full_name), "inherent": Risk.inherent_score,
    "residual": Risk.residual_score, "target": Risk.target_score, "tolerance": Risk.tolerance,
    "status": Risk.status, "next_review": Risk.next_review_on,
}



def _level_arg(args: Mapping[str, str], name: str) -> int | None:
    text = (args.get(name) or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= scoring.MAX_SIZE else None


def _flag_arg(args: Mapping[str, str], name: str) -> bool:
    return args.get(name) in ("1", "on", "true", "yes")


@dataclass(frozen=True)
class Cell:
    """One cell of a heat map: risks whose `kind` rating is likelihood × impact."""

    kind: RatingKind
    likelihood: int
    impact: int


def register_scope(viewer: User | None) -> ColumnElement | None:
    """The part of the register `viewer` reads, as a condition; None when it is all of it.

    A manager reads the risks of their own department (DESIGN: managers act within their
    department, as with cases and employees), a manager with no department none; every other role
    that reads the register reads all of it. viewer=None is the system itself (packs, jobs)."""
    if viewer is None or viewer.role != Role.MANAGER:
        return None
    if viewer.department_id is None:
        return sa.false()
    return Risk.department_id == viewer.department_id


@dataclass(frozen=True)
class RiskFilters:
    q: str = ""
    department_id: int | None = None
    category_id: int | None = None
    owner_id: int | None = None
    status: str = STATUS_NOT_CLOSED
    band: str = ""
    band_rating: RatingKind = RatingKind.RESIDUAL
    out_of_tolerance: bool = False
    overdue_review: bool = False
    overdue_actions: bool = False  # a treatment action still open past its due date
    acceptance_expiring: bool = False  # accepted, the acceptance ending within ACCEPTANCE_EXPIRY_DAYS
    older_matrix: bool = False
    matrix_id: int | None = None
    # control=<id>: the risks relying on that control (directly or through an internal control in
    # use implementing it); control=none: the risks with no control in use linked.
    control_id: int | None = None
    without_controls: bool = False
    cells: tuple[Cell, ...] = field(default_factory=tuple)
    # register_scope() of the reader: not a filter they chose, so not compared and never in a link.
    scope: ColumnElement | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, viewer: User | None) -> RiskFilters:
        """The filters of a query string, within what `viewer` may read (None: the whole register)."""
        status = args.get("status", "")
        if status not in {STATUS_ANY, *(s.value for s in RiskStatus)}:
            status = STATUS_NOT_CLOSED
        band_rating = args.get("band_rating", "")
        band_rating = band_rating if band_rating in {kind.value for kind in RatingKind} else RatingKind.RESIDUAL.value
        cells = []
        for kind, (likelihood_param, impact_param) in CELL_PARAMS.items():
            likelihood, impact = _level_arg(args, likelihood_param), _level_arg(args, impact_param)
            if likelihood is not None and impact is not None:
                cells.append(Cell(kind, likelihood, impact))
        return cls(
            # A NUL cannot be sent to PostgreSQL; no reference, title or description holds one.
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            department_id=id_arg(args, "department"),
            category_id=id_arg(args, "category"),
            owner_id=id_arg(args, "owner"),
            status=status,
            band=(args.get("band") or "").strip()[:60],
            band_rating=RatingKind(band_rating),
            out_of_tolerance=_flag_arg(args, "out_of_tolerance"),
            overdue_review=_flag_arg(args, "overdue_review"),
            overdue_actions=_flag_arg(args, "overdue_actions"),
            acceptance_expiring=_flag_arg(args, "acceptance_expiring"),
            older_matrix=_flag_arg(args, "older_matrix"),
            matrix_id=id_arg(args, "matrix"),
            control_id=id_arg(args, "control"),
            without_controls=args.get("control") == CONTROL_NONE,
            cells=tuple(cells),
            scope=register_scope(viewer),
        )

    def conditions(self, *, today: date, current_matrix_id: int) -> list[ColumnElement]:
        where: list[ColumnElement] = [] if self.scope is None else [self.scope]
        if self.q:
            # autoescape: a "_" or "%" typed in the search box is a character, not a wildcard.
            needle = self.q.lower()
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (Risk.reference, Risk.title, Risk.description))))
        if self.department_id is not None:
            where.append(Risk.department_id == self.department_id)
        if self.category_id is not None:
            # A category selects its subcategories' risks too.
            where.append(sa.or_(Risk.category_id == self.category_id, Risk.subcategory_id == self.category_id))
        if self.owner_id is not None:
            where.append(Risk.owner_id == self.owner_id)
        if self.status == STATUS_NOT_CLOSED:
            where.append(Risk.status != RiskStatus.CLOSED.value)
        elif self.status != STATUS_ANY:
            where.append(Risk.status == self.status)
        if self.band:
            band_condition = _band_condition(self.band, self.band_rating)
            if band_condition is not None:
                where.append(band_condition)
        if self.out_of_tolerance:
            where.append(sa.and_(Risk.residual_score.is_not(None), Risk.residual_score > Risk.tolerance))
        if self.overdue_review:
            where.append(sa.and_(Risk.next_review_on < today, Risk.status != RiskStatus.CLOSED.value))
        if self.overdue_actions:
            where.append(Risk.id.in_(sa.select(TreatmentAction.risk_id).where(*overdue_action_conditions(today))))
        if self.acceptance_expiring:
            where.append(Risk.id.in_(sa.select(RiskAcceptance.risk_id)
                                     .where(*expiring_acceptance_conditions(today))))
        if self.older_matrix:
            where.append(Risk.matrix_id != current_matrix_id)
        if self.matrix_id is not None:
            where.append(Risk.matrix_id.in_(versions_on_map_of(self.matrix_id)))
        if self.control_id is not None:
            where.append(Risk.id.in_(risks_relying_on(self.control_id)))
        if self.without_controls:
            where.append(~Risk.controls.any(Control.active.is_(True)))
        for cell in self.cells:
            where.append(getattr(Risk, f"{cell.kind.value}_likelihood") == cell.likelihood)
            where.append(getattr(Risk, f"{cell.kind.value}_impact") == cell.impact)
        return where

    @property
    def heatmap_args(self) -> dict[str, str]:
        """The query string that carries these filters to or from the heat map."""
        args = {"q": self.q, "department": self.department_id, "category": self.category_id,
                "owner": self.owner_id, "status": self.status}
        return {key: str(value) for key, value in args.items() if value not in (None, "")}


def overdue_action_conditions(today: date) -> list[ColumnElement]:
    """Treatment actions still planned or in progress after their due date."""
    return [TreatmentAction.status.in_([ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value]),
            TreatmentAction.due_on < today]


def expiring_acceptance_conditions(today: date) -> list[ColumnElement]:
    """Acceptances in force that end within the next ACCEPTANCE_EXPIRY_DAYS days (today included)."""
    return [RiskAcceptance.ended_at.is_(None),
            RiskAcceptance.expires_on.between(today, today + timedelta(days=ACCEPTANCE_EXPIRY_DAYS))]


def _band_condition(name: str, kind: RatingKind) -> ColumnElement | None:
    """A risk's band depends on the matrix version it was scored on, so "High" is a score range
    per version: (version 1 and 10–16) or (version 2 and 12–20) ... None when no version has
    a band of that name (the filter is then ignored)."""
    score = getattr(Risk, f"{kind.value}_score")
    ranges = []
    for version in db.session.scalars(sa.select(RiskMatrix)):
        for band in version.to_scoring().bands:
            if band.name.strip().lower() == name.strip().lower():
                ranges.append(sa.and_(Risk.matrix_id == version.id, score.between(band.min_score, band.max_score)))
    return sa.or_(*ranges) if ranges else None


def filtered_risks(filters: RiskFilters, *, today: date, current_matrix_id: int) -> sa.Select:
    """The risks the filters select, joined to what the list sorts on, with what each row shows
    loaded in a fixed number of queries (not one per row)."""
    return (
        sa.select(Risk)
        .join(RiskCategory, Risk.category_id == RiskCategory.id)
        .outerjoin(Department, Risk.department_id == Department.id)
        .outerjoin(User, Risk.owner_id == User.id)
        .where(*filters.conditions(today=today, current_matrix_id=current_matrix_id))
        .options(selectinload(Risk.category), selectinload(Risk.subcategory), selectinload(Risk.department),
                 selectinload(Risk.owner), selectinload(Risk.matrix),
                 selectinload(Risk.standing_acceptance).selectinload(RiskAcceptance.accepted_by))
    )


class Bands:
    """The band of each rating on the risk's own matrix version, parsing each version once."""

    def __init__(self) -> None:
        self._matrices: dict[int, scoring.Matrix] = {}

    def of(self, risk: Risk, kind: RatingKind | str) -> scoring.Band | None:
        score = getattr(risk, f"{RatingKind(kind).value}_score")
        if score is None:
            return None
        matrix = self._matrices.get(risk.matrix_id)
        if matrix is None:
            matrix = self._matrices[risk.matrix_id] = risk.matrix.to_scoring()
        try:
            return matrix.band_for(score)
        except scoring.ScoringError:
            return None


# --- choices for the filter forms ----------------------------------------------------------------


def band_names(current: RiskMatrix) -> list[str]:
    """Band names of every version, the current version's first and in its order."""
    older = db.session.scalars(sa.select(RiskMatrix).where(RiskMatrix.id != current.id)
                               .order_by(RiskMatrix.version_number.desc()))
    versions = [current, *older]
    names: dict[str, str] = {}
    for version in versions:
        for band in sorted(version.to_scoring().bands, key=lambda b: b.min_score):
            names.setdefault(band.name.strip().lower(), band.name.strip())
    return list(names.values())


def risk_owners() -> list[User]:
    """People who own at least one risk."""
    owned = sa.select(Risk.owner_id).where(Risk.owner_id.is_not(None)).distinct()
    return list(db.session.scalars(sa.select(User).where(User.id.in_(owned)).order_by(sa.func.lower(User.full_name))))


# --- heat maps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    likelihood: scoring.Level
    impact: scoring.Level
    band: scoring.Band
    count: int

    @property
    def score(self) -> int:
        return scoring.rating(self.likelihood.value, self.impact.value)


@dataclass(frozen=True)
class HeatMap:
    kind: RatingKind
    version: RiskMatrix
    matrix: scoring.Matrix
    rows: list[list[HeatCell]]  # the highest likelihood first, impacts left to right
    unrated: int  # risks on this version without this rating (no residual yet, say)
    older: int = 0  # risks placed here though scored on an older version of the same size

    @property
    def total(self) -> int:
        return sum(cell.count for row in self.rows for cell in row)

    @property
    def band_totals(self) -> list[tuple[scoring.Band, int]]:
        totals = {band.name: 0 for band in self.matrix.bands}
        for row in self.rows:
            for cell in row:
                totals[cell.band.name] += cell.count
        return [(band, totals[band.name]) for band in sorted(self.matrix.bands, key=lambda b: b.min_score)]


def versions_on_map_of(matrix_id: int) -> sa.Select:
    """The matrix versions whose risks a heat map of version `matrix_id` places: that version and the
    older ones of the same size. Their levels mean the same, so a risk scored on them sits in the same
    cell; its band is read on the map's version until its ratings are confirmed there."""
    shown = sa.select(RiskMatrix.size, RiskMatrix.version_number).where(RiskMatrix.id == matrix_id).subquery()
    return sa.select(RiskMatrix.id).join(shown, sa.and_(RiskMatrix.size == shown.c.size,
                                                          RiskMatrix.version_number <= shown.c.version_number))


def heat_map(kind: RatingKind, filters: RiskFilters, *, current: RiskMatrix, today: date) -> HeatMap:
    """Counts per likelihood × impact cell of the current matrix version, for the risks scored on it
    or on an older version of the same size (versions_on_map_of). Risks scored on a matrix of another
    size are not placed: their levels mean something else there (count_not_on_map)."""
    likelihood = getattr(Risk, f"{kind.value}_likelihood")
    impact = getattr(Risk, f"{kind.value}_impact")
    where = [*filters.conditions(today=today, current_matrix_id=current.id),
             Risk.matrix_id.in_(versions_on_map_of(current.id))]
    counts = {
        (row_likelihood, row_impact): count
        for row_likelihood, row_impact, count in db.session.execute(
            sa.select(likelihood, impact, sa.func.count()).where(*where, likelihood.is_not(None))
            .group_by(likelihood, impact)
        )
    }
    unrated = db.session.scalar(sa.select(sa.func.count()).select_from(Risk).where(*where, likelihood.is_(None)))
    older = db.session.scalar(sa.select(sa.func.count()).select_from(Risk)
                              .where(*where, likelihood.is_not(None), Risk.matrix_id != current.id))
    matrix = current.to_scoring()
    rows = [
        [HeatCell(level, impact_level, matrix.band_of(level.value, impact_level.value),
                  counts.get((level.value, impact_level.value), 0))
         for impact_level in matrix.impacts]
        for level in sorted(matrix.likelihoods, key=lambda lvl: lvl.value, reverse=True)
    ]
    return HeatMap(kind=kind, version=current, matrix=matrix, rows=rows, unrated=unrated or 0, older=older or 0)


def count_not_on_map(filters: RiskFilters, *, current: RiskMatrix, today: date) -> int:
    """Risks matching `filters` scored on a matrix of another size than the current one."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Risk)
        .where(*filters.conditions(today=today, current_matrix_id=current.id),
               Risk.matrix_id.not_in(versions_on_map_of(current.id)))
    ) or 0


# --- what the scheduler reminds of --------------------------------------------------------------


def reviews_due(on: date) -> list[Risk]:
    """Risks still held (not closed) whose next review falls on or before `on`, overdue ones too."""
    return list(db.session.scalars(
        sa.select(Risk).where(Risk.status != RiskStatus.CLOSED.value, Risk.next_review_on.is_not(None),
                              Risk.next_review_on <= on)
        .order_by(Risk.next_review_on, Risk.id)))


def actions_due(on: date) -> list[TreatmentAction]:
    """Treatment actions not done or cancelled that are due on or before `on`."""
    return list(db.session.scalars(
        sa.select(TreatmentAction).options(selectinload(TreatmentAction.risk))
        .where(TreatmentAction.status.in_([ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value]),
               TreatmentAction.due_on.is_not(None), TreatmentAction.due_on <= on)
        .order_by(TreatmentAction.due_on, TreatmentAction.id)))


def acceptances_expiring(on: date) -> list[tuple[RiskAcceptance, Risk]]:
    """Acceptances still standing (not ended) that expire on or before `on`, with their risk."""
    return list(db.session.execute(
        sa.select(RiskAcceptance, Risk).join(Risk, RiskAcceptance.risk_id == Risk.id)
        .where(RiskAcceptance.ended_at.is_(None), RiskAcceptance.expires_on <= on,
               Risk.status != RiskStatus.CLOSED.value)
        .order_by(RiskAcceptance.expires_on, RiskAcceptance.id)).all())


# --- the acceptances register ------------------------------------------------------------------

ACCEPTANCE_SORT_COLUMNS: dict[str, SqlColumn] = {
    "risk": Risk.reference, "department": Department.code, "residual": RiskAcceptance.residual_score,
    "accepted_by": sa.func.lower(User.full_name), "accepted_on": RiskAcceptance.accepted_on,
    "expires_on": RiskAcceptance.expires_on,
}


def acceptance_status_condition(status: AcceptanceStatus, today: date) -> ColumnElement:
    """RiskAcceptance.status_on(today) == status, in SQL. An acceptance past its date that the
    nightly job has not ended yet is expired already."""
    standing = RiskAcceptance.ended_at.is_(None)
    if status == AcceptanceStatus.CURRENT:
        return sa.and_(standing, RiskAcceptance.expires_on >= today)
    expired_reason = sa.func.coalesce(RiskAcceptance.end_reason, "") == EXPIRED_REASON
    if status == AcceptanceStatus.EXPIRED:
        return sa.or_(sa.and_(standing, RiskAcceptance.expires_on < today),
                      sa.and_(RiskAcceptance.ended_at.is_not(None), expired_reason))
    return sa.and_(RiskAcceptance.ended_at.is_not(None), sa.not_(expired_reason))


@dataclass(frozen=True)
class AcceptanceFilters:
    """The acceptances register's filters, from the query string (a value not understood is ignored)."""

    q: str = ""
    status: str = ""  # an AcceptanceStatus value, or "" for all
    department_id: int | None = None
    band: str = ""
    scope: ColumnElement | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, viewer: User | None) -> AcceptanceFilters:
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   status=choice_arg(args, "status", {status.value for status in AcceptanceStatus}),
                   department_id=id_arg(args, "department"), band=(args.get("band") or "").strip()[:60],
                   scope=register_scope(viewer))

    def conditions(self, today: date) -> list[ColumnElement]:
        where: list[ColumnElement] = [] if self.scope is None else [self.scope]
        if self.q:
            needle = self.q.lower()
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (Risk.reference, Risk.title, RiskAcceptance.justification))))
        if self.status:
            where.append(acceptance_status_condition(AcceptanceStatus(self.status), today))
        if self.department_id is not None:
            where.append(Risk.department_id == self.department_id)
        if self.band:
            where.append(sa.func.lower(RiskAcceptance.residual_band) == self.band.lower())
        return where

    @property
    def args(self) -> dict[str, str]:
        """The query string of these filters: the PDF and the downloads carry them."""
        args = {"q": self.q, "status": self.status, "department": self.department_id, "band": self.band}
        return {key: str(value) for key, value in args.items() if value not in (None, "")}


def filtered_acceptances(filters: AcceptanceFilters, *, today: date) -> sa.Select:
    """Every acceptance the filters select (ended ones too), joined to what the register sorts on."""
    return (
        sa.select(RiskAcceptance)
        .join(Risk, RiskAcceptance.risk_id == Risk.id)
        .join(User, RiskAcceptance.accepted_by_id == User.id)
        .outerjoin(Department, Risk.department_id == Department.id)
        .where(*filters.conditions(today))
        .options(selectinload(RiskAcceptance.risk).selectinload(Risk.department),
                 selectinload(RiskAcceptance.risk).selectinload(Risk.owner),
                 selectinload(RiskAcceptance.accepted_by))
    )


def acceptances_of(risk_ids: list[int], date_from: date | None = None, date_to: date | None = None
                   ) -> list[RiskAcceptance]:
    """The acceptances of these risks (an evidence pack's), by risk and date; with a date range,
    those in force at some time within it (accepted by its end, not ended or expired before it)."""
    statement = (sa.select(RiskAcceptance).join(Risk, RiskAcceptance.risk_id == Risk.id)
                 .where(RiskAcceptance.risk_id.in_(risk_ids))
                 .order_by(Risk.reference, RiskAcceptance.accepted_on, RiskAcceptance.id)
                 .options(selectinload(RiskAcceptance.risk).selectinload(Risk.department),
                          selectinload(RiskAcceptance.accepted_by)))
    if date_to is not None:
        statement = statement.where(RiskAcceptance.accepted_on <= date_to)
    if date_from is not None:
        statement = statement.where(RiskAcceptance.expires_on >= date_from,
                                    sa.or_(RiskAcceptance.ended_at.is_(None),
                                           RiskAcceptance.ended_at >= datetime.combine(date_from, time.min, UTC)))
    return list(db.session.scalars(statement))


# --- requests for acceptance ------------------------------------------------------------------------


def open_acceptance_requests(viewer: User | None = None, *where: ColumnElement) -> list[AcceptanceRequest]:
    """Requests still waiting on risks not closed that `viewer` may read (None: all), and that meet
    the conditions `where` (on Risk), oldest first."""
    scope = register_scope(viewer)
    return list(db.session.scalars(
        sa.select(AcceptanceRequest).join(Risk, AcceptanceRequest.risk_id == Risk.id)
        .where(AcceptanceRequest.status == RequestStatus.OPEN.value, Risk.status != RiskStatus.CLOSED.value,
               *([] if scope is None else [scope]), *where)
        .order_by(AcceptanceRequest.requested_on, AcceptanceRequest.id)
        .options(selectinload(AcceptanceRequest.risk).selectinload(Risk.owner),
                 selectinload(AcceptanceRequest.risk).selectinload(Risk.department),
                 selectinload(AcceptanceRequest.risk).selectinload(Risk.matrix),
                 selectinload(AcceptanceRequest.requested_by))))


def past_acceptance_requests(viewer: User | None = None, limit: int = 50) -> list[AcceptanceRequest]:
    """The latest requests that ended (accepted or withdrawn), newest first."""
    scope = register_scope(viewer)
    return list(db.session.scalars(
        sa.select(AcceptanceRequest).join(Risk, AcceptanceRequest.risk_id == Risk.id)
        .where(AcceptanceRequest.status != RequestStatus.OPEN.value, *([] if scope is None else [scope]))
        .order_by(AcceptanceRequest.ended_at.desc(), AcceptanceRequest.id.desc()).limit(limit)
        .options(selectinload(AcceptanceRequest.risk), selectinload(AcceptanceRequest.requested_by),
                 selectinload(AcceptanceRequest.acceptance).selectinload(RiskAcceptance.accepted_by))))
