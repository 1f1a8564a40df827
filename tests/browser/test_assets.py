"""CMDB journeys in a browser: recording a Windows 7 desktop at a clinic, relating it to a server,
finding it among the unsupported items, and deleting it after the confirmation; each state passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_officer_records_an_unsupported_desktop_relates_it_and_deletes_it(page, live_server, sign_in, artifacts):
    sign_in("officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assets (CMDB)")
    page.get_by_role("link", name="New item").click()

    page.get_by_label("Asset tag or CI number").fill("DOH-PC-99001")
    page.get_by_label("Name", exact=True).fill("Reception PC, browser test")
    page.get_by_label("Type", exact=True).select_option(label="Site")
    expect(page.get_by_label("Link speed")).to_be_visible()
    expect(page.get_by_label("Serial number")).to_be_hidden()
    page.get_by_label("Type", exact=True).select_option(label="Desktop")
    expect(page.get_by_label("Serial number")).to_be_visible()
    expect(page.get_by_label("Link speed")).to_be_hidden()
    page.get_by_label("Site", exact=True).fill("SITE-9999")
    page.get_by_role("button", name="Create item").click()
    expect(page.locator("#site_tag-error")).to_have_text("No item has the tag SITE-9999.")
    check_page(page, artifacts, "asset-new-errors")

    page.get_by_label("Site", exact=True).fill("SITE-0001")
    page.get_by_label("Operating system or product").select_option(label="Microsoft Windows 7")
    page.get_by_label("Business impact").select_option("4")
    page.get_by_label("Purchase date").fill("2012-03-01")
    page.get_by_role("button", name="Create item").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("DOH-PC-99001")
    expect(page.get_by_text("Unsupported since 2020-01-14")).to_be_visible()

    page.get_by_label("Relation", exact=True).select_option(label="depends on")
    page.get_by_label("Other item's tag").fill("SRV-00001")
    page.get_by_role("button", name="Add relation").click()
    expect(page.locator(".flash-messages")).to_contain_text("DOH-PC-99001 depends on SRV-00001.")
    expect(page.get_by_role("row").filter(has_text="SRV-00001")).to_contain_text("depends on")
    check_page(page, artifacts, "asset-with-relation")

    page.goto(live_server("/assets?q=doh-pc-99001&support=ended"))
    expect(page.get_by_role("status")).to_have_text("1 item")

    page.get_by_role("link", name="DOH-PC-99001").click()
    page.get_by_role("link", name=re.compile("Delete")).click()
    expect(page.get_by_text("DOH-PC-99001 depends on SRV-00001")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alert")).to_contain_text("confirm that they go with it")
    page.get_by_label("Delete it with its relations").check()
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(".flash-messages")).to_contain_text("Deleted DOH-PC-99001")
    page.goto(live_server("/assets?q=doh-pc-99001&status=all"))
    expect(page.get_by_role("status")).to_have_text("0 items")


def test_a_group_holding_a_value_stays_in_view_when_the_type_changes(page, live_server, sign_in):
    sign_in("officer")
    page.goto(live_server("/assets/new"))
    page.get_by_label("Asset tag or CI number").fill("SITE-9001")
    page.get_by_label("Name", exact=True).fill("Clinic, browser test")
    page.get_by_label("Type", exact=True).select_option(label="Site")
    page.get_by_label("Link speed").select_option(label="100 Mbps")

    page.get_by_label("Type", exact=True).select_option(label="Desktop")

    expect(page.get_by_label("Link speed")).to_be_visible()
    page.get_by_role("button", name="Create item").click()
    expect(page.locator("#link_speed-error")).to_have_text("Only sites have a link speed.")
