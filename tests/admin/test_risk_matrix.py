"""The risk matrix page: the current version, saving a new version, and the risk settings."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.extensions import db
from app.risks import matrices
from app.risks.models import Risk, RiskCategory, RiskMatrix
from app.risks.scoring import Band, Level, Matrix, default_matrix
from tests import factories
from tests.pages import audit_entries, only_entry, page_text

FIVE = default_matrix(5)


def matrix_form(matrix: Matrix = FIVE, based_on: int | None = 1, note: str = "Yearly review", **changes) -> dict:
    """The edit form as a browser posts it: every level, six band rows (unused ones empty)."""
    data = {"size": str(matrix.size), "change_note": note}
    if based_on is not None:
        data["based_on_version"] = str(based_on)
    for axis, levels in (("likelihoods", matrix.likelihoods), ("impacts", matrix.impacts)):
        for index, level in enumerate(levels):
            data[f"{axis}-{index}-label"] = level.label
            data[f"{axis}-{index}-description"] = level.description
    for index in range(6):
        band = matrix.bands[index] if index < len(matrix.bands) else None
        data[f"bands-{index}-name"] = band.name if band else ""
        data[f"bands-{index}-min_score"] = str(band.min_score) if band else ""
        data[f"bands-{index}-max_score"] = str(band.max_score) if band else ""
        data[f"bands-{index}-colour"] = band.colour if band else "#6c757d"
        data[f"bands-{index}-response"] = band.response if band else ""
    data.update(changes)
    return data


def version_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RiskMatrix))


def cell(text: str, likelihood: int, impact: int) -> str:
    """The HTML of one cell of the matrix grid (rows run from the highest likelihood down)."""
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", text, flags=re.S)
    size = len(rows)
    cells = re.findall(r"<td class=\"matrix-cell.*?</td>", rows[size - likelihood], flags=re.S)
    return cells[impact - 1]


def test_page_shows_the_current_matrix_as_a_coloured_grid(client, admin):
    response = client.get("/admin/risk-matrix")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert "Version 1 (current): 5×5" in text
    for label in ("Rare", "Almost certain", "Insignificant", "Catastrophic"):
        assert label in text
    assert "Treat within 30 days; report to the Head of Department." in text
    top_right = cell(html, 5, 5)
    assert 'fill="#c62828"' in top_right and "matrix-text-light" in top_right
    assert "<strong>25</strong> Critical" in top_right
    medium = cell(html, 3, 3)  # 9: Medium, amber: black text reads better
    assert 'fill="#f9a825"' in medium and "matrix-text-dark" in medium and "<strong>9</strong> Medium" in medium
    assert "<strong>4</strong> Low" in cell(html, 1, 4)
    assert 'style="' not in html.split("<main", 1)[1], "the CSP forbids style attributes"


def test_page_lists_every_version_with_who_saved_it(client, admin):
    matrices.current_matrix()
    other = factories.make_user("admin", full_name="Lindiwe Other-Admin")
    matrices.save_new_version(default_matrix(4), change_note="Four levels from 2025", actor=other,
                              based_on_version=1)
    db.session.get(RiskMatrix, 2).created_by_id = other.id  # saved outside a request: nobody is signed in
    db.session.commit()
    text = page_text(client.get("/admin/risk-matrix"))
    assert "Version 2 (current): 4×4" in text
    assert "Four levels from 2025" in text and "Lindiwe Other-Admin" in text
    assert "Default 5×5 matrix" in text


def test_an_earlier_version_can_be_looked_at_but_not_changed(client, admin):
    matrices.current_matrix()
    matrices.save_new_version(default_matrix(4), change_note="Four", actor=None, based_on_version=1)
    response = client.get("/admin/risk-matrix?version=1")
    text = page_text(response)
    assert response.status_code == 200
    assert "You are looking at version 1, an earlier version" in text and "It cannot be changed." in text
    assert "Catastrophic" in text
    assert client.get("/admin/risk-matrix?version=7").status_code == 404


def test_page_says_how_many_risks_are_still_on_an_older_version(client, admin):
    first = matrices.current_matrix()
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.flush()
    for number in (1, 2):
        db.session.add(Risk(reference=f"R-{number}", title=f"Risk {number}", category_id=category.id,
                            matrix_id=first.id, inherent_likelihood=4, inherent_impact=4, inherent_score=16,
                            tolerance=4))
    db.session.commit()
    assert "still scored on an earlier version" not in page_text(client.get("/admin/risk-matrix"))
    matrices.save_new_version(default_matrix(4), change_note="Four", actor=None, based_on_version=1)
    text = page_text(client.get("/admin/risk-matrix"))
    assert "2 risks are still scored on an earlier version of the matrix." in text


def test_edit_form_starts_from_the_current_version(client, admin):
    matrices.current_matrix()
    renamed = (*FIVE.likelihoods[:4], Level(5, "Expected", "More than once a year"))
    matrices.save_new_version(replace(FIVE, likelihoods=renamed), change_note="Renamed", actor=None,
                              based_on_version=1)
    text = page_text(client.get("/admin/risk-matrix/edit"))
    assert 'name="based_on_version" type="hidden" value="2"' in text
    assert 'value="Expected"' in text and 'value="More than once a year"' in text
    assert 'name="bands-3-name" type="text" value="Critical"' in text
    assert 'name="bands-5-name" type="text" value=""' in text
    assert "Save as version 3" in text


def test_another_size_starts_from_that_sizes_defaults(client, admin):
    text = page_text(client.get("/admin/risk-matrix/edit?size=3"))
    assert 'name="size" type="hidden" value="3"' in text
    assert 'value="Unlikely"' in text and 'value="Major"' in text and "likelihoods-3-label" not in text
    assert "Every score a 3×3 matrix can produce (1, 2, 3, 4, 6, 9)" in text


@pytest.mark.parametrize("size", ["9", "2", "five"])
def test_a_size_outside_three_to_six_falls_back_to_the_current_one(client, admin, size):
    response = client.get(f"/admin/risk-matrix/edit?size={size}")
    assert response.status_code == 200
    text = page_text(response)
    assert f"“{size}” is not one of those sizes. Showing the current 5×5 matrix." in text
    assert 'name="size" type="hidden" value="5"' in text


def test_admin_saves_a_new_version(client, admin):
    matrices.current_matrix()
    bands = (Band("Low", 1, 5, "#2E7D32", "Monitor"), Band("Medium", 6, 12, "#f9a825", "Treat in 6 months"),
             Band("High", 15, 25, "#c62828", "Treat now"))
    data = matrix_form(replace(FIVE, bands=bands), note="  Three bands after the 2025 review  ",
                       **{"impacts-4-description": "Loss of life or of the provincial network"})
    response = client.post("/admin/risk-matrix/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/risk-matrix"
    current = matrices.current_matrix()
    assert (current.version_number, current.change_note) == (2, "Three bands after the 2025 review")
    saved = current.to_scoring()
    assert [(b.name, b.min_score, b.max_score, b.colour) for b in saved.bands] == [
        ("Low", 1, 5, "#2e7d32"), ("Medium", 6, 12, "#f9a825"), ("High", 15, 25, "#c62828")]
    assert saved.impacts[4].description == "Loss of life or of the provincial network"
    assert db.session.get(RiskMatrix, 1).to_scoring() == FIVE
    entry, changes = only_entry("create", "risk_matrix", current.id)
    assert entry.actor_id == admin.id and changes["version_number"] == [None, 2]
    assert current.created_by_id == admin.id
    text = page_text(client.get("/admin/risk-matrix"))
    assert "Saved risk matrix version 2." in text and "Version 2 (current)" in text


def test_a_new_size_is_saved_from_its_defaults(client, admin):
    matrices.current_matrix()
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(default_matrix(3), note="Three by three"))
    assert response.status_code == 302
    assert matrices.current_matrix().to_scoring() == default_matrix(3)


def test_a_smaller_matrix_warns_when_the_tolerance_no_longer_fits(client, admin):
    matrices.current_matrix()
    settings.save({settings.RISK_DEFAULT_TOLERANCE: 12}, actor=None)
    db.session.commit()
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(default_matrix(3)), follow_redirects=True)
    text = page_text(response)
    assert "The default tolerance level 12 is above the highest score 9 of the new matrix" in text
    assert "The default tolerance level 12 is above the highest score 9 of the current matrix" in text


@pytest.mark.parametrize(("changes", "message"), [
    ({"likelihoods-2-label": "  "}, "Likelihood 3: enter a label, like “Possible” or “Major”."),
    ({"impacts-0-label": "x" * 61}, "Impact 1: the label is 61 characters long; use at most 60."),
    ({"change_note": " "}, "Say what changed and why"),
    ({"bands-3-min_score": "21"}, "No band covers the score 20; every cell of the 5×5 matrix needs a band."),
    ({"bands-2-max_score": "20"},
     "Bands High (10–20) and Critical (20–25) overlap; a score may belong to one band only."),
    ({"bands-1-name": "LOW"}, "Two bands are called “low”; give each band its own name."),
    ({"bands-0-min_score": "one"}, "Band 1: the lowest score must be a whole number from 1 to 25; got “one”."),
    ({"bands-3-max_score": "26"}, "Band 4: the highest score must be a whole number from 1 to 25; got “26”."),
    ({"bands-3-max_score": ""}, "Band 4: the highest score must be a whole number from 1 to 25."),
    ({"bands-2-name": ""}, "Band 3: enter a name, like “High”."),
    ({"bands-0-colour": "green"}, "Band 1: choose a colour as #rrggbb, like #c62828; got “green”."),
    ({"bands-4-name": "Extreme"}, "Band 5: the lowest score must be a whole number"),
    ({"bands-0-min_score": "5", "bands-0-max_score": "1"}, "Band Low: the lowest score 5 is above the highest 1."),
    ({"based_on_version": ""}, "The form does not say which matrix version it started from; reload the page."),
    ({"size": "7"}, "The matrix size must be 3 to 6"),
])
def test_invalid_matrix_is_refused_with_a_message_and_nothing_saved(client, admin, changes, message):
    matrices.current_matrix()
    entries_before = len(audit_entries())
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(**changes))
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "nothing was saved" in text
    assert version_count() == 1
    assert len(audit_entries()) == entries_before


def test_field_errors_are_tied_to_their_inputs(client, admin):
    matrices.current_matrix()
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(**{"likelihoods-2-label": ""}))
    text = page_text(response)
    label_input = re.search(r'<input[^>]*id="likelihoods-2-label"[^>]*>', text).group(0)
    assert 'aria-invalid="true"' in label_input
    assert 'aria-describedby="likelihoods-2-label-error"' in text
    assert '<a href="#likelihoods-2-label" class="alert-link">' in text
    # What was typed elsewhere is kept.
    assert "Yearly review</textarea>" in text


def test_a_level_missing_from_the_post_is_refused(client, admin):
    matrices.current_matrix()
    data = matrix_form()
    del data["impacts-4-label"], data["impacts-4-description"]
    response = client.post("/admin/risk-matrix/edit", data=data)
    assert response.status_code == 422
    assert "A 5×5 matrix needs 5 likelihood and 5 impact levels" in page_text(response)
    assert version_count() == 1


def test_empty_band_rows_are_ignored(client, admin):
    matrices.current_matrix()
    two = replace(FIVE, bands=(Band("Acceptable", 1, 9, "#2e7d32"), Band("Unacceptable", 10, 25, "#c62828")))
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(two, **{"bands-5-response": "ignored"}))
    assert response.status_code == 302
    assert [band.name for band in matrices.current_matrix().to_scoring().bands] == ["Acceptable", "Unacceptable"]


def test_a_stale_form_is_refused_and_nothing_is_saved(client, admin):
    matrices.current_matrix()
    opened = matrix_form(default_matrix(3), based_on=1)
    matrices.save_new_version(default_matrix(4), change_note="Someone else", actor=None, based_on_version=1)
    db.session.commit()
    response = client.post("/admin/risk-matrix/edit", data=opened)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/risk-matrix/edit"
    assert version_count() == 2
    assert matrices.current_matrix().size == 4
    text = page_text(client.get(response.headers["Location"]))
    assert "Someone saved matrix version 2 while you were editing version 1. Nothing was saved" in text
    assert 'name="based_on_version" type="hidden" value="2"' in text


def test_saving_the_same_matrix_makes_no_new_version(client, admin):
    matrices.current_matrix()
    response = client.post("/admin/risk-matrix/edit", data=matrix_form(), follow_redirects=True)
    assert "Nothing changed: version 1 is still the current risk matrix." in page_text(response)
    assert version_count() == 1
    assert len(audit_entries("create", "risk_matrix")) == 1


# --- risk settings ----------------------------------------------------------------------------


def test_risk_settings_show_the_current_values(client, admin):
    text = page_text(client.get("/admin/risk-matrix"))
    assert re.search(r'id="default_tolerance"[^>]*value="4"', text)
    assert re.search(r'id="acceptance_max_months"[^>]*value="12"', text)


def test_admin_saves_the_risk_settings(client, admin):
    response = client.post("/admin/risk-matrix/settings",
                           data={"default_tolerance": "9", "acceptance_max_months": "6"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/risk-matrix"
    assert settings.get(settings.RISK_DEFAULT_TOLERANCE) == 9
    assert settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS) == 6
    entry, changes = only_entry("update", "settings", "organisation")
    assert entry.actor_id == admin.id
    assert changes == {"risk_default_tolerance": [4, 9], "risk_acceptance_max_months": [12, 6]}
    assert "Risk settings saved." in page_text(client.get("/admin/risk-matrix"))


def test_unchanged_risk_settings_record_nothing(client, admin):
    response = client.post("/admin/risk-matrix/settings",
                           data={"default_tolerance": "4", "acceptance_max_months": "12"}, follow_redirects=True)
    assert "Nothing changed." in page_text(response)
    assert audit_entries("update", "settings") == []


@pytest.mark.parametrize(("data", "message"), [
    ({"default_tolerance": "26", "acceptance_max_months": "12"},
     "The tolerance level must be a score from 1 to 25 on the current 5×5 matrix."),
    ({"default_tolerance": "0", "acceptance_max_months": "12"}, "The tolerance level must be a score from 1 to 25"),
    ({"default_tolerance": "", "acceptance_max_months": "12"},
     "Enter the tolerance level: a score on the risk matrix."),
    ({"default_tolerance": "4", "acceptance_max_months": "37"}, "A risk acceptance may last 1 to 36 months"),
    ({"default_tolerance": "4", "acceptance_max_months": "0"}, "A risk acceptance may last 1 to 36 months"),
    ({"default_tolerance": "4", "acceptance_max_months": "a year"}, "Not a valid integer value."),
])
def test_invalid_risk_settings_are_refused(client, admin, data, message):
    response = client.post("/admin/risk-matrix/settings", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text and "nothing was saved" in text
    assert "Risk matrix" in text  # the whole page is shown again, with the matrix
    assert settings.get(settings.RISK_DEFAULT_TOLERANCE) == 4
    assert settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS) == 12
    assert audit_entries("update", "settings") == []


def test_the_tolerance_range_follows_the_current_matrix_size(client, admin):
    matrices.current_matrix()
    matrices.save_new_version(default_matrix(3), change_note="Three", actor=None, based_on_version=1)
    response = client.post("/admin/risk-matrix/settings",
                           data={"default_tolerance": "10", "acceptance_max_months": "12"})
    assert response.status_code == 422
    assert "a score from 1 to 9 on the current 3×3 matrix" in page_text(response)


def test_admin_index_links_to_the_risk_pages(client, admin):
    text = page_text(client.get("/admin/"))
    assert 'href="/admin/risk-matrix"' in text and 'href="/admin/risk-categories"' in text


@pytest.mark.parametrize("role", ["security_officer", "risk_owner", "auditor"])
def test_other_roles_do_not_see_the_risk_pages(client, login_as, role):
    login_as(role)
    assert client.get("/admin/risk-matrix").status_code == 403
    assert client.post("/admin/risk-matrix/edit", data=matrix_form()).status_code == 403
    assert version_count() == 0


def test_saving_needs_the_csrf_token_of_the_form(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    browser = app.test_client()
    with app.app_context():
        email = factories.make_user("admin").email
    token = factories.csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    data = matrix_form(default_matrix(3), based_on=None)
    with app.app_context():
        data["based_on_version"] = str(matrices.current_matrix().version_number)
    assert browser.post("/admin/risk-matrix/edit", data=data).status_code == 400
    assert browser.post("/admin/risk-matrix/settings",
                        data={"default_tolerance": "9", "acceptance_max_months": "6"}).status_code == 400
    with app.app_context():
        assert matrices.current_matrix().size == 5
        assert settings.get(settings.RISK_DEFAULT_TOLERANCE) == 4
    data["csrf_token"] = factories.csrf_token(browser.get("/admin/risk-matrix/edit").get_data(as_text=True))
    assert browser.post("/admin/risk-matrix/edit", data=data).status_code == 302
    with app.app_context():
        assert matrices.current_matrix().size == 3


def test_the_form_itself_refuses_a_missing_csrf_token(app):
    """Besides the app-wide CSRF check: the matrix form's own row checks must not hide a token failure."""
    from app.admin.forms import MatrixForm

    matrices.current_matrix()
    with app.test_request_context("/admin/risk-matrix/edit", method="POST", data=matrix_form(default_matrix(3))):
        form = MatrixForm(meta={"csrf": True})
        assert form.validate() is False
        assert form.csrf_token.errors and form.has_errors()
