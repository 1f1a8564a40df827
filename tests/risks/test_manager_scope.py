"""A manager reads the risks of their own department only (issue 17, point 10): the list, its
export, the heat map, a risk's page, the dashboard and the risk reports all keep to it."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.reports import prepared as prepared_documents
from app.risks import queries
from tests import factories
from tests.pages import csv_rows, page_text, text_of


@pytest.fixture
def departments(app):
    return factories.make_department("DOH", "Health"), factories.make_department("DOE", "Education")


@pytest.fixture
def risks(make_risk, departments):
    health, education = departments
    return (make_risk(title="Clinic records exposed", department_id=health.id),
            make_risk(title="School admissions system down", department_id=education.id),
            make_risk(title="Province-wide e-mail phishing"))


@pytest.fixture
def manager(departments):
    return factories.make_user("manager", department=departments[0])


def test_the_list_and_its_export_hold_only_the_managers_department(client, login_as, manager, risks):
    login_as(manager)

    listed = text_of(client.get("/risks"))
    exported = [row["Title"] for row in csv_rows(client.get("/risks?export=csv"))]

    assert "Clinic records exposed" in listed
    assert "School admissions system down" not in listed and "Province-wide e-mail phishing" not in listed
    assert exported == ["Clinic records exposed"]


def test_asking_for_another_department_in_the_query_string_shows_nothing_of_it(
        client, login_as, manager, risks, departments):
    login_as(manager)

    listed = text_of(client.get(f"/risks?department={departments[1].id}"))

    assert "School admissions system down" not in listed


def test_the_department_filter_offers_only_the_managers_own_department(client, login_as, manager, risks, departments):
    login_as(manager)

    page = page_text(client.get("/risks"))
    department_select = re.search(r'<select[^>]*name="department".*?</select>', page, re.S).group(0)

    assert re.findall(r'<option value="(\d*)"', department_select) == [str(departments[0].id)]


def test_a_risk_of_another_department_is_forbidden(client, login_as, manager, risks):
    login_as(manager)

    assert client.get(f"/risks/{risks[0].id}").status_code == 200
    assert client.get(f"/risks/{risks[1].id}").status_code == 403
    assert client.get(f"/risks/{risks[2].id}").status_code == 403


def test_the_heat_map_counts_only_the_managers_department(client, login_as, manager, risks, make_risk):
    login_as(manager)

    text = text_of(client.get("/risks/heatmap"))

    assert "1 risk" in text and "3 risks" not in text


def test_a_manager_without_a_department_reads_no_risk(client, login_as, risks):
    login_as(factories.make_user("manager"))

    assert "Clinic records exposed" not in text_of(client.get("/risks"))
    assert client.get(f"/risks/{risks[0].id}").status_code == 403


@pytest.mark.parametrize("role", ["admin", "security_officer", "risk_owner", "auditor"])
def test_the_other_roles_still_read_the_whole_register(client, login_as, risks, role):
    login_as(role)

    listed = text_of(client.get("/risks"))

    assert all(risk.title in listed for risk in risks)
    assert client.get(f"/risks/{risks[1].id}").status_code == 200


def test_the_dashboard_counts_the_managers_department(client, login_as, manager, risks):
    login_as(manager)

    text = text_of(client.get("/"))

    assert "risks of your department" in text and "Residual risk 1 risk on matrix version 1" in text


@pytest.fixture
def prepared(monkeypatch):
    """The reports prepared during the test, as documents.prepare returned them."""
    from app.reports import documents

    made = []
    real_prepare = documents.prepare
    monkeypatch.setattr(documents, "prepare", lambda name, params: made.append(real_prepare(name, params)) or made[-1])
    return made


def test_the_risk_register_pdf_of_a_manager_holds_their_department_only(client, login_as, manager, risks,
                                                                       departments, prepared):
    login_as(manager)

    assert client.get("/reports/risk-register.pdf").status_code == 303  # queued for the scheduler
    assert client.get(f"/reports/risk-register.pdf?department={departments[1].id}").status_code == 303
    prepared_documents.work()

    assert [line.risk.title for line in prepared[0].context["lines"]] == ["Clinic records exposed"]
    assert prepared[1].context["lines"] == []
    assert sum(hm.total for hm in prepared[0].context["maps"]) == 2  # inherent and residual


def test_the_treatment_plan_of_a_manager_holds_their_department_only(client, login_as, manager, risks, prepared):
    from tests.factories import make_treatment_action

    for risk in risks:
        make_treatment_action(risk, title=f"Treat {risk.title}")
    login_as(manager)

    assert client.get("/reports/treatment-plan.pdf").status_code == 303
    prepared_documents.work()

    assert [action.title for action in prepared[0].context["actions"]] == ["Treat Clinic records exposed"]


def test_the_scope_condition_is_none_for_the_system_and_for_roles_that_read_everything(app, manager):
    assert queries.register_scope(None) is None
    assert queries.register_scope(factories.make_user("auditor")) is None
    assert queries.register_scope(manager) is not None
    assert db.session.execute(db.select(db.literal(1)).where(queries.register_scope(factories.make_user("manager")))
                              ).first() is None
