"""Administering who may accept risks: the designations on accounts (head of department, accounting
officer) and, per band of the risk matrix, the lowest authority that may accept its risks."""

from __future__ import annotations

import pytest

from app.admin import settings
from app.auth.models import User
from app.extensions import db
from tests import factories
from tests.pages import error_next_to, only_entry, page_text


def edit_form(user: User, **changes) -> dict:
    return {"version": str(user.version), "full_name": user.full_name, "email": user.email, "role": user.role,
            "department_id": str(user.department_id or ""), "acceptance_authority": user.acceptance_authority or "",
            **changes}


def test_an_administrator_designates_a_head_of_department(client, admin):
    health = factories.make_department("DOH", "Health")
    user = factories.make_user("risk_owner", department=health)
    assert 'id="acceptance_authority"' in page_text(client.get(f"/admin/users/{user.id}"))

    response = client.post(f"/admin/users/{user.id}", data=edit_form(user, acceptance_authority="head_of_department"))

    assert response.status_code == 302
    assert db.session.get(User, user.id).acceptance_authority == "head_of_department"
    entry, changes = only_entry("update", "user", user.id)
    assert entry.actor_id == admin.id and changes == {"acceptance_authority": [None, "head_of_department"]}
    assert '<option selected value="head_of_department">' in page_text(client.get(f"/admin/users/{user.id}"))


def test_a_new_account_may_be_designated_at_once(client, admin):
    response = client.post("/admin/users/new", data={
        "full_name": "Mandla Zulu", "email": "mandla@example.org", "role": "risk_owner", "department_id": "",
        "password": "Correct-Horse-Battery-9", "acceptance_authority": "accounting_officer"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(User.acceptance_authority).where(User.email == "mandla@example.org")) == \
        "accounting_officer"


@pytest.mark.parametrize(("role", "department", "authority", "message"), [
    ("auditor", True, "head_of_department", "its role (Auditor) cannot accept risks"),
    ("risk_owner", False, "head_of_department", "A head of department heads a department"),
    ("risk_owner", True, "chief", "Not a valid choice"),
])
def test_a_designation_the_account_cannot_hold_is_refused_next_to_the_field(client, admin, role, department,
                                                                             authority, message):
    user = factories.make_user(role, department=factories.make_department("DOH") if department else None)
    response = client.post(f"/admin/users/{user.id}", data=edit_form(user, acceptance_authority=authority,
                                                                       full_name="Renamed"))
    assert response.status_code == 422
    assert message in error_next_to(response, "acceptance_authority")
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name != "Renamed"  # nothing of the form was saved


def test_changing_the_role_of_a_designated_account_is_refused_until_the_designation_goes(client, admin):
    from app.auth import services as accounts

    user = factories.make_user("risk_owner")
    accounts.set_acceptance_authority(user, "accounting_officer", actor=None)
    db.session.commit()
    refused = client.post(f"/admin/users/{user.id}", data=edit_form(user, role="auditor"))
    assert refused.status_code == 422 and "its role (Auditor) cannot accept risks" in error_next_to(
        refused, "acceptance_authority")
    assert client.post(f"/admin/users/{user.id}", data=edit_form(user, role="auditor", acceptance_authority="")
                       ).status_code == 302
    db.session.expire_all()
    assert (db.session.get(User, user.id).role, db.session.get(User, user.id).acceptance_authority) == ("auditor", None)


def test_the_matrix_page_sets_who_accepts_each_band(client, admin):
    page = page_text(client.get("/admin/risk-matrix"))
    assert "Who may accept, by residual band" in page
    assert 'id="authority_3"' in page and '<option selected value="accounting_officer">' in page

    response = client.post("/admin/risk-matrix/settings", data={
        "default_tolerance": "4", "acceptance_max_months": "12", "authority_0": "risk_owner",
        "authority_1": "risk_owner", "authority_2": "risk_owner", "authority_3": "head_of_department"})

    assert response.status_code == 302
    assert settings.get(settings.RISK_ACCEPTANCE_AUTHORITY) == {
        "low": "risk_owner", "medium": "risk_owner", "high": "risk_owner", "critical": "head_of_department"}
    entry, changes = only_entry("update", "settings", "organisation")
    assert entry.actor_id == admin.id and list(changes) == ["risk_acceptance_authority"]


def test_a_bad_band_authority_is_refused(client, admin):
    response = client.post("/admin/risk-matrix/settings", data={
        "default_tolerance": "4", "acceptance_max_months": "12", "authority_3": "the_minister"})
    assert response.status_code == 422 and "Not a valid choice" in error_next_to(response, "authority_3")
    assert settings.get(settings.RISK_ACCEPTANCE_AUTHORITY)["critical"] == "accounting_officer"
