"""axe-core on every main page: no serious or critical WCAG violation may ship.

Each page is also saved as tests/artifacts/page-<name>.png (and axe's full findings, minor ones
included, as axe-<name>.json) so a person can look at what the browser drew.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}
# Widths people use: a laptop and a phone (where the navigation collapses behind a button).
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _officer_id(live_server) -> int:
    from app.auth.services import find_user_by_email

    with live_server.app.app_context():
        return find_user_by_email("officer@example.org").id


# name -> (path, signed in as admin?)
PAGES = {
    "login": ("/login", False),
    "home": ("/", True),
    "change-password": ("/account/password", True),
    "two-factor": ("/account/two-factor", True),
    "admin": ("/admin/", True),
    "users": ("/admin/users", True),
    "user-new": ("/admin/users/new", True),
    "user-edit": ("/admin/users/{officer_id}", True),
    "departments": ("/admin/departments", True),
    "department-new": ("/admin/departments/new", True),
    "settings": ("/admin/settings", True),
    "audit-log": ("/audit/", True),
    "not-found": ("/no-such-page", True),
}


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def check_page(page, artifacts, name: str) -> None:
    """Screenshot the page, run axe over it and fail on serious or critical violations."""
    page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    (artifacts / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious or critical problems on {name} ({page.url}):\n{_describe(blocking)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(page, live_server, sign_in, artifacts, name):
    path, signed_in = PAGES[name]
    page.set_viewport_size(DESKTOP)
    if signed_in:
        sign_in("admin")
    response = page.goto(live_server(path.format(officer_id=_officer_id(live_server))))
    assert response.status == (404 if name == "not-found" else 200)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, artifacts, name)


def test_forms_showing_errors_stay_accessible(page, live_server, sign_in, artifacts):
    page.goto(live_server("/login"))
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_be_visible()
    check_page(page, artifacts, "login-error")

    sign_in("admin")
    page.goto(live_server("/admin/users/new"))
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    check_page(page, artifacts, "user-new-errors")


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_width_navigation_is_usable_and_accessible(page, live_server, sign_in, artifacts):
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")  # no collapse animation half-way through a screenshot
    sign_in("admin")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Show navigation")
    expect(menu).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.locator("#main-nav.collapse.show")).to_be_visible()
    check_page(page, artifacts, "home-phone")

    # Wide tables scroll inside their box; the page itself must not scroll sideways.
    for name, path in (("users-phone", "/admin/users"), ("audit-log-phone", "/audit/")):
        page.goto(live_server(path))
        assert _page_width(page) <= PHONE["width"], f"{path} is wider than a {PHONE['width']} px phone screen"
        check_page(page, artifacts, name)
