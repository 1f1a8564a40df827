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


def _annex_a_id(live_server, reference: str) -> int:
    from app.controls.services import annex_a_control

    with live_server.app.app_context():
        return annex_a_control(reference).id


def _asset_id(live_server, tag: str) -> int:
    from app.assets.services import find_by_tag

    with live_server.app.app_context():
        return find_by_tag(tag).id


def _policy_ids(live_server, code: str) -> tuple[int, int]:
    """The policy's id and its latest version's (a version in review, for ICT-POL-003 of the demo)."""
    from app.policies.services import find_by_code

    with live_server.app.app_context():
        policy = find_by_code(code)
        return policy.id, policy.latest.id


def _employee_id(live_server, account_email: str) -> int:
    from app.auth.services import find_user_by_email
    from app.employees.services import employee_for_user

    with live_server.app.app_context():
        return employee_for_user(find_user_by_email(account_email)).id


def _case_ids(live_server) -> dict[str, int]:
    """A demo case with a warning given, one not decided yet, one with privileges revoked now, one with
    training to complete, and one in the disciplinary procedure after its hearing."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.policies.cases.models import PolicyCase

    with live_server.app.app_context():
        cases = list(db.session.scalars(sa.select(PolicyCase).order_by(PolicyCase.id)))
        return {"warned_case_id": next(c.id for c in cases if c.warnings),
                "open_case_id": next(c.id for c in cases if c.decided_action is None),
                "revoked_case_id": next(c.id for c in cases if c.status == "open" and c.revocations),
                "training_case_id": next(c.id for c in cases if c.status == "open" and c.trainings),
                "disciplinary_case_id": next(c.id for c in cases if c.status == "open" and c.hearing is not None),
                "disciplinary_start_case_id": next(c.id for c in cases if c.decided_action == "disciplinary"
                                                   and c.investigation is None)}


def _objective_ids(live_server) -> dict[str, int]:
    """A demo objective, a metric measured by hand (and one of its measurements) and one Khusela computes."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.objectives.models import Measurement, Metric, Objective

    with live_server.app.app_context():
        manual = db.session.scalar(sa.select(Metric.id).where(Metric.computation.is_(None))
                                   .order_by(Metric.id).limit(1))
        return {"objective_id": db.session.scalar(sa.select(Objective.id).order_by(Objective.id).limit(1)),
                "manual_metric_id": manual,
                "computed_metric_id": db.session.scalar(sa.select(Metric.id).where(Metric.computation.is_not(None))
                                                        .order_by(Metric.id).limit(1)),
                "manual_measurement_id": db.session.scalar(sa.select(Measurement.id).where(
                    Measurement.metric_id == manual).order_by(Measurement.id).limit(1))}


class RecordIds(dict):
    """The ids a page's path names ({pc_id}, {warned_case_id}...), looked up in the demo data only
    when the path asks for them."""

    def __init__(self, live_server):
        super().__init__()
        self.live_server = live_server

    def __missing__(self, name: str) -> int:
        server = self.live_server
        found = {
            "officer_id": lambda: _officer_id(server),
            "annex_id": lambda: _annex_a_id(server, "8.8"),
            "pc_id": lambda: _asset_id(server, "PC-00001"),
            "site_id": lambda: _asset_id(server, "SITE-0001"),
            "application_id": lambda: _asset_id(server, "APP-0001"),
            "policy_id": lambda: _policy_ids(server, "ICT-POL-001")[0],
            "review_policy_id": lambda: _policy_ids(server, "ICT-POL-003")[0],
            "review_version_id": lambda: _policy_ids(server, "ICT-POL-003")[1],
            "manager_employee_id": lambda: _employee_id(server, "manager@example.org"),
            "objective_id": lambda: _objective_ids(server)["objective_id"],
            "manual_metric_id": lambda: _objective_ids(server)["manual_metric_id"],
            "computed_metric_id": lambda: _objective_ids(server)["computed_metric_id"],
            "manual_measurement_id": lambda: _objective_ids(server)["manual_measurement_id"],
        }.get(name) or (lambda: _case_ids(server)[name])
        self[name] = found()
        return self[name]


