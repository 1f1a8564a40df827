"""The context pages through the test client: who may read and write, bad input (a message, nothing
saved), lost races, the exports and the scope statement's draft, issue and compare."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.context import scope
from app.context.models import ContextIssue, InterestedParty, IsmsRole, PartyRequirement, ScopeStatement
from app.controls.services import annex_a_control
from app.extensions import db
from tests.pages import audit_entries, csv_rows, error_next_to, page_text, text_of, xlsx_rows

VIEWERS = ["admin", "security_officer", "risk_owner", "manager", "auditor"]
NOT_VIEWERS = ["hr_officer"]
EDITORS = ["admin", "security_officer"]
READ_ONLY = ["risk_owner", "manager", "auditor"]
STALE = "was changed by someone else while you were editing it"


def issue_form(officer, today, **changes) -> dict:
    return {"kind": "external", "title": "Energy supply outage", "effect": "Monitoring stops at small sites.",
            "description": "", "owner_id": str(officer.id), "review_on": (today + timedelta(days=60)).isoformat(),
            "status": "active", "version": "", **changes}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("role", VIEWERS)
def test_every_reader_sees_the_pages_and_only_editors_get_the_buttons(client, login_as, role, make_issue,
                                                                      make_party, issued_scope):
    issue, party = make_issue(), make_party(requirements=[("Safeguards", ["5.15"])])
    issued_scope()
    login_as(role)
    for url in ["/context", "/context/issues", f"/context/issues/{issue.id}", "/context/parties",
                f"/context/parties/{party.id}", "/context/scope", "/context/scope/versions",
                "/context/scope/versions/1", "/context/roles"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert ("New issue" in page_text(client.get("/context/issues"))) == (role in EDITORS)
    assert ("Add a requirement" in page_text(client.get(f"/context/parties/{party.id}"))) == (role in EDITORS)


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_hr_officers_do_not_see_the_context(client, login_as, role):
    login_as(role)
    assert client.get("/context").status_code == 403
    assert client.get("/context/issues").status_code == 403


@pytest.mark.parametrize("role", READ_ONLY)
def test_readers_write_nothing(client, login_as, role, officer, today, make_party):
    party = make_party()
    login_as(role)
    responses = [client.post("/context/issues/new", data=issue_form(officer, today)),
                 client.post(f"/context/parties/{party.id}/requirements/new", data={"requirement": "X"}),
                 client.post("/context/scope/draft"), client.post("/context/roles/new", data={"name": "X"}),
                 client.get("/context/scope/draft/issue")]
    assert [response.status_code for response in responses] == [403] * 5
    assert count(ContextIssue) == 0 and count(PartyRequirement) == 0 and count(ScopeStatement) == 0
    assert not [entry for entry in audit_entries() if entry.entity_type in ("context_issue", "party_requirement",
                                                                          "scope_statement", "isms_role")]


def test_an_editor_adds_an_issue_and_bad_input_is_shown_at_the_field(client, login_as, officer, today):
    login_as(officer)
    refused = client.post("/context/issues/new", data=issue_form(officer, today, effect="",
                                                                  review_on="31/12/2026"))
    assert refused.status_code == 422 and count(ContextIssue) == 0
    assert "Say what the issue means for information security" in error_next_to(refused, "effect")
    assert "is not a date" in error_next_to(refused, "review_on")

    made = client.post("/context/issues/new", data=issue_form(officer, today))
    issue = db.session.scalar(sa.select(ContextIssue))
    assert made.status_code == 302 and made.location.endswith(f"/context/issues/{issue.id}")
    assert audit_entries("create", "context_issue", issue.id)


def test_a_lost_race_on_an_issue_is_refused_with_a_message(client, login_as, officer, today, make_issue):
    issue = make_issue()
    login_as(officer)
    opened = issue_form(officer, today, version=str(issue.version))
    assert client.post(f"/context/issues/{issue.id}/edit", data={**opened, "title": "First"}).status_code == 302
    late = client.post(f"/context/issues/{issue.id}/edit", data={**opened, "title": "Second"}, follow_redirects=True)
    assert STALE in page_text(late)
    db.session.refresh(issue)
    assert issue.title == "First"


def test_the_issue_list_filters_and_exports_what_it_shows(client, login_as, officer, today, make_issue):
    make_issue("Energy supply outage", review_on=today - timedelta(days=3))
    make_issue("Skills shortage", kind="internal")
    make_issue("Old threat", status="retired")
    login_as("auditor")

    assert "1 issue" in text_of(client.get("/context/issues?overdue=1"))
    assert "Skills shortage" not in page_text(client.get("/context/issues?kind=external"))
    assert "Old threat" in page_text(client.get("/context/issues?status=retired"))
    rows = csv_rows(client.get("/context/issues?export=csv&sort=title"))
    assert [row["Issue"] for row in rows] == ["Energy supply outage", "Skills shortage"]
    assert rows[0]["Owner"] == officer.full_name and rows[0]["Kind"] == "External"
    assert [row["Issue"] for row in xlsx_rows(client.get("/context/issues?export=xlsx&kind=internal"))] == \
        ["Skills shortage"]
    assert audit_entries("export", "context_issue")


def test_parties_and_their_requirements_export_with_linked_controls(client, login_as, make_party):
    make_party("Information Regulator", requirements=[("Safeguards", ["5.15", "8.24"]), ("Notify", ["5.26"])])
    make_party("Citizens", kind="public")
    login_as("auditor")

    parties = csv_rows(client.get("/context/parties?export=csv"))
    assert [(row["Interested party"], row["Requirements"]) for row in parties] == [("Citizens", "0"),
                                                                                  ("Information Regulator", "2")]
    rows = csv_rows(client.get("/context/parties?export=csv&rows=requirements&kind=regulator"))
    assert [(row["Requirement"], row["Controls"]) for row in rows] == [
        ("Safeguards", "5.15 Access control; 8.24 Use of cryptography"), ("Notify", "5.26 Response to information "
                                                                                    "security incidents")]
    assert audit_entries("export", "party_requirement")


def test_a_requirement_is_added_edited_and_removed_by_an_editor(client, login_as, officer, make_party):
    party = make_party()
    login_as(officer)
    url = f"/context/parties/{party.id}/requirements/new"
    refused = client.post(url, data={"requirement": "Notify the Regulator", "addressed": "y"})
    assert refused.status_code == 422 and "Say how the ISMS addresses" in error_next_to(refused, "how_addressed")
    control = annex_a_control("5.26")
    assert client.post(url, data={"requirement": "Notify the Regulator", "source": "POPIA s22", "addressed": "y",
                                  "how_addressed": "Incident procedure", "control_ids": [str(control.id)]}
                       ).status_code == 302
    requirement = db.session.scalar(sa.select(PartyRequirement))
    assert requirement.controls == [control] and requirement.party_id == party.id

    other = InterestedParty(name="Citizens", kind="public")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/context/parties/{other.id}/requirements/{requirement.id}/edit").status_code == 404
    removed = client.post(f"/context/parties/{party.id}/requirements/{requirement.id}/delete",
                          data={"version": str(requirement.version)})
    assert removed.status_code == 302 and count(PartyRequirement) == 0


def test_the_scope_is_drafted_issued_and_compared_through_the_pages(client, login_as, officer, today, issued_scope):
    issued_scope(exclusions=[("Schools", "WCED runs them")])
    login_as(officer)
    assert client.post("/context/scope/draft").location.endswith("/context/scope/draft/edit")
    draft = scope.draft()
    form = {"version": str(draft.version), "in_scope": "ICT and health networks", "out_of_scope": "",
            "boundaries": "", "interfaces": "", "change_note": "Health networks in scope",
            "exclusions-0-what": "Schools", "exclusions-0-reason": "WCED runs them",
            "exclusions-1-what": "Clinics", "exclusions-1-reason": ""}
    refused = client.post("/context/scope/draft/edit", data=form)
    assert refused.status_code == 422 and "Give the reason for excluding “Clinics”" in page_text(refused)
    assert client.post("/context/scope/draft/edit", data={**form, "exclusions-1-what": ""}).status_code == 302

    issue_page = client.get("/context/scope/draft/issue")
    assert "In scope" in text_of(issue_page) and "What changes from version 1" in text_of(issue_page)
    future = client.post("/context/scope/draft/issue", data={"version": str(draft.version),
                                                            "approved_on": (today + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "cannot be dated in the future" in error_next_to(future, "approved_on")
    issued = client.post("/context/scope/draft/issue", data={"version": str(draft.version),
                                                            "approved_on": today.isoformat(), "note": "Minute 4"})
    assert issued.location.endswith("/context/scope/versions/2")
    assert client.get("/context/scope/draft/edit").location.endswith("/context/scope")  # nothing left to edit

    compared = text_of(client.get("/context/scope/versions/compare?older=2&newer=1"))
    assert "What changed from version 1 to version 2" in compared and "ICT and health networks" in compared
    assert "Choose two issued versions" in page_text(client.get("/context/scope/versions/compare?older=1&newer=x"))


def test_a_stale_draft_save_is_refused(client, login_as, officer):
    login_as(officer)
    client.post("/context/scope/draft")
    draft = scope.draft()
    form = {"version": str(draft.version), "in_scope": "First"}
    client.post("/context/scope/draft/edit", data=form)
    late = client.post("/context/scope/draft/edit", data={**form, "in_scope": "Second"}, follow_redirects=True)
    assert STALE in page_text(late)
    db.session.refresh(draft)
    assert draft.in_scope == "First"


def test_roles_are_named_and_held_from_the_user_list(client, login_as, officer, today):
    login_as(officer)
    assert client.post("/context/roles/new", data={"name": "ISMS manager", "responsibilities": ""}).status_code == 422
    made = client.post("/context/roles/new", data={"name": "ISMS manager", "responsibilities": "Runs the ISMS.",
                                                   "authority": "Approves the scope."})
    role = db.session.scalar(sa.select(IsmsRole))
    assert made.location.endswith(f"/context/roles/{role.id}/holders/new")
    assert client.post(f"/context/roles/{role.id}/holders/new", data={
        "user_id": str(officer.id), "starts_on": today.isoformat()}).status_code == 302
    page = text_of(client.get("/context/roles"))
    assert "ISMS manager" in page and f"{officer.full_name} Current" in page
    rows = csv_rows(client.get("/context/roles?export=csv"))
    assert [(row["Role"], row["Held by"], row["From"]) for row in rows] == [
        ("ISMS manager", officer.full_name, today.isoformat())]


def test_the_roles_page_shows_the_control_owners_from_the_catalogue(client, login_as, officer):
    control = annex_a_control("8.8")
    control.owner_id = officer.id
    db.session.commit()
    login_as("auditor")
    assert f"{officer.full_name} 1" in text_of(client.get("/context/roles"))
