"""Asking for acceptance: a security officer asks whoever holds the authority the risk's band needs;
they are told and see it on their dashboard; whoever asked may not accept; the request ends with
the acceptance, a withdrawal, or when the risk no longer needs it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.auth import services as accounts
from app.common.timeutil import local_today
from app.extensions import db
from app.risks import services
from app.risks.models import AcceptanceRequest, RequestStatus, RiskAcceptance, RiskStatus
from app.risks.scoring import Rating
from tests import factories
from tests.pages import error_next_to, only_entry, page_text, text_of

TODAY = date(2026, 11, 26)


@pytest.fixture
def health(app):
    return factories.make_department("DOH", "Health")


@pytest.fixture
def head(health):
    user = factories.make_user("risk_owner", department=health, full_name="Lindiwe Dube")
    accounts.set_acceptance_authority(user, "head_of_department", actor=None)
    db.session.commit()
    return user


@pytest.fixture
def high_risk(make_risk, health):
    """Residual 16 (High) over tolerance 4 in Health: its head of department accepts it."""
    return make_risk(inherent=(5, 5), residual=(4, 4), tolerance=4, department_id=health.id, status="open")


def ask(risk, actor, note="SOC funded only in 2027/28."):
    request = services.request_acceptance(risk, actor=actor, note=note, today=TODAY)
    db.session.commit()
    return request


def accept(risk, actor):
    acceptance = services.accept_risk(risk, actor=actor, justification="Funding next year.",
                                      expires_on=TODAY + timedelta(days=90), today=TODAY,
                                      expected_version=risk.version)
    db.session.commit()
    return acceptance


# --- the service ----------------------------------------------------------------------------------


def test_a_request_records_what_the_risk_needs_and_is_audited(high_risk, officer, head):
    request = ask(high_risk, officer)

    assert (request.status, request.authority, request.residual_band, request.residual_score) == (
        "open", "head_of_department", "High", 16)
    entry, changes = only_entry("request_acceptance", "risk", high_risk.id)
    assert entry.actor_id == officer.id and changes == {"acceptance_request": [None, request.id]}
    assert services.requested_from(head) == [request]
    assert services.requested_from(high_risk.owner) == []  # the owner lacks the authority: not asked


def test_the_holder_accepts_and_the_request_is_answered(high_risk, officer, head):
    request = ask(high_risk, officer)
    acceptance = accept(high_risk, head)

    db.session.refresh(request)
    assert (request.status, request.acceptance_id, request.end_reason) == (
        "accepted", acceptance.id, "Accepted by Lindiwe Dube")
    assert services.open_request(high_risk) is None and services.requested_from(head) == []


def test_whoever_asked_may_not_accept_even_holding_the_authority(high_risk, health, head):
    asking_admin = factories.make_user("admin", department=health)
    accounts.set_acceptance_authority(asking_admin, "head_of_department", actor=None)
    db.session.commit()
    ask(high_risk, asking_admin)

    with pytest.raises(services.RiskRuleError, match="You asked for R-0001 to be accepted, so you may not accept it"):
        accept(high_risk, asking_admin)
    db.session.rollback()
    assert db.session.scalar(sa.select(RiskAcceptance)) is None
    accept(high_risk, head)  # another holder may


def test_the_only_holder_cannot_ask_themselves(high_risk, health):
    sole = factories.make_user("admin", department=health)
    accounts.set_acceptance_authority(sole, "head_of_department", actor=None)
    db.session.commit()
    with pytest.raises(services.RiskRuleError, match="accept it on its acceptance page instead of asking"):
        ask(high_risk, sole)


@pytest.mark.parametrize(("setup", "message"), [
    ("within", "within tolerance"),
    ("closed", "is closed"),
    ("asked", "was already asked for on 2026-11-26"),
    ("nobody", "nobody holds that authority for R-0001"),
    ("accepted", "is accepted until"),
])
def test_a_request_that_cannot_be_answered_is_refused(make_risk, high_risk, officer, head, setup, message):
    risk = high_risk
    if setup == "within":
        risk = make_risk(inherent=(5, 5), residual=(2, 2), tolerance=4, title="Calm")
    elif setup == "closed":
        services.close_risk(risk, expected_version=risk.version, reason="Decommissioned", actor=officer)
    elif setup == "asked":
        ask(risk, officer)
    elif setup == "nobody":
        accounts.set_acceptance_authority(head, None, actor=None)
    elif setup == "accepted":
        accept(risk, head)
    db.session.commit()
    with pytest.raises(services.RiskRuleError, match=message):
        ask(risk, officer)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AcceptanceRequest)) == (
        1 if setup == "asked" else 0)


def test_a_request_ends_when_the_risk_no_longer_needs_it(high_risk, officer, head):
    request = ask(high_risk, officer)
    services.update_risk(high_risk, replace(services.input_of(high_risk), residual=Rating(2, 2)),
                         expected_version=high_risk.version, actor=officer, reason="Firewall replaced")
    db.session.commit()
    db.session.refresh(request)
    assert (request.status, request.end_reason) == ("withdrawn", "No longer needed: the risk is within tolerance")

    services.update_risk(high_risk, replace(services.input_of(high_risk), residual=Rating(4, 4)),
                         expected_version=high_risk.version, actor=officer, reason="Firewall failed")
    again = ask(high_risk, officer)
    services.close_risk(high_risk, expected_version=high_risk.version, reason="System retired", actor=officer)
    db.session.commit()
    db.session.refresh(again)
    assert (again.status, again.end_reason) == ("withdrawn", "Risk closed")


def test_withdrawing_needs_a_reason_and_is_audited(high_risk, officer, head):
    request = ask(high_risk, officer)
    with pytest.raises(services.RiskRuleError, match="Say why the request is withdrawn"):
        services.withdraw_request(request, actor=officer, reason=" ")
    services.withdraw_request(request, actor=officer, reason="Treatment now funded")
    db.session.commit()

    assert (request.status, request.end_reason) == ("withdrawn", "Treatment now funded")
    entry, _ = only_entry("withdraw", "risk", high_risk.id)
    assert entry.actor_id == officer.id and "Treatment now funded" in entry.summary
    with pytest.raises(services.RiskRuleError, match="already withdrawn"):
        services.withdraw_request(request, actor=officer, reason="Again")


# --- the pages ------------------------------------------------------------------------------------


def test_an_officer_asks_from_the_risk_page(client, login_as, high_risk, officer, head):
    login_as(officer)
    assert "Acceptances requested from you" not in text_of(client.get("/"))  # an officer accepts nothing
    detail = client.get(f"/risks/{high_risk.id}").get_data(as_text=True)
    assert f"/risks/{high_risk.id}/request-acceptance" in detail
    form = page_text(client.get(f"/risks/{high_risk.id}/request-acceptance"))
    assert "A High residual risk is accepted by the head of department: Lindiwe Dube." in form

    response = client.post(f"/risks/{high_risk.id}/request-acceptance", data={"note": "Budget in April."},
                           follow_redirects=True)

    assert "Acceptance of R-0001 asked of Lindiwe Dube." in page_text(response)
    request = db.session.scalar(sa.select(AcceptanceRequest))
    assert (request.requested_by_id, request.note) == (officer.id, "Budget in April.")
    assert "Acceptance was requested by" in page_text(client.get(f"/risks/{high_risk.id}"))


def test_a_request_refused_by_a_rule_keeps_the_form(client, login_as, make_risk, officer):
    login_as(officer)
    calm = make_risk(inherent=(5, 5), residual=(2, 2), tolerance=4)
    response = client.post(f"/risks/{calm.id}/request-acceptance", data={"note": "Please"})
    assert response.status_code == 422 and "within tolerance" in page_text(response)
    too_long = client.post(f"/risks/{calm.id}/request-acceptance", data={"note": "x" * 2001})
    assert too_long.status_code == 422 and "Use at most 2000 characters." in error_next_to(too_long, "note")
    assert db.session.scalar(sa.select(AcceptanceRequest)) is None


@pytest.mark.parametrize("role", ["risk_owner", "manager", "auditor", "hr_officer"])
def test_only_officers_and_admins_ask(client, login_as, high_risk, role):
    login_as(role)
    assert client.get(f"/risks/{high_risk.id}/request-acceptance").status_code == 403
    assert client.post(f"/risks/{high_risk.id}/request-acceptance", data={"note": "x"}).status_code == 403
    assert client.post(f"/risks/{high_risk.id}/withdraw-acceptance-request",
                       data={"reason": "x"}).status_code == 403
    assert db.session.scalar(sa.select(AcceptanceRequest)) is None


def test_an_officer_withdraws_a_request_with_a_reason(client, login_as, high_risk, officer, head):
    request = ask(high_risk, officer)
    login_as(officer)
    refused = client.post(f"/risks/{high_risk.id}/withdraw-acceptance-request", data={"reason": ""})
    assert refused.status_code == 422 and "Say why the request is withdrawn" in error_next_to(refused, "reason")

    done = client.post(f"/risks/{high_risk.id}/withdraw-acceptance-request", data={"reason": "Treated"},
                       follow_redirects=True)
    assert "The request for acceptance of R-0001 is withdrawn." in page_text(done)
    db.session.refresh(request)
    assert request.status == RequestStatus.WITHDRAWN


def test_the_holder_sees_it_on_the_dashboard_and_accepts(client, login_as, high_risk, officer, head):
    ask(high_risk, officer, note="Budget in April.")
    login_as(head)

    assert "Risks 1 Acceptances requested from you" in text_of(client.get("/"))
    requests_page = text_of(client.get("/risks/acceptance-requests?for_me=1"))
    assert "R-0001" in requests_page and "Budget in April." in requests_page and "Accept R-0001" in requests_page
    form = page_text(client.get(f"/risks/{high_risk.id}/accept"))
    assert "Requested by" in form and "Budget in April." in form
    response = client.post(f"/risks/{high_risk.id}/accept", data={
        "version": high_risk.version, "justification": "Funded in April.",
        "expires_on": (local_today() + timedelta(days=60)).isoformat()})
    assert response.status_code == 302
    assert db.session.get(AcceptanceRequest, 1).status == "accepted"
    assert db.session.get(type(high_risk), high_risk.id).status == RiskStatus.ACCEPTED


def test_the_owner_without_the_authority_is_told_who_may(client, login_as, high_risk, owner, head):
    login_as(owner)
    form = page_text(client.get(f"/risks/{high_risk.id}/accept"))
    assert "You do not hold that authority for R-0001" in form
    response = client.post(f"/risks/{high_risk.id}/accept", data={
        "version": high_risk.version, "justification": "We can live with it.",
        "expires_on": (local_today() + timedelta(days=60)).isoformat()})
    assert response.status_code == 422
    assert ("You may not accept R-0001. A High residual risk is accepted by the head of department: Lindiwe Dube."
            in page_text(response))
    assert db.session.scalar(sa.select(RiskAcceptance)) is None


@pytest.mark.parametrize("role", ["auditor", "security_officer", "risk_owner", "admin"])
def test_every_reader_sees_the_requests(client, login_as, high_risk, officer, head, role):
    ask(high_risk, officer)
    login_as(role)
    page = text_of(client.get("/risks/acceptance-requests"))
    assert "R-0001" in page and "Accept R-0001" not in page  # none of them holds the authority


def test_a_manager_sees_the_requests_of_their_department_only(client, login_as, high_risk, officer, head, health):
    ask(high_risk, officer)
    login_as("manager", department=factories.make_department("DOE", "Education"))
    assert "R-0001" not in page_text(client.get("/risks/acceptance-requests"))
    login_as("manager", department=health)
    assert "R-0001" in page_text(client.get("/risks/acceptance-requests"))
