"""The dashboard: each figure against data built for it, scoped to the user's role (a risk owner's own
risks, a manager's own department), each figure's link leading to a list of the same rows, and no
employee named anywhere on the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.auth.models import Role
from app.common.timeutil import local_today
from app.controls import services as control_services
from app.controls import soa
from app.controls.models import Control, ControlSource, ImplementationStatus
from app.core import dashboard as dash
from app.extensions import db
from app.risks import services as risk_services
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories
from tests.assets.test_views import make as make_asset
from tests.policies.conftest import make_approved, open_case
from tests.policies.conftest import make_employee as make_case_employee

TODAY: date  # the server's local date, set for each test once the app exists
EMPLOYEE_NAMES = ("Bongani Zwelithini", "Zanele Mthembu")


@pytest.fixture(autouse=True)
def _today(app):
    global TODAY
    TODAY = local_today()


@pytest.fixture
def people(app):
    health, education = factories.make_department("DOH", "Health"), factories.make_department("WCED", "Education")
    return {
        "health": health, "education": education,
        "officer": factories.make_user("security_officer"),
        "owner": factories.make_user("risk_owner", department=health),
        "other_owner": factories.make_user("risk_owner"),
        "manager": factories.make_user("manager", department=health),
    }


@pytest.fixture
def register(people):
    """Risks with one problem each, split between two owners and two departments."""
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    owner, other, officer = people["owner"], people["other_owner"], people["officer"]

    def risk(title, *, residual=(2, 2), tolerance=9, owner=owner, department=people["health"]):
        made = risk_services.create_risk(risk_services.RiskInput(
            title=title, category_id=category.id, inherent=Rating(5, 5), residual=Rating(*residual),
            tolerance=tolerance, owner_id=owner.id, department_id=department.id, status="open"), actor=officer)
        db.session.commit()
        return made

    risks = {
        "over": risk("Ransomware", residual=(4, 4)),  # 16 > 9
        "over_other": risk("Phishing", residual=(5, 4), owner=other, department=people["education"]),
        "calm": risk("Power outage"),
        "overdue_review": risk("Stale review"),
        "overdue_action": risk("Late patching"),
        # 9 > 8, accepted below by its owner (a Medium residual: the owner's to accept).
        "accepted": risk("Legacy system", residual=(3, 3), tolerance=8),
        "closed_over": risk("Closed and over", residual=(5, 5)),
    }
    risks["overdue_review"].next_review_on = TODAY - timedelta(days=1)
    risks["closed_over"].status = "closed"
    db.session.commit()
    risk_services.add_action(risks["overdue_action"], title="Patch servers", owner_id=owner.id,
                             due_on=TODAY - timedelta(days=3), actor=officer)
    risk_services.add_action(risks["overdue_action"], title="Patch desktops", owner_id=owner.id,
                             due_on=TODAY - timedelta(days=1), actor=officer)
    risk_services.add_action(risks["calm"], title="Done already", owner_id=owner.id,
                             due_on=TODAY - timedelta(days=3), status="done", actor=officer)
    risk_services.add_action(risks["calm"], title="Not due yet", owner_id=owner.id,
                             due_on=TODAY + timedelta(days=3), actor=officer)
    risk_services.accept_risk(risks["accepted"], actor=owner, justification="Replaced next year.",
                              expires_on=TODAY + timedelta(days=20), today=TODAY,
                              expected_version=risks["accepted"].version)
    return risks


def figures(panel_figures) -> dict[str, int]:
    return {figure.label: figure.count for figure in panel_figures}


# --- risks ---------------------------------------------------------------------------------------


def test_risk_figures_count_the_whole_register_for_an_officer(people, register):
    panel = dash.risk_panel(people["officer"], TODAY)

    assert panel.scope == "all" and panel.scope_args == {}
    assert figures(panel.figures) == {
        "Not closed": 6, "Out of tolerance": 3, "Review overdue": 1, "With treatment actions overdue": 1,
        "Acceptance ending within 30 days": 1}
    assert panel.overdue_action_count == 2
    assert panel.heat_map.total == 6  # closed risks are not on it
    assert panel.heat_map.kind.value == "residual"


def test_a_risk_owner_sees_their_own_risks(people, register):
    panel = dash.risk_panel(people["owner"], TODAY)

    assert panel.scope == "own" and panel.scope_args == {"owner": people["owner"].id}
    assert figures(panel.figures)["Out of tolerance"] == 2  # not the other owner's phishing risk
    assert panel.heat_map.total == 5
    assert panel.figures[1].area == "Your risks"


def test_a_manager_sees_their_department_s_risks(people, register):
    panel = dash.risk_panel(people["manager"], TODAY)

    assert panel.scope_args == {"department": people["health"].id}
    assert figures(panel.figures)["Not closed"] == 5


def test_acceptance_outside_the_window_or_ended_is_not_counted(people, register):
    acceptance = risk_services.current_acceptance(register["accepted"])
    acceptance.expires_on = TODAY + timedelta(days=31)
    db.session.commit()
    assert figures(dash.risk_panel(people["officer"], TODAY).figures)["Acceptance ending within 30 days"] == 0
    acceptance.expires_on = TODAY + timedelta(days=30)
    db.session.commit()
    assert figures(dash.risk_panel(people["officer"], TODAY).figures)["Acceptance ending within 30 days"] == 1
    acceptance.ended_at = acceptance.created_at
    db.session.commit()
    assert figures(dash.risk_panel(people["officer"], TODAY).figures)["Acceptance ending within 30 days"] == 0


def test_roles_without_the_register_get_no_risk_panel(people):
    assert dash.risk_panel(factories.make_user("hr_officer"), TODAY) is None


# --- SoA, evidence, assets, policies -------------------------------------------------------------


def _decide(reference: str, *, applicable: bool, status: str | None, officer) -> None:
    data = soa.SoaInput(applicable=applicable, justification="Decided in the 2026 risk assessment.",
                        reasons=["risk_treatment"] if applicable else [], status=status)
    soa.save_entry(control_services.annex_a_control(reference), data, expected_version=None, actor=officer)


def test_soa_counts_applicable_implemented_and_each_status(people):
    officer = people["officer"]
    _decide("5.1", applicable=True, status=ImplementationStatus.IMPLEMENTED.value, officer=officer)
    _decide("5.2", applicable=True, status=ImplementationStatus.IMPLEMENTED.value, officer=officer)
    _decide("8.16", applicable=True, status=ImplementationStatus.PLANNED.value, officer=officer)
    _decide("7.4", applicable=False, status=ImplementationStatus.NOT_APPLICABLE.value, officer=officer)
    annex_a = db.session.scalar(sa.select(sa.func.count()).where(Control.source == ControlSource.ANNEX_A.value))

    panel = dash.soa_panel(officer)

    assert (panel.total, panel.applicable, panel.implemented, panel.undecided) == (annex_a, 3, 2, annex_a - 4)
    assert panel.implemented_percent == 67
    assert {bar.label: bar.count for bar in panel.bars} == {
        "Not implemented": 0, "Planned": 1, "Partially implemented": 0, "Implemented": 2, "Not applicable": 1,
        "Not decided yet": annex_a - 4}
    assert dash.soa_panel(people["manager"]) is None


def test_evidence_expired_and_ending_soon(people):
    def evidence(title, valid_until):
        control_services.add_evidence(control_services.EvidenceInput(
            title=title, evidence_date=TODAY - timedelta(days=400), valid_until=valid_until,
            url="https://intranet.example.gov.za/evidence",
            control_ids=[control_services.annex_a_control("5.1").id]), actor=people["officer"])

    evidence("Old restore test", TODAY - timedelta(days=1))
    evidence("Firewall review", TODAY)
    evidence("Pen test", TODAY + timedelta(days=30))
    evidence("Access review", TODAY + timedelta(days=31))
    evidence("Policy", None)

    assert figures(dash.evidence_figures(people["officer"], TODAY)) == {"Expired": 1, "Ending within 30 days": 2}
    assert dash.evidence_figures(people["manager"], TODAY) == []


def test_unsupported_assets(people):
    make_asset("PC-1", end_of_support_set=TODAY - timedelta(days=10))
    make_asset("PC-2", end_of_support_set=TODAY + timedelta(days=60))
    make_asset("PC-3", end_of_support_set=TODAY + timedelta(days=200))
    make_asset("PC-4", end_of_support_set=TODAY - timedelta(days=10), status="disposed")

    assert figures(dash.asset_figures(people["officer"], TODAY)) == {
        "Out of vendor support": 1, "Out of support or ending within 90 days": 2}
    assert dash.asset_figures(people["manager"], TODAY) == []


def test_policies_due_for_review(people):
    due, later = make_approved("ICT-POL-001"), make_approved("ICT-POL-002")
    due.current.next_review_on = TODAY + timedelta(days=10)
    later.current.next_review_on = TODAY + timedelta(days=90)
    db.session.commit()

    assert figures(dash.policy_figures(people["manager"], TODAY)) == {"Review overdue or due within 30 days": 1}


# --- cases ---------------------------------------------------------------------------------------


@pytest.fixture
def cases(people):
    policy = make_approved("ICT-POL-001")
    health_employee = make_case_employee(department=people["health"], name=EMPLOYEE_NAMES[0])
    education_employee = make_case_employee(department=people["education"], name=EMPLOYEE_NAMES[1])
    opened = [open_case(health_employee, policy), open_case(health_employee, policy, severity="high"),
              open_case(education_employee, policy)]
    return policy, opened


def test_open_cases_by_step_for_every_case_reader(people, cases):
    panel = dash.case_panel(people["officer"])

    assert panel.open_total == 3 and not panel.department_only
    assert sum(bar.count for bar in panel.bars) == 3
    assert [bar.args["action"] for bar in panel.bars] == [
        "management_warning", "written_warning", "revoke_privileges", "training", "disciplinary"]


def test_a_manager_counts_only_their_department_s_cases(people, cases):
    panel = dash.case_panel(people["manager"])

    assert panel.open_total == 2 and panel.department_only
    manager_elsewhere = factories.make_user("manager", department=people["education"])
    assert dash.case_panel(manager_elsewhere).open_total == 1
    assert dash.case_panel(factories.make_user("manager")).open_total == 0  # no department, no cases
    assert dash.case_panel(factories.make_user("risk_owner")) is None


# --- the page ------------------------------------------------------------------------------------

PANELS = {
    "heat map": 'id="heatmap-residual-heading"',
    "soa": 'id="soa-heading"',
    "cases": 'id="cases-heading"',
    "evidence": "/controls/evidence?validity=expired",
    "assets": "/assets/unsupported?within=0",
    "policies": "/policies?review=due",
}
SEES = {
    Role.ADMIN: set(PANELS),
    Role.SECURITY_OFFICER: set(PANELS),
    Role.AUDITOR: set(PANELS),
    Role.RISK_OWNER: {"heat map", "soa", "evidence", "assets", "policies"},
    Role.MANAGER: {"heat map", "cases", "policies"},
    Role.HR_OFFICER: {"cases", "policies"},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_panels_and_no_employee(client, login_as, people, register, cases, role):
    login_as(role.value, department=people["health"])

    response = client.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert {name for name, marker in PANELS.items() if marker in page} == SEES[role]
    assert "Two-factor sign-in" in page and "Previous sign-in" in page
    for name in EMPLOYEE_NAMES:
        assert name not in page
    for case in cases[1]:
        assert case.reference not in page


@pytest.mark.parametrize("role", list(Role))
def test_those_who_open_cases_find_open_a_case_on_the_dashboard(client, login_as, people, role):
    login_as(role.value, department=people["health"])

    page = client.get("/").get_data(as_text=True)

    offered = 'href="/cases/new"' in page and "Open a case" in page
    assert offered == (role in {Role.ADMIN, Role.SECURITY_OFFICER, Role.MANAGER, Role.HR_OFFICER})


def _links(page: str) -> dict[str, str]:
    """Each "needs attention" tile: its link and count."""
    return {unescape(href): int(count) for href, count in re.findall(
        r'<a href="([^"]+)">\s*<span class="dashboard-tile-area">[^<]*</span>\s*'
        r'<span class="dashboard-tile-count">(\d+)</span>', page)}


def _risk_references(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r">(R-\d+)<", response.get_data(as_text=True))) or set(
        re.findall(r'href="/risks/\d+">([A-Z]+-[\dA-Z-]+)<', response.get_data(as_text=True)))


@pytest.mark.parametrize("role", ["security_officer", "risk_owner"])
def test_risk_figures_lead_to_lists_of_the_same_size(client, login_as, people, register, role):
    user = login_as(people["owner"] if role == "risk_owner" else people["officer"])
    links = _links(client.get("/").get_data(as_text=True))
    risk_links = {href: count for href, count in links.items()
                  if href.startswith("/risks") and not href.startswith("/risks/acceptance-requests")}
    assert len(risk_links) == 4
    for href, count in risk_links.items():
        if user.role == Role.RISK_OWNER:
            assert f"owner={user.id}" in href
        listed = _risk_references(client.get(href))
        assert len(listed) == count, href


def test_heat_map_cells_lead_to_their_risks(client, login_as, people, register):
    login_as(people["owner"])
    page = client.get("/").get_data(as_text=True)
    [cell] = {unescape(href) for href in re.findall(r'href="(/risks\?[^"]*residual_likelihood=4[^"]*)"', page)}
    assert f"owner={people['owner'].id}" in cell and "residual_impact=4" in cell
    assert _risk_references(client.get(cell)) == {register["over"].reference}


def test_other_figures_lead_to_lists_of_the_same_size(client, login_as, people):
    make_asset("PC-1", end_of_support_set=TODAY - timedelta(days=10))
    make_asset("PC-2", end_of_support_set=TODAY + timedelta(days=60))
    for title, valid_until in (("Old restore test", TODAY - timedelta(days=1)), ("Pen test", TODAY + timedelta(5)),
                               ("Firewall review", TODAY + timedelta(days=5))):
        control_services.add_evidence(control_services.EvidenceInput(
            title=title, evidence_date=date(2025, 1, 1), valid_until=valid_until,
            url="https://intranet.example.gov.za/evidence",
            control_ids=[control_services.annex_a_control("5.1").id]), actor=people["officer"])
    due = make_approved("ICT-POL-001")
    make_approved("ICT-POL-002")
    due.current.next_review_on = TODAY - timedelta(days=3)
    db.session.commit()
    login_as(people["officer"])

    links = _links(client.get("/").get_data(as_text=True))

    assert links["/controls/evidence?validity=expired"] == 1
    assert links["/controls/evidence?validity=expiring"] == 2
    assert links["/assets/unsupported?within=0"] == 1
    assert links["/assets/unsupported?within=90"] == 2
    assert links["/policies?review=due"] == 1
    evidence_page = client.get("/controls/evidence?validity=expiring").get_data(as_text=True)
    assert "Pen test" in evidence_page and "Firewall review" in evidence_page
    assert "Old restore test" not in evidence_page
    policies_page = client.get("/policies?review=due").get_data(as_text=True)
    assert "ICT-POL-001" in policies_page and "ICT-POL-002" not in policies_page
    assert "ICT-POL-002" in client.get("/policies").get_data(as_text=True)


def test_case_bars_lead_to_the_manager_s_own_cases(client, login_as, people, cases):
    login_as(people["manager"])
    page = client.get("/").get_data(as_text=True)
    bars = {unescape(href): int(count) for href, count in re.findall(
        r'<a href="(/cases\?[^"]+)">[^<]+</a></th><td class="text-end">(\d+)</td>', page)}
    assert sum(bars.values()) == 2
    for href, count in bars.items():
        listed = set(re.findall(r"CASE-\d{4}-\d{4}", client.get(href).get_data(as_text=True)))
        assert len(listed) == count, href


def test_the_page_takes_a_handful_of_queries(client, login_as, people, register, cases):
    login_as("admin")
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 26, f"{len(statements)} queries"  # 26: the continuity figure's one COUNT


# --- the list filters the dashboard links to -----------------------------------------------------


def test_the_new_list_filters_read_only_their_own_values(app):
    from app.controls.queries import evidence_validity_condition
    from app.risks.queries import RiskFilters

    filters = RiskFilters.from_args({"overdue_actions": "1", "acceptance_expiring": "nonsense"}, viewer=None)
    assert (filters.overdue_actions, filters.acceptance_expiring) == (True, False)
    assert evidence_validity_condition("soon", local_today()) is None
    assert evidence_validity_condition("", local_today()) is None
