"""/assets/import with files of the tools people migrate from (tests/fixtures/imports/README.md):
the mapping page, the mapping remembered per source, its words and dates, and who may use it."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.assets import services
from app.assets.importing import COLUMNS
from app.assets.models import Asset
from app.common.mappings import ImportMapping
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, text_of
from tests.tables import form_of, staged_files, token_of, word_field

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
COLUMN_INDEX = {column.header: index for index, column in enumerate(COLUMNS)}


def upload(client, path_or_data, filename: str | None = None):
    data = path_or_data.read_bytes() if isinstance(path_or_data, Path) else path_or_data
    name = filename or path_or_data.name
    return client.post("/assets/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def post_mapping(client, form, columns: dict[str, str] | None = None, words: dict[str, str] | None = None,
                 **extra):
    data = dict(form.fields)
    for header, source in (columns or {}).items():
        data[f"column_{COLUMN_INDEX[header]}"] = source
    for word, meant in (words or {}).items():
        data[word_field(form, word)] = meant
    data.update(extra)
    data.setdefault("check", "Check the import")
    return client.post("/assets/import/mapping", data=data)


def items() -> dict[str, Asset]:
    return {item.tag: item for item in db.session.scalars(sa.select(Asset).where(Asset.kind != "site"))}


@pytest.fixture
def sites(app):
    officer = factories.make_user("security_officer", full_name="Thandi Mokoena")
    for tag, name in (("DOH-SITE-TYG", "Tygerberg clinic"), ("DOH-SITE-KBH", "Karl Bremer Hospital (main)")):
        services.create_asset(services.AssetInput(tag=tag, name=name, kind="site", site_type="health_facility"),
                              actor=officer)
    factories.make_department("DOH", "Department of Health")
    db.session.commit()


GLPI = FIXTURES / "glpi-computers.csv"
GLPI_COLUMNS = {"Purchase date": "Financial and administrative information - Date of purchase", "Product": ""}
GLPI_WORDS = {"Stock": "In use", "Tower": "Desktop", "Karl Bremer Hospital": "DOH-SITE-KBH"}


def map_glpi(client):
    page = upload(client, GLPI)
    return page, post_mapping(client, form_of(page), GLPI_COLUMNS, source_name="GLPI export")


def test_a_glpi_export_gets_the_mapping_page_with_its_columns_suggested(client, login_as, sites):
    login_as("security_officer")

    page = upload(client, GLPI)

    assert page.status_code == 200
    text = text_of(page)
    assert "Say how to read glpi-computers.csv" in text
    form = form_of(page)
    suggested = {header: form.fields[f"column_{index}"] for header, index in COLUMN_INDEX.items()}
    assert suggested["Tag"] == "Inventory number" and suggested["Serial"] == "Serial number"
    assert suggested["Site"] == "Location" and suggested["Product"] == "Operating system - Name"
    assert suggested["Purchase date"] == ""  # GLPI's long header is the person's to choose
    assert "Status — e.g. “In use”, “Stock”" in text  # the file's first values as a hint
    # The words of its status, type and location that Khusela does not know, to map.
    assert {"“Stock” (2 rows)", "“Tower” (2 rows)", "“Karl Bremer Hospital” (1 row)"} <= {
        label.strip() for label in form.labels.values()}
    assert not items() and len(staged_files(app=client.application)) == 2


def test_mapping_a_glpi_export_imports_the_items_with_the_right_values(client, login_as, sites):
    login_as("security_officer")
    page, listed = map_glpi(client)
    # The purchase date's column was chosen: its dates are listed before anything is checked.
    assert listed.status_code == 200 and "Day first: 31/03/2024 (South Africa), as “17-11-2014” shows" in \
        text_of(listed)

    preview = post_mapping(client, form_of(listed), words=GLPI_WORDS)

    assert preview.status_code == 200, text_of(preview)[:3000]
    text = text_of(preview)
    assert "Read with the mapping for GLPI export" in text and "4 created, 0 updated, 0 unchanged" in text
    assert "Dates in “Purchase date” are read day first (31/03/2024), as “17-11-2014” shows" in text
    assert not items()
    response = client.post("/assets/import/confirm", data={"token": token_of(preview)})
    assert response.status_code == 302
    found = items()
    assert sorted(found) == ["DOH-LT-00077", "DOH-PC-00412", "DOH-PC-00413", "DOH-PC-00414"]
    pharmacy = found["DOH-PC-00413"]
    assert (pharmacy.name, pharmacy.kind, pharmacy.status) == ("Pharmacy PC", "desktop", "in_use")
    assert (pharmacy.manufacturer, pharmacy.model, pharmacy.serial) == ("Dell Inc.", "OptiPlex 9020", "8YL3N6K")
    assert pharmacy.purchased_on == date(2014, 11, 17) and found["DOH-PC-00412"].purchased_on == date(2013, 5, 2)
    sites_by_id = {site.id: site.tag for site in db.session.scalars(sa.select(Asset).where(Asset.kind == "site"))}
    assert sites_by_id[found["DOH-LT-00077"].site_id] == "DOH-SITE-KBH"
    assert sites_by_id[pharmacy.site_id] == "DOH-SITE-TYG"
    assert found["DOH-LT-00077"].name == "Matron's laptop" and found["DOH-LT-00077"].kind == "laptop"


def test_the_mapping_is_remembered_audited_and_the_next_export_goes_straight_to_the_preview(
        client, login_as, sites):
    login_as("security_officer")
    _, listed = map_glpi(client)
    post_mapping(client, form_of(listed), words=GLPI_WORDS)

    saved = db.session.scalars(sa.select(ImportMapping)).one()
    assert (saved.register, saved.source_name) == ("assets", "GLPI export")
    assert saved.columns["Purchase date"] == "Financial and administrative information - Date of purchase"
    assert saved.values["Status"] == {"Stock": "In use"} and saved.date_orders == {"Purchase date": "dmy"}
    [entry] = audit_entries("create", "import_mapping")
    assert "GLPI export" in entry.summary and "Stock" in entry.changes

    # Next month's export: the same columns in another order, other rows.
    lines = GLPI.read_text().splitlines()
    header = lines[0].split(";")
    order = [header.index(name) for name in reversed(header)]
    reordered = "\r\n".join(";".join(line.split(";")[i] for i in order) for line in lines[:3]) + "\r\n"
    preview = upload(client, reordered.encode(), "glpi-april.csv")

    assert preview.status_code == 200
    text = text_of(preview)
    assert "Check the import of glpi-april.csv" in text and "Read with the mapping for GLPI export" in text
    assert "2 created" in text
    client.post("/assets/import/confirm", data={"token": token_of(preview)})
    assert items()["DOH-PC-00413"].status == "in_use"


def test_the_mapping_can_be_changed_from_the_preview(client, login_as, sites):
    login_as("admin")
    _, listed = map_glpi(client)
    preview = post_mapping(client, form_of(listed), words=GLPI_WORDS)

    opened = client.post("/assets/import/mapping", data={"token": token_of(preview)})
    assert opened.status_code == 200
    form = form_of(opened)
    assert form.fields[word_field(form, "Stock")] == "In use"  # as saved
    changed = post_mapping(client, form, words={"Stock": "Ordered"}, source_name="GLPI export")

    assert "4 created" in text_of(changed)
    saved = db.session.scalars(sa.select(ImportMapping)).one()
    assert saved.values["Status"]["Stock"] == "Ordered"
    assert audit_entries("update", "import_mapping")
    client.post("/assets/import/confirm", data={"token": token_of(changed)})
    assert items()["DOH-PC-00413"].status == "ordered"


def test_a_word_left_unmapped_is_a_problem_naming_its_rows_and_column(client, login_as, sites):
    login_as("security_officer")
    _, listed = map_glpi(client)

    refused = post_mapping(client, form_of(listed), words={"Tower": "Desktop", "Karl Bremer Hospital": "DOH-SITE-KBH"})

    assert refused.status_code == 422
    text = text_of(refused)
    assert "glpi-computers.csv: nothing was imported" in text
    assert "3 Status “Stock” is not a status Khusela knows" in text
    assert "5 Status “Stock” is not a status Khusela knows" in text
    assert "Say how to read glpi-computers.csv" in text  # the mapping, to change it
    assert not items()


def test_an_ocs_inventory_export_in_latin_1_imports_through_a_mapping(client, login_as, sites):
    login_as("security_officer")
    page = upload(client, FIXTURES / "ocs-computers.csv")
    form = form_of(page)
    # OCS's "Tag" is the agent's TAG (here the department), not the asset tag: the person says so.
    assert form.fields[f"column_{COLUMN_INDEX['Tag']}"] == "Tag"
    assert "read as Windows-1252 text" in text_of(page)
    columns = {"Tag": "Computer", "Name": "Computer", "Hostname": "Computer", "Department": "Tag",
               "Custodian": "User", "Type": "Chassis type", "Product": "", "Version": ""}
    listed = post_mapping(client, form, columns, source_name="OCS Inventory")
    preview = post_mapping(client, form_of(listed), words={"Rack Mount Chassis": "Server"})

    assert preview.status_code == 200, text_of(preview)[:3000]
    client.post("/assets/import/confirm", data={"token": token_of(preview)})
    found = items()
    assert sorted(found) == ["DOH-LT-00078", "DOH-PC-00415", "DOH-SRV-0009"]
    assert found["DOH-PC-00415"].custodian == "Zoë Naidoo" and found["DOH-SRV-0009"].custodian == "André du Plessis"
    assert (found["DOH-LT-00078"].kind, found["DOH-SRV-0009"].kind) == ("laptop", "server")
    assert found["DOH-PC-00415"].ip_address == "10.12.4.21" and found["DOH-PC-00415"].department_id is not None


def test_a_spreadsheet_register_with_dates_either_way_round_asks_which(client, login_as, sites):
    login_as("security_officer")
    page = upload(client, FIXTURES / "asset-register-excel.csv")
    columns = {"Tag": "Asset No.", "Name": "Description", "Type": "Category", "Site": "Location",
               "Purchase date": "Date purchased", "Custodian": "Responsible person"}
    listed = post_mapping(client, form_of(page), columns, source_name="Finance asset list")
    text = text_of(listed)
    assert "could be read either way round (no day is over 12)" in text
    dates_field = next(name for name in form_of(listed).fields if name.startswith("dates_"))

    preview = post_mapping(client, form_of(listed), words={"Printer": "Network device"}, **{dates_field: "mdy"})

    assert preview.status_code == 200, text_of(preview)[:3000]
    assert "no day in the column is over 12" in text_of(preview)
    client.post("/assets/import/confirm", data={"token": token_of(preview)})
    found = items()
    # Quoted cells keep their commas and doubled quotes; the BOM is not part of the first header.
    assert found["FIN-LT-0101"].name == "Laptop, Finance office"
    assert found["FIN-PC-0102"].name == 'Desktop, Accounts payable "A" desk'
    assert found["FIN-LT-0101"].purchased_on == date(2019, 3, 4)  # month first, as chosen
    assert found["FIN-PR-0103"].purchased_on == date(2020, 5, 12)
    assert db.session.scalars(sa.select(ImportMapping)).one().date_orders == {"Purchase date": "mdy"}


def test_a_source_needs_a_name_and_a_required_column(client, login_as, sites):
    login_as("security_officer")
    page = upload(client, GLPI)

    unnamed = post_mapping(client, form_of(page), source_name="")
    assert unnamed.status_code == 422 and "Name the source of this file" in text_of(unnamed)

    no_tag = post_mapping(client, form_of(page), {"Tag": ""}, source_name="GLPI")
    listed = post_mapping(client, form_of(no_tag), source_name="GLPI", words=GLPI_WORDS)
    assert listed.status_code == 422
    assert "Choose the file's column that gives this one" in text_of(listed)
    assert not items()


def test_a_stale_or_foreign_token_sends_back_to_the_upload(client, login_as, sites):
    login_as("security_officer")
    token = token_of(upload(client, GLPI))
    login_as("admin")

    response = client.post("/assets/import/mapping", data={"token": token})

    assert response.status_code == 302 and response.headers["Location"] == "/assets/import"
    assert client.post("/assets/import/mapping", data={"token": "../../etc/passwd"}).status_code == 302


def test_a_tampered_page_state_reopens_the_mapping(client, login_as, sites):
    login_as("security_officer")
    page = upload(client, GLPI)

    response = post_mapping(client, form_of(page), columns_seen="[1, 2]")

    assert response.status_code == 200 and "Say how to read" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportMapping)) == 0


@pytest.mark.parametrize("role", ["risk_owner", "auditor"])
def test_only_importers_reach_the_mapping_page(client, login_as, role, sites):
    login_as(role)

    assert client.post("/assets/import/mapping", data={"token": "x" * 32}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportMapping)) == 0


def test_a_khusela_file_with_dates_either_way_round_is_read_day_first_and_can_be_changed(client, login_as, sites):
    login_as("security_officer")
    data = b"Tag,Name,Type,Purchase date\r\nPC-1,Reception PC,Desktop,03/04/2019\r\n"

    preview = upload(client, data, "inventory.csv")

    text = text_of(preview)
    assert "read day first (31/03/2024): no day in the column is over 12" in text
    assert "Change how the file is read" in text
    opened = client.post("/assets/import/mapping", data={"token": token_of(preview)})
    assert opened.status_code == 200 and json.loads(form_of(opened).fields["columns_seen"])["Tag"] == "Tag"


def test_the_command_line_reads_a_glpi_export_with_the_saved_mapping(app, client, login_as, sites):
    officer = login_as("security_officer")
    _, listed = map_glpi(client)
    post_mapping(client, form_of(listed), words=GLPI_WORDS)  # saved, not imported
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["assets", "import", str(GLPI), "--as", officer.email])
    assert refused.exit_code == 1 and "Saved mappings that read these columns: “GLPI export”" in refused.output

    result = runner.invoke(args=["assets", "import", str(GLPI), "--as", officer.email, "--mapping", "GLPI export"])

    assert result.exit_code == 0, result.output
    assert "Read with the mapping for GLPI export" in result.output and "4 created" in result.output
    found = items()
    assert found["DOH-PC-00413"].status == "in_use" and found["DOH-PC-00413"].purchased_on == date(2014, 11, 17)
