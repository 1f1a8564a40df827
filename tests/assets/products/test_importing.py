"""Importing the product lifecycle list: all or nothing, updating by product and version in any
case, items taking a new date. The pages are in test_import_views.py."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.assets.models import Asset
from app.assets.products import importing, services
from app.assets.products.models import Product
from app.assets.products.services import ProductInput
from app.audit.models import AuditEntry
from app.extensions import db
from tests import factories
from tests.assets.products.conftest import SHIPPED, item
from tests.pages import audit_entries
from tests.tables import csv_bytes, xlsx_bytes

HEADER = ["Product", "Version", "End of support", "Source", "Note"]


def csv_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return csv_bytes(header, rows)


def xlsx_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes(header, rows, "Products")


def row(**changes) -> list:
    values = {"Product": "Acme Linux", "Version": "9", "End of support": "2032-05-31",
              "Source": "https://acme.example/lifecycle", "Note": "Long-term release", **changes}
    return [values[header] for header in HEADER]


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer")


def run(rows, officer, *, dry_run=False, header=HEADER, filename="products.csv"):
    data = xlsx_file(rows, header) if filename.endswith(".xlsx") else csv_file(rows, header)
    return importing.import_products(filename, data, actor=officer, dry_run=dry_run)


def product_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Product.id)))


def find(name: str, release: str) -> Product | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# --- the rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["products.csv", "products.xlsx"])
def test_products_are_added_from_csv_or_xlsx(officer, filename):
    report = run([row(), row(Product="Acme Database", Version="", **{"End of support": ""}, Source="", Note="")],
                 officer, filename=filename)

    assert report.ok, report.problems
    assert report.summary == "2 created, 0 updated, 0 unchanged"
    linux, database = find("Acme Linux", "9"), find("Acme Database", "")
    assert (linux.end_of_support, linux.source, linux.note) == (
        date(2032, 5, 31), "https://acme.example/lifecycle", "Long-term release")
    assert (database.end_of_support, database.source) == (None, "")
    actions = [entry.action for entry in audit_entries(entity_type="product")]
    assert actions == ["create", "create", "import"]
    assert audit_entries("import", "product")[0].summary.startswith(f"Imported {filename} (2 created, 0 updated")


def test_a_date_cell_is_read_as_the_date(officer):
    report = run([row(**{"End of support": date(2031, 12, 31)})], officer, filename="products.xlsx")

    assert report.ok, report.problems
    assert find("Acme Linux", "9").end_of_support == date(2031, 12, 31)


def test_importing_updates_by_product_and_version_in_any_case(officer):
    windows_7 = find("Microsoft Windows", "7")

    report = run([row(Product="MICROSOFT  windows", Version="7", **{"End of support": "2023-01-10"},
                      Source=windows_7.source, Note="Paid Extended Security Updates ended")], officer)

    assert report.summary == "0 created, 1 updated, 0 unchanged"
    assert report.outcomes[0].changed == ["End of support", "Note"]
    updated = find("Microsoft Windows", "7")  # spelt as the list has it
    assert (updated.end_of_support, updated.note) == (date(2023, 1, 10), "Paid Extended Security Updates ended")
    assert product_count() == SHIPPED


def test_importing_the_same_file_again_changes_nothing(officer):
    run([row()], officer)

    again = run([row()], officer)

    assert again.summary == "0 created, 0 updated, 1 unchanged"
    assert find("Acme Linux", "9").version == 1


def test_a_new_date_goes_to_the_items_without_their_own_and_the_preview_says_how_many(officer):
    run([row(**{"End of support": "2030-01-01"})], officer)
    acme = find("Acme Linux", "9")
    inheriting = [item("SRV-1", acme), item("SRV-2", acme)]
    own_date = item("SRV-3", acme, end_of_support_set=date(2031, 6, 30))

    preview = run([row()], officer, dry_run=True)
    report = run([row()], officer)

    assert preview.outcomes[0].changed == ["End of support (2 items take it)"]
    assert report.outcomes[0].changed == preview.outcomes[0].changed
    db.session.expire_all()
    assert [db.session.get(Asset, asset.id).support_ends_on for asset in inheriting] == [date(2032, 5, 31)] * 2
    assert db.session.get(Asset, own_date.id).support_ends_on == date(2031, 6, 30)


def test_columns_the_file_does_not_have_keep_their_values(officer):
    windows_7 = find("Microsoft Windows", "7")
    source, note = windows_7.source, windows_7.note

    report = run([["Microsoft Windows", "7", "2023-01-10"]], officer, header=["Product", "Version", "EOL"])

    assert report.outcomes[0].changed == ["End of support"]
    updated = find("Microsoft Windows", "7")
    assert (updated.end_of_support, updated.source, updated.note) == (date(2023, 1, 10), source, note)


def test_one_bad_row_writes_nothing_and_names_each_row_and_column(officer):
    before = audit_count()

    report = run([row(), row(Product="Acme Mail", Source="javascript:alert(1)"),
                  row(Product="Acme Web", **{"End of support": "31 Mayo 2032"}),
                  row(Product="", Version="2"),
                  row(Product="Acme Proxy", Version="x" * 61),
                  row(Product="microsoft windows", Version="7", Source="ftp://example.org")], officer)

    assert not report.ok
    found = {(problem.row, problem.column) for problem in report.problems}
    assert found == {(3, "Source"), (4, "End of support"), (5, "Product"), (6, "Version"), (7, "Source")}
    messages = {(problem.row, problem.column): problem.message for problem in report.problems}
    assert messages[(4, "End of support")].startswith("“31 Mayo 2032” is not a date; write it as YYYY-MM-DD")
    assert messages[(5, "Product")] == "Name the product in 1 to 120 characters, like Microsoft Windows."
    assert find("Acme Linux", "9") is None and product_count() == SHIPPED and audit_count() == before


def test_the_same_product_twice_in_a_file_is_refused(officer):
    report = run([row(), row(Product="ACME LINUX", Note="again")], officer)

    assert [(problem.row, problem.column) for problem in report.problems] == [(3, "Version")]
    assert "also in row 2" in report.problems[0].message
    assert find("Acme Linux", "9") is None


def test_a_dry_run_writes_nothing(officer):
    before = audit_count()

    report = run([row()], officer, dry_run=True)

    assert report.ok and report.outcomes[0].action == "create"
    assert find("Acme Linux", "9") is None and audit_count() == before


def test_an_unknown_column_and_a_missing_product_column_are_refused(officer):
    unknown = run([["Acme Linux", "9", "blue"]], officer, header=["Product", "Version", "Colour"])
    missing = run([["9", "2032-05-31"]], officer, header=["Version", "End of support"])

    assert not unknown.ok and "Colour" in str(unknown.problems[0])
    assert not missing.ok and "Product" in str(missing.problems[0])
    assert find("Acme Linux", "9") is None


def test_the_templates_list_the_columns(app):
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))

    assert workbook.sheetnames == ["Products", "Columns"]
    assert [cell.value for cell in workbook["Products"][1]] == HEADER
    assert importing.template_csv() == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()


def test_a_too_long_note_is_named_and_spaces_around_the_version_do_not_matter(officer):
    services.create_product(ProductInput("Acme Linux", "9"), actor=None)
    db.session.commit()

    report = run([row(Product="Acme Linux", Version="9 "), row(Product="Acme Linux", Version="10",
                                                              Note="x" * 5001)], officer)

    assert [(problem.row, problem.column) for problem in report.problems] == [(3, "Note")]
