"""Departments: create, edit, deactivate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin import services
from app.auth.models import Department
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, only_entry, page_text

STALE_MESSAGE = "This department was changed by someone else while you were editing it."


def department_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Department))


def edit_form(department: Department, **changes) -> dict:
    form = {"version": str(department.version), "code": department.code, "name": department.name}
    if department.active:
        form["active"] = "y"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_departments_page_lists_codes_and_active_members(client, admin):
    dotp = factories.make_department("DOTP", "Department of the Premier")
    factories.make_user(department=dotp)
    factories.make_user(department=dotp)
    text = page_text(client.get("/admin/departments"))
    assert "DOTP" in text and "Department of the Premier" in text
    assert "<td>2</td>" in text


def test_admin_creates_a_department_with_an_upper_case_code(client, admin):
    response = client.post("/admin/departments/new", data={"code": "dea&dp", "name": "  Environmental Affairs  "})
    assert response.status_code == 302
    department = services.find_department_by_code("DEA&DP")
    assert (department.code, department.name, department.active) == ("DEA&DP", "Environmental Affairs", True)
    entry, changes = only_entry("create", "department", department.id)
    assert entry.actor_id == admin.id
    assert changes == {"code": [None, "DEA&DP"], "name": [None, "Environmental Affairs"], "active": [None, True]}
    assert "Department DEA&DP created." in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(("data", "message"), [
    ({"code": "dotp", "name": "Another"}, "The code DOTP is already used by Department of the Premier."),
    ({"code": "DO TP", "name": "Spaced"}, "Use letters, digits, &, - or _ only, with no spaces (like DEA&DP)."),
    ({"code": "", "name": "No code"}, "Enter a short code, like DOTP."),
    ({"code": "X" * 17, "name": "Long"}, "Field cannot be longer than 16 characters."),
    ({"code": "NEW", "name": ""}, "Enter the department's name."),
])
def test_invalid_department_is_refused(client, admin, data, message):
    factories.make_department("DOTP", "Department of the Premier")
    before, entries_before = department_count(), len(audit_entries())
    response = client.post("/admin/departments/new", data=data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert department_count() == before
    assert len(audit_entries()) == entries_before


def test_admin_edits_a_department(client, admin):
    department = factories.make_department("DOA", "Agriculture")
    response = client.post(f"/admin/departments/{department.id}",
                           data=edit_form(department, code="doa", name="Department of Agriculture"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (department.code, department.name, department.version) == ("DOA", "Department of Agriculture", 2)
    entry, changes = only_entry("update", "department", department.id)
    assert entry.actor_id == admin.id
    assert changes == {"name": ["Agriculture", "Department of Agriculture"]}
    assert "Department DOA saved." in page_text(client.get(response.headers["Location"]))


def test_editing_to_the_code_of_another_department_is_refused(client, admin):
    factories.make_department("DOH", "Health")
    department = factories.make_department("DOA", "Agriculture")
    response = client.post(f"/admin/departments/{department.id}", data=edit_form(department, code="Doh"))
    assert response.status_code == 422
    assert "The code DOH is already used by Health." in page_text(response)
    db.session.expire_all()
    assert department.code == "DOA"


def test_stale_department_edit_is_refused(client, admin):
    department = factories.make_department("DOA", "Agriculture")
    opened = edit_form(department, name="Mine")
    services.update_department(department, expected_version=department.version, code="DOA", name="Theirs",
                               active=True, actor=None)
    db.session.commit()
    response = client.post(f"/admin/departments/{department.id}", data=opened, follow_redirects=True)
    assert STALE_MESSAGE in page_text(response)
    db.session.expire_all()
    assert department.name == "Theirs"
    assert [e.actor_id for e in audit_entries("update", "department")] == [None]


def test_department_with_active_users_cannot_be_deactivated(client, admin):
    department = factories.make_department("DSD", "Social Development")
    for _ in range(3):
        factories.make_user(department=department)
    gone = factories.make_user(department=department)
    gone.active = False
    db.session.commit()
    response = client.post(f"/admin/departments/{department.id}", data=edit_form(department, active=None))
    assert response.status_code == 422
    assert "3 active user(s) still belong to DSD; move them to another department first." in page_text(response)
    db.session.expire_all()
    assert department.active is True
    assert audit_entries("update", "department") == []


def test_department_without_active_users_is_deactivated_and_no_longer_offered(client, admin):
    department = factories.make_department("DLG", "Local Government")
    former = factories.make_user(department=department)
    former.active = False
    db.session.commit()
    response = client.post(f"/admin/departments/{department.id}", data=edit_form(department, active=None))
    assert response.status_code == 302
    db.session.expire_all()
    assert department.active is False
    assert only_entry("update", "department", department.id)[1] == {"active": [True, False]}
    assert "Inactive" in page_text(client.get("/admin/departments"))
    new_user_page = page_text(client.get("/admin/users/new"))
    assert f'value="{department.id}"' not in new_user_page
    response = client.post("/admin/users/new", data={
        "full_name": "Late Joiner", "email": "late@example.org", "role": "manager",
        "department_id": str(department.id), "password": "a long first passphrase"})
    assert response.status_code == 422


def test_department_can_be_reactivated(client, admin):
    department = factories.make_department("DLG")
    services.update_department(department, expected_version=department.version, code="DLG", name=department.name,
                               active=False, actor=None)
    db.session.commit()
    response = client.post(f"/admin/departments/{department.id}", data=edit_form(department, active="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert department.active is True


def test_unknown_department_is_404(client, admin):
    assert client.get("/admin/departments/99999").status_code == 404
