"""Read-only views of one risk for its pages: ratings with their bands and level labels, the
timeline with bands, where I/R/T sit on the matrix, and the choices its forms offer.

Nothing here writes; the rules stay in scoring.py and services.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import BuildError

from app.auth.models import User
from app.common.choices import department_choices
from app.extensions import db
from app.risks import queries, scoring, services
from app.risks.models import RatingChange, RatingKind, Risk, RiskAcceptance, RiskMatrix, RiskReview

KIND_LABELS = {RatingKind.INHERENT: "Inherent", RatingKind.RESIDUAL: "Residual", RatingKind.TARGET: "Target"}
KIND_LETTERS = {RatingKind.INHERENT: "I", RatingKind.RESIDUAL: "R", RatingKind.TARGET: "T"}
KIND_MEANINGS = {
    RatingKind.INHERENT: "without controls",
    RatingKind.RESIDUAL: "with the controls in place",
    RatingKind.TARGET: "after the planned treatment",
}


@dataclass(frozen=True)
class RatingView:
    kind: RatingKind
    likelihood: int | None
    impact: int | None
    likelihood_label: str = ""
    impact_label: str = ""
    band: scoring.Band | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def letter(self) -> str:
        return KIND_LETTERS[self.kind]

    @property
    def meaning(self) -> str:
        return KIND_MEANINGS[self.kind]

    @property
    def rated(self) -> bool:
        return self.likelihood is not None

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact is None:  # rated as a pair: both or neither
            return None
        return scoring.rating(self.likelihood, self.impact)


def _label(levels: tuple[scoring.Level, ...], value: int | None) -> str:
    return next((level.label for level in levels if level.value == value), "")


def ratings_of(risk: Risk) -> list[RatingView]:
    """Inherent, residual and target, labelled and banded on the matrix the risk was scored on."""
    matrix = services.matrix_of(risk)
    views = []
    for kind in RatingKind:
        likelihood = getattr(risk, f"{kind.value}_likelihood")
        impact = getattr(risk, f"{kind.value}_impact")
        if likelihood is None:
            views.append(RatingView(kind, None, None))
            continue
        views.append(RatingView(kind, likelihood, impact, _label(matrix.likelihoods, likelihood),
                                _label(matrix.impacts, impact), services.band_of(risk, kind)))
    return views


@dataclass(frozen=True)
class MatrixCell:
    likelihood: int
    impact: int
    band: scoring.Band
    marks: tuple[str, ...]  # "I", "R", "T" placed in this cell

    @property
    def score(self) -> int:
        return scoring.rating(self.likelihood, self.impact)


def matrix_rows(risk: Risk, ratings: list[RatingView]) -> list[tuple[scoring.Level, list[MatrixCell]]]:
    """The risk's own matrix, highest likelihood first, each cell with the ratings that sit in it."""
    matrix = services.matrix_of(risk)
    rows = []
    for likelihood in reversed(matrix.likelihoods):
        cells = []
        for impact in matrix.impacts:
            marks = tuple(view.letter for view in ratings
                          if view.rated and view.likelihood == likelihood.value and view.impact == impact.value)
            cells.append(MatrixCell(likelihood.value, impact.value,
                                    matrix.band_of(likelihood.value, impact.value), marks))
        rows.append((likelihood, cells))
    return rows


def band_for(matrix: RiskMatrix | None, score: int | None) -> scoring.Band | None:
    if matrix is None or score is None:
        return None
    try:
        return matrix.to_scoring().band_for(score)
    except scoring.ScoringError:
        return None


@dataclass(frozen=True)
class TimelineEntry:
    change: RatingChange
    from_band: scoring.Band | None
    to_band: scoring.Band | None
    from_version: int | None
    to_version: int | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(RatingKind(self.change.kind), self.change.kind.capitalize())


def timeline(risk: Risk) -> list[TimelineEntry]:
    """services.rating_history with each side banded on the matrix version it was scored on."""
    changes = services.rating_history(risk)
    matrix_ids = {c.matrix_id for c in changes} | {c.from_matrix_id for c in changes if c.from_matrix_id}
    matrices = {m.id: m for m in db.session.scalars(sa.select(RiskMatrix).where(RiskMatrix.id.in_(matrix_ids)))}
    entries = []
    for change in changes:
        old_matrix = matrices.get(change.from_matrix_id or change.matrix_id)
        new_matrix = matrices.get(change.matrix_id)
        entries.append(TimelineEntry(
            change, band_for(old_matrix, change.from_score), band_for(new_matrix, change.to_score),
            old_matrix.version_number if old_matrix and change.from_matrix_id else None,
            new_matrix.version_number if new_matrix else None,
        ))
    return entries


