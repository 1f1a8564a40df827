"""Importing internal controls or a custom catalogue: all or nothing, update by catalogue and reference."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.controls import importing, services
from app.controls.models import Control, ControlSource
from app.extensions import db
from tests import factories
from tests.tables import csv_bytes

HEADER = ["Catalogue", "Reference", "Title", "Type", "Operates", "Implements", "Owner", "Department", "In use"]


def csv_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return csv_bytes(header, rows)


@pytest.fixture
def officer(app):
    factories.make_department("DOTP", "Department of the Premier")
    return factories.make_user("security_officer")


def row(**changes) -> list:
    values = {"Catalogue": "Provincial ICT Standard", "Reference": "PICT-4.2", "Title": "Quarterly access reviews",
              "Type": "Detective", "Operates": "Quarterly", "Implements": "5.15; A.5.18", "Owner": "",
              "Department": "DOTP", "In use": "Yes", **changes}
    return [values[header] for header in HEADER]


def run(rows, officer, *, dry_run=False, header=HEADER):
    return importing.import_controls("standard.csv", csv_file(rows, header), actor=officer, dry_run=dry_run)


def internal() -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.INTERNAL)
                                   .order_by(Control.sort_key)))


def test_a_custom_catalogue_is_imported_mapped_to_annex_a(officer):
    report = run([row(Owner=officer.email.upper()), row(Reference="PICT-10", Title="Encrypted laptops",
                                                        Type="preventive", Operates="Continuous",
                                                        Implements="8.24")], officer)

    assert report.ok, report.problems
    assert report.summary == "2 created, 0 updated, 0 unchanged"
    first, second = internal()
    assert (first.catalogue, first.reference, first.control_types, first.frequency) == (
        "Provincial ICT Standard", "PICT-4.2", "Detective", "quarterly")
    assert [annex.reference for annex in first.annex_a_controls] == ["5.15", "5.18"]
    assert first.owner_id == officer.id and first.department.code == "DOTP"
    assert second.reference == "PICT-10" and second.control_types == "Preventive"
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "control")).all()
    assert [entry.action for entry in entries] == ["create", "create", "import"]


def test_importing_again_updates_by_catalogue_and_reference(officer):
    run([row()], officer)

    again = run([row()], officer)
    changed = run([row(Title="Quarterly user access reviews", Implements="5.18", **{"In use": "No"})], officer)

    assert again.summary == "0 created, 0 updated, 1 unchanged"
    assert changed.summary == "0 created, 1 updated, 0 unchanged"
    assert changed.outcomes[0].changed == ["Implements", "In use", "Title"]
    [control] = internal()
    assert (control.title, control.active) == ("Quarterly user access reviews", False)


def test_one_bad_row_writes_nothing_and_names_each_row_and_column(officer):
    report = run([row(), row(Reference="PICT-5", Implements="5.38; A.12.6.1; 8.8"),
                  row(Reference="PICT-6", Type="Reactive", Operates="Hourly", Owner="nobody@example.gov.za",
                      Department="NOPE", **{"In use": "maybe"}),
                  row(Reference="PICT-7", Implements="", Title="")], officer)

    assert not report.ok and internal() == []
    found = {(problem.row, problem.column) for problem in report.problems}
    assert (3, "Implements") in found
    assert {(4, "Type"), (4, "Operates"), (4, "Owner"), (4, "Department"), (4, "In use")} <= found
    assert {(5, "Implements"), (5, "Title")} <= found
    message = next(p.message for p in report.problems if p.row == 3)
    assert "“5.38”, “12.6.1”" in message


def test_the_same_control_twice_in_a_file_and_the_annex_a_catalogue_are_refused(officer):
    report = run([row(), row(Reference="pict-4.2"), row(Catalogue="ISO/IEC 27001:2022 Annex A", Reference="5.99")],
                 officer)

    assert (3, "Reference") in {(p.row, p.column) for p in report.problems}
    assert [p.message for p in report.problems if p.row == 4] == [
        "ISO/IEC 27001:2022 Annex A has no control “5.99” (its controls are 5.1 to 8.34) and takes no new ones: put "
        "your own controls in a catalogue of your own."]
    assert internal() == []


def test_an_annex_a_row_keeps_the_standards_words_and_updates_what_the_organisation_keeps(officer):
    # As the catalogue's download gives it: the owner by name, the standard's title, Implements empty.
    annex = ["ISO/IEC 27001:2022 Annex A", "5.15", "Access control", "Preventive", "", "", officer.full_name, "DOTP",
             "yes"]
    renamed = [*annex[:2], "Our access control", *annex[3:]]

    updated = run([annex], officer)
    refused = run([renamed], officer)

    assert updated.summary == "0 created, 1 updated, 0 unchanged"
    control = services.annex_a_control("5.15")
    assert (control.owner, control.department.code, control.title) == (officer, "DOTP", "Access control")
    assert [str(p) for p in refused.problems] == [
        "row 2, column “Title”: Annex A 5.15 is “Access control” in the standard; its title cannot be changed. Put "
        "your own wording in the Description, or in a control of your own catalogue."]
    assert internal() == []


def test_a_dry_run_writes_nothing(officer):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    report = run([row()], officer, dry_run=True)

    assert report.ok and report.outcomes[0].action == "create"
    assert internal() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_the_catalogue_defaults_to_internal_and_matches_an_existing_name_whatever_its_case(officer):
    services.create_internal_control(services.ControlInput(
        reference="IC-001", title="Policy set", control_type="Preventive",
        annex_a_ids=[services.annex_a_control("5.1").id]), actor=officer)
    header = ["Catalogue", "Reference", "Title", "Type", "Implements"]

    report = run([["internal", "IC-001", "Policy set", "Preventive", "5.1"], ["", "IC-002", "Backups", "Corrective",
                                                                             "8.13"]], officer, header=header)

    assert report.summary == "1 created, 0 updated, 1 unchanged"
    assert {control.catalogue for control in internal()} == {"Internal"}


def test_the_xlsx_template_lists_the_columns_and_the_annex_a_references(app):
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))

    assert workbook.sheetnames == ["Controls", "Columns", "Annex A"]
    assert [cell.value for cell in workbook["Controls"][1]] == [column.header for column in importing.COLUMNS]
    assert workbook["Annex A"].max_row == 94 and workbook["Annex A"]["A2"].value == "5.1"


# --- the pages and the command line ------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "standard.csv"):
    return client.post("/controls/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_the_import_pages_check_preview_and_confirm(client, login_as, officer):
    login_as(officer)
    assert "Implements" in client.get("/controls/import").get_data(as_text=True)

    refused = upload(client, csv_file([row(Implements="9.1")]))
    preview = upload(client, csv_file([row()]))
    html = preview.get_data(as_text=True)
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    assert internal() == []
    done = client.post("/controls/import/confirm", data={"token": token})

    assert refused.status_code == 422 and "standard.csv: nothing was imported" in refused.get_data(as_text=True)
    assert preview.status_code == 200 and "1 created, 0 updated, 0 unchanged" in html
    assert done.status_code == 302 and done.headers["Location"] == "/controls?source=internal"
    assert [control.reference for control in internal()] == ["PICT-4.2"]


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager"])
def test_only_editors_import(client, login_as, role):
    login_as(role)

    assert client.get("/controls/import").status_code == 403
    assert client.post("/controls/import", data={}).status_code == 403


def test_the_templates_download(client, login_as, officer):
    login_as(officer)

    assert client.get("/controls/import/template.xlsx").data.startswith(b"PK")
    assert b"Catalogue,Reference,Title" in client.get("/controls/import/template.csv").data


def test_the_command_line_import(app, officer, tmp_path):
    path = tmp_path / "standard.csv"
    path.write_bytes(csv_file([row()]))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["controls", "import", str(path), "--as", officer.email, "--dry-run"])
    real = runner.invoke(args=["controls", "import", str(path), "--as", officer.email])
    path.write_bytes(csv_file([row(Implements="0.1")]))
    bad = runner.invoke(args=["controls", "import", str(path), "--as", officer.email])

    assert dry.exit_code == 0 and "Would import standard.csv: 1 created" in dry.output
    assert real.exit_code == 0 and "Imported standard.csv: 1 created" in real.output
    assert bad.exit_code == 1 and "row 2, column “Implements”" in bad.output
    assert runner.invoke(args=["controls", "import", str(path), "--as", "nobody@example.org"]).exit_code == 2