# name -> (path, signed in as admin?)
PAGES = {
    "login": ("/login", False),
    "home": ("/", True),
    "change-password": ("/account/password", True),
    "two-factor": ("/account/two-factor", True),
    "own-sessions": ("/account/sessions", True),
    "admin": ("/admin/", True),
    "users": ("/admin/users", True),
    "user-new": ("/admin/users/new", True),
    "user-edit": ("/admin/users/{officer_id}", True),
    "departments": ("/admin/departments", True),
    "department-new": ("/admin/departments/new", True),
    "settings": ("/admin/settings", True),
    "case-settings": ("/admin/corrective-actions", True),
    "risk-matrix": ("/admin/risk-matrix", True),
    "risk-matrix-edit": ("/admin/risk-matrix/edit", True),
    "risk-categories": ("/admin/risk-categories", True),
    "risk-category-new": ("/admin/risk-categories/new", True),
    "audit-log": ("/audit/", True),
    "isms-evidence": ("/isms/", True),
    "risks": ("/risks", True),
    "nonconformities": ("/nonconformities?status=all", True),
    "nonconformity-summary": ("/nonconformities/summary", True),
    "nonconformity": ("/nonconformities/1", True),
    "nonconformity-verifying": ("/nonconformities/4", True),
    "nonconformity-new": ("/nonconformities/new", True),
    "suppliers": ("/suppliers?status=all", True),
    "suppliers-gaps": ("/suppliers?gap=operator_contract", True),
    "supplier": ("/suppliers/1", True),
    "supplier-new": ("/suppliers/new", True),
    "supplier-edit": ("/suppliers/1/edit", True),
    "supplier-assessment-new": ("/suppliers/1/assessments/new", True),
    "supplier-review": ("/suppliers/1/review", True),
    "incidents": ("/incidents?status=all", True),
    "incidents-popia": ("/incidents?popia=track&status=all", True),
    "incident-summary": ("/incidents/summary", True),
    "incident": ("/incidents/7", True),
    "incident-popia-open": ("/incidents/13", True),
    "incident-notification": ("/incidents/13/notification", True),
    "incident-report": ("/incidents/report", True),
    "incidents-mine": ("/incidents/mine", True),
    # The demo's continuity: BIA-002 (theatres) has the BCP (plan 1, two versions) and tests; BIA-003 the DRP.
    "continuity": ("/continuity", True),
    "continuity-filtered": ("/continuity?test_due=1&no_plan=1&sort=tested", True),
    "continuity-tests": ("/continuity/tests", True),
    "continuity-analysis": ("/continuity/2", True),
    "continuity-analysis-new": ("/continuity/new", True),
    "continuity-analysis-edit": ("/continuity/2/edit", True),
    "continuity-plan": ("/continuity/2/plans/1", True),
    "continuity-plan-new": ("/continuity/2/plans/new", True),
    "continuity-test-new": ("/continuity/3/tests/new", True),
    "risks-filtered": ("/risks?band=High&band_rating=inherent&out_of_tolerance=1&sort=residual&dir=desc", True),
    "risks-relying-on-control": ("/risks?control={annex_id}", True),
    "risks-without-controls": ("/risks?control=none", True),
    "risk-heatmap": ("/risks/heatmap", True),
    "risk-import": ("/risks/import", True),
    "risk-methodology": ("/risks/methodology", True),
    "risk-acceptances": ("/risks/acceptances", True),
    "risk-acceptances-filtered": ("/risks/acceptances?status=current&band=Medium&sort=expires_on&dir=asc", True),
    "acceptance-requests": ("/risks/acceptance-requests", True),
    "controls": ("/controls", True),
    "controls-filtered": ("/controls?theme=Technological&type=Detective&sort=title", True),
    "control-annex-a": ("/controls/{annex_id}", True),
    "control-new": ("/controls/new?implements=8.16", True),
    "soa": ("/soa", True),
    "soa-filtered": ("/soa?theme=Technological&applicable=yes&status=planned", True),
    "soa-edit": ("/soa/{annex_id}/edit", True),
    "soa-coverage": ("/soa/coverage", True),
    "soa-versions": ("/soa/versions", True),
    "soa-version": ("/soa/versions/1", True),
    "soa-compare": ("/soa/versions/compare?older=1&newer=2", True),
    "soa-issue": ("/soa/issue", True),
    "evidence": ("/controls/evidence", True),
    "evidence-expired": ("/controls/evidence?validity=expired", True),
    "evidence-new": ("/controls/evidence/new", True),
    "evidence-detail": ("/controls/evidence/1", True),
    "control-test-new": ("/controls/{annex_id}/tests/new", True),
    "control-import": ("/controls/import", True),
    "assets": ("/assets", True),
    "assets-filtered": ("/assets?kind=desktop&support=ended&older_than=8&sort=impact&dir=desc", True),
    "asset-device": ("/assets/{pc_id}", True),
    "asset-site": ("/assets/{site_id}", True),
    "asset-application": ("/assets/{application_id}", True),
    "asset-new": ("/assets/new", True),
    "asset-edit": ("/assets/{pc_id}/edit", True),
    "asset-delete": ("/assets/{site_id}/delete", True),
    "asset-risks": ("/assets/{pc_id}/risks", True),
    "assets-unsupported": ("/assets/unsupported?within=180", True),
    "assets-refresh": ("/assets/refresh", True),
    "assets-portfolio": ("/assets/portfolio", True),
    "assets-reported-new": ("/assets/portfolio/reported/new", True),
    "assets-reported-edit": ("/assets/portfolio/reported/1/edit", True),
    "assets-sites": ("/assets/sites", True),
    "assets-profiles": ("/assets/profiles", True),
    "assets-import": ("/assets/import", True),
    "products": ("/assets/products", True),
    "product-new": ("/assets/products/new", True),
    "employees": ("/employees", True),
    "employees-filtered": ("/employees?status=all&position=clerk&sort=manager&dir=desc", True),
    "employee": ("/employees/{manager_employee_id}", True),
    "employee-new": ("/employees/new", True),
    "employee-edit": ("/employees/{manager_employee_id}/edit", True),
    "employee-delete": ("/employees/{manager_employee_id}/delete", True),
    "employees-import": ("/employees/import", True),
    "policies": ("/policies", True),
    "policy": ("/policies/{policy_id}", True),
    "policy-in-review": ("/policies/{review_policy_id}/versions/{review_version_id}", True),
    "policy-new": ("/policies/new", True),
    "policy-edit": ("/policies/{policy_id}/edit", True),
    "policy-acknowledgements": ("/policies/{policy_id}/acknowledgements?show=outstanding", True),
    "policy-record-acknowledgements": ("/policies/{policy_id}/acknowledgements/record", True),
    "cases": ("/cases?status=all", True),
    "case-warned": ("/cases/{warned_case_id}", True),
    "case-undecided": ("/cases/{open_case_id}", True),
    "case-revoked": ("/cases/{revoked_case_id}", True),
    "case-training": ("/cases/{training_case_id}", True),
    "case-disciplinary": ("/cases/{disciplinary_case_id}", True),
    "case-disciplinary-start": ("/cases/{disciplinary_start_case_id}", True),
    "case-new": ("/cases/new", True),
    "case-timeline": ("/cases/{warned_case_id}/timeline", True),
    "case-retention": ("/cases/retention", True),
    "objectives": ("/objectives", True),
    "objectives-filtered": ("/objectives?status=open&overdue=1&sort=title", True),
    "objective": ("/objectives/{objective_id}", True),
    "objective-new": ("/objectives/new", True),
    "objective-edit": ("/objectives/{objective_id}/edit", True),
    "metrics": ("/objectives/metrics", True),
    "metric-manual": ("/objectives/metrics/{manual_metric_id}", True),
    "metric-computed": ("/objectives/metrics/{computed_metric_id}", True),
    "metric-new": ("/objectives/metrics/new", True),
    "metric-edit": ("/objectives/metrics/{manual_metric_id}/edit", True),
    "measurement-correct": ("/objectives/metrics/{manual_metric_id}/measurements/{manual_measurement_id}/correct",
                            True),
    "context": ("/context", True),
    "context-issues": ("/context/issues?kind=external&sort=owner", True),
    "context-issue": ("/context/issues/1", True),
    "context-issue-new": ("/context/issues/new", True),
    "context-parties": ("/context/parties", True),
    "context-party": ("/context/parties/1", True),
    "context-party-new": ("/context/parties/new", True),
    "context-requirement-new": ("/context/parties/1/requirements/new", True),
    "context-scope": ("/context/scope", True),
    "context-scope-versions": ("/context/scope/versions", True),
    "context-scope-version": ("/context/scope/versions/1", True),
    "context-scope-compare": ("/context/scope/versions/compare?older=1&newer=2", True),
    "context-roles": ("/context/roles", True),
    "context-role-new": ("/context/roles/new", True),
    "context-assignment-new": ("/context/roles/1/holders/new", True),
    "internal-audits": ("/internal-audits", True),
    "internal-audits-filtered": ("/internal-audits?status=reported&clause=9.3&sort=lead", True),
    "internal-audit-programme": ("/internal-audits/programme", True),
    "internal-audit-programme-edit": ("/internal-audits/programme/edit", True),
    "internal-audit-reported": ("/internal-audits/1", True),
    "internal-audit-planned": ("/internal-audits/3", True),
    "internal-audit-new": ("/internal-audits/new", True),
    "internal-audit-edit": ("/internal-audits/3/edit", True),
    "reports-documents": ("/reports/documents", True),
    "evidence-packs": ("/reports/packs", True),
    "not-found": ("/no-such-page", True),
    # Management review (issue 19, part 5): the demo seeds last year's review (1) and a recent one (2).
    "management-reviews": ("/management-reviews", True),
    "management-review": ("/management-reviews/2", True),
    "management-review-new": ("/management-reviews/new", True),
    "management-review-actions": ("/management-reviews/actions?state=open", True),
    "management-review-action-progress": ("/management-reviews/2/actions/3/progress", True),
    "management-review-compare": ("/management-reviews/compare?a=1&b=2", True),
    # Awareness and training (issue 20, part 4): the demo's first campaign (AW-0001) has ended with its records.
    "awareness": ("/awareness", True),
    "awareness-filtered": ("/awareness?state=ended&channel=online&sort=topic", True),
    "awareness-rates": ("/awareness/rates", True),
    "awareness-campaign": ("/awareness/campaigns/1", True),
    "awareness-campaign-new": ("/awareness/campaigns/new", True),
    "awareness-campaign-edit": ("/awareness/campaigns/1/edit", True),
    "awareness-import": ("/awareness/import", True),
    "awareness-person": ("/awareness/people/{manager_employee_id}", True),
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
def test_page_has_no_serious_accessibility_violations(page, live_server, signed_in, artifacts, name):
    path, needs_account = PAGES[name]
    page.set_viewport_size(DESKTOP)
    if needs_account:
        signed_in("admin")
    response = page.goto(live_server(path.format_map(RecordIds(live_server))))
    assert response.status == (404 if name == "not-found" else 200)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, artifacts, name)


