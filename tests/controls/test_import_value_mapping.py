"""A provincial standard's control list (its own headers, types and frequencies): its unknown values
are mapped on the import page and remembered with its columns; the command line reads the next list
with the saved mapping (--mapping)."""

from __future__ import annotations

import sqlalchemy as sa

from app.controls.importing import COLUMNS
from app.controls.models import Control, ControlSource
from app.extensions import db
from tests.pages import text_of
from tests.tables import MappingFlow, csv_bytes, words_listed

HEADER = ["Control ID", "Control title", "Control type", "Frequency", "Annex A", "Clause owner"]


def controls() -> dict[str, Control]:
    return {control.reference: control for control in db.session.scalars(
        sa.select(Control).where(Control.source == ControlSource.INTERNAL))}


def test_a_standards_words_are_mapped_remembered_and_reported(app, client, login_as, tmp_path):
    officer = login_as("security_officer")
    flow = MappingFlow(client, "/controls/import", [column.header for column in COLUMNS])
    data = csv_bytes(HEADER, [["PICT-4.2", "Access reviews", "Directive", "Twice a year", "5.18", "CIO"],
                              ["PICT-4.3", "Log reviews", "Detective", "Semi-annually", "8.15", "CIO"]])

    listed = flow.listed(data, "standard.csv", {}, "Provincial standard")

    assert words_listed(listed) == {"“Directive” (1 row)", "“Twice a year” (1 row)"}  # Semi-annually is read
    preview = flow.post(listed, words={"Directive": "Preventive", "Twice a year": "Every six months"})
    assert preview.status_code == 200, text_of(preview)[:3000]
    flow.confirm(preview)
    found = controls()
    assert (found["PICT-4.2"].control_types, found["PICT-4.2"].frequency) == ("Preventive", "semi_annually")
    assert found["PICT-4.3"].frequency == "semi_annually"

    again = flow.upload(csv_bytes(HEADER, [["PICT-4.4", "Backups", "Directive", "Daily", "8.13", ""]]), "std-2.csv")
    assert "Read with the mapping for Provincial standard" in text_of(again) and "1 created" in text_of(again)

    refused = flow.upload(csv_bytes(HEADER, [["PICT-4.5", "Keys", "Directive", "Hourly", "8.24", ""]]), "std-3.csv")
    assert refused.status_code == 422 and "2 Operates “Hourly” is not one of" in text_of(refused)

    path = tmp_path / "std-4.csv"
    path.write_bytes(csv_bytes(HEADER, [["PICT-4.6", "Patching", "Directive", "Twice a year", "8.8", ""]]))
    result = app.test_cli_runner().invoke(args=["controls", "import", str(path), "--as", officer.email,
                                                "--mapping", "Provincial standard"])
    assert result.exit_code == 0, result.output
    assert controls()["PICT-4.6"].control_types == "Preventive"
