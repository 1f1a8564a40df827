"""/assets/import: check and preview (a dry run), confirm the staged file, cancel; the templates."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from app.assets.models import Asset
from app.extensions import db
from tests.tables import staged_files, token_of

HEADER = "Tag,Name,Type,Status,Serial\n"
GOOD = (HEADER + "DOH-PC-00412,Reception PC,Desktop,In use,7XK2M5J\n"
        + "DOH-SRV-001,File server,Server,In use,CZJ1\n").encode()
BAD = (HEADER + "DOH-PC-00412,Reception PC,Toaster,In use,7XK2M5J\n").encode()


def upload(client, data: bytes, filename: str = "inventory.csv"):
    return client.post("/assets/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")




def item_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Asset))


def test_the_import_page_explains_the_columns_and_offers_the_templates(client, login_as):
    login_as("security_officer")

    html = client.get("/assets/import").get_data(as_text=True)

    assert "Import configuration items" in html and "Business impact" in html and "Inventory number" in html
    assert "/assets/import/template.xlsx" in html and "/assets/import/template.csv" in html
    assert "at most 20,000 rows" in html and "up to 100,000" in html


def test_checking_a_good_file_previews_it_and_writes_nothing(app, client, login_as):
    login_as("security_officer")

    response = upload(client, GOOD)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nothing has been written yet" in html and "2 created, 0 updated, 0 unchanged" in html
    assert "DOH-SRV-001" in html and "File server" in html
    assert item_count() == 0 and len(staged_files(app)) == 2


def test_confirming_imports_the_staged_file_once(app, client, login_as):
    login_as("admin")
    token = token_of(upload(client, GOOD))

    response = client.post("/assets/import/confirm", data={"token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/assets"
    assert item_count() == 2 and staged_files(app) == []
    again = client.post("/assets/import/confirm", data={"token": token})
    assert again.headers["Location"] == "/assets/import" and item_count() == 2


def test_cancelling_discards_the_staged_file(app, client, login_as):
    login_as("security_officer")
    token = token_of(upload(client, GOOD))

    response = client.post("/assets/import/cancel", data={"token": token})

    assert response.headers["Location"] == "/assets/import"
    assert staged_files(app) == [] and item_count() == 0


def test_a_bad_file_lists_each_problem_and_writes_nothing(app, client, login_as):
    login_as("security_officer")

    response = upload(client, BAD)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "inventory.csv: nothing was imported" in html
    assert "<td>2</td><td>Type</td>" in html and "is not a type Khusela knows" in html
    assert item_count() == 0 and staged_files(app) == []


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("inventory.pdf", b"%PDF-1.7", "Upload the register as .xlsx or .csv"),
    ("inventory.xlsx", b"not a workbook", "not an Excel workbook"),
    ("inventory.csv", "Tag;Name\nCafé;x\n".encode() + "Zoë;y\n".encode("cp1252"), "not UTF-8"),
    ("inventory.csv", (HEADER + "PC-1,=1+2,Desktop,In use,\n").encode(), "Formulas are not imported"),
])
def test_files_that_cannot_be_imported_get_a_clear_message(client, login_as, filename, data, message):
    login_as("security_officer")

    response = upload(client, data, filename)

    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert item_count() == 0


def test_the_page_refuses_more_rows_than_its_limit_naming_it(client, login_as, monkeypatch):
    from app.assets import importing

    monkeypatch.setattr(importing, "WEB_MAX_IMPORT_ROWS", 1)
    login_as("security_officer")

    response = upload(client, GOOD)

    assert response.status_code == 422
    assert "The file has more than 1 rows of data; Khusela imports at most 1 at a time." in response.get_data(
        as_text=True)
    assert item_count() == 0


def test_the_templates_download(client, login_as):
    login_as("security_officer")

    assert client.get("/assets/import/template.xlsx").data.startswith(b"PK")
    assert b"Tag,Name,Type,Status,Owner" in client.get("/assets/import/template.csv").data


@pytest.mark.parametrize("role", ["risk_owner", "auditor"])
def test_only_importers_reach_the_pages(client, login_as, role):
    login_as(role)

    assert client.get("/assets/import").status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post("/assets/import/confirm", data={"token": "x"}).status_code == 403
    assert client.get("/assets/import/template.csv").status_code == 403
    assert item_count() == 0