def test_forms_showing_errors_stay_accessible(page, live_server, signed_in, artifacts):
    page.goto(live_server("/login"))
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_be_visible()
    check_page(page, artifacts, "login-error")

    signed_in("admin")
    page.goto(live_server("/admin/users/new"))
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    check_page(page, artifacts, "user-new-errors")


def test_the_reported_portfolio_grid_showing_errors_stays_accessible(page, live_server, signed_in, artifacts):
    signed_in("officer")
    page.goto(live_server("/assets/portfolio/reported/1/edit"))
    page.get_by_label("Maintain share").fill("140")
    page.get_by_label("Blank count").fill("many")
    page.get_by_role("button", name="Save corrections").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    expect(page.locator("#maintain_share-error")).to_contain_text("A share is at most 100 %")
    check_page(page, artifacts, "reported-portfolio-errors")


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_width_navigation_is_usable_and_accessible(page, live_server, sign_in, artifacts):
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")  # no collapse animation half-way through a screenshot
    sign_in("admin")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Show navigation")
    expect(menu).to_be_visible()
    expect(nav.get_by_role("link", name="Audit", exact=True)).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Audit", exact=True)).to_be_visible()
    expect(page.locator("#main-nav.collapse.show")).to_be_visible()
    check_page(page, artifacts, "home-phone")

    # Wide tables scroll inside their box; the page itself must not scroll sideways.
    for name, path in (("users-phone", "/admin/users"), ("audit-log-phone", "/audit/"), ("risks-phone", "/risks"),
                       ("risk-heatmap-phone", "/risks/heatmap")):
        page.goto(live_server(path))
        assert _page_width(page) <= PHONE["width"], f"{path} is wider than a {PHONE['width']} px phone screen"
        check_page(page, artifacts, name)


