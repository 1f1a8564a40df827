"""CSV and XLSX downloads (app.common.export): safe against formula injection, readable in Excel."""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from app.common.export import XLSX_MIMETYPE, Column, csv_bytes, export_response, xlsx_bytes
from app.common.tabular import looks_like_formula


@dataclass
class Row:
    name: str
    when: datetime | None = None
    score: int = 0
    band: str | None = None


class Band(enum.Enum):
    HIGH = "high"


COLUMNS = [
    Column("Name", lambda r: r.name, 30),
    Column("When", lambda r: r.when, 22),
    Column("Score", lambda r: r.score, 8, fill=lambda r: r.band),
]

DANGEROUS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def read_xlsx(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def test_csv_starts_with_a_utf8_bom_and_keeps_names_intact(app):
    body = csv_bytes([Row("Nkosazana Dlamini-Zuma"), Row("Zoë Ngcobo")], COLUMNS)
    assert body.startswith(b"\xef\xbb\xbf")
    assert read_csv(body) == [["Name", "When", "Score"], ["Nkosazana Dlamini-Zuma", "", "0"], ["Zoë Ngcobo", "", "0"]]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_neutralises_formulas_with_a_leading_apostrophe(app, text):
    rows = read_csv(csv_bytes([Row(text)], COLUMNS))
    assert rows[1][0] == "'" + text


@pytest.mark.parametrize("text", ["Plain text", "1+1", "a=b", "mail@example.org", "'quoted"])
def test_csv_leaves_harmless_text_alone(app, text):
    assert read_csv(csv_bytes([Row(text)], COLUMNS))[1][0] == text


def test_numbers_are_not_mangled(app):
    rows = read_csv(csv_bytes([Row("n", score=-5)], COLUMNS))
    assert rows[1][2] == "-5"
    sheet = read_xlsx(xlsx_bytes([Row("n", score=-5)], COLUMNS, "Sheet"))
    assert sheet["C2"].value == -5


@pytest.mark.parametrize("text", DANGEROUS)
def test_xlsx_stores_formula_like_text_as_text(app, text):
    sheet = read_xlsx(xlsx_bytes([Row(text)], COLUMNS, "Sheet"))
    cell = sheet["A2"]
    assert cell.data_type == "s"
    # What the imports would refuse as a formula is quoted as in the CSV, so that they read it back.
    stored = "'" + text if looks_like_formula(text) else text
    assert cell.value == stored.replace("\r", "\n")  # XML turns a lone CR into LF


def test_xlsx_has_a_bold_frozen_header_and_column_widths(app):
    sheet = read_xlsx(xlsx_bytes([Row("a"), Row("b")], COLUMNS, "People"))
    assert sheet.title == "People"
    assert [cell.value for cell in sheet[1]] == ["Name", "When", "Score"]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [30, 22, 8]
    assert sheet.auto_filter.ref == "A1:C3"


def test_xlsx_fills_cells_of_a_column_with_a_fill(app):
    sheet = read_xlsx(xlsx_bytes([Row("a", band="#c00000"), Row("b", band=None)], COLUMNS, "Sheet"))
    assert sheet["C2"].fill.fgColor.rgb.endswith("C00000")
    assert sheet["C2"].fill.fill_type == "solid"
    assert sheet["C3"].fill.fill_type is None
    assert sheet["A2"].fill.fill_type is None


@pytest.mark.parametrize(("band", "text"), [
    ("#c62828", "FFFFFF"), ("#1b5e20", "FFFFFF"), ("#000000", "FFFFFF"),  # dark red, dark green, black
    ("#f9a825", "000000"), ("#ffeb3b", "000000"), ("#ffffff", "000000"),  # amber, yellow, white
])
def test_xlsx_text_on_a_filled_cell_is_black_or_white_whichever_reads_better(app, band, text):
    sheet = read_xlsx(xlsx_bytes([Row("a", score=20, band=band), Row("b")], COLUMNS, "Sheet"))
    assert sheet["C2"].font.color.rgb == "00" + text
    assert (sheet["C2"].font.name, sheet["C2"].font.sz) == (sheet["A2"].font.name, sheet["A2"].font.sz)
    # Unfilled cells keep the sheet's own text colour.
    assert sheet["A2"].font.color.type == sheet["C3"].font.color.type == "theme"


def test_long_sheet_title_is_cut_to_excels_limit(app):
    sheet = read_xlsx(xlsx_bytes([], COLUMNS, "x" * 40))
    assert sheet.title == "x" * 31
    assert sheet.max_row == 1


@pytest.mark.parametrize(("value", "expected"), [
    (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "2026-04-01T00:30:00+02:00"),
    (datetime(2026, 1, 5, 8, 0, 7, 123456, tzinfo=UTC), "2026-01-05T10:00:07+02:00"),
    (date(2026, 3, 31), "2026-03-31"),
    (Band.HIGH, "high"),
    (None, ""),
])
def test_values_are_written_as_iso_8601_in_the_organisations_zone(app, value, expected):
    columns = [Column("Value", lambda r: value)]
    assert read_csv(csv_bytes([object()], columns))[1] == [expected]
    sheet = read_xlsx(xlsx_bytes([object()], columns, "Sheet"))
    assert (sheet["A2"].value or "") == expected


def test_xlsx_download_survives_control_characters(app):
    # A sign-in attempt can put any typed text into the audit log, control characters included.
    sheet = read_xlsx(xlsx_bytes([Row("evil\x01@example.org\x1f")], COLUMNS, "Sheet"))
    assert sheet["A2"].value == "evil\ufffd@example.org\ufffd"


@pytest.mark.parametrize(("fmt", "mimetype"), [("csv", "text/csv; charset=utf-8"), ("xlsx", XLSX_MIMETYPE)])
def test_export_response_is_an_attachment(app, fmt, mimetype):
    response = export_response([Row("a")], COLUMNS, fmt, "khusela-things")
    assert response.mimetype == mimetype.split(";")[0]
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="khusela-things.{fmt}"'


def test_unknown_export_format_is_refused(app):
    with pytest.raises(ValueError, match="use csv or xlsx"):
        export_response([], COLUMNS, "pdf", "x")
