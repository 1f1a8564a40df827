"""The risk matrix and the rules of scoring: pure functions, no Flask and no database.

Rating = likelihood × impact on an ordinal matrix (ISO/IEC 27005; NIST SP 800-30 App. I).
Bands are ranges over the rating; every score a cell can reach must fall in exactly one band.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.common.colours import text_colour_on

MIN_SIZE, MAX_SIZE = 3, 6


class ScoringError(ValueError):
    """A rating or a matrix breaks a scoring rule; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Level:
    value: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Band:
    name: str
    min_score: int
    max_score: int
    colour: str  # "#rrggbb"
    response: str = ""

    def covers(self, score: int) -> bool:
        return self.min_score <= score <= self.max_score

    @property
    def text_colour(self) -> str:
        return text_colour_on(self.colour)


@dataclass(frozen=True)
class Matrix:
    size: int
    likelihoods: tuple[Level, ...]
    impacts: tuple[Level, ...]
    bands: tuple[Band, ...] = field(default_factory=tuple)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.covers(score):
                return band
        raise ScoringError(f"No band of the risk matrix covers the rating {score}.")

    def band_of(self, likelihood: int, impact: int) -> Band:
        return self.band_for(rating(likelihood, impact))

    def check_level(self, value: int, axis: str, field_name: str | None = None) -> None:
        if not 1 <= value <= self.size:
            raise ScoringError(
                f"{axis.capitalize()} {value} is outside the risk matrix; choose 1 to {self.size}.", field_name
            )


def rating(likelihood: int, impact: int) -> int:
    return likelihood * impact


def reachable_scores(size: int) -> list[int]:
    """The ratings a size×size matrix can produce, e.g. 5×5: 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25."""
    return sorted({likelihood * impact for likelihood in range(1, size + 1) for impact in range(1, size + 1)})


def band_problems(size: int, bands: list[Band] | tuple[Band, ...]) -> list[str]:
    """Why a set of bands cannot be saved for this matrix size; empty when it can."""
    problems = []
    if not MIN_SIZE <= size <= MAX_SIZE:
        problems.append(
            f"The matrix must be between {MIN_SIZE}×{MIN_SIZE} and {MAX_SIZE}×{MAX_SIZE}; got {size}×{size}."
        )
        return problems
    if not bands:
        return ["Add at least one band."]
    names = [band.name.strip().lower() for band in bands]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"Two bands are called “{name}”; give each band its own name.")
    for band in bands:
        if band.min_score > band.max_score:
            problems.append(
                f"Band {band.name}: the lowest score {band.min_score} is above the highest {band.max_score}."
            )
    ordered = sorted(bands, key=lambda band: band.min_score)
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        if upper.min_score <= lower.max_score:
            problems.append(
                f"Bands {lower.name} ({lower.min_score}–{lower.max_score}) and {upper.name} "
                f"({upper.min_score}–{upper.max_score}) overlap; a score may belong to one band only."
            )
    uncovered = [score for score in reachable_scores(size) if not any(band.covers(score) for band in bands)]
    if uncovered:
        problems.append(
            f"No band covers the score{'s' if len(uncovered) > 1 else ''} {', '.join(map(str, uncovered))}; "
            f"every cell of the {size}×{size} matrix needs a band."
        )
    return problems


@dataclass(frozen=True)
class Rating:
    likelihood: int
    impact: int

    @property
    def score(self) -> int:
        return rating(self.likelihood, self.impact)


def rating_problems(
    matrix: Matrix, inherent: Rating | None, residual: Rating | None, target: Rating | None
) -> list[tuple[str, str]]:
    """(field, message) for each rule the three ratings break: on the matrix, and
    target ≤ residual ≤ inherent (controls can only lower a risk)."""
    problems = []
    for name, value in (("inherent", inherent), ("residual", residual), ("target", target)):
        if value is None:
            continue
        for axis, level in (("likelihood", value.likelihood), ("impact", value.impact)):
            if not 1 <= level <= matrix.size:
                problems.append(
                    (f"{name}_{axis}", f"{name.capitalize()} {axis} {level} is outside the risk matrix; "
                                       f"choose 1 to {matrix.size}.")
                )
    if problems:
        return problems
    if inherent and residual and residual.score > inherent.score:
        problems.append(("residual_likelihood", f"The residual rating ({residual.score}) cannot exceed the inherent "
                                                f"rating ({inherent.score}): controls in place can only lower a risk."))
    if residual and target and target.score > residual.score:
        problems.append(("target_likelihood", f"The target rating ({target.score}) cannot exceed the residual rating "
                                              f"({residual.score}): treatment is meant to lower the risk."))
    return problems