@dataclass(frozen=True)
class TimelineStep:
    """Changes made together (one save): who, when, why, and each rating that moved."""

    entries: tuple[TimelineEntry, ...]

    @property
    def first(self) -> RatingChange:
        return self.entries[0].change


def _same_save(one: RatingChange, other: RatingChange) -> bool:
    # Each change is stamped with its own utcnow(), so changes of one save differ by microseconds.
    return ((one.changed_by_id, one.reason, one.matrix_id) == (other.changed_by_id, other.reason, other.matrix_id)
            and abs((one.changed_at - other.changed_at).total_seconds()) < 2)


def timeline_steps(risk: Risk) -> list[TimelineStep]:
    """The timeline, newest first, with the ratings changed in one save shown together
    in the order inherent, residual, target."""
    order = {kind.value: position for position, kind in enumerate(RatingKind)}
    steps: list[list[TimelineEntry]] = []
    for entry in timeline(risk):
        change = entry.change
        if steps and _same_save(steps[-1][0].change, change):
            steps[-1].append(entry)
        else:
            steps.append([entry])
    return [TimelineStep(tuple(sorted(step, key=lambda e: order.get(e.change.kind, 9)))) for step in steps]


def reviews_of(risk: Risk) -> list[RiskReview]:
    return list(db.session.scalars(
        sa.select(RiskReview).where(RiskReview.risk_id == risk.id)
        .order_by(RiskReview.reviewed_on.desc(), RiskReview.id.desc())
    ))


def latest_acceptance(risk: Risk) -> RiskAcceptance | None:
    """The current acceptance, or else the last one that ended (expired, replaced, closed)."""
    return services.current_acceptance(risk) or db.session.scalar(
        sa.select(RiskAcceptance).where(RiskAcceptance.risk_id == risk.id)
        .order_by(RiskAcceptance.id.desc()).limit(1)
    )


def acceptance_expired(acceptance: RiskAcceptance | None, today: date) -> bool:
    return acceptance is not None and acceptance.expires_on < today


def register_url() -> str | None:
    """The risk register (list) page, when it exists."""
    try:
        return url_for("risks.index")
    except BuildError:
        return None


# --- the rating selects' preview (risk and review forms) -----------------------------------------


def rating_preview(scale: scoring.Matrix, kind: RatingKind, rating: scoring.Rating | None) -> RatingView:
    """A rating a form holds, labelled and banded on `scale` (the current matrix): what the page
    shows before any script runs; static/js/risk-rating.js keeps it up to date as the selects
    change. A level the scale lacks (kept from an older matrix) shows as not rated here."""
    if rating is None or not (1 <= rating.likelihood <= scale.size and 1 <= rating.impact <= scale.size):
        return RatingView(kind, None, None)
    return RatingView(kind, rating.likelihood, rating.impact, _label(scale.likelihoods, rating.likelihood),
                      _label(scale.impacts, rating.impact), scale.band_of(rating.likelihood, rating.impact))


def level_help(levels: tuple[scoring.Level, ...], value: str | None) -> str:
    """The help under a likelihood or impact select: what the chosen level means."""
    level = next((level for level in levels if str(level.value) == (value or "")), None)
    if level is None:
        return "Choose a level; “What the levels mean” above describes each one."
    return f"{level.label}: {level.description}" if level.description else level.label


def scale_for_script(scale: scoring.Matrix) -> dict:
    """The matrix as risk-rating.js reads it from the form's data-rating-scale attribute."""
    def levels(items: tuple[scoring.Level, ...]) -> dict[str, dict]:
        return {str(level.value): {"label": level.label, "description": level.description} for level in items}

    return {"likelihoods": levels(scale.likelihoods), "impacts": levels(scale.impacts),
            "bands": [{"name": band.name, "min": band.min_score, "max": band.max_score, "colour": band.colour,
                       "text": band.text_colour, "response": band.response} for band in scale.bands]}


def department_filter_choices(viewer: User) -> dict[str, str]:
    """The department filter of the register's lists. A manager reads their own department's risks
    only (queries.register_scope): no other to choose."""
    every = department_choices("All departments", include_inactive=True)
    if queries.register_scope(viewer) is None:
        return every
    own = str(viewer.department_id or "")
    return {key: label for key, label in every.items() if key == own and key}
