"""What people do in a real browser: sign in as each role, manage an account, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_ROLES

pytestmark = pytest.mark.browser

# Which demo roles see which navigation entries (the permission table says the same).
NAV_VISIBLE_TO = {
    "Admin": {"admin"},
    "Audit": {"admin", "auditor"},
}


def main_nav(page):
    return page.get_by_role("navigation", name="Main")


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_each_role_lands_on_home_with_its_navigation(page, live_server, sign_in, artifacts, role):
    account = sign_in(role)

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {account.full_name}.")
    page.screenshot(path=str(artifacts / f"landing-{role}.png"), full_page=True)

    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Khusela")).to_be_visible()  # the brand: back to the dashboard
    for label, roles in NAV_VISIBLE_TO.items():
        entry = nav.get_by_role("link", name=label, exact=True)
        if role in roles:
            expect(entry).to_be_visible()
        else:
            expect(entry).to_have_count(0)


def test_admin_creates_finds_and_deactivates_a_user_and_the_audit_log_shows_it(page, live_server, sign_in):
    sign_in("admin")
    page.on("dialog", lambda dialog: dialog.accept())

    main_nav(page).get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New user")

    page.get_by_label("Full name").fill("Lindiwe Browser-Test")
    page.get_by_label("Email").fill("Lindiwe.Browser@example.org")
    page.get_by_label("Role").select_option(label="Risk owner")
    page.get_by_label("Department").select_option(label="DOH — Department of Health")
    page.get_by_label("Initial password").fill("a long initial passphrase")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("status")).to_contain_text("Account created for lindiwe.browser@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lindiwe Browser-Test")

    page.goto(live_server("/admin/users"))
    page.get_by_label("Name or e-mail").fill("lindiwe")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="lindiwe.browser@example.org")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Risk owner")
    expect(row).to_contain_text("DOH")
    expect(row).to_contain_text("Active")

    row.get_by_role("link", name="Lindiwe Browser-Test").click()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("Deactivated lindiwe.browser@example.org")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deactivated")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()

    main_nav(page).get_by_role("link", name="Audit", exact=True).click()
    page.get_by_label("Action", exact=True).select_option("create")
    page.get_by_label("What", exact=True).select_option("user")
    page.get_by_role("button", name="Filter").click()
    created = page.get_by_role("row").filter(has_text="Created lindiwe.browser@example.org")
    expect(created).to_have_count(1)
    expect(created).to_contain_text("admin@example.org")
    expect(created).to_contain_text("127.0.0.1")


def test_wrong_password_shows_the_error_next_to_the_password_field(page, live_server):
    page.goto(live_server("/login"))
    page.get_by_label("Email").fill("officer@example.org")
    page.get_by_label("Password").fill("not the right password")
    page.get_by_role("button", name="Sign in").click()

    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    error = page.locator("#password-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("password", re.IGNORECASE))
    expect(password).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    # The message sits directly under the field, not somewhere else on the page.
    field_box, error_box = password.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 20
    expect(page).to_have_url(live_server("/login"))


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_the_content(page, live_server):
    page.goto(live_server("/login"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visible while focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_sign_out_ends_the_session(page, live_server, sign_in):
    account = sign_in("officer")
    main_nav(page).get_by_role("button", name=re.compile(re.escape(account.full_name))).click()
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(live_server("/login"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(main_nav(page).get_by_role("link", name="Audit", exact=True)).to_have_count(0)

    page.goto(live_server("/"))
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Khusela")