def out_of_tolerance(residual_score: int | None, tolerance: int | None) -> bool:
    """Residual above the tolerance level must be treated or formally accepted."""
    return residual_score is not None and tolerance is not None and residual_score > tolerance


# --- defaults ----------------------------------------------------------------------------------

_LIKELIHOOD_LABELS = {
    3: ["Unlikely", "Possible", "Likely"],
    4: ["Unlikely", "Possible", "Likely", "Almost certain"],
    5: ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
    6: ["Very rare", "Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
}
_IMPACT_LABELS = {
    3: ["Minor", "Moderate", "Major"],
    4: ["Minor", "Moderate", "Major", "Severe"],
    5: ["Insignificant", "Minor", "Moderate", "Major", "Catastrophic"],
    6: ["Negligible", "Insignificant", "Minor", "Moderate", "Major", "Catastrophic"],
}
# What each level of the default 5×5 matrix means, so that two assessors rate alike (ISO/IEC 27001
# 6.1.2 b: assessments produce consistent, valid and comparable results). Administrators reword them.
_LEVEL_DESCRIPTIONS = {
    "likelihood": [
        "May occur only in exceptional circumstances; not expected within five years.",
        "Could occur at some time; not expected within the next two years.",
        "Might occur; about once in two years, or has happened elsewhere in government.",
        "Will probably occur; about once a year, or has happened here before.",
        "Expected to occur; several times a year, or is happening now.",
    ],
    "impact": [
        "No noticeable effect on services; no personal information exposed.",
        "Short disruption of a non-critical service; internal information exposed and contained.",
        "A service to citizens down for up to a day; limited personal information exposed; an internal inquiry.",
        "A critical service down for days; personal information of many people exposed; reported to the "
        "Information Regulator; media attention.",
        "Critical services down across the province for a week or more; a mass data breach; legal action; "
        "lasting loss of public trust.",
    ],
}
# (low, medium, high, critical) score ranges; 5×5 and 4×4 from the provincial methodology.
_BAND_RANGES = {
    3: ((1, 2), (3, 4), (6, 6), (9, 9)),
    4: ((1, 2), (3, 4), (6, 9), (12, 16)),
    5: ((1, 4), (5, 9), (10, 16), (20, 25)),
    6: ((1, 5), (6, 12), (15, 24), (25, 36)),
}
_BAND_STYLE = (
    ("Low", "#2e7d32", "Accept and monitor; review yearly."),
    ("Medium", "#f9a825", "Treat within 6 months or accept at risk-owner level."),
    ("High", "#ef6c00", "Treat within 90 days; report to the risk committee."),
    ("Critical", "#c62828", "Treat within 30 days; report to the Head of Department."),
)


def default_matrix(size: int = 5) -> Matrix:
    if size not in _BAND_RANGES:
        raise ScoringError(f"The matrix must be between {MIN_SIZE}×{MIN_SIZE} and {MAX_SIZE}×{MAX_SIZE}.", "size")
    return Matrix(
        size=size,
        likelihoods=tuple(Level(i + 1, label, _description("likelihood", size, i))
                          for i, label in enumerate(_LIKELIHOOD_LABELS[size])),
        impacts=tuple(Level(i + 1, label, _description("impact", size, i))
                      for i, label in enumerate(_IMPACT_LABELS[size])),
        bands=tuple(
            Band(name, low, high, colour, response)
            for (name, colour, response), (low, high) in zip(_BAND_STYLE, _BAND_RANGES[size], strict=True)
        ),
    )


def _description(axis: str, size: int, index: int) -> str:
    # Only the default 5×5 matrix is described; a matrix of another size starts with its labels only.
    return _LEVEL_DESCRIPTIONS[axis][index] if size == 5 else ""
