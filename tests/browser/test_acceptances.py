"""Risk acceptance in a real browser: a security officer asks for a High risk to be accepted, the head
of department is told (a notification and the dashboard) and accepts it; the register shows who
accepted it until when; axe-core on each page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def _high_risk_of_the_premier(live_server) -> tuple[int, str]:
    """A risk of the Department of the Premier with a High residual (16 over tolerance 4), owned by the
    demo risk owner: its head of department (hod@example.org) is the one to accept it."""
    from app.admin.services import find_department_by_code
    from app.auth.services import find_user_by_email
    from app.extensions import db
    from app.risks import categories, services
    from app.risks.scoring import Rating

    with live_server.app.app_context():
        owner = find_user_by_email("owner@example.org")
        risk = services.create_risk(services.RiskInput(
            title="Premier's office e-mail compromise", category_id=categories.find_category(
                "Information Security", None).id, owner_id=owner.id,
            department_id=find_department_by_code("DOTP").id, inherent=Rating(5, 4), residual=Rating(4, 4),
            tolerance=4, status="open"), actor=find_user_by_email("officer@example.org"))
        db.session.commit()
        return risk.id, risk.reference


def _tell_them(live_server) -> str:
    """What the scheduler's quiet job does within a minute of the request (its runner commits)."""
    from app.scheduler import runner

    with live_server.app.app_context():
        return runner.run_job("acceptance-requests").summary


def test_officer_asks_the_head_of_department_who_is_told_and_accepts(page, live_server, sign_in, artifacts):
    risk_id, reference = _high_risk_of_the_premier(live_server)

    officer = sign_in("officer")
    page.goto(live_server(f"/risks/{risk_id}"))
    expect(page.get_by_role("note").filter(has_text="Out of tolerance")).to_contain_text(
        "A High residual risk is accepted by the head of department: Lindiwe Head-of-Department.")
    page.get_by_role("link", name="Request acceptance").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Request acceptance of {reference}")
    check_page(page, artifacts, "risk-request-acceptance")
    page.get_by_label("Note to whoever accepts").fill("Mail gateway replacement is funded only from April.")
    page.get_by_role("button", name="Request acceptance").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Acceptance of {reference} asked of Lindiwe Head-of-Department.")
    page.get_by_role("link", name="Acceptance requested").click()  # the request, and withdrawing it
    expect(page.get_by_label("Why is the request withdrawn?")).to_be_visible()
    check_page(page, artifacts, "risk-request-acceptance-open")
    page.get_by_role("navigation", name="Main").get_by_role("button", name=re.compile(officer.full_name)).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server("/login"))

    assert _tell_them(live_server) == "1 reminders left"

    sign_in("hod")
    tile = page.get_by_role("link", name=re.compile("Acceptances requested from you"))
    expect(tile).to_contain_text("1")
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    tile.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acceptances requested from you")
    expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text("Mail gateway replacement")
    check_page(page, artifacts, "acceptance-requests-for-me")

    page.get_by_role("link", name="Notifications, 1 unread").click()
    page.get_by_role("link", name=re.compile(f"Acceptance of risk {reference} requested")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Accept {reference}")
    expect(page.get_by_role("region", name=re.compile("Requested by Sipho Security-Officer"))).to_contain_text(
        "funded only from April")
    check_page(page, artifacts, "risk-accept-requested")
    page.get_by_label("Justification").fill("Compensating controls: MFA on all mailboxes until the new gateway.")
    page.get_by_role("button", name="Accept the risk").click()
    expect(page.get_by_role("status")).to_contain_text(f"{reference} accepted until")

    page.goto(live_server(f"/risks/acceptances?q={reference}"))
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Lindiwe Head-of-Department")
    expect(row).to_contain_text("Head of department")
    expect(row).to_contain_text("Current")
    check_page(page, artifacts, "risk-acceptances-one")
    page.goto(live_server(f"/risks?q={reference}&status=all"))
    expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text(
        re.compile(r"Accepted by Lindiwe Head-of-Department until \d{4}-\d{2}-\d{2}"))


def test_the_owner_of_a_high_risk_is_told_who_may_accept_it(page, live_server, sign_in, artifacts):
    risk_id, reference = _high_risk_of_the_premier(live_server)
    sign_in("owner")
    page.goto(live_server(f"/risks/{risk_id}/accept"))
    expect(page.get_by_text(f"You do not hold that authority for {reference}")).to_be_visible()
    page.get_by_label("Justification").fill("We can live with it.")
    page.get_by_role("button", name="Accept the risk").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"You may not accept {reference}. A High residual risk is accepted by the head of department: "
        "Lindiwe Head-of-Department.")
    check_page(page, artifacts, "risk-accept-refused")
