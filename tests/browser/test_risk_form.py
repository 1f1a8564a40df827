"""The risk form in a browser (issue 18, points 9 and 10): a new risk starts unrated, the score and
band follow the selects with what each level means, the controls are found and ticked with the
keyboard, the first review is planned from the interval; the owner approves the treatment plan; an
auditor reads the risk methodology. Each page is checked with axe on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import DESKTOP, check_page

pytestmark = pytest.mark.browser


def test_creating_a_risk_with_the_live_preview_and_the_controls_picker(page, live_server, signed_in, artifacts):
    page.set_viewport_size(DESKTOP)
    signed_in("officer")
    page.goto(live_server("/risks/new"))

    preview = page.locator("#inherent-preview")
    expect(page.get_by_label("Inherent likelihood")).to_have_value("")
    expect(preview).to_have_text("Inherent rating: Not rated yet")
    expect(preview).to_have_attribute("aria-live", "polite")

    page.get_by_label("Title").fill("Ransomware on the payroll system")
    page.get_by_label("Category", exact=True).select_option(label="Information Security")
    page.get_by_label("Inherent likelihood").select_option("4")
    expect(preview).to_contain_text("Choose both likelihood and impact")
    expect(page.locator("#inherent_likelihood-help")).to_contain_text("Likely: Will probably occur")
    page.get_by_label("Inherent impact").select_option("5")
    expect(preview).to_contain_text("20 · Critical")
    expect(preview).to_contain_text("Likely × Catastrophic. Treat within 30 days")
    expect(preview.locator("rect")).to_have_attribute("fill", "#c62828")
    page.get_by_label("Residual likelihood").select_option("3")
    page.get_by_label("Residual impact").select_option("3")
    expect(page.locator("#residual-preview")).to_contain_text("9 · Medium")
    page.get_by_text("What the levels mean", exact=True).click()
    expect(page.get_by_role("table", name="Impact levels")).to_contain_text("Catastrophic")
    check_page(page, artifacts, "risk-new-preview")

    # The controls: type in the filter, Tab to the control and tick it with the space bar.
    finder = page.get_by_label("Find a control by number or words")
    finder.focus()
    page.keyboard.type("backup")
    expect(page.get_by_role("status").filter(has_text="controls shown")).to_contain_text("of")
    backup = page.get_by_role("checkbox", name="8.13 Information backup")
    expect(backup).to_be_visible()
    expect(page.get_by_role("checkbox", name="8.16 Monitoring activities")).to_be_hidden()
    page.keyboard.press("Enter")  # stays on the page: Enter in the filter does not submit the form
    expect(page).to_have_url(live_server("/risks/new"))
    for _ in range(5):  # the filter, "only the chosen", then the first control shown
        page.keyboard.press("Tab")
        if re.fullmatch(r"control_ids-\d+", page.evaluate("document.activeElement.id")):
            break
    focused = page.evaluate("document.activeElement.nextElementSibling.textContent")
    assert "backup" in focused.lower(), focused
    page.keyboard.press("Space")
    expect(backup).to_be_checked()
    expect(page.locator("[data-picker-count]")).to_have_text("1 chosen")
    finder.fill("")
    page.get_by_label("Show only the chosen controls").check()
    expect(page.get_by_role("checkbox", name="8.16 Monitoring activities")).to_be_hidden()
    expect(backup).to_be_visible()
    check_page(page, artifacts, "risk-new-controls")

    page.get_by_role("button", name="Create risk").click()
    expect(page.get_by_role("status")).to_contain_text("“Ransomware on the payroll system” created")
    facts = page.locator("dl.risk-facts")
    expect(facts).not_to_contain_text("Not set")  # the first review is planned from the interval
    expect(page.get_by_role("region", name="Controls in place")).to_contain_text("8.13 Information backup")


def test_a_form_without_scripts_still_previews_and_lists_every_control(browser, live_server, artifacts):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        from tests.browser.conftest import CSRF_TOKEN, DEMO_ROLES

        officer = DEMO_ROLES["officer"]
        token = CSRF_TOKEN.search(page.request.get(live_server("/login")).text()).group(1)
        page.request.post(live_server("/login"), form={"csrf_token": token, "email": officer.email,
                                                       "password": live_server.password})
        page.goto(live_server("/risks/new"))
        expect(page.locator("#inherent-preview")).to_have_text("Inherent rating: Not rated yet")
        expect(page.get_by_label("Find a control by number or words")).to_be_hidden()
        expect(page.get_by_role("checkbox", name="8.16 Monitoring activities")).to_be_visible()
    finally:
        context.close()


def test_the_owner_approves_the_treatment_plan_from_the_risk_page(page, live_server, signed_in, artifacts):
    from tests.browser.test_accessibility import _information_security_risk

    risk_id, _ = _information_security_risk(live_server)
    page.set_viewport_size(DESKTOP)
    signed_in("owner")
    page.goto(live_server(f"/risks/{risk_id}"))
    section = page.get_by_role("region", name="Treatment plan approval")
    expect(section).to_contain_text("Not approved")
    section.get_by_role("button", name="Approve this treatment plan").click()
    expect(page.get_by_role("status")).to_contain_text("You approved the treatment plan")
    expect(page.get_by_role("region", name="Treatment plan approval")).to_contain_text("Approved by")
    check_page(page, artifacts, "risk-plan-approved")


def test_an_auditor_reads_the_methodology_and_an_older_version(page, live_server, signed_in, artifacts):
    page.set_viewport_size(DESKTOP)
    signed_in("auditor")
    page.goto(live_server("/risks"))
    page.get_by_role("link", name="Risk methodology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk methodology")
    expect(page.get_by_role("table", name="Risk matrix version 1: rating = likelihood × impact, coloured by band")
           ).to_be_visible()
    expect(page.get_by_role("table", name="Who may accept a risk above its tolerance")).to_contain_text(
        "The head of the risk's department, or an accounting officer")
    check_page(page, artifacts, "risk-methodology-auditor")
