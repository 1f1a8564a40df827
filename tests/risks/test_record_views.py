"""One risk's pages through the test client: who may open and change them, what bad input and a
lost race do (a message, nothing changed), and what a successful change leaves behind."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.admin import settings
from app.auth import services as accounts
from app.common.timeutil import add_months, local_today
from app.controls.services import annex_a_control as annex_a
from app.extensions import db
from app.risks import matrices, scoring, services
from app.risks.models import (
    RatingChange,
    Risk,
    RiskAcceptance,
    RiskReview,
    RiskStatus,
    TreatmentAction,
)
from tests import factories
from tests.pages import audit_entries, only_entry

STALE_MESSAGE = "This risk was changed by someone else while you were editing it."


def risk_form(category, owner=None, **changes) -> dict:
    """What the new-risk form posts for the provincial Information Security risk."""
    data = {
        "title": "Information Security", "description": "Compromise of provincial ICT systems.",
        "consequences": "Service outage, data leakage.", "category_id": str(category.id), "subcategory_id": "",
        "department_id": "", "owner_id": str(owner.id) if owner else "",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3",
        "target_likelihood": "", "target_impact": "", "tolerance": "4", "status": "open", "strategy": "modify",
        "review_frequency_months": "12", "next_review_on": "2027-03-31",
        "factors-0-description": "Attack by an external source", "factors-0-rating": "H",
        "factors-1-description": "", "factors-1-rating": "M",
        "factors-2-description": "Limited adherence to ICT policies", "factors-2-rating": "M",
    }
    data.update(changes)
    return data


def edit_form(risk, **changes) -> dict:
    """The edit form as the browser posts it back, unchanged unless `changes` say otherwise."""
    def value(v):
        return "" if v is None else str(v)

    data = {name: value(getattr(risk, name)) for name in (
        "title", "description", "consequences", "category_id", "subcategory_id", "department_id", "owner_id",
        "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "target_likelihood",
        "target_impact", "tolerance", "status", "strategy", "review_frequency_months", "version")}
    data["next_review_on"] = risk.next_review_on.isoformat() if risk.next_review_on else ""
    for position, factor in enumerate(risk.factors):
        data[f"factors-{position}-description"] = factor.description
        data[f"factors-{position}-rating"] = factor.rating
    data["reason"] = ""
    data["control_ids"] = [str(control.id) for control in risk.controls]
    data.update(changes)
    return data


def error_next_to(response, field_id: str) -> str:
    """The message shown under a field (the macro's invalid-feedback element)."""
    match = re.search(rf'<div id="{field_id}-error" class="invalid-feedback[^"]*">(.*?)</div>',
                      response.get_data(as_text=True), re.S)
    assert match, f"no message next to {field_id}"
    return page_text_of(match.group(1))


def page_text_of(fragment: str) -> str:
    """What a person reads: tags dropped, entities decoded, runs of white space as one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page_text(response) -> str:
    return page_text_of(response.get_data(as_text=True))


def links(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.get_data(as_text=True)))


def risk_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Risk))


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def risk(make_risk):
    return make_risk(title="Information Security", inherent=(4, 4), residual=(3, 3), tolerance=4,
                     factors=[("Attack by an external source", "H"), ("Limited adherence to ICT policies", "M")])


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_everything_about_the_risk(client, login_as, officer, owner, risk):
    services.add_action(risk, title="Establish a Security Operations Centre (SOC)", owner_id=owner.id,
                        due_on=date(2020, 1, 31), actor=officer, control_id=annex_a("8.16").id)
    login_as(officer)
    response = client.get(f"/risks/{risk.id}")
    assert response.status_code == 200
    text = page_text(response)
    for expected in ("R-0001", "Information Security", "Attack by an external source", "Limited adherence to ICT",
                     "16 · High", "9 · Medium", "Out of tolerance", "residual rating 9 is above the tolerance level 4",
                     "Establish a Security Operations Centre (SOC)", "Overdue", "8.16", owner.full_name,
                     "Matrix version 1", "Initial assessment",
                     "Inherent: likelihood 4 (Likely) × impact 4 (Major) = 16",
                     "Residual: likelihood 3 (Possible) × impact 3 (Moderate) = 9, Medium"):
        assert expected in text, expected
    # the CSP forbids inline styles: colours come from classes and SVG fills
    assert "style=" not in response.get_data(as_text=True)
    for path in ("edit", "review", "actions/new", "close"):
        assert f"/risks/{risk.id}/{path}" in links(response)
    assert f"/risks/{risk.id}/accept" not in links(response)  # only the risk's owner (or an admin) accepts


def test_detail_offers_acceptance_to_the_owner_and_nothing_to_an_auditor(client, login_as, owner, risk):
    login_as(owner)
    shown = links(client.get(f"/risks/{risk.id}"))
    assert {f"/risks/{risk.id}/accept", f"/risks/{risk.id}/edit"} <= shown
    login_as("auditor")
    response = client.get(f"/risks/{risk.id}")
    assert "16 · High" in page_text(response)
    assert not [link for link in links(response) if link.startswith(f"/risks/{risk.id}/")]


def test_detail_of_a_risk_owned_by_someone_else_is_read_only(client, login_as, risk):
    login_as("risk_owner")
    response = client.get(f"/risks/{risk.id}")
    assert "Information Security" in page_text(response)
    assert not [link for link in links(response) if link.startswith(f"/risks/{risk.id}/")]


def test_detail_of_a_missing_risk_is_404(client, login_as):
    login_as("security_officer")
    assert client.get("/risks/999").status_code == 404


def test_detail_says_when_the_risk_needs_rescoring(client, login_as, officer, risk):
    matrices.save_new_version(scoring.default_matrix(4), change_note="4×4 from 2027", actor=None)
    login_as(officer)
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert "Needs re-scoring" in text
    assert "Scored on risk matrix version 1; the current matrix is version 2." in text


def test_detail_shows_acceptance_and_when_it_expired(client, login_as, owner, risk):
    today = local_today()
    services.accept_risk(risk, actor=owner, justification="SOC funded from April",
                         expires_on=today + timedelta(days=30), today=today, expected_version=risk.version)
    login_as(owner)
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert f"Current until {(today + timedelta(days=30)).isoformat()}" in text
    assert "Justification: SOC funded from April" in text and f"Accepted by {owner.full_name}" in text
    acceptance = db.session.scalar(sa.select(RiskAcceptance))
    acceptance.expires_on = today - timedelta(days=1)
    db.session.commit()
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert f"Expired on {(today - timedelta(days=1)).isoformat()}" in text


def test_detail_flags_an_overdue_review(client, login_as, make_risk):
    risk = make_risk(next_review_on=date(2020, 6, 30))
    login_as("auditor")
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert "Review overdue" in text and "2020-06-30" in text


# --- new ---------------------------------------------------------------------------------------


def test_new_form_offers_the_matrix_labels_and_the_default_tolerance(client, login_as, category):
    settings.save({settings.RISK_DEFAULT_TOLERANCE: 6}, actor=None)
    db.session.commit()
    login_as("security_officer")
    response = client.get("/risks/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="4">4 — Likely</option>' in body
    assert '<option value="5">5 — Catastrophic</option>' in body
    assert 'name="tolerance" type="text" value="6"' in body or 'value="6"' in re.search(
        r'<input[^>]*name="tolerance"[^>]*>', body).group(0)
    assert "Information Security — Cyber" in page_text(response)
    assert body.count('name="factors-') >= 20  # ten rows of description + rating


def test_creating_a_risk(client, login_as, category, subcategory, owner):
    officer = login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, owner, subcategory_id=str(subcategory.id)))
    risk = db.session.scalar(sa.select(Risk))
    assert response.status_code == 302 and response.headers["Location"] == f"/risks/{risk.id}"
    assert (risk.inherent_score, risk.residual_score, risk.tolerance, risk.owner_id) == (16, 9, 4, owner.id)
    assert risk.subcategory_id == subcategory.id and risk.next_review_on == date(2027, 3, 31)
    assert [(f.description, f.rating) for f in risk.factors] == [
        ("Attack by an external source", "H"), ("Limited adherence to ICT policies", "M")]  # empty row ignored
    entry, changes = only_entry("create", "risk", risk.id)
    assert entry.actor_id == officer.id and changes["residual_impact"] == [None, 3]
    assert "Risk R-0001 “Information Security” created." in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(("changes", "field_id", "message"), [
    ({"residual_likelihood": "5", "residual_impact": "4"}, "residual_likelihood",
     "The residual rating (20) cannot exceed the inherent rating (16)"),
    ({"title": "  "}, "title", "Give the risk a title"),
    ({"residual_impact": ""}, "residual_impact", "Choose the residual impact too"),
    ({"tolerance": "four"}, "tolerance", "“four” is not a whole number"),
    ({"tolerance": "30"}, "tolerance", "The tolerance level must be a score from 1 to 25."),
    ({"next_review_on": "31/03/2027"}, "next_review_on", "enter it as YYYY-MM-DD"),
    ({"inherent_likelihood": "9"}, "inherent_likelihood", "Not a valid choice"),
    ({"category_id": ""}, "category_id", "Choose a category."),
    ({"review_frequency_months": "48"}, "review_frequency_months", "1 to 36"),
])
def test_bad_input_is_refused_next_to_the_field(client, login_as, category, changes, field_id, message):
    login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, **changes))
    assert response.status_code == 422
    assert message in error_next_to(response, field_id)
    assert "nothing was saved" in page_text(response)
    assert risk_count() == 0 and not audit_entries("create", "risk")


def test_a_subcategory_of_another_category_is_refused(client, login_as, category):
    from app.risks.models import RiskCategory

    other = RiskCategory(name="Compliance")
    db.session.add(other)
    db.session.flush()
    popia = RiskCategory(name="POPIA", parent_id=other.id)
    db.session.add(popia)
    db.session.commit()
    login_as("security_officer")
    response = client.post("/risks/new", data=risk_form(category, subcategory_id=str(popia.id)))
    assert response.status_code == 422
    assert "Choose a subcategory of the chosen category" in error_next_to(response, "subcategory_id")
    assert risk_count() == 0


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager", "hr_officer"])
def test_only_officers_and_admins_create_risks(client, login_as, category, role):
    login_as(role)
    assert client.get("/risks/new").status_code == 403
    assert client.post("/risks/new", data=risk_form(category)).status_code == 403
    assert risk_count() == 0


# --- edit ----------------------------------------------------------------------------------------


def test_editing_a_rating_needs_a_reason_and_records_it(client, login_as, risk):
    officer = login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, residual_likelihood="2"))
    assert response.status_code == 422
    assert "Say why the ratings change" in error_next_to(response, "reason")
    assert reload(risk).residual_score == 9
    response = client.post(f"/risks/{risk.id}/edit",
                           data=edit_form(risk, residual_likelihood="2", reason="Firewall replaced"))
    assert response.status_code == 302
    risk = reload(risk)
    assert risk.residual_score == 6
    change = db.session.scalar(sa.select(RatingChange).where(RatingChange.reason == "Firewall replaced"))
    assert (change.kind, change.from_score, change.to_score, change.changed_by_id) == ("residual", 9, 6, officer.id)
    entry = audit_entries("update", "risk", risk.id)[-1]
    assert entry.actor_id == officer.id and "residual_likelihood" in entry.changes
    text = page_text(client.get(f"/risks/{risk.id}"))
    assert "Firewall replaced" in text and "Saved R-0001." in text


def test_edit_form_shows_the_saved_values(client, login_as, owner, risk):
    login_as(owner)
    response = client.get(f"/risks/{risk.id}/edit")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Attack by an external source"' in body
    assert '<option selected value="3">3 — Possible</option>' in body
    assert f'name="version" type="hidden" value="{risk.version}"' in body


def test_editing_without_changes_says_so(client, login_as, risk):
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk), follow_redirects=True)
    assert "Nothing changed in R-0001." in page_text(response)
    assert not audit_entries("update", "risk")


def test_a_stale_edit_is_refused(client, login_as, risk):
    login_as("security_officer")
    opened = edit_form(risk, title="Cyber security")
    services.update_risk(risk, services.RiskInput(
        title="Renamed meanwhile", category_id=risk.category_id, inherent=scoring.Rating(4, 4),
        residual=scoring.Rating(3, 3), owner_id=risk.owner_id, tolerance=4), expected_version=risk.version,
        actor=factories.make_user("security_officer"))
    db.session.commit()
    response = client.post(f"/risks/{risk.id}/edit", data=opened, follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    assert reload(risk).title == "Renamed meanwhile"


@pytest.mark.parametrize(("path", "back_to"), [("edit", "edit"), ("review", "review"), ("accept", ""),
                                              ("close", "")])
def test_a_stale_form_sends_the_person_back_to_the_current_values(client, login_as, owner, risk, path, back_to):
    login_as(owner)
    before = (risk.version, risk.status, len(audit_entries(entity_type="risk")))
    data = {
        "edit": edit_form(risk, title="Mine", version="0"),
        "review": {"version": "0", "reviewed_on": "2026-01-15", "notes": "Checked.", "inherent_likelihood": "4",
                   "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3"},
        "accept": {"version": "0", "justification": "Funded next year.",
                   "expires_on": (local_today() + timedelta(days=30)).isoformat()},
        "close": {"version": "0", "reason": "System retired"},
    }[path]
    response = client.post(f"/risks/{risk.id}/{path}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/risks/{risk.id}/{back_to}".rstrip("/")
    assert response.headers["X-Frame-Options"] == "DENY"  # the app's headers, as on any response
    assert STALE_MESSAGE in page_text(client.get(response.headers["Location"]))
    assert (reload(risk).version, reload(risk).status, len(audit_entries(entity_type="risk"))) == before


@pytest.mark.parametrize("path", ["edit", "review", "close", "actions/new"])
def test_a_risk_owner_changes_only_their_own_risks(client, login_as, owner, risk, path):
    login_as("risk_owner")
    assert client.get(f"/risks/{risk.id}/{path}").status_code == 403
    assert client.post(f"/risks/{risk.id}/{path}", data={"version": risk.version}).status_code == 403
    login_as(owner)
    assert client.get(f"/risks/{risk.id}/{path}").status_code == 200


@pytest.mark.parametrize("path", ["edit", "review", "close", "actions/new", "accept"])
def test_an_auditor_never_writes(client, login_as, risk, path):
    login_as("auditor")
    assert client.get(f"/risks/{risk.id}/{path}").status_code == 403
    assert client.post(f"/risks/{risk.id}/{path}", data={"version": risk.version, "reason": "x"}).status_code == 403
    assert reload(risk).status == RiskStatus.DRAFT


# --- review --------------------------------------------------------------------------------------


def test_recording_a_review(client, login_as, owner, risk):
    login_as(owner)
    form = client.get(f"/risks/{risk.id}/review").get_data(as_text=True)
    assert f'value="{local_today().isoformat()}"' in form
    response = client.post(f"/risks/{risk.id}/review", data={
        "version": risk.version, "reviewed_on": "2026-01-15", "notes": "Controls still effective.",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3"})
    assert response.status_code == 302
    review = db.session.scalar(sa.select(RiskReview))
    assert (review.reviewed_on, review.reviewer_id, review.notes) == (date(2026, 1, 15), owner.id,
                                                                      "Controls still effective.")
    assert reload(risk).next_review_on == date(2027, 1, 15)
    assert not db.session.scalar(sa.select(RatingChange).where(RatingChange.reason != "Initial assessment"))
    entry, changes = only_entry("review", "risk", risk.id)
    planned = add_months(local_today(), 12).isoformat()  # set when the risk was created
    assert entry.actor_id == owner.id and changes["next_review_on"] == [planned, "2027-01-15"]


def test_a_review_may_rescore(client, login_as, risk):
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/review", data={
        "version": risk.version, "reviewed_on": "2026-01-15", "notes": "SOC live.", "reason": "SOC monitors 24/7",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "2", "residual_impact": "2"})
    assert response.status_code == 302
    assert reload(risk).residual_score == 4 and not reload(risk).out_of_tolerance
    change = db.session.scalar(sa.select(RatingChange).where(RatingChange.reason == "SOC monitors 24/7"))
    assert (change.from_score, change.to_score) == (9, 4)


@pytest.mark.parametrize(("changes", "field_id", "message"), [
    ({"reviewed_on": "2999-01-01"}, "reviewed_on", "A review cannot be dated in the future."),
    ({"reviewed_on": ""}, "reviewed_on", "Enter the date of the review."),
    ({"notes": ""}, "notes", "Write what the review found"),
    ({"residual_likelihood": "5", "residual_impact": "5"}, "residual_likelihood", "cannot exceed the inherent"),
])
def test_a_bad_review_changes_nothing(client, login_as, risk, changes, field_id, message):
    planned = risk.next_review_on
    login_as("security_officer")
    data = {"version": risk.version, "reviewed_on": "2026-01-15", "notes": "Checked.",
            "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3",
            **changes}
    response = client.post(f"/risks/{risk.id}/review", data=data)
    assert response.status_code == 422
    assert message in error_next_to(response, field_id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskReview)) == 0
    assert reload(risk).residual_score == 9 and reload(risk).next_review_on == planned


def test_a_stale_review_is_refused(client, login_as, risk):
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/review", data={
        "version": risk.version - 1 if risk.version > 1 else 99, "reviewed_on": "2026-01-15", "notes": "Checked.",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "3", "residual_impact": "3"},
        follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskReview)) == 0


# --- acceptance ------------------------------------------------------------------------------------


def test_the_owner_accepts_a_risk_out_of_tolerance(client, login_as, owner, risk):
    login_as(owner)
    today = local_today()
    form = client.get(f"/risks/{risk.id}/accept").get_data(as_text=True)
    assert f'value="{add_months(today, 12).isoformat()}"' in form
    until = today + timedelta(days=90)
    response = client.post(f"/risks/{risk.id}/accept", data={
        "version": risk.version, "justification": "SOC is funded from April.", "expires_on": until.isoformat()})
    assert response.status_code == 302
    acceptance = db.session.scalar(sa.select(RiskAcceptance))
    assert (acceptance.accepted_by_id, acceptance.expires_on, acceptance.residual_score) == (owner.id, until, 9)
    assert reload(risk).status == RiskStatus.ACCEPTED
    entry, changes = only_entry("accept", "risk", risk.id)
    assert entry.actor_id == owner.id and changes["status"] == ["draft", "accepted"]
    assert f"R-0001 accepted until {until:%d %b %Y}." in page_text(client.get(f"/risks/{risk.id}"))


def test_an_admin_accepts_only_with_an_authority(client, login_as, risk):
    admin = login_as("admin")
    assert client.get(f"/risks/{risk.id}/accept").status_code == 403
    accounts.set_acceptance_authority(admin, "accounting_officer", actor=None)
    db.session.commit()
    assert client.get(f"/risks/{risk.id}/accept").status_code == 200


@pytest.mark.parametrize(("changes", "message"), [
    ({"justification": " "}, "Give the justification for accepting this risk."),
    ({"expires_on": "2000-01-01"}, "The acceptance must expire after today."),
    ({"expires_on": "2999-01-01"}, "An acceptance may last at most 12 months"),
])
def test_a_bad_acceptance_changes_nothing(client, login_as, owner, risk, changes, message):
    login_as(owner)
    data = {"version": risk.version, "justification": "Funded next year.",
            "expires_on": (local_today() + timedelta(days=30)).isoformat(), **changes}
    response = client.post(f"/risks/{risk.id}/accept", data=data)
    assert response.status_code == 422
    field_id = "justification" if "justification" in message else "expires_on"
    assert message in error_next_to(response, field_id)
    assert db.session.scalar(sa.select(RiskAcceptance)) is None and reload(risk).status == RiskStatus.DRAFT


@pytest.mark.parametrize("who", ["another_owner", "security_officer"])
def test_only_the_owner_or_an_admin_accepts(client, login_as, risk, who):
    login_as("risk_owner" if who == "another_owner" else who)
    assert client.get(f"/risks/{risk.id}/accept").status_code == 403
    response = client.post(f"/risks/{risk.id}/accept", data={
        "version": risk.version, "justification": "x", "expires_on": (local_today() + timedelta(days=9)).isoformat()})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(RiskAcceptance)) is None


def test_a_risk_within_tolerance_needs_no_acceptance(client, login_as, owner, make_risk):
    risk = make_risk(residual=(2, 2), tolerance=4)
    login_as(owner)
    response = client.get(f"/risks/{risk.id}/accept", follow_redirects=True)
    assert "R-0001 does not need acceptance" in page_text(response)
    response = client.post(f"/risks/{risk.id}/accept", data={
        "version": risk.version, "justification": "x", "expires_on": (local_today() + timedelta(days=9)).isoformat()})
    assert response.status_code == 422
    assert "is within tolerance" in page_text(response)


def test_a_stale_acceptance_is_refused(client, login_as, owner, risk):
    login_as(owner)
    response = client.post(f"/risks/{risk.id}/accept", data={
        "version": "0", "justification": "x", "expires_on": (local_today() + timedelta(days=9)).isoformat()},
        follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    assert db.session.scalar(sa.select(RiskAcceptance)) is None


# --- closing ---------------------------------------------------------------------------------------


def test_closing_a_risk(client, login_as, risk):
    officer = login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/close", data={"version": risk.version, "reason": "System retired"})
    assert response.status_code == 302
    assert reload(risk).status == RiskStatus.CLOSED
    entry, changes = only_entry("close", "risk", risk.id)
    assert entry.actor_id == officer.id and "System retired" in entry.summary
    response = client.get(f"/risks/{risk.id}")
    assert "R-0001 closed." in page_text(response) and f"/risks/{risk.id}/close" not in links(response)


def test_closing_needs_a_reason_and_the_current_version(client, login_as, risk):
    login_as("security_officer")
    response = client.post(f"/risks/{risk.id}/close", data={"version": risk.version, "reason": ""})
    assert response.status_code == 422
    assert "Say why the risk is closed" in error_next_to(response, "reason")
    response = client.post(f"/risks/{risk.id}/close", data={"version": "0", "reason": "Retired"},
                           follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    assert reload(risk).status == RiskStatus.DRAFT and not audit_entries("close", "risk")


# --- treatment actions -----------------------------------------------------------------------------


def test_adding_and_editing_a_treatment_action(client, login_as, owner, risk):
    login_as(owner)
    response = client.post(f"/risks/{risk.id}/actions/new", data={
        "title": "Establish a Security Operations Centre (SOC)", "owner_id": str(owner.id), "due_on": "2027-03-31",
        "status": "planned", "progress_note": "", "control_id": str(annex_a("8.16").id)})
    assert response.status_code == 302
    action = db.session.scalar(sa.select(TreatmentAction))
    assert (action.title, action.owner_id, action.due_on, action.control.reference) == (
        "Establish a Security Operations Centre (SOC)", owner.id, date(2027, 3, 31), "8.16")
    assert reload(risk).status == RiskStatus.IN_TREATMENT
    entry, _ = only_entry("create", "risk_action", action.id)
    assert entry.actor_id == owner.id

    form = client.get(f"/risks/{risk.id}/actions/{action.id}/edit").get_data(as_text=True)
    assert 'value="Establish a Security Operations Centre (SOC)"' in form
    response = client.post(f"/risks/{risk.id}/actions/{action.id}/edit", data={
        "version": action.version, "title": action.title, "owner_id": str(owner.id), "due_on": "2027-03-31",
        "status": "in_progress", "progress_note": "Tender awarded.", "control_id": str(action.control_id)})
    assert response.status_code == 302
    action = reload(action)
    assert (action.status, action.progress_note) == ("in_progress", "Tender awarded.")
    _, changes = only_entry("update", "risk_action", action.id)
    assert changes["status"] == ["planned", "in_progress"]
    assert "Tender awarded." in page_text(client.get(f"/risks/{risk.id}"))


def test_a_bad_or_stale_action_changes_nothing(client, login_as, officer, risk):
    login_as(officer)
    response = client.post(f"/risks/{risk.id}/actions/new", data={"title": "", "status": "planned",
                                                                   "due_on": "next week"})
    assert response.status_code == 422
    assert "Say what will be done" in error_next_to(response, "title")
    assert "is not a date" in error_next_to(response, "due_on")
    assert db.session.scalar(sa.select(TreatmentAction)) is None
    action = services.add_action(risk, title="CMDB", owner_id=None, due_on=None, actor=officer)
    db.session.commit()
    response = client.post(f"/risks/{risk.id}/actions/{action.id}/edit", data={
        "version": "0", "title": "Renamed", "status": "done"}, follow_redirects=True)
    assert "This treatment action was changed by someone else" in page_text(response)
    assert reload(action).title == "CMDB"


def test_an_action_of_another_risk_is_404(client, login_as, officer, make_risk, risk):
    other = make_risk(title="Business continuity")
    action = services.add_action(other, title="DR site", owner_id=None, due_on=None, actor=officer)
    login_as(officer)
    assert client.get(f"/risks/{risk.id}/actions/{action.id}/edit").status_code == 404
    assert client.post(f"/risks/{risk.id}/actions/{action.id}/edit", data={"title": "x"}).status_code == 404


def test_a_risk_owner_edits_actions_only_of_their_own_risks(client, login_as, officer, risk):
    action = services.add_action(risk, title="DLP", owner_id=None, due_on=None, actor=officer)
    login_as(factories.make_user("risk_owner"))
    assert client.get(f"/risks/{risk.id}/actions/{action.id}/edit").status_code == 403
    assert client.post(f"/risks/{risk.id}/actions/{action.id}/edit", data={
        "version": action.version, "title": "Renamed", "status": "done"}).status_code == 403
    assert reload(action).title == "DLP"


def test_the_timeline_shows_one_save_as_one_step(client, login_as, risk):
    login_as("security_officer")
    client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, residual_likelihood="2", residual_impact="2",
                                                         target_likelihood="1", target_impact="2",
                                                         reason="SOC live"))
    text = page_text(client.get(f"/risks/{risk.id}"))
    history = text[text.index("Rating history"):]
    assert history.count("Initial assessment") == 1 and history.count("SOC live") == 1
    assert "Residual: 3×3 9 · Medium → to 2×2 4 · Low" in history
    assert "Target: not rated → to 1×2 2 · Low" in history


def test_editing_links_the_controls_in_place_and_the_risk_page_lists_them(client, login_as, risk):
    login_as("security_officer")
    monitoring, backup = annex_a("8.16"), annex_a("8.13")

    response = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, control_ids=[str(monitoring.id),
                                                                                      str(backup.id)]))

    assert response.status_code == 302
    assert [control.reference for control in reload(risk).controls] == ["8.13", "8.16"]
    _, changes = only_entry("update", "risk", risk.id)
    assert changes["controls"] == [[], ["8.13", "8.16"]]
    page = client.get(f"/risks/{risk.id}").get_data(as_text=True)
    assert f'href="/controls/{monitoring.id}">8.16 Monitoring activities</a>' in page
    form = client.get(f"/risks/{risk.id}/edit").get_data(as_text=True)
    assert f'value="{backup.id}" id="control_ids-{backup.id}" checked>' in form


def test_a_retired_control_cannot_be_linked(client, login_as, risk):
    login_as("security_officer")
    retired = annex_a("8.16")
    retired.active = False
    db.session.commit()

    response = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, control_ids=[str(retired.id)]))

    assert response.status_code == 422
    assert reload(risk).controls == []
