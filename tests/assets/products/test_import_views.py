"""The product import's pages under /assets/products/import: check, preview, confirm or cancel,
the templates, and who may."""

from __future__ import annotations

import io
from datetime import date

import pytest

from tests.assets.products.conftest import item
from tests.assets.products.test_importing import csv_file, find, row
from tests.pages import csv_rows, page_text
from tests.tables import token_of


@pytest.fixture
def officer(login_as):
    return login_as("security_officer")


def upload(client, data: bytes, filename: str = "products.csv"):
    return client.post("/assets/products/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_the_import_pages_check_preview_and_confirm(client, officer):
    start = client.get("/assets/products/import")
    assert start.status_code == 200
    assert "Import products" in page_text(start) and 'href="/assets/products/import/template.xlsx"' in page_text(start)

    refused = upload(client, csv_file([row(), row(Product="Acme Mail", Source="acme.example")]))
    preview = upload(client, csv_file([row()]))
    assert find("Acme Linux", "9") is None
    done = client.post("/assets/products/import/confirm", data={"token": token_of(preview)})

    refused_page = page_text(refused)
    assert refused.status_code == 422 and "products.csv: nothing was imported" in refused_page
    assert "<td>3</td><td>Source</td>" in refused_page
    assert preview.status_code == 200 and "1 created, 0 updated, 0 unchanged" in page_text(preview)
    assert 'action="/assets/products/import/confirm"' in page_text(preview)
    assert done.status_code == 302 and done.headers["Location"] == "/assets/products"
    assert find("Acme Linux", "9").end_of_support == date(2032, 5, 31)
    assert "Imported products.csv: 1 created, 0 updated, 0 unchanged." in page_text(client.get("/assets/products"))


def test_cancelling_the_import_writes_nothing(client, officer):
    preview = upload(client, csv_file([row()]))

    cancelled = client.post("/assets/products/import/cancel", data={"token": token_of(preview)})
    confirmed = client.post("/assets/products/import/confirm", data={"token": token_of(preview)})

    assert cancelled.headers["Location"] == "/assets/products/import"
    assert confirmed.headers["Location"] == "/assets/products/import"
    assert find("Acme Linux", "9") is None


def test_the_lists_export_can_be_imported_again(client, officer):
    item("SRV-1", find("Microsoft Windows Server", "2016"))
    exported = client.get("/assets/products?q=windows+server&export=csv")
    rows = csv_rows(exported)
    assert "Items" in rows[0]
    changed = exported.get_data().decode("utf-8-sig").replace("2027-01-12", "2027-01-13")

    preview = upload(client, changed.encode(), "khusela-products.csv")

    assert preview.status_code == 200, page_text(preview)
    assert f"0 created, 1 updated, {len(rows) - 1} unchanged" in page_text(preview)
    assert "End of support (1 item takes it)" in page_text(preview)


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager", "hr_officer"])
def test_only_editors_import(client, login_as, role):
    login_as(role)

    assert client.get("/assets/products/import").status_code == 403
    assert upload(client, csv_file([row()])).status_code == 403
    assert client.get("/assets/products/import/template.csv").status_code == 403
    assert find("Acme Linux", "9") is None


def test_the_templates_download(client, officer):

    xlsx = client.get("/assets/products/import/template.xlsx")
    csv_template = client.get("/assets/products/import/template.csv")

    assert xlsx.data.startswith(b"PK")
    assert xlsx.headers["Content-Disposition"] == 'attachment; filename="khusela-product-import-template.xlsx"'
    assert b"Product,Version,End of support,Source,Note" in csv_template.data
