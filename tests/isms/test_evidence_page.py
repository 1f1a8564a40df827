"""The certification-evidence page: every artefact an auditor asks for, two clicks from signing in."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import url_for

from app.auth.models import Role
from app.auth.permissions import ROLE_PERMISSIONS, role_has
from app.controls.clauses import MANAGEMENT_CLAUSES
from app.extensions import db
from app.isms import artefacts
from app.isms.artefacts import Standing
from tests import factories
from tests.pages import page_text, sign_in, text_of

# The artefacts the issue names (ISO/IEC 27001 stage 2): each must be a row an auditor can open.
NAMED_ARTEFACTS = {"context", "scope", "roles", "objectives", "metrics", "internal-audit", "management-review",
                   "nonconformities", "risk-methodology", "risk-assessment", "treatment-plan", "acceptances", "soa",
                   "assets", "policies", "acknowledgements", "discipline", "operation", "audit-trail", "awareness",
                   "continuity"}


def _artefact_links(html: str) -> dict[str, list[str]]:
    """Row id -> the links of its "Open" cell."""
    rows = re.findall(r'<tr id="([a-z-]+)">(.*?)</tr>', html, re.S)
    return {key: re.findall(r'href="([^"#]+)"', re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)[1])
            for key, body in rows}


def test_an_auditor_reaches_every_artefact_in_two_clicks(app, client, demo_data):
    app.config["DOCUMENTS_PENDING_PER_USER"] = 20  # each register PDF link queues one
    sign_in(client, "auditor@example.org", demo_data)
    landing = page_text(client.get("/", follow_redirects=True))
    assert 'href="/isms/"' in landing  # click 1: the navigation's ISMS item

    page = client.get("/isms/")
    assert page.status_code == 200
    links = _artefact_links(page_text(page))
    assert set(links) >= NAMED_ARTEFACTS
    for key, hrefs in links.items():  # click 2: each artefact's own page, register or document
        assert hrefs, f"{key} has no link"
        for href in hrefs:
            response = client.get(href, follow_redirects=True)
            assert response.status_code == 200, f"{key}: {href} answered {response.status_code}"


def test_every_clause_4_to_10_is_listed_with_its_evidence_or_what_to_bring(app, client, demo_data):
    sign_in(client, "auditor@example.org", demo_data)
    text = text_of(client.get("/isms/"))
    for clause in MANAGEMENT_CLAUSES:
        assert f"{clause.number} {clause.title}" in text
    assert "6.1.2 Information security risk assessment Risk assessment methodology ; Risk assessment results" in text
    assert "7.2 Competence Awareness programme and training records" in text
    assert "7.3 Awareness Policy acknowledgements ; Awareness programme and training records" in text


@pytest.mark.parametrize("role", ["hr_officer"])
def test_roles_outside_the_management_system_are_refused(app, login_as, client, role):
    login_as(role)
    assert client.get("/isms/").status_code == 403


def test_a_reader_sees_only_the_artefacts_their_role_may_open(app, login_as, client):
    login_as("risk_owner")
    keys = set(_artefact_links(page_text(client.get("/isms/"))))
    assert {"risk-assessment", "soa"} <= keys
    assert not keys & {"discipline", "audit-trail", "acknowledgements"}


def test_every_artefact_names_a_known_permission_clauses_and_pages(app):
    numbers = {clause.number for clause in MANAGEMENT_CLAUSES}
    with app.test_request_context():
        for artefact in artefacts.ARTEFACTS:
            assert artefact.permission in ROLE_PERMISSIONS
            assert role_has(Role.AUDITOR, artefact.permission), f"auditors cannot read {artefact.key}"
            assert set(artefact.clauses) <= numbers
            for link in artefact.links:
                url_for(link.endpoint, **link.args)


def _state(key: str, user, today: date) -> artefacts.State:
    return next(a for a in artefacts.ARTEFACTS if a.key == key).check(user, today)


def test_an_empty_register_is_missing_and_a_late_review_is_a_gap(app):
    officer = factories.make_user("security_officer")
    today = date(2026, 12, 6)
    assert _state("risk-assessment", officer, today).standing is Standing.MISSING

    risk = factories.make_risk(title="Ransomware on the provincial network")
    risk.next_review_on = today + timedelta(days=10)
    db.session.flush()
    assert [gap.text for gap in _state("risk-assessment", officer, today).gaps] == ["1 risk still in draft"]
    risk.status = "open"
    db.session.flush()
    assert _state("risk-assessment", officer, today).standing is Standing.IN_PLACE
    risk.next_review_on = today - timedelta(days=1)
    db.session.flush()
    state = _state("risk-assessment", officer, today)
    assert state.standing is Standing.GAPS
    assert [gap.text for gap in state.gaps] == ["1 risk overdue for review"]


def test_a_soa_never_issued_is_missing(app):
    officer = factories.make_user("security_officer")
    state = _state("soa", officer, date(2026, 12, 6))
    assert state.standing is Standing.MISSING and state.summary == "No version issued yet"


def test_a_manager_counts_only_their_own_departments_risks(app):
    health, works = factories.make_department("DOH"), factories.make_department("DTPW")
    for department in (health, works, works):
        factories.make_risk(title=f"Risk of {department.code}").department_id = department.id
    db.session.flush()
    manager = factories.make_user("manager", department=health)
    officer = factories.make_user("security_officer")
    today = date(2026, 12, 6)
    assert _state("risk-assessment", manager, today).summary.startswith("1 risk not closed")
    assert _state("risk-assessment", officer, today).summary.startswith("3 risks not closed")


def test_no_management_review_held_is_missing(app):
    officer = factories.make_user("security_officer")
    state = _state("management-review", officer, date(2026, 12, 6))
    assert state.standing is Standing.MISSING and state.summary == "No management review held yet"


def test_the_pages_quick_counts_agree_with_the_registers_own(app, demo_data):
    from app.common.timeutil import local_today
    from app.controls import soa
    from app.policies import services as policy_services

    today = local_today()
    full = soa.coverage(today)
    assert soa.evidence_gaps(today) == (len(full.without_evidence), len(full.only_expired_evidence))
    versions = [policy.current for policy in policy_services.all_policies() if policy.current]
    assert policy_services.coverages(versions) == {version.id: policy_services.coverage(version)
                                                    for version in versions}
    from app.reports.documents import untreated_count, untreated_risks

    assert untreated_count(None) == len(untreated_risks(None)) > 0


def test_the_risk_counts_read_in_one_pass_are_those_of_the_lists_they_link_to(app, demo_data):
    import sqlalchemy as sa

    from app.common.timeutil import local_today
    from app.reports.documents import untreated_count
    from app.risks import queries as risk_queries
    from app.risks.matrices import current_matrix

    today, matrix_id = local_today(), current_matrix().id
    for role in ("security_officer", "manager"):
        user = factories.make_user(role, department=factories.make_department("DOH") if role == "manager" else None)
        counts = artefacts._risk_counts(user, today)
        for name, filters in artefacts.RISK_COUNTS.items():
            chosen = risk_queries.RiskFilters(scope=risk_queries.register_scope(user), **filters)
            listed = risk_queries.filtered_risks(chosen, today=today, current_matrix_id=matrix_id)
            expected = db.session.scalar(sa.select(sa.func.count()).select_from(listed.subquery()))
            assert counts[name] == expected, (role, name)
        assert counts["not_closed"] > 0
        assert counts["untreated"] == untreated_count(None, user)


def test_the_inventory_counts_its_items_and_those_without_an_owner(app):
    from app.assets.models import Asset

    officer = factories.make_user("security_officer")
    for number, owner in enumerate((officer, None, None)):
        db.session.add(Asset(tag=f"PC-{number:03d}", name="Clinic desktop", kind="desktop", status="in_use",
                             owner_id=owner.id if owner else None))
    db.session.flush()
    state = _state("assets", officer, date(2026, 12, 6))
    assert state.summary == "3 configuration items in the CMDB"
    assert [gap.text for gap in state.gaps] == ["2 items with no owner"]
