"""The risk form as a person meets it (issue 18, point 9): no rating chosen for them, the score and
band of each rating with what the levels mean, the next review planned from the interval, the
controls as a list of checkboxes with a filter, and date help that says what the field is."""

from __future__ import annotations

import json
import re
from datetime import date

import sqlalchemy as sa

from app.common.timeutil import add_months, local_today
from app.controls.services import annex_a_control as annex_a
from app.extensions import db
from app.risks import services
from app.risks.models import Risk
from app.risks.scoring import Rating
from tests.risks.test_record_views import error_next_to, page_text_of, reload, risk_count, risk_form


def select_html(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select {name}"
    return match.group(1)


def selected_values(select: str) -> list[str]:
    return re.findall(r'<option selected value="([^"]*)"', select)


def preview_text(page: str, kind: str) -> str:
    match = re.search(rf'<p class="risk-rating-preview" id="{kind}-preview"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no preview for {kind}"
    return page_text_of(match.group(1))


def help_text(page: str, field_id: str) -> str:
    match = re.search(rf'<div id="{field_id}-help" class="form-text">(.*?)</div>', page, re.S)
    assert match, f"no help under {field_id}"
    return page_text_of(match.group(1))


# --- no rating chosen for the user ---------------------------------------------------------------


def test_a_new_risk_starts_unrated(client, login_as, category):
    login_as("security_officer")
    page = client.get("/risks/new").get_data(as_text=True)
    for name in ("inherent_likelihood", "inherent_impact"):
        select = select_html(page, name)
        # The first option is an empty "Choose…", and nothing else is chosen: before, "1 — Rare" was.
        assert select.lstrip().startswith('<option value="">Choose…</option>') or \
            select.lstrip().startswith('<option selected value="">Choose…</option>'), select[:120]
        assert selected_values(select) in ([], [""])
    assert preview_text(page, "inherent") == "Inherent rating: Not rated yet"


def test_a_risk_posted_without_an_inherent_rating_is_refused_and_kept(client, login_as, category):
    login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, inherent_likelihood="", inherent_impact=""))
    assert response.status_code == 422
    assert "Choose the inherent likelihood." in error_next_to(response, "inherent_likelihood")
    assert "Choose the inherent impact." in error_next_to(response, "inherent_impact")
    page = response.get_data(as_text=True)
    assert 'value="Information Security"' in page  # the form is kept
    assert risk_count() == 0


def test_the_service_refuses_a_risk_without_an_inherent_rating(app, category, officer):
    data = services.RiskInput(title="Load shedding", category_id=category.id, inherent=None)
    try:
        services.create_risk(data, actor=officer)
    except services.RiskRuleError as error:
        assert ("inherent_likelihood", "Rate the inherent likelihood and impact: every risk needs them.") in \
            error.problems
    else:
        raise AssertionError("a risk without an inherent rating was created")
    db.session.rollback()
    assert risk_count() == 0


# --- the score and band preview, and what the levels mean ------------------------------------------


def test_the_form_shows_each_ratings_score_band_and_level_meaning(client, login_as, make_risk):
    risk = make_risk(inherent=(4, 4), residual=(3, 3))
    login_as("security_officer")
    page = client.get(f"/risks/{risk.id}/edit").get_data(as_text=True)

    assert preview_text(page, "inherent").startswith("Inherent rating: 16 · High Likely × Major. Treat within 90 days")
    assert preview_text(page, "residual").startswith("Residual rating: 9 · Medium Possible × Moderate")
    assert preview_text(page, "target") == "Target rating: Not rated yet"
    assert help_text(page, "inherent_likelihood").startswith("Likely: Will probably occur; about once a year")
    assert help_text(page, "target_impact").startswith("Choose a level")
    assert "What the levels mean" in page and "Catastrophic" in page


def test_the_script_reads_the_matrix_from_the_form(client, login_as, category):
    login_as("security_officer")
    page = client.get("/risks/new").get_data(as_text=True)
    scale = json.loads(re.search(r"data-rating-scale='([^']*)'", page).group(1))
    assert [band["name"] for band in scale["bands"]] == ["Low", "Medium", "High", "Critical"]
    assert scale["bands"][3] == {"name": "Critical", "min": 20, "max": 25, "colour": "#c62828", "text": "#ffffff",
                                 "response": "Treat within 30 days; report to the Head of Department."}
    assert scale["likelihoods"]["5"]["label"] == "Almost certain"
    assert '<script src="/static/js/risk-rating.js" defer></script>' in page
    _assert_served("/static/js/risk-rating.js", client)