@pytest.mark.parametrize("width", [1200, DESKTOP["width"], 1400])
def test_an_administrators_menu_fits_a_laptop_screen_without_scrolling_sideways(page, live_server, sign_in, width):
    """Every menu item an administrator has, expanded in one row: the page must not grow wider than the screen."""
    page.set_viewport_size({"width": width, "height": DESKTOP["height"]})
    sign_in("admin")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="ISMS", exact=True)).to_be_visible()
    assert _page_width(page) <= width, f"the page is wider than a {width} px screen"


def test_risk_matrix_form_errors_stay_accessible_and_a_fixed_form_saves(page, live_server, signed_in, artifacts):
    page.set_viewport_size(DESKTOP)
    signed_in("admin")
    page.goto(live_server("/admin/risk-matrix/edit"))
    page.get_by_label("Likelihood 3 label").fill("")
    page.get_by_label("Band 4 lowest score").fill("21")
    page.get_by_role("button", name="Save as version 2").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nothing was saved")
    expect(alert).to_contain_text("Likelihood 3: enter a label")
    expect(alert).to_contain_text("No band covers the score 20")
    expect(alert).to_contain_text("Say what changed and why")
    check_page(page, artifacts, "risk-matrix-edit-errors")

    page.get_by_label("Likelihood 3 label").fill("Possible")
    page.get_by_label("Band 4 lowest score").fill("15")
    page.get_by_label("Band 3 highest score").fill("12")
    page.get_by_label("What changed and why").fill("Critical from 15 after the yearly review")
    page.get_by_role("button", name="Save as version 2").click()
    page.wait_for_url(live_server("/admin/risk-matrix"))
    expect(page.get_by_role("status")).to_contain_text("Saved risk matrix version 2.")
    expect(page.get_by_role("table", name="Risk matrix version 2: rating = likelihood × impact, coloured by band")
           .get_by_role("cell", name="15 Critical").first).to_be_visible()

    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")
    for name, path in (("risk-matrix-phone", "/admin/risk-matrix"),
                       ("risk-matrix-edit-phone", "/admin/risk-matrix/edit")):
        page.goto(live_server(path))
        assert _page_width(page) <= PHONE["width"], f"{path} is wider than a {PHONE['width']} px phone screen"
        check_page(page, artifacts, name)


