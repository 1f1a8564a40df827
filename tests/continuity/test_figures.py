"""The register's figures elsewhere: the certification-evidence page's artefact and the list's filters
behind its gaps."""

from __future__ import annotations

from datetime import timedelta

from app.admin import settings
from app.assets.models import Asset
from app.common.timeutil import add_months
from app.continuity import services
from app.extensions import db
from app.isms import artefacts
from tests import factories
from tests.pages import page_text


def issued_plan(analysis, officer, today, *, approved_on):
    plan = services.create_plan(analysis, kind="drp", title="Disaster recovery plan", owner_id=None, actor=officer)
    draft = plan.versions[0]
    services.update_draft(draft, change="Original", body="Restore from the nightly backup.",
                          expected_version=draft.version, actor=officer)
    services.issue_version(draft, approved_on=approved_on, next_review_on=None, expected_version=draft.version,
                           actor=officer, today=today)
    db.session.commit()
    return plan


def continuity_state(user, today):
    return next(a for a in artefacts.ARTEFACTS if a.key == "continuity").check(user, today)


def test_an_empty_register_is_missing_on_the_evidence_page(app, today):
    state = continuity_state(factories.make_user("auditor"), today)
    assert state.standing is artefacts.Standing.MISSING


def test_the_artefact_names_each_gap_with_the_list_that_shows_it(app, officer, today, make_analysis, make_test):
    tested = make_analysis()
    make_test(tested)
    issued_plan(tested, officer, today, approved_on=add_months(today, -13))  # reviewed a year after: overdue
    make_analysis("DOI - Enquiry Logging System", review_on=today - timedelta(days=1))  # untested, no plan
    for tag, impact, status in (("APP-K1", 5, "in_use"), ("APP-K2", 3, "in_use"), ("APP-K3", 4, "retired")):
        db.session.add(Asset(tag=tag, name=f"Key application {tag}", kind="application", status=status,
                             business_impact=impact, search_text=tag.lower()))
    db.session.commit()

    state = continuity_state(officer, today)
    gaps = {gap.text: gap.link for gap in state.gaps}
    assert state.summary == "2 services analysed, with recovery objectives, plans and tests"
    assert gaps.keys() == {"1 application or service of business impact 4 or 5 without an analysis",
                           "1 service without an issued plan", "1 service not tested within 12 months",
                           "1 plan due for review", "1 analysis due for review"}
    assert gaps["1 service without an issued plan"].args == {"no_plan": 1}
    # A manager reads the register but not the inventory: that gap has no link for them.
    manager_gaps = {gap.text: gap.link for gap in continuity_state(factories.make_user("manager"), today).gaps}
    assert manager_gaps["1 application or service of business impact 4 or 5 without an analysis"] is None


def test_the_lists_filters_behind_the_gaps(client, login_as, officer, today, make_analysis):
    planned, unplanned = make_analysis(), make_analysis("DOI - Enquiry Logging System")
    issued_plan(planned, officer, today, approved_on=add_months(today, -13))
    login_as("auditor")
    no_plan = page_text(client.get("/continuity?no_plan=1"))
    assert unplanned.reference in no_plan and planned.reference not in no_plan
    review_due = page_text(client.get("/continuity?plan_review_due=1"))
    assert planned.reference in review_due and unplanned.reference not in review_due
    assert "1 plan due for review" in page_text(client.get("/continuity"))


def test_the_dashboard_counts_services_not_tested_within_12_months(client, login_as, make_analysis, make_test, today):
    make_test(make_analysis())
    stale = make_analysis("DOI - Enquiry Logging System")
    make_test(stale, tested_on=today - timedelta(days=400))
    make_analysis("DOA - Land Use Management System")  # never tested
    login_as("manager")
    page = page_text(client.get("/"))
    link = 'href="/continuity?test_due=1&within=12"'
    assert link in page and "Services not tested within 12 months" in page
    tile = page.split(link)[1].split("</a>")[0]
    assert '<span class="dashboard-tile-count">2</span>' in tile
    login_as("hr_officer")
    assert "/continuity?test_due=1" not in page_text(client.get("/"))
    # The link carries the dashboard's window: with a 24-month interval set, the list it opens still shows both.
    settings.save({settings.CONTINUITY_TEST_MONTHS: 24}, actor=None)
    db.session.commit()
    login_as("auditor")
    assert stale.reference not in page_text(client.get("/continuity?test_due=1"))
    assert stale.reference in page_text(client.get("/continuity?test_due=1&within=12"))