def test_a_refused_form_previews_what_was_posted(client, login_as, category):
    login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, title="", inherent_likelihood="5",
                                                        inherent_impact="5"))
    assert response.status_code == 422
    assert preview_text(response.get_data(as_text=True), "inherent").startswith("Inherent rating: 25 · Critical")


# --- next review planned from the interval ---------------------------------------------------------


def test_a_new_risk_without_a_next_review_is_reviewed_one_interval_from_today(app, category, officer):
    risk = services.create_risk(services.RiskInput(title="Load shedding", category_id=category.id,
                                                   inherent=Rating(3, 4), review_frequency_months=6),
                                actor=officer, today=date(2026, 1, 31))
    assert risk.next_review_on == date(2026, 7, 31)
    dated = services.create_risk(services.RiskInput(title="Phishing", category_id=category.id,
                                                    inherent=Rating(3, 4), next_review_on=date(2026, 3, 1)),
                                 actor=officer, today=date(2026, 1, 31))
    assert dated.next_review_on == date(2026, 3, 1)


def test_the_form_plans_the_first_review_when_left_empty(client, login_as, category):
    login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, next_review_on="", review_frequency_months="6"))
    assert response.status_code == 302
    risk = db.session.scalar(sa.select(Risk))
    assert risk.next_review_on == add_months(local_today(), 6)


def test_editing_keeps_an_emptied_next_review_empty(client, login_as, make_risk):
    """Only a new risk is planned from the interval; an edit saves what the editor chose."""
    from tests.risks.test_record_views import edit_form

    risk = make_risk()
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, next_review_on=""))
    assert response.status_code == 302
    assert reload(risk).next_review_on is None


# --- controls picker and date help ----------------------------------------------------------------


def test_controls_are_a_list_of_checkboxes_with_a_filter(client, login_as, make_risk):
    risk = make_risk()
    login_as("security_officer")
    monitoring = annex_a("8.16")
    client.post(f"/risks/{risk.id}/edit", data={**_edit(risk), "control_ids": [str(monitoring.id)]})
    page = client.get(f"/risks/{risk.id}/edit").get_data(as_text=True)

    assert '<select multiple' not in page and 'name="control_ids"' in page
    boxes = re.findall(r'<input class="form-check-input" type="checkbox" name="control_ids" value="(\d+)"[^>]*>', page)
    assert len(boxes) >= 93  # every Annex A control, and the internal ones in use
    assert f'value="{monitoring.id}" id="control_ids-{monitoring.id}" checked>' in page
    assert 'for="control_ids-filter">Find a control by number or words</label>' in page
    assert "1 chosen" in page
    assert '<script src="/static/js/control-picker.js" defer></script>' in page
    _assert_served("/static/js/control-picker.js", client)


def test_a_control_that_is_not_in_use_is_refused_next_to_the_list(client, login_as, make_risk):
    risk = make_risk()
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/edit", data={**_edit(risk), "control_ids": ["999999"]})
    assert response.status_code == 422
    assert re.search(r'<div id="control_ids-error" class="invalid-feedback d-block">', response.get_data(as_text=True))
    assert reload(risk).controls == []


def test_date_help_describes_the_field_not_a_format_the_browser_does_not_show(client, login_as, make_risk):
    risk = make_risk()
    login_as("security_officer")
    for path in ("/risks/new", f"/risks/{risk.id}/edit", f"/risks/{risk.id}/actions/new"):
        page = client.get(path).get_data(as_text=True)
        assert "YYYY-MM-DD" not in page, path
    assert help_text(client.get("/risks/new").get_data(as_text=True), "next_review_on") == (
        "When the risk is next reviewed. Left empty, it is set to today plus the review interval.")


def _edit(risk) -> dict:
    from tests.risks.test_record_views import edit_form

    return edit_form(risk)


def _assert_served(path: str, client) -> None:
    """Served by the app itself (no network at run time)."""
    response = client.get(path)
    try:
        assert response.status_code == 200 and b"use strict" in response.get_data()
    finally:
        response.close()