# --- one risk's pages (detail and forms) ------------------------------------------------------

RISK_PAGES = {
    "risk-detail": "/risks/{risk_id}",
    "risk-new": "/risks/new",
    "risk-edit": "/risks/{risk_id}/edit",
    "risk-review": "/risks/{risk_id}/review",
    "risk-accept": "/risks/{risk_id}/accept",
    "risk-request-acceptance": "/risks/{risk_id}/request-acceptance",
    "risk-close": "/risks/{risk_id}/close",
    "risk-action-new": "/risks/{risk_id}/actions/new",
    "risk-action-edit": "/risks/{risk_id}/actions/{action_id}/edit",
}


def _information_security_risk(live_server) -> tuple[int, int]:
    """The provincial register's example risk with its factors and treatment actions."""
    from datetime import date, timedelta

    from app.auth.services import find_user_by_email
    from app.controls.services import annex_a_control
    from app.extensions import db
    from app.risks import categories, services
    from app.risks.scoring import Rating

    with live_server.app.app_context():
        categories.seed_default_categories()
        officer = find_user_by_email("officer@example.org")
        owner = find_user_by_email("owner@example.org")
        parent = categories.find_category("Information Security", None)
        risk = services.create_risk(services.RiskInput(
            title="Information Security", category_id=parent.id,
            subcategory_id=categories.find_category("Cyber", parent.id).id, owner_id=owner.id,
            department_id=owner.department_id, inherent=Rating(4, 4), residual=Rating(3, 3), target=Rating(2, 2),
            tolerance=4, status="open", strategy="modify", next_review_on=date.today() - timedelta(days=20),
            description="Compromise of the confidentiality, integrity or availability of provincial information "
                        "and ICT systems.",
            consequences="Disruption of services to citizens, data leakage, regulatory penalties under POPIA.",
            factors=[("Attack by an external source", "H"), ("Ageing, unsupported, unmanaged technology", "H"),
                     ("Attack or data leakage by an internal source", "H"),
                     ("Limited adherence to ICT policies", "M"), ("Lack of third-party accountability", "M"),
                     ("Multiple internet entry points", "M")],
        ), actor=officer)
        action = services.add_action(risk, title="Establish a Security Operations Centre (SOC)", owner_id=owner.id,
                                     due_on=_months_from_today(6), actor=officer, control_id=annex_a_control("8.16").id,
                                     progress_note="Business case approved; tender in preparation.")
        services.add_action(risk, title="Implement an ISMS aligned to ISO/IEC 27001", owner_id=officer.id,
                            due_on=date(2025, 6, 30), actor=officer, status="in_progress",
                            control_id=annex_a_control("5.1").id)
        services.add_action(risk, title="Technology refresh of end-of-support equipment", owner_id=owner.id,
                            due_on=_months_from_today(18), actor=officer, control_id=annex_a_control("8.8").id)
        db.session.commit()
        return risk.id, action.id


