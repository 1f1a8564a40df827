"""The scoring rules: rating, bands over the matrix, rating order, tolerance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.common.colours import text_colour_on
from app.risks.scoring import (
    Band,
    Rating,
    ScoringError,
    band_problems,
    default_matrix,
    out_of_tolerance,
    rating,
    rating_problems,
    reachable_scores,
)

FIVE = default_matrix(5)


def test_rating_is_likelihood_times_impact():
    assert rating(4, 4) == 16
    assert rating(3, 3) == 9


def test_reachable_scores_of_the_five_by_five_matrix():
    assert reachable_scores(5) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25]


def test_reachable_scores_of_the_four_by_four_matrix():
    assert reachable_scores(4) == [1, 2, 3, 4, 6, 8, 9, 12, 16]


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [(1, 1, "Low"), (2, 2, "Low"), (1, 5, "Medium"), (3, 3, "Medium"), (2, 5, "High"), (4, 4, "High"),
     (4, 5, "Critical"), (5, 5, "Critical")],
)
def test_default_bands(likelihood, impact, band):
    assert FIVE.band_of(likelihood, impact).name == band


def test_the_provincial_information_security_risk():
    """Inherent 4×4 = 16 (High), residual 3×3 = 9 (Medium), tolerance 4: out of tolerance."""
    inherent, residual = Rating(4, 4), Rating(3, 3)
    assert (inherent.score, FIVE.band_for(inherent.score).name) == (16, "High")
    assert (residual.score, FIVE.band_for(residual.score).name) == (9, "Medium")
    assert out_of_tolerance(residual.score, 4)


@pytest.mark.parametrize("size", [3, 4, 5, 6])
def test_every_default_matrix_covers_every_cell_once(size):
    matrix = default_matrix(size)
    assert band_problems(size, matrix.bands) == []
    assert len(matrix.likelihoods) == len(matrix.impacts) == size
    for score in reachable_scores(size):
        assert sum(band.covers(score) for band in matrix.bands) == 1


@pytest.mark.parametrize("size", [2, 7])
def test_sizes_outside_three_to_six_are_refused(size):
    assert "between 3×3 and 6×6" in band_problems(size, FIVE.bands)[0]
    with pytest.raises(ScoringError):
        default_matrix(size)


def test_bands_that_leave_a_cell_uncovered_are_refused():
    bands = [Band("Low", 1, 4, "#2e7d32"), Band("High", 10, 25, "#c62828")]
    assert band_problems(5, bands) == [
        "No band covers the scores 5, 6, 8, 9; every cell of the 5×5 matrix needs a band."
    ]


def test_a_gap_on_scores_no_cell_reaches_is_fine():
    bands = [Band("Low", 1, 9, "#2e7d32"), Band("High", 10, 16, "#ef6c00"), Band("Critical", 20, 25, "#c62828")]
    assert band_problems(5, bands) == []  # 17-19 cannot occur on a 5×5 matrix


def test_overlapping_bands_are_refused():
    bands = [Band("Low", 1, 5, "#2e7d32"), Band("Medium", 5, 9, "#f9a825"), Band("High", 10, 25, "#c62828")]
    assert band_problems(5, bands) == [
        "Bands Low (1–5) and Medium (5–9) overlap; a score may belong to one band only."
    ]


def test_a_band_upside_down_and_duplicate_names_are_refused():
    bands = [Band("Low", 4, 1, "#2e7d32"), Band("low", 5, 25, "#c62828")]
    problems = band_problems(5, bands)
    assert "Two bands are called “low”; give each band its own name." in problems
    assert "Band Low: the lowest score 4 is above the highest 1." in problems


def test_no_bands_at_all_is_refused():
    assert band_problems(5, []) == ["Add at least one band."]


def test_a_score_with_no_band_is_a_clear_error():
    matrix = default_matrix(5)
    with pytest.raises(ScoringError, match="No band of the risk matrix covers the rating 17"):
        matrix.band_for(17)


def test_residual_above_inherent_is_refused():
    problems = rating_problems(FIVE, Rating(3, 3), Rating(4, 4), None)
    assert problems == [("residual_likelihood", "The residual rating (16) cannot exceed the inherent rating (9): "
                                                "controls in place can only lower a risk.")]


def test_target_above_residual_is_refused():
    problems = rating_problems(FIVE, Rating(4, 4), Rating(2, 2), Rating(3, 2))
    assert problems == [("target_likelihood", "The target rating (6) cannot exceed the residual rating (4): "
                                              "treatment is meant to lower the risk.")]


def test_levels_outside_the_matrix_are_named_per_field():
    problems = rating_problems(FIVE, Rating(6, 1), Rating(1, 0), None)
    assert problems == [
        ("inherent_likelihood", "Inherent likelihood 6 is outside the risk matrix; choose 1 to 5."),
        ("residual_impact", "Residual impact 0 is outside the risk matrix; choose 1 to 5."),
    ]


def test_missing_ratings_are_not_compared():
    assert rating_problems(FIVE, Rating(2, 2), None, Rating(1, 1)) == []


@pytest.mark.parametrize(("residual", "tolerance", "expected"), [(9, 4, True), (4, 4, False), (3, 4, False),
                                                                  (None, 4, False), (9, None, False)])
def test_out_of_tolerance_means_residual_strictly_above(residual, tolerance, expected):
    assert out_of_tolerance(residual, tolerance) is expected


@given(st.integers(3, 6), st.data())
def test_every_cell_of_a_default_matrix_has_exactly_one_band(size, data):
    matrix = default_matrix(size)
    likelihood = data.draw(st.integers(1, size))
    impact = data.draw(st.integers(1, size))
    assert [band for band in matrix.bands if band.covers(rating(likelihood, impact))] == [
        matrix.band_of(likelihood, impact)
    ]


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_rating_order_rule_matches_the_scores(il, ii, rl, ri):
    problems = rating_problems(FIVE, Rating(il, ii), Rating(rl, ri), None)
    assert bool(problems) is (rl * ri > il * ii)


@pytest.mark.parametrize(("background", "text"), [("#2e7d32", "#ffffff"), ("#f9a825", "#000000"),
                                                  ("#c62828", "#ffffff"), ("#ffffff", "#000000")])
def test_text_colour_keeps_contrast_on_band_colours(background, text):
    assert text_colour_on(background) == text
