"""Objectives and measurement in a browser: the named measurer records this month's phishing click
rate and sees it on the trend chart and in its table; the owner records an objective's status. Each
state passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.common.timeutil import local_today
from app.objectives import periods
from app.objectives.models import Frequency
from tests.browser.test_accessibility import check_page

pytestmark = pytest.mark.browser


def test_the_measurer_records_a_measurement_and_sees_it_on_the_chart(page, live_server, sign_in, artifacts):
    sign_in("owner")  # Anele measures the phishing click rate in the demo
    with live_server.app.app_context():  # the organisation's time zone is a setting
        month = periods.period_label(periods.period_start(local_today(), Frequency.MONTHLY), Frequency.MONTHLY)
    page.goto(live_server("/objectives/metrics"))
    page.get_by_role("link", name="Phishing simulation click rate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phishing simulation click rate")
    chart = page.get_by_role("img", name=re.compile("Phishing simulation click rate: trend"))
    expect(chart).to_be_visible()

    page.get_by_label("Value").fill("lots")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    check_page(page, artifacts, "metric-record-error")

    page.get_by_label("Value").fill("6,4")
    page.get_by_label("Note").fill("December simulation: 2,000 e-mails, 128 clicks.")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(".flash-messages")).to_contain_text(
        f"Recorded Phishing simulation click rate for {month}: 6.4%")
    description = page.locator("svg.trend-chart desc")
    expect(description).to_contain_text(f"{month}: 6.4%")
    page.get_by_text("trend against the target as a table").click()
    expect(page.locator(".trend-table table")).to_contain_text(month)
    expect(page.locator(".trend-table table")).to_contain_text("6.4%")
    check_page(page, artifacts, "metric-recorded")


def test_the_owner_records_an_objectives_status(page, live_server, sign_in, artifacts):
    sign_in("manager")  # Pieter owns the Windows 7 objective in the demo
    page.goto(live_server("/objectives?owner="))
    page.get_by_role("link", name="Eliminate unsupported Windows 7 devices from the network").click()
    page.get_by_label("Status", exact=True).select_option("on_track")
    page.get_by_label("Why").fill("Deliveries arrived: 40 devices left.")
    page.get_by_role("button", name="Record status").click()
    expect(page.locator(".flash-messages")).to_contain_text("Status of “Eliminate unsupported Windows 7 devices")
    expect(page.get_by_role("table").filter(has_text="Deliveries arrived")).to_contain_text("On track")
    check_page(page, artifacts, "objective-status-recorded")
