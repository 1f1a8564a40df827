"""The risk forms on their own: choices labelled from the matrix, rows left empty ignored, a
rating needing both halves, dates and numbers with messages a person can act on, and service
problems landing next to their fields."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from app.common.saving import show_problems
from app.risks import scoring
from app.risks.forms import (
    ActionForm,
    ReviewForm,
    RiskForm,
    level_choices,
)
from app.risks.models import RatingKind

MATRIX = scoring.default_matrix(5)


def test_level_choices_are_labelled_from_the_matrix():
    # A required rating starts on an empty "Choose…": a new risk is unrated until someone chooses.
    assert level_choices(MATRIX.likelihoods, optional=False) == {
        "": "Choose…", "1": "1 — Rare", "2": "2 — Unlikely", "3": "3 — Possible", "4": "4 — Likely",
        "5": "5 — Almost certain"}
    assert list(level_choices(MATRIX.impacts, optional=True).items())[:2] == [
        ("", "Not rated"), ("1", "1 — Insignificant")]


def test_a_value_the_current_matrix_lacks_stays_choosable():
    smaller = scoring.default_matrix(4)
    choices = level_choices(smaller.likelihoods, optional=False, keep=5, keep_label="Almost certain")
    assert choices["5"] == "5 — Almost certain (older matrix)"
    assert level_choices(smaller.likelihoods, optional=False, keep=3) == level_choices(
        smaller.likelihoods, optional=False)


def posted_risk_form(app, **fields) -> RiskForm:
    data = {"title": "Information Security", "category_id": "1", "inherent_likelihood": "4",
            "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3", "tolerance": "4",
            "status": "open", "review_frequency_months": "12", **fields}
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = RiskForm()
        form.set_choices(categories=[], departments=[], users=[], matrix=MATRIX)
        form.category_id.choices = {"": "Choose a category", "1": "Information Security"}
        form.validate()
        return form


def test_a_complete_form_becomes_a_risk_input(app):
    form = posted_risk_form(app, **{
        "factors-0-description": " Attack by an external source ", "factors-0-rating": "H",
        "factors-1-description": "", "factors-1-rating": "L",
        "factors-4-description": "Limited adherence to ICT policies", "factors-4-rating": "M",
        "next_review_on": "2027-03-31", "strategy": "modify"})
    assert not form.errors
    data = form.to_input()
    assert (data.title, data.category_id, data.tolerance, data.strategy) == ("Information Security", 1, 4, "modify")
    assert (data.inherent, data.residual, data.target) == (scoring.Rating(4, 4), scoring.Rating(3, 3), None)
    assert data.next_review_on == date(2027, 3, 31)
    assert data.factors == [("Attack by an external source", "H"), ("Limited adherence to ICT policies", "M")]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"residual_impact": ""}, "residual_impact", "Choose the residual impact too"),
    ({"target_likelihood": "2", "target_impact": "2", "residual_likelihood": "", "residual_impact": ""},
     "residual_likelihood", "Rate the residual risk before setting a target."),
    ({"tolerance": "4.5"}, "tolerance", "“4.5” is not a whole number"),
    ({"next_review_on": "tomorrow"}, "next_review_on", "“tomorrow” is not a date; enter it as YYYY-MM-DD"),
    ({"factors-0-description": "x" * 301, "factors-0-rating": "H"}, "factors",
     "Contributing factor 1 is 301 characters long"),
    ({"factors-0-description": "", "factors-1-description": "", "factors-2-description": "Ageing technology",
      "factors-2-rating": "X"}, "factors",
     "Contributing factor 3: rate it H, M or L."),
    ({"title": ""}, "title", "Give the risk a title"),
])
def test_form_problems_name_the_field(app, fields, field, message):
    form = posted_risk_form(app, **fields)
    assert any(message in error for error in form.errors[field]), form.errors


def test_rows_are_padded_so_there_is_always_room_for_more(app):
    form = posted_risk_form(app, **{f"factors-{n}-description": f"Factor {n}" for n in range(12)})
    with app.test_request_context():
        form.pad_factor_rows()
    assert form.filled_factor_count() == 12 and len(form.factors) == 15


def test_service_problems_land_next_to_their_fields(app):
    form = posted_risk_form(app)
    show_problems(form, [("residual_likelihood", "Too high."), ("reason", "Say why."), (None, "Only the owner."),
                         ("no_such_field", "Elsewhere.")])
    assert form.residual_likelihood.errors == ["Too high."]
    assert form.reason.errors == ["Say why."]
    assert form.form_errors == ["Only the owner.", "Elsewhere."]


def test_a_review_notices_when_the_ratings_change(app, make_risk):
    risk = make_risk(inherent=(4, 4), residual=(3, 3))
    base = {"version": "1", "reviewed_on": "2026-01-15", "notes": "Checked.", "inherent_likelihood": "4",
            "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3"}
    for changes, changed in (({}, False), ({"residual_likelihood": "2"}, True),
                             ({"target_likelihood": "1", "target_impact": "1"}, True)):
        with app.test_request_context(method="POST", data=MultiDict({**base, **changes})):
            form = ReviewForm()
            form.set_rating_choices(MATRIX, risk, MATRIX)
            assert form.validate(), form.errors
            assert form.ratings_changed(risk) is changed
            assert form.rating(RatingKind.RESIDUAL) == scoring.Rating(int(base["residual_likelihood"]
                                                                          if "residual_likelihood" not in changes
                                                                          else changes["residual_likelihood"]), 3)


def test_an_action_needs_a_title_and_a_known_status(app):
    with app.test_request_context(method="POST", data=MultiDict({"title": " ", "status": "finished"})):
        form = ActionForm()
        form.set_owner_choices([])
        form.set_control_choices([])
        assert not form.validate()
        assert "Say what will be done" in form.title.errors[0]
        assert form.status.errors == ["Not a valid choice."]
