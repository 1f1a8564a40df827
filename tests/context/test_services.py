"""The rules of issues, interested parties, their requirements and ISMS roles, against a fresh database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.models import StaleEditError
from app.context import services
from app.context.models import ContextStatus
from app.controls.services import annex_a_control
from app.extensions import db
from tests import factories
from tests.pages import only_entry


def problems(error) -> dict:
    return dict(error.value.problems)


def issue_input(owner, today, **changes) -> services.IssueInput:
    values = {"kind": "internal", "title": "Ageing technology", "effect": "Unsupported Windows 7 devices.",
              "owner_id": owner.id, "review_on": today + timedelta(days=30)}
    return services.IssueInput(**{**values, **changes})


def test_an_issue_is_created_with_its_audit_entry(officer, today):
    issue = services.create_issue(issue_input(officer, today), actor=officer, today=today)
    db.session.commit()

    entry, changes = only_entry("create", "context_issue", issue.id)
    assert entry.actor_id == officer.id and changes["title"] == [None, "Ageing technology"]
    assert issue.status == ContextStatus.ACTIVE and issue.version == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"kind": "political"}, "kind", "Choose whether the issue is internal or external."),
    ({"title": "  "}, "title", "Name the issue in a few words"),
    ({"effect": ""}, "effect", "Say what the issue means for information security"),
    ({"owner_id": None}, "owner_id", "Choose the owner"),
    ({"review_on": None}, "review_on", "Enter the date of the next review"),
    ({"status": "archived"}, "status", "Choose active or retired."),
])
def test_an_issue_is_refused_with_a_message_at_the_field(officer, today, changes, field, message):
    with pytest.raises(services.ContextRuleError) as refused:
        services.create_issue(issue_input(officer, today, **changes), actor=officer, today=today)
    assert message in problems(refused)[field]


def test_a_new_review_date_in_the_past_is_refused_but_an_unchanged_one_is_kept(officer, today, make_issue):
    with pytest.raises(services.ContextRuleError) as refused:
        services.create_issue(issue_input(officer, today, review_on=today - timedelta(days=1)), actor=officer,
                              today=today)
    assert "cannot be in the past" in problems(refused)["review_on"]

    overdue = make_issue(review_on=today - timedelta(days=5))
    changes = services.update_issue(overdue, issue_input(officer, today, review_on=overdue.review_on,
                                                         title="Energy supply outages"),
                                    expected_version=overdue.version, actor=officer, today=today)
    assert changes["title"] == ["Energy supply outage", "Energy supply outages"]


def test_an_owner_who_cannot_sign_in_is_refused_as_a_new_owner(officer, today):
    leaver = factories.make_user("risk_owner")
    leaver.active = False
    with pytest.raises(services.ContextRuleError) as refused:
        services.create_issue(issue_input(leaver, today), actor=officer, today=today)
    assert "active user" in problems(refused)["owner_id"]


def test_a_stale_edit_of_an_issue_is_refused(officer, today, make_issue):
    issue = make_issue()
    services.update_issue(issue, issue_input(officer, today, title="Changed first"), expected_version=issue.version,
                          actor=officer, today=today)
    with pytest.raises(StaleEditError):
        services.update_issue(issue, issue_input(officer, today), expected_version=1, actor=officer, today=today)


def test_a_party_name_is_unique_whatever_its_case(officer, today, make_party):
    make_party("Information Regulator")
    with pytest.raises(services.ContextRuleError) as refused:
        services.create_party(services.PartyInput(name="information  regulator", kind="regulator",
                                                  owner_id=officer.id, review_on=today), actor=officer, today=today)
    assert "already in the register" in problems(refused)["name"]


def test_a_requirement_links_controls_and_an_addressed_one_says_how(officer, make_party):
    party = make_party()
    with pytest.raises(services.ContextRuleError) as refused:
        services.add_requirement(party, services.RequirementInput(requirement="Notify a compromise",
                                                                  addressed=True), actor=officer)
    assert "Say how the ISMS addresses" in problems(refused)["how_addressed"]
    with pytest.raises(services.ContextRuleError) as refused:
        services.add_requirement(party, services.RequirementInput(requirement="Notify", control_ids=[999999]),
                                 actor=officer)
    assert problems(refused)["control_ids"] == "Choose controls from the catalogue."

    requirement = services.add_requirement(party, services.RequirementInput(
        requirement="Notify the Regulator of a compromise", source="POPIA s22", addressed=True,
        how_addressed="Incident procedure", control_ids=[annex_a_control("5.26").id, annex_a_control("5.24").id]),
        actor=officer)
    db.session.commit()
    assert [control.reference for control in requirement.controls] == ["5.24", "5.26"]
    _, changes = only_entry("create", "party_requirement", requirement.id)
    assert changes["controls"] == [None, ["5.24", "5.26"]]


def test_changing_only_the_controls_of_a_requirement_makes_an_open_form_stale(officer, make_party):
    party = make_party(requirements=[("Safeguards", ["5.15"])])
    requirement = party.requirements[0]
    opened_at = requirement.version
    services.update_requirement(requirement, services.RequirementInput(
        requirement="Safeguards", source="POPIA s19", addressed=True, how_addressed="Access control.",
        control_ids=[annex_a_control("8.24").id]), expected_version=opened_at, actor=officer)
    db.session.commit()

    assert requirement.version == opened_at + 1
    with pytest.raises(StaleEditError):
        services.delete_requirement(requirement, expected_version=opened_at, actor=officer)


def test_a_requirement_is_removed_with_its_audit_entry(officer, make_party):
    party = make_party(requirements=[("Safeguards", ["5.15"])])
    requirement = party.requirements[0]
    services.delete_requirement(requirement, expected_version=requirement.version, actor=officer)
    db.session.commit()

    assert party.requirements == []
    _, changes = only_entry("delete", "party_requirement", requirement.id)
    assert changes["requirement"] == ["Safeguards", None]


def test_a_role_is_held_by_active_people_without_overlapping_appointments(officer, today):
    role = services.create_role(services.RoleInput("Information security officer", "Advises."), actor=officer)
    first = services.assign_role(role, services.AssignmentInput(officer.id, today - timedelta(days=100),
                                                                today - timedelta(days=10)), actor=officer)
    db.session.commit()
    _, changes = only_entry("assign", "isms_role_assignment", first.id)
    assert changes["user_id"] == [None, officer.id]

    with pytest.raises(services.ContextRuleError) as refused:
        services.assign_role(role, services.AssignmentInput(officer.id, today - timedelta(days=20)), actor=officer)
    assert "already holds this role from" in problems(refused)["starts_on"]
    with pytest.raises(services.ContextRuleError) as refused:
        services.assign_role(role, services.AssignmentInput(officer.id, today, today - timedelta(days=1)),
                             actor=officer)
    assert "cannot end before it starts" in problems(refused)["ends_on"]
    # The same person again after the first appointment ended: allowed.
    again = services.assign_role(role, services.AssignmentInput(officer.id, today - timedelta(days=9)), actor=officer)
    assert again.current(today) and not first.current(today)


def test_two_roles_cannot_share_a_name(officer):
    services.create_role(services.RoleInput("ISMS manager", "Runs the ISMS."), actor=officer)
    with pytest.raises(services.ContextRuleError) as refused:
        services.create_role(services.RoleInput("isms  MANAGER", "Again."), actor=officer)
    assert problems(refused)["name"] == "There is already a role “ISMS manager”."
