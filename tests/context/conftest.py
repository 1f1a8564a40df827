"""Builders of the context tests: records made through the services, as the app makes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.timeutil import local_today
from app.context import scope, services
from app.controls.services import annex_a_control
from app.extensions import db
from tests import factories


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def make_issue(officer, today):
    def build(title="Energy supply outage", *, kind="external", review_on=None, owner=None, status="active"):
        issue = services.create_issue(services.IssueInput(
            kind=kind, title=title, effect="Availability of monitoring at small sites.",
            owner_id=(owner or officer).id, review_on=review_on or today + timedelta(days=90), status=status),
            actor=officer, today=min(today, review_on or today))
        db.session.commit()
        return issue

    return build


@pytest.fixture
def make_party(officer, today):
    def build(name="Information Regulator", *, kind="regulator", review_on=None, requirements=()):
        party = services.create_party(services.PartyInput(
            name=name, kind=kind, owner_id=officer.id, review_on=review_on or today + timedelta(days=180)),
            actor=officer, today=min(today, review_on or today))
        for text, references in requirements:
            services.add_requirement(party, services.RequirementInput(
                requirement=text, source="POPIA s19", addressed=True, how_addressed="Access control.",
                control_ids=[annex_a_control(reference).id for reference in references]), actor=officer)
        db.session.commit()
        return party

    return build


IN_SCOPE = "The shared ICT services of the Department of the Premier."


@pytest.fixture
def issued_scope(officer, today):
    """Issue a version of the scope with the given text (version 1 first), approved `days_ago`."""

    def build(in_scope=IN_SCOPE, *, days_ago=0, exclusions=(), interfaces=""):
        draft = scope.start_draft(actor=officer)
        scope.save_draft(draft, scope.ScopeInput(in_scope=in_scope, interfaces=interfaces, exclusions=[
            scope.Exclusion(what, reason) for what, reason in exclusions]), expected_version=draft.version,
            actor=officer)
        approved = today - timedelta(days=days_ago)
        scope.issue(draft, approved_on=approved, note="ISMS forum", expected_version=draft.version, actor=officer,
                    today=today)
        db.session.commit()
        return draft

    return build
