"""Only a role that may accept risks may own one: the owner accepts the residual risk of what they
own, so auditors, managers, HR officers and security officers are neither offered nor accepted, on
the form, by the service or in an import."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.risks import importing, services
from app.risks.matrices import current_matrix
from app.risks.models import Risk
from tests import factories
from tests.pages import error_next_to
from tests.risks.conftest import input_from
from tests.tables import csv_bytes

NOT_OWNERS = ["auditor", "manager", "hr_officer", "security_officer"]


def owner_options(response) -> set[str]:
    select = re.search(r'<select[^>]*id="owner_id"[^>]*>(.*?)</select>', response.get_data(as_text=True), re.S)
    assert select, "no owner field"
    return set(re.findall(r'<option[^>]*value="(\d+)"', select.group(1)))


def test_the_form_offers_risk_owners_and_administrators_only(client, login_as, officer, owner):
    people = {role: factories.make_user(role) for role in ["admin", *NOT_OWNERS]}
    factories.make_user("risk_owner").active = False  # and no one deactivated
    db.session.commit()
    login_as(officer)
    offered = owner_options(client.get("/risks/new"))
    assert offered == {str(owner.id), str(people["admin"].id)}


@pytest.mark.parametrize("role", NOT_OWNERS)
def test_the_service_refuses_an_owner_who_cannot_accept(make_risk, officer, role):
    person = factories.make_user(role, full_name="Pat Person")
    with pytest.raises(services.RiskRuleError) as refused:
        make_risk(owner_id=person.id)
    db.session.rollback()
    message = (f"Pat Person's role ({person.role_enum.label}) cannot accept risks, so cannot own one: choose a risk "
               "owner or an administrator.")
    assert refused.value.problems == [("owner_id", message)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 0


def test_the_form_shows_the_refusal_next_to_the_field(client, login_as, officer, category):
    auditor = factories.make_user("auditor")
    login_as(officer)
    current_matrix()
    response = client.post("/risks/new", data={
        "title": "Ransomware", "category_id": category.id, "owner_id": auditor.id, "tolerance": "4",
        "inherent_likelihood": "4", "inherent_impact": "4", "status": "draft", "review_frequency_months": "12"})
    assert response.status_code == 422
    assert "not a valid choice" in error_next_to(response, "owner_id").lower()  # not even offered


def test_a_risk_keeps_an_owner_whose_role_changed_until_it_is_handed_on(make_risk, officer, owner):
    from app.auth import services as accounts

    risk = make_risk()
    accounts.update_user(owner, expected_version=owner.version, email=owner.email, full_name=owner.full_name,
                         role="manager", department_id=None, actor=None)
    # Other edits go through; the form still lists the current owner so they can be handed on.
    services.update_risk(risk, input_from(risk, title="Renamed"), expected_version=risk.version, actor=officer)
    assert risk.owner_id == owner.id
    assert owner in services.possible_owners(keep_id=owner.id) and owner not in services.possible_owners()


def test_an_import_names_the_owner_who_cannot_accept(category, officer):
    manager = factories.make_user("manager", email="manager@example.gov.za")
    current_matrix()
    header = ["Title", "Category", "Risk owner", "Inherent likelihood", "Inherent impact"]
    report = importing.import_risks("register.csv", csv_bytes(header, [
        ["Ransomware", "Information Security", "manager@example.gov.za", "4", "4"]]), actor=officer, dry_run=False)
    assert not report.ok
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "Risk owner")
    assert f"{manager.full_name}'s role (Manager) cannot accept risks" in problem.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 0
