"""Importing configuration items: columns to items with the forms' rules, all or nothing, update by
tag, inventory tools' exports, and a number of queries that does not grow with the rows."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.assets import importing, services
from app.assets.importing import _ProductMatcher
from app.assets.models import Asset
from app.assets.products.models import Product
from app.audit import services as audit
from app.audit.models import AuditEntry
from app.auth import services as accounts
from app.common.timeutil import local_today
from app.extensions import db
from tests import factories
from tests.tables import csv_bytes, xlsx_bytes

HEADER = ["Tag", "Name", "Type", "Status", "Owner", "Custodian", "Department", "Site", "Classification",
          "Confidentiality", "Integrity", "Availability", "Business impact", "Manufacturer", "Model", "Serial",
          "Product", "Version", "Purchase date", "End of support", "Device profile", "IP address", "Hostname",
          "Notes", "Site type", "Link speed"]


def csv_file(rows: list[list], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    return csv_bytes(header, rows, delimiter)


def xlsx_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes(header, rows, "Items")


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


@pytest.fixture
def owner(app):
    return factories.make_user("risk_owner", email="sipho.dlamini@example.gov.za")


@pytest.fixture
def department(app):
    return factories.make_department("DOH", "Department of Health")


@pytest.fixture
def site(officer) -> Asset:
    made = services.create_asset(services.AssetInput(tag="DOH-SITE-TYG", name="Tygerberg clinic", kind="site",
                                                      site_type="health_facility"), actor=officer)
    db.session.commit()
    return made


@pytest.fixture
def windows_7(app) -> Product:
    return db.session.scalar(sa.select(Product).where(Product.name == "Microsoft Windows", Product.release == "7"))


@pytest.fixture
def row(owner, department, site):
    def build(**changes) -> list:
        values = {"Tag": "DOH-PC-00412", "Name": "Reception PC", "Type": "Desktop", "Status": "In use",
                  "Owner": owner.email, "Custodian": "ICT Operations", "Department": "DOH", "Site": "DOH-SITE-TYG",
                  "Classification": "Internal", "Confidentiality": "2", "Integrity": "2", "Availability": "3",
                  "Business impact": "3", "Manufacturer": "Dell", "Model": "OptiPlex 7010", "Serial": "7XK2M5J",
                  "Product": "Microsoft Windows", "Version": "7", "Purchase date": "2013-05-02",
                  "End of support": "", "Device profile": "PC3", "IP address": "10.12.4.20",
                  "Hostname": "doh-pc-00412", "Notes": "", "Site type": "", "Link speed": "", **changes}
        return [values[header] for header in HEADER]

    return build


def run(rows, officer, *, dry_run=False, file=csv_file, name="inventory.csv", **kwargs):
    return importing.import_assets(name, file(rows, **kwargs), actor=officer, dry_run=dry_run)


def items() -> list[Asset]:
    return list(db.session.scalars(sa.select(Asset).order_by(Asset.id)))


def item(tag: str) -> Asset:
    return db.session.scalar(sa.select(Asset).where(Asset.tag == tag))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def problems_of(report) -> list[tuple[int | None, str | None, str]]:
    return [(problem.row, problem.column, problem.message) for problem in report.problems]


# --- creating ------------------------------------------------------------------------------------


def test_a_good_row_creates_an_item_with_every_column(row, officer, owner, department, site, windows_7):
    report = run([row()], officer)

    assert report.ok, report.problems
    assert report.summary == "1 created, 0 updated, 0 unchanged"
    pc = item("DOH-PC-00412")
    assert (pc.name, pc.kind, pc.status, pc.owner_id, pc.department_id, pc.site_id) == (
        "Reception PC", "desktop", "in_use", owner.id, department.id, site.id)
    assert (pc.classification, pc.confidentiality, pc.integrity, pc.availability, pc.business_impact) == (
        "Internal", 2, 2, 3, 3)
    assert (pc.manufacturer, pc.model, pc.serial, pc.product_id) == ("Dell", "OptiPlex 7010", "7XK2M5J", windows_7.id)
    assert pc.purchased_on == date(2013, 5, 2) and pc.support_ends_on == date(2020, 1, 14)
    assert (pc.device_profile.code, pc.ip_address, pc.hostname, pc.custodian) == (
        "PC3", "10.12.4.20", "doh-pc-00412", "ICT Operations")
    assert (pc.version, pc.created_by_id) == (1, officer.id)
    assert pc.search_text == "doh-pc-00412 reception pc 7xk2m5j doh-pc-00412"


def test_the_audit_entry_of_an_imported_item_is_the_one_the_form_would_record(row, officer, windows_7):
    report = run([row(**{"End of support": "2023-01-10"})], officer)
    imported = item("DOH-PC-00412")
    entry = audit.entries_about("asset", imported.id)[0]
    expected = audit.diff({}, audit.snapshot(imported, services.ASSET_AUDIT_FIELDS))

    assert report.ok
    assert (entry.action, entry.actor_id, entry.summary) == (
        "create", officer.id, "Created desktop DOH-PC-00412 Reception PC")
    assert entry.changes == audit.canonical_json(expected)
    assert imported.support_ends_on == date(2023, 1, 10)  # its own date wins over the product's
    assert audit.verify_chain().ok


def test_the_import_itself_is_recorded_with_the_files_sha_256(row, officer):
    report = run([row()], officer)

    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "import"))
    assert entry.entity_type == "asset" and entry.actor_id == officer.id
    assert entry.summary.startswith("Imported inventory.csv (1 created, 0 updated, 0 unchanged; SHA-256 "
                                    f"{report.sha256[:16]}")


def test_only_tag_and_name_are_needed_with_a_type_for_a_new_item(officer):
    report = run([["APP-001", "Payroll (PERSAL)", "Application"]], officer, header=["Tag", "Name", "Type"])

    assert report.ok, report.problems
    payroll = item("APP-001")
    assert (payroll.kind, payroll.status, payroll.owner_id, payroll.classification) == (
        "application", "in_use", None, None)


def test_words_are_read_in_any_case_and_departments_by_name(row, officer, department):
    report = run([row(Type="LAPTOPS", Status="out for repair", Department="department of health",
                      Classification="internal", Owner="SIPHO.DLAMINI@example.gov.za")], officer)

    assert report.ok, report.problems
    pc = item("DOH-PC-00412")
    assert (pc.kind, pc.status, pc.department_id, pc.classification) == ("laptop", "in_repair", department.id,
                                                                          "Internal")


def test_an_xlsx_file_with_date_and_number_cells(row, officer):
    values = row()
    values[HEADER.index("Purchase date")] = date(2013, 5, 2)
    values[HEADER.index("Confidentiality")] = 2
    values[HEADER.index("Tag")] = "DOH-PC-00412"

    report = run([values], officer, file=xlsx_file, name="inventory.xlsx")

    assert report.ok, report.problems
    assert item("DOH-PC-00412").purchased_on == date(2013, 5, 2)


def test_sites_and_the_items_at_them_in_one_file(officer):
    header = ["Tag", "Name", "Type", "Site", "Site type", "Link speed"]
    report = run([["PC-1", "Clerk's PC", "Desktop", "SITE-KHY", "", ""],
                  ["SITE-KHY", "Khayelitsha CHC", "Site", "", "Health facility", "100 Mbps"],
                  ["PC-2", "Nurse's PC", "Desktop", "Khayelitsha CHC", "", ""]], officer, header=header)

    assert report.ok, report.problems
    chc = item("SITE-KHY")
    assert (chc.site_type, chc.link_speed) == ("health_facility", "100mbps")
    assert item("PC-1").site_id == chc.id and item("PC-2").site_id == chc.id
    entry = audit.entries_about("asset", item("PC-1").id)[0]
    assert audit.changes_of(entry)["site_id"] == [None, chc.id]


# --- updating ------------------------------------------------------------------------------------


def test_a_known_tag_updates_that_item_and_records_what_changed(row, officer):
    run([row()], officer)
    pc = item("DOH-PC-00412")
    before_version = pc.version

    report = run([row(Name="Reception PC (front desk)", Availability="4")], officer)

    assert report.ok, report.problems
    assert report.summary == "0 created, 1 updated, 0 unchanged"
    assert report.outcomes[0].changed == ["Availability", "Name"]
    db.session.expire_all()
    pc = item("DOH-PC-00412")
    assert (pc.name, pc.availability, pc.version) == ("Reception PC (front desk)", 4, before_version + 1)
    assert pc.search_text == "doh-pc-00412 reception pc (front desk) 7xk2m5j doh-pc-00412"
    entry = audit.entries_about("asset", pc.id)[0]
    assert entry.action == "update" and entry.summary == "Edited DOH-PC-00412 Reception PC (front desk)"
    assert audit.changes_of(entry) == {"availability": [3, 4], "name": ["Reception PC", "Reception PC (front desk)"]}


def test_a_device_profile_is_read_by_its_code_in_any_case_and_an_empty_cell_clears_it(row, officer):
    run([row(**{"Device profile": "note_ws"})], officer)
    assert item("DOH-PC-00412").device_profile.item == "Mobile technical workstation"

    report = run([row(**{"Device profile": ""})], officer)

    assert report.ok, report.problems
    db.session.expire_all()
    assert item("DOH-PC-00412").device_profile is None


def test_a_missing_column_keeps_the_value_and_an_empty_cell_clears_it(row, officer, site):
    run([row()], officer)

    report = run([["DOH-PC-00412", "Reception PC", "", ""]], officer, header=["Tag", "Name", "Serial", "Type"])

    assert report.ok, report.problems
    db.session.expire_all()
    pc = item("DOH-PC-00412")
    assert pc.serial == "" and pc.kind == "desktop"  # an empty type leaves it as it was
    assert (pc.manufacturer, pc.site_id, pc.confidentiality) == ("Dell", site.id, 2)


def test_importing_the_same_file_twice_changes_nothing_the_second_time(row, officer):
    rows = [row(), row(Tag="DOH-PC-00413", Name="Second PC", Serial="8YL3N6K", **{"IP address": "10.12.4.21"})]
    first = run(rows, officer)
    entries = audit_count()

    second = run(rows, officer)

    assert first.summary == "2 created, 0 updated, 0 unchanged"
    assert second.ok and second.summary == "0 created, 0 updated, 2 unchanged"
    assert audit_count() == entries + 1  # the import itself, nothing about the items
    assert [asset.version for asset in items() if asset.kind == "desktop"] == [1, 1]


def test_an_item_saved_meanwhile_is_not_overwritten(row, officer):
    run([row()], officer)
    stale = importing._existing_items

    def read_then_someone_saves(tags):
        found = stale(tags)
        db.session.execute(sa.update(Asset).where(Asset.tag == "DOH-PC-00412").values(version=Asset.version + 1))
        return found

    importing._existing_items = read_then_someone_saves
    try:
        report = run([row(Name="Renamed")], officer)
    finally:
        importing._existing_items = stale

    assert not report.ok and "Someone saved some of these items" in report.problems[0].message
    db.session.expire_all()
    assert item("DOH-PC-00412").name == "Reception PC"


def test_a_dry_run_checks_everything_and_writes_nothing(row, officer):
    entries = audit_count()

    report = run([row()], officer, dry_run=True)

    assert report.ok and report.dry_run and report.summary == "1 created, 0 updated, 0 unchanged"
    assert item("DOH-PC-00412") is None and audit_count() == entries


# --- bad input: row and column named, nothing written ---------------------------------------------


@pytest.mark.parametrize(("changes", "column", "message"), [
    ({"Department": "DOE"}, "Department", "No department has the code or name “DOE”"),
    ({"Owner": "nobody@example.gov.za"}, "Owner", "No user signs in as “nobody@example.gov.za”"),
    ({"Product": "Sage VIP", "Version": "7"}, "Product", "“Sage VIP 7” is not in the product lifecycle list"),
    ({"Site": "DOH-SITE-KHY"}, "Site", "No site has the tag or name “DOH-SITE-KHY”"),
    ({"Device profile": "PC9"}, "Device profile", "“PC9” is not in the device profile catalogue"),
    ({"Confidentiality": "6"}, "Confidentiality", "“6” is not a rating: give a whole number from 1 (lowest) to 5"),
    ({"Business impact": "High"}, "Business impact", "“High” is not a rating"),
    ({"Purchase date": "2013-02-30"}, "Purchase date", "“2013-02-30” is not a date; write it as YYYY-MM-DD"),
    ({"Type": "Toaster"}, "Type", "“Toaster” is not a type Khusela knows; use one of: Desktop, Laptop"),
    ({"Status": "Lent out"}, "Status", "“Lent out” is not a status Khusela knows; use one of: Planned"),
    ({"Classification": "Top secret"}, "Classification", "use one of: Public, Internal, Restricted"),
    ({"Site type": "School"}, "Site type", "Only sites have a site type."),
    ({"Link speed": "2 Gbps"}, "Link speed", "“2 Gbps” is not a link speed Khusela knows"),
    ({"IP address": "10.12.4.300"}, "IP address", "Give an IPv4 address like 10.12.4.20"),
    ({"Hostname": "doh pc"}, "Hostname", "Give a host name of letters, digits and hyphens"),
    ({"Tag": "-PC-1"}, "Tag", "Give the asset tag or CI number"),
    ({"Name": ""}, "Name", "Give the item a name."),
    ({"Model": "x" * 121}, "Model", "Use at most 120 characters."),
    ({"Version": "7", "Product": ""}, "Product", "Version “7” of which product?"),
])
def test_a_bad_cell_is_named_by_row_and_column_and_nothing_is_written(row, officer, changes, column, message):
    entries, count = audit_count(), len(items())

    report = run([row(Tag="DOH-PC-00411", Name="Fine PC", Serial="A1"), row(**changes)], officer)

    assert not report.ok
    assert any(problem_row == 3 and problem_column == column and message in text
               for problem_row, problem_column, text in problems_of(report)), problems_of(report)
    assert len(items()) == count and audit_count() == entries


def test_a_purchase_date_after_today_is_refused(row, officer):
    tomorrow = local_today() + timedelta(days=1)

    report = run([row(**{"Purchase date": tomorrow.isoformat()})], officer)

    assert problems_of(report) == [(2, "Purchase date", f"The purchase date cannot be after today "
                                                        f"({local_today().isoformat()}).")]


def test_the_same_tag_twice_in_a_file_is_refused(row, officer):
    report = run([row(), row(Name="Other")], officer)

    assert problems_of(report) == [(3, "Tag", "Tag DOH-PC-00412 is also in row 2; an item can be in the file once.")]
    assert items() == [item("DOH-SITE-TYG")]


def test_an_owner_who_left_may_stay_but_not_be_chosen_anew(row, officer, owner):
    run([row()], officer)
    accounts.set_user_active(owner, False, expected_version=owner.version, actor=officer)
    db.session.commit()

    unchanged = run([row()], officer)
    refused = run([row(Tag="DOH-PC-00413", Serial="B2")], officer)

    assert unchanged.ok, unchanged.problems
    assert problems_of(refused) == [(2, "Owner", f"{owner.email} is no longer an active user: choose an active "
                                                 "owner, or leave the cell empty.")]


def test_an_item_of_another_type_is_not_a_site(row, officer):
    run([row()], officer)

    report = run([row(Tag="DOH-PC-00413", Serial="B2", Site="DOH-PC-00412")], officer)

    assert problems_of(report) == [(2, "Site", "DOH-PC-00412 is a desktop, not a site: give the tag of an item of "
                                               "type Site.")]


def test_an_item_the_same_file_makes_another_type_is_not_a_site(row, officer):
    report = run([["SITE-1", "Head office", "Server", ""], ["PC-1", "PC", "Desktop", "SITE-1"]], officer,
                 header=["Tag", "Name", "Type", "Site"])

    assert problems_of(report) == [(3, "Site", "“SITE-1” is not a site: give the tag of an item of type Site.")]


def test_a_site_with_items_at_it_keeps_its_type(row, officer):
    run([row()], officer)

    report = run([["DOH-SITE-TYG", "Tygerberg clinic", "Server", ""]], officer,
                 header=["Tag", "Name", "Type", "Site type"])

    assert problems_of(report) == [(2, "Type", "1 items are located at this site: move them before it changes "
                                               "type.")]


def test_a_site_that_the_same_file_empties_may_change_type(row, officer):
    run([row()], officer)

    report = run([["DOH-SITE-TYG", "Tygerberg clinic", "Server", "", ""],
                  ["DOH-PC-00412", "Reception PC", "Desktop", "", ""]], officer,
                 header=["Tag", "Name", "Type", "Site type", "Site"])

    assert report.ok, report.problems


def test_a_new_item_needs_a_type(officer):
    report = run([["PC-9", "Unknown thing", ""]], officer, header=["Tag", "Name", "Type"])

    assert problems_of(report) == [(2, "Type", "Give the type of the new item: one of Desktop, Laptop, Server, "
                                               "Network device, Mobile, Software, Application, Service, "
                                               "Information asset, Site.")]


def test_an_item_cannot_be_at_itself(officer):
    report = run([["SITE-1", "Head office", "Site", "SITE-1"]], officer, header=["Tag", "Name", "Type", "Site"])

    assert problems_of(report) == [(2, "Site", "SITE-1 cannot be located at itself: give the tag of the site it is "
                                               "at.")]


def test_formulas_are_refused_with_their_row_and_column(row, officer):
    report = run([row(Name='=HYPERLINK("http://evil.example","Reception PC")')], officer)

    assert problems_of(report) == [(2, "Name", "Formulas are not imported: replace the formula with the value it "
                                               "should give.")]
    assert item("DOH-PC-00412") is None


def test_a_file_of_a_million_rows_is_refused_naming_the_limit(officer):
    data = b"Tag,Name,Type\n" + b"PC-1,PC,Desktop\n" * 1_000_000

    report = importing.import_assets("huge.csv", data, actor=officer, dry_run=False)

    assert [str(problem) for problem in report.problems] == [
        "The file has more than 100,000 rows of data; Khusela imports at most 100,000 at a time. Split it into "
        "smaller files."]
    assert items() == []


def test_unknown_products_are_listed_once_before_the_rows(row, officer):
    report = run([row(Product="Sage VIP", Version=""), row(Tag="B", Serial="2", Product="Sage VIP", Version=""),
                  row(Tag="C", Serial="3", Product="Novell NetWare 6.5", Version="")], officer)

    assert str(report.problems[0]) == ("column “Product”: Not in the product lifecycle list: Sage VIP (2 rows); "
                                       "Novell NetWare 6.5 (1 row). Add them under Assets → Product lifecycle, or "
                                       "leave those cells empty.")
    assert [problem.row for problem in report.problems[1:]] == [2, 3, 4]


# --- inventory tools' exports ---------------------------------------------------------------------


def test_a_snipe_it_asset_export_imports_as_it_is(officer, site, windows_7):
    header = ["ID", "Company", "Asset Name", "Asset Tag", "Model", "Model No.", "Category", "Manufacturer",
              "Serial", "Purchase Date", "Purchase Cost", "Order Number", "Supplier", "Location", "Status",
              "Checked Out To", "Notes", "Warranty", "Created At"]
    rows = [["17", "WCG", "Reception PC", "DOH-00017", "OptiPlex 7010", "7010", "Desktops", "Dell", "7XK2M5J",
             "2013-05-02 00:00:00", "8500.00", "PO-123", "Dell SA", "Tygerberg clinic", "Deployed", "Sipho Dlamini",
             "", "36", "2020-01-01 08:00:00"],
            ["18", "WCG", "Core switch", "DOH-00018", "Catalyst 9300", "", "Switch", "Cisco", "FOC123",
             "", "", "", "", "DOH-SITE-TYG", "Ready to Deploy", "", "Spare", "", ""],
            ["19", "WCG", "Ward tablet", "DOH-00019", "Galaxy Tab A8", "", "Tablets", "Samsung", "R52T",
             "", "", "", "", "", "Lost/Stolen", "", "", "", ""]]

    report = run(rows, officer, header=header, name="snipe-it-assets.csv")

    assert report.ok, report.problems
    pc, switch, tablet = item("DOH-00017"), item("DOH-00018"), item("DOH-00019")
    assert (pc.name, pc.kind, pc.status, pc.site_id, pc.custodian) == (
        "Reception PC", "desktop", "in_use", site.id, "Sipho Dlamini")
    assert (pc.manufacturer, pc.model, pc.serial, pc.purchased_on) == ("Dell", "OptiPlex 7010", "7XK2M5J",
                                                                        date(2013, 5, 2))
    assert (switch.kind, switch.status, switch.site_id, switch.notes) == ("network_device", "in_use", site.id, "Spare")
    assert (tablet.kind, tablet.status) == ("mobile", "retired")


def test_a_glpi_computer_export_imports_as_it_is(officer, site):
    header = ["Name", "Entity", "Status", "Manufacturer", "Serial number", "Type", "Model",
              "Operating system - Name", "Operating system - Version", "Location", "Last update",
              "Components - Processor", "Inventory number", "Comments"]
    rows = [["doh-pc-00412", "Root entity > DOH", "In use", "Dell Inc.", "7XK2M5J", "Desktop", "OptiPlex 7010",
             "Microsoft Windows 7 Professional", "", "Tygerberg clinic", "2024-03-01 10:00", "Intel Core i5",
             "DOH-00412", ""],
            ["doh-fs01", "Root entity > DOH", "In use", "HPE", "CZJ1", "Server", "ProLiant DL380",
             "Microsoft Windows Server 2012 R2 Standard", "6.3.9600", "DOH-SITE-TYG", "", "", "DOH-00500", ""],
            ["doh-lt-7", "Root entity > DOH", "Broken", "Lenovo", "PF2", "Laptop", "ThinkPad T14",
             "Microsoft Windows 11 Pro", "23H2", "", "", "", "DOH-00700", "Screen cracked"]]

    report = run(rows, officer, header=header, name="glpi.csv", delimiter=";")

    assert report.ok, report.problems
    pc, server, laptop = item("DOH-00412"), item("DOH-00500"), item("DOH-00700")
    assert (pc.name, pc.kind, str(pc.product), pc.site_id) == ("doh-pc-00412", "desktop", "Microsoft Windows 7",
                                                               site.id)
    assert (server.kind, str(server.product)) == ("server", "Microsoft Windows Server 2012 R2")
    assert (laptop.status, str(laptop.product), laptop.notes) == ("in_repair", "Microsoft Windows 11 23H2",
                                                                  "Screen cracked")


def test_an_unknown_column_is_still_refused(row, officer):
    report = run([["PC-1", "PC", "Desktop", "x"]], officer, header=["Tag", "Name", "Type", "Colour"])

    assert report.problems[0].message.startswith("Khusela has no column called “Colour”.")


@pytest.mark.parametrize(("product", "version", "expected"), [
    ("Microsoft Windows", "7", "Microsoft Windows 7"),
    ("microsoft windows 7", "", "Microsoft Windows 7"),
    ("Microsoft Windows 7 Professional", "", "Microsoft Windows 7"),
    ("Microsoft Windows 8.1 Pro", "", "Microsoft Windows 8.1"),
    ("Microsoft Windows 10 Enterprise LTSC 2019", "", "Microsoft Windows 10 LTSC 2019"),
    ("Microsoft Windows 10 Pro", "22H2", "Microsoft Windows 10"),
    ("Microsoft Windows 11 Pro", "23H2", "Microsoft Windows 11 23H2"),
    ("Microsoft Windows Server 2008 R2 Enterprise", "", "Microsoft Windows Server 2008 R2"),
    ("Microsoft Windows Server 2019 Datacenter", "", "Microsoft Windows Server 2019"),
    ("Ubuntu 22.04.3 LTS", "", "Ubuntu 22.04"),
    ("Debian GNU/Linux 12 (bookworm)", "", "Debian 12"),
    ("Microsoft Windows 11 Pro", "", None),  # the list has Windows 11 only by feature update
    ("Microsoft Windows Server 2000", "", None),
    ("Windows 7", "", None),  # the name must start the text
])
def test_products_are_found_by_name_and_version_with_edition_words_skipped(app, product, version, expected):
    products = list(db.session.scalars(sa.select(Product)))
    matcher = _ProductMatcher([(p.id, p.name, p.release) for p in products])

    found = matcher.match(product, version)

    assert (str(db.session.get(Product, found)) if found else None) == expected


# --- the template ----------------------------------------------------------------------------------


def test_the_templates_list_the_columns(app, department):
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))

    assert [cell.value for cell in workbook["Items"][1]] == [column.header for column in importing.COLUMNS]
    assert [row[0].value for row in workbook["Columns"].iter_rows(min_row=2)] == [
        column.header for column in importing.COLUMNS]
    lists = {column[0].value: [cell.value for cell in column[1:] if cell.value]
             for column in workbook["Lists"].iter_cols()}
    assert lists["Department"] == ["DOH"] and "Network device" in lists["Type"]
    assert importing.template_csv().decode("utf-8-sig").startswith("Tag,Name,Type,Status,Owner,")


def test_the_template_imports_as_it_is_given(officer):
    header = [column.header for column in importing.COLUMNS]
    example = [column.example for column in importing.COLUMNS]
    example[header.index("Owner")] = officer.email
    example[header.index("Department")] = factories.make_department("DOH").code
    example[header.index("Site")] = ""
    example[header.index("Site type")] = example[header.index("Link speed")] = ""

    report = run([example], officer, header=header)

    assert report.ok, report.problems


# --- queries ---------------------------------------------------------------------------------------


def count_selects(action) -> int:
    selects = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(selects)


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_number_of_queries_does_not_grow_with_the_rows(row, officer, dry_run):
    def rows(count: int, prefix: str) -> list[list]:
        return [row(Tag=f"{prefix}-{n:04d}", Serial=f"{prefix}{n}", **{"IP address": f"10.1.{n // 250}.{n % 250}"})
                for n in range(count)]

    ten = count_selects(lambda: run(rows(10, "A"), officer, dry_run=dry_run))
    two_hundred = count_selects(lambda: run(rows(200, "B"), officer, dry_run=dry_run))
    run(rows(10, "A") + rows(200, "B"), officer)
    ten_updates = count_selects(lambda: run([[*r[:-3], "Moved", "", ""] for r in rows(10, "A")], officer,
                                            dry_run=dry_run))
    two_hundred_updates = count_selects(lambda: run([[*r[:-3], "Moved", "", ""] for r in rows(200, "B")], officer,
                                                    dry_run=dry_run))

    assert ten == two_hundred and ten_updates == two_hundred_updates, (ten, two_hundred, ten_updates,
                                                                       two_hundred_updates)
    assert two_hundred < 25


def test_changes_are_recorded_as_audit_diff_would_record_them(row, officer):
    run([row()], officer)
    stored = importing._existing_items(["DOH-PC-00412"])["DOH-PC-00412"]
    changed = importing._input_of(stored)
    changed.purchased_on, changed.confidentiality, changed.notes = date(2014, 1, 1), None, "Moved"

    fast = importing._changes(importing._audit_values(stored), importing._audit_values(changed))

    assert fast == audit.diff(audit.snapshot(stored, services.ASSET_AUDIT_FIELDS),
                              audit.snapshot(changed, services.ASSET_AUDIT_FIELDS))
    assert json.loads(audit.canonical_json(fast)) == fast


# --- dates written the South African or the US way (issue 21, part 3) ----------------------------


def test_sa_dates_are_read_day_first_and_us_dates_month_first_by_the_column(row, officer):
    sa_file = run([row(Tag="PC-1", **{"Purchase date": "31/03/2013"}),
                   row(Tag="PC-2", **{"Purchase date": "02/05/2013"})], officer, dry_run=True)
    assert sa_file.ok, sa_file.problems
    assert sa_file.date_readings["Purchase date"].decided_by == "31/03/2013"

    run([row(Tag="PC-3", **{"Purchase date": "03/31/2013"}), row(Tag="PC-4", **{"Purchase date": "02/05/2013"})],
        officer)

    assert item("PC-3").purchased_on == date(2013, 3, 31)
    assert item("PC-4").purchased_on == date(2013, 2, 5)  # month first, as PC-3's date shows


def test_a_date_column_written_both_ways_round_is_refused_naming_both(row, officer):
    report = run([row(Tag="PC-1", **{"Purchase date": "31/03/2013"}),
                  row(Tag="PC-2", **{"Purchase date": "03/31/2013"})], officer)

    [problem] = report.problems
    assert problem.column == "Purchase date"
    assert "“31/03/2013” has the day first and “03/31/2013” the month first" in problem.message
    assert [each.tag for each in items()] == ["DOH-SITE-TYG"]
