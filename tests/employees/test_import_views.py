"""/employees/import: check and preview (a dry run), confirm the staged file, cancel; the templates;
files that cannot be imported; who may import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.employees.models import Employee
from app.extensions import db
from tests.tables import staged_files, token_of

HEADER = "Employee number,Name,Position,Manager\n"
GOOD = (HEADER + "21000002,Zanele Cele,Data Capturer,21000001\n"
        + "21000001,Unathi Jonas,Director: Health Information,\n").encode()
BAD = (HEADER + "21000002,Zanele Cele,Data Capturer,21000009\n").encode()


def upload(client, data: bytes, filename: str = "staff.csv"):
    return client.post("/employees/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def employee_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Employee))


def test_the_import_page_explains_the_columns_and_offers_the_templates(client, login_as):
    login_as("hr_officer")

    html = client.get("/employees/import").get_data(as_text=True)

    assert "Import employees" in html and "PERSAL number" in html and "Reports to" in html
    assert "/employees/import/template.xlsx" in html and "/employees/import/template.csv" in html
    assert "at most 20,000 rows" in html and "up to 100,000" in html


def test_checking_a_good_file_previews_it_and_writes_nothing(app, client, login_as):
    login_as("hr_officer")

    response = upload(client, GOOD)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing has been written yet" in html and "2 created, 0 updated, 0 unchanged" in html
    assert "21000001" in html and "Unathi Jonas" in html
    assert employee_count() == 0 and len(staged_files(app)) == 2


def test_confirming_imports_the_staged_file_once(app, client, login_as):
    login_as("admin")
    token = token_of(upload(client, GOOD))

    response = client.post("/employees/import/confirm", data={"token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/employees"
    assert employee_count() == 2 and staged_files(app) == []
    again = client.post("/employees/import/confirm", data={"token": token})
    assert again.headers["Location"] == "/employees/import" and employee_count() == 2


def test_cancelling_discards_the_staged_file(app, client, login_as):
    login_as("hr_officer")
    token = token_of(upload(client, GOOD))

    response = client.post("/employees/import/cancel", data={"token": token})

    assert response.headers["Location"] == "/employees/import"
    assert staged_files(app) == [] and employee_count() == 0


def test_a_bad_file_lists_each_problem_and_writes_nothing(app, client, login_as):
    login_as("hr_officer")

    response = upload(client, BAD)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "staff.csv: nothing was imported" in html
    assert "<td>2</td><td>Manager</td>" in html and "No employee has the number “21000009”" in html
    assert employee_count() == 0 and staged_files(app) == []


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("staff.pdf", b"%PDF-1.7", "Upload the register as .xlsx or .csv"),
    ("staff.xlsx", b"not a workbook", "not an Excel workbook"),
    ("staff.csv", "Employee number;Name\n1;Andr\u00e9\n".encode() + "2;Zo\u00eb\n".encode("cp1252"), "not UTF-8"),
    ("staff.csv", (HEADER + "1,@SUM(A1:A2),,\n").encode(), "Formulas are not imported"),
])
def test_files_that_cannot_be_imported_get_a_clear_message(client, login_as, filename, data, message):
    login_as("hr_officer")

    response = upload(client, data, filename)

    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert employee_count() == 0


def test_the_page_refuses_more_rows_than_its_limit_naming_it(client, login_as, monkeypatch):
    from app.employees import importing

    monkeypatch.setattr(importing, "WEB_MAX_IMPORT_ROWS", 1)
    login_as("hr_officer")

    response = upload(client, GOOD)

    assert response.status_code == 422
    assert "The file has more than 1 rows of data; Khusela imports at most 1 at a time." in response.get_data(
        as_text=True)
    assert employee_count() == 0


def test_a_file_larger_than_a_request_may_be_is_refused(make_app, login_as):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    with app.app_context():
        from tests import factories

        user = factories.make_user("hr_officer")
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})

        response = client.post("/employees/import", data={"file": (io.BytesIO(GOOD * 100), "staff.csv")},
                               content_type="multipart/form-data")

        assert response.status_code == 413
        assert employee_count() == 0


def test_the_templates_download(client, login_as):
    login_as("hr_officer")

    assert client.get("/employees/import/template.xlsx").data.startswith(b"PK")
    assert b"Employee number,Name,Department,Position,Manager" in client.get("/employees/import/template.csv").data


@pytest.mark.parametrize("role", ["security_officer", "manager", "risk_owner", "auditor"])
def test_only_importers_reach_the_pages(client, login_as, role):
    login_as(role)

    assert client.get("/employees/import").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post("/employees/import/confirm", data={"token": "x"}).status_code == 403
    assert client.get("/employees/import/template.csv").status_code == 403
    assert employee_count() == 0
