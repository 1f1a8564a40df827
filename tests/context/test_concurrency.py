"""Two officers acting on the same part of the ISMS context at the same moment: one save wins and the
other is told why (the stale-edit message, or the rule the first one's save now breaks), never an
error page, never two records where the register keeps one.

Each race holds both requests right after the read their write depends on (tests.threads.hold_after),
so on PostgreSQL both have read before either writes, on every run."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.context import scope, services
from app.context.models import InterestedParty, IsmsRole, ScopeState, ScopeStatement
from app.extensions import db
from tests import factories
from tests.pages import page_text
from tests.threads import hold_after, post_at_once, post_each_at_once

STALE = "changed by someone else"


def _two_officers() -> list:
    return [factories.make_user("security_officer"), factories.make_user("admin")]


def _outcome(responses: dict) -> tuple[list[int], list[str]]:
    return sorted(response.status_code for response in responses.values()), \
        [page_text(response) for response in responses.values()]


def _party_form(person, today, **values) -> dict:
    return {"name": "Information Regulator", "kind": "regulator", "owner_id": str(person.id),
            "review_on": (today + timedelta(days=30)).isoformat(), "status": "active", "description": "", **values}


def test_two_officers_saving_one_party_at_once_one_gets_the_conflict_message(app, make_party, today, monkeypatch):
    party = make_party()
    people = _two_officers()
    forms = {person.email: _party_form(person, today, version=str(party.version),
                                       description=f"Kept up to date by {person.full_name}.") for person in people}
    party_id, version = party.id, party.version
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (InterestedParty, "check_version"))
    _, responses = post_at_once(app, f"/context/parties/{party_id}/edit", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 200]
    assert sum(STALE in page for page in pages) == 1
    saved = db.session.get(InterestedParty, party_id)
    assert saved.version == version + 1
    assert saved.description in {form["description"] for form in forms.values()}


def test_two_officers_adding_the_same_party_at_once_get_one_party(app, today, monkeypatch):
    people = _two_officers()
    forms = {person.email: _party_form(person, today) for person in people}
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (services, "_check_party"))
    _, responses = post_at_once(app, "/context/parties/new", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 422]  # the second is shown its form again, with the reason
    assert sum("“Information Regulator” is already in the register" in page for page in pages) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InterestedParty)) == 1


def test_two_officers_saving_the_scope_draft_at_once_one_gets_the_conflict_message(app, officer, monkeypatch):
    draft = scope.start_draft(actor=officer)
    db.session.commit()
    people = _two_officers()
    forms = {person.email: {"version": str(draft.version), "in_scope": f"Drafted by {person.full_name}.",
                            "out_of_scope": "", "boundaries": "", "interfaces": "", "change_note": ""}
             for person in people}
    draft_id, version = draft.id, draft.version
    db.session.close()

    hold_after(monkeypatch, (ScopeStatement, "check_version"))
    _, responses = post_at_once(app, "/context/scope/draft/edit", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 200]
    assert sum(STALE in page for page in pages) == 1
    saved = db.session.get(ScopeStatement, draft_id)
    assert saved.version == version + 1
    assert saved.in_scope in {form["in_scope"] for form in forms.values()}


def test_two_officers_starting_a_draft_at_once_get_one_draft(app, issued_scope, monkeypatch):
    issued_scope()
    emails = [person.email for person in _two_officers()]
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (scope, "draft"))
    _, responses = post_at_once(app, "/context/scope/draft", {email: {} for email in emails},
                                follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 200]
    assert sum("Started drafting version 2" in page for page in pages) == 1
    assert sum("Version 2 is already being drafted" in page for page in pages) == 1
    states = db.session.execute(sa.select(ScopeStatement.number, ScopeStatement.state)
                                .order_by(ScopeStatement.number)).all()
    assert states == [(1, ScopeState.ISSUED.value), (2, ScopeState.DRAFT.value)]


def test_two_approvers_issuing_the_draft_at_once_issue_one_version(app, officer, today, monkeypatch):
    draft = scope.start_draft(actor=officer)
    scope.save_draft(draft, scope.ScopeInput(in_scope="The shared ICT services."), expected_version=draft.version,
                     actor=officer)
    db.session.commit()
    people = _two_officers()
    forms = {person.email: {"version": str(draft.version), "approved_on": today.isoformat(),
                            "note": f"Approved by {person.full_name}."} for person in people}
    db.session.close()

    hold_after(monkeypatch, (ScopeStatement, "check_version"))
    _, responses = post_at_once(app, "/context/scope/draft/issue", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 200]
    assert sum("Issued version 1 of the scope statement" in page for page in pages) == 1
    assert sum(STALE in page for page in pages) == 1
    issued = db.session.scalars(sa.select(ScopeStatement)).all()
    assert [(statement.number, statement.state) for statement in issued] == [(1, ScopeState.ISSUED.value)]
    assert issued[0].approval_note in {form["note"] for form in forms.values()}


def test_two_officers_adding_the_same_role_at_once_get_one_role(app, monkeypatch):
    emails = [person.email for person in _two_officers()]
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (services, "_check_role"))
    form = {"name": "Information security officer", "responsibilities": "Runs the ISMS day to day.", "authority": ""}
    _, responses = post_at_once(app, "/context/roles/new", dict.fromkeys(emails, form), follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 422]
    assert sum("There is already a role “Information security officer”" in page for page in pages) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IsmsRole)) == 1


def test_two_officers_renaming_two_parties_to_one_name_at_once_one_is_refused(app, make_party, today, monkeypatch):
    first, second = make_party("Auditor-General of South Africa"), make_party("AGSA")
    people = _two_officers()
    posts = {person.email: (person.email, f"/context/parties/{party.id}/edit",
                            _party_form(person, today, name="Auditor-General", version=str(party.version)))
             for person, party in zip(people, (first, second), strict=True)}
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (services, "_check_party"))
    _, responses = post_each_at_once(app, posts, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 422]
    assert sum("“Auditor-General” is already in the register" in page for page in pages) == 1
    names = set(db.session.scalars(sa.select(InterestedParty.name)))
    assert "Auditor-General" in names and len(names) == 2