def _months_from_today(months: int):
    from datetime import date

    from app.common.timeutil import add_months

    return add_months(date.today(), months)


@pytest.mark.parametrize("name", list(RISK_PAGES))
def test_risk_pages_have_no_serious_accessibility_violations(page, live_server, signed_in, artifacts, name):
    risk_id, action_id = _information_security_risk(live_server)
    page.set_viewport_size(DESKTOP)
    # Accepting takes an authority over the risk (its owner's, for this Medium residual); an
    # administrator holds none by being one.
    signed_in("owner" if name == "risk-accept" else "admin")
    response = page.goto(live_server(RISK_PAGES[name].format(risk_id=risk_id, action_id=action_id)))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, artifacts, name)


def test_risk_form_showing_errors_stays_accessible(page, live_server, signed_in, artifacts):
    risk_id, _ = _information_security_risk(live_server)
    signed_in("admin")
    page.goto(live_server(f"/risks/{risk_id}/edit"))
    page.get_by_label("Residual likelihood").select_option("5")
    page.get_by_label("Residual impact").select_option("5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    expect(page.locator("#residual_likelihood-error")).to_contain_text("cannot exceed the inherent rating")
    check_page(page, artifacts, "risk-edit-errors")
    page.set_viewport_size(PHONE)
    page.goto(live_server(f"/risks/{risk_id}"))
    assert _page_width(page) <= PHONE["width"], "the risk page is wider than a phone screen"
    check_page(page, artifacts, "risk-detail-phone")


def test_heat_map_tables_stay_accessible_and_a_cell_opens_its_risks(page, live_server, signed_in, artifacts):
    page.set_viewport_size(DESKTOP)
    signed_in("admin")
    page.goto(live_server("/risks/heatmap"))
    for summary in page.locator("details.heatmap-table summary").all():
        summary.click()
    expect(page.get_by_role("table", name="Number of risks per residual likelihood and impact")).to_be_visible()
    check_page(page, artifacts, "risk-heatmap-tables")
    # The mouse clicks the picture: the transparent link over the cell opens that cell's list.
    cell = page.locator("section[aria-labelledby='heatmap-inherent-heading'] svg.heatmap-links a").first
    expected = cell.get_attribute("href")
    cell.click()
    page.wait_for_url(live_server(expected))
    expect(page.get_by_role("status")).to_contain_text("Only risks on the heat map of matrix version 1, with inherent")


def test_the_import_mapping_page_is_accessible_and_lists_a_chosen_columns_dates(page, live_server, signed_in,
                                                                                artifacts):
    """A GLPI export (issue 21, part 3): its columns are not Khusela's, so the mapping page opens."""
    from pathlib import Path

    glpi = Path(__file__).resolve().parent.parent / "fixtures" / "imports" / "glpi-computers.csv"
    page.set_viewport_size(DESKTOP)
    signed_in("admin")
    page.goto(live_server("/assets/import"))
    page.get_by_label("File to import (.xlsx or .csv)").set_input_files(str(glpi))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Say how to read glpi-computers.csv")
    check_page(page, artifacts, "assets-import-mapping")

    page.get_by_label("Purchase date", exact=True).select_option(
        "Financial and administrative information - Date of purchase")
    page.get_by_role("button", name="List the values of these columns").click()
    expect(page.get_by_role("heading", name="Dates")).to_be_visible()
    expect(page.get_by_text("as “17-11-2014” shows")).to_be_visible()
    check_page(page, artifacts, "assets-import-mapping-values")
