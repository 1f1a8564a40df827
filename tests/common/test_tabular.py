"""Unit tests for app.common.tabular: reading an uploaded CSV or XLSX table for an import.

Plain functions, no database or Flask app: CSV files are built as bytes and XLSX files in memory with
openpyxl. Row numbers in problems follow the spreadsheet (the header is row 1).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from app.common import tabular
from app.common.export import neutralise_formula
from app.common.tabular import (
    MOST_COLUMNS,
    MOST_PROBLEMS_LISTED,
    Problem,
    Table,
    TableColumn,
    TableError,
    looks_like_formula,
    normalised_header,
    read_table,
)

COLUMNS = [
    TableColumn("Title", required=True, aliases=("Risk name",)),
    TableColumn("Owner", required=True),
    TableColumn("Inherent likelihood", aliases=("Likelihood",)),
    TableColumn("Score"),
    TableColumn("Due date"),
]


# --- helpers -------------------------------------------------------------------------------------


def csv_file(*lines: str, newline: str = "\r\n", bom: bool = False) -> bytes:
    """A UTF-8 CSV file of the given lines (Excel ends lines with CRLF)."""
    return (("\ufeff" if bom else "") + newline.join(lines) + newline).encode("utf-8")


def xlsx_file(rows: list[list], title: str = "Risks", *, other_sheets: dict[str, list[list]] | None = None,
              other_sheets_first: bool = False) -> bytes:
    """An XLSX workbook with `rows` on a sheet called `title` (and optionally other sheets)."""
    workbook = Workbook()
    main = workbook.active
    main.title = title
    for row in rows:
        main.append(row)
    for name, sheet_rows in (other_sheets or {}).items():
        sheet = workbook.create_sheet(name, 0 if other_sheets_first else None)
        for row in sheet_rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_file(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_sheet_xml(xlsx: bytes, change) -> bytes:
    """The workbook with the first sheet's XML replaced by change(xml); change may return None to drop it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    files = {}
    for name in source.namelist():
        content = source.read(name)
        if name == "xl/worksheets/sheet1.xml":
            content = change(content)
        if content is not None:
            files[name] = content
    return zip_file(files)


def read(filename: str, data: bytes, columns: list[TableColumn] | None = None, *, max_rows: int = 100,
         sheet_name: str | None = None) -> Table:
    return read_table(filename, data, COLUMNS if columns is None else columns, max_rows=max_rows,
                      sheet_name=sheet_name)


def problems(filename: str, data: bytes, columns: list[TableColumn] | None = None, *, max_rows: int = 100,
             sheet_name: str | None = None) -> list[Problem]:
    with pytest.raises(TableError) as caught:
        read(filename, data, columns, max_rows=max_rows, sheet_name=sheet_name)
    return caught.value.problems


def only_problem(filename: str, data: bytes, columns: list[TableColumn] | None = None, **kwargs) -> Problem:
    found = problems(filename, data, columns, **kwargs)
    assert len(found) == 1, found
    return found[0]


def values(table: Table) -> list[tuple[int, dict]]:
    return [(row.number, row.values) for row in table.rows]


# --- Problem and TableError ----------------------------------------------------------------------


def test_problem_str_names_row_and_column():
    assert str(Problem(3, "Title", "Give it a title.")) == "row 3, column “Title”: Give it a title."


def test_problem_str_with_only_a_row_or_only_a_column():
    assert str(Problem(3, None, "Odd row.")) == "row 3: Odd row."
    assert str(Problem(None, "B", "Odd column.")) == "column “B”: Odd column."


def test_problem_str_without_row_or_column_is_the_message():
    assert str(Problem(None, None, "The file is empty.")) == "The file is empty."


def test_table_error_keeps_every_problem_and_shows_the_first_five():
    found = [Problem(row, "Title", f"problem {row}") for row in range(2, 10)]
    error = TableError(found)
    assert error.problems == found
    assert str(error) == "; ".join(str(problem) for problem in found[:5])
    assert "problem 7" not in str(error)


# --- normalised_header ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Inherent likelihood", "Inherent  likelihood *", "inherent_likelihood",
                                  "Inherent-Likelihood", " INHERENT LIKELIHOOD ", "Inherent likelihood:"])
def test_normalised_header_ignores_case_spaces_and_punctuation(text):
    assert normalised_header(text) == "inherentlikelihood"


def test_normalised_header_of_a_number():
    assert normalised_header(2024) == "2024"


# --- file types ----------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["register.xls", "register.xlsm", "register.ods", "register.xlsb", "REG.XLS"])
def test_other_spreadsheet_formats_get_the_save_as_xlsx_advice(filename):
    problem = only_problem(filename, b"anything")
    assert problem.row is None and problem.column is None
    suffix = filename.rsplit(".", 1)[1].lower()
    assert f"not .{suffix}" in problem.message
    assert "Excel Workbook (.xlsx)" in problem.message
    assert "CSV UTF-8" in problem.message


@pytest.mark.parametrize(("filename", "named"), [
    ("register.txt", "a .txt file"),
    ("register.pdf", "a .pdf file"),
    ("register", "a file without an extension"),
    ("", "a file without an extension"),
])
def test_other_files_are_refused_with_the_template_advice(filename, named):
    problem = only_problem(filename, b"Title,Owner\r\n")
    assert problem.row is None and problem.column is None
    assert named in problem.message
    assert ".xlsx or .csv" in problem.message
    assert "template" in problem.message
    assert "Excel Workbook" not in problem.message


@pytest.mark.parametrize("filename", ["register.csv", "register.xlsx", "register.pdf"])
def test_empty_file_is_refused(filename):
    problem = only_problem(filename, b"")
    assert problem == Problem(None, None, problem.message)
    assert "empty" in problem.message


def test_extensions_are_matched_case_insensitively():
    assert values(read("REGISTER.CSV", csv_file("Title,Owner", "Load shedding,Thandi"))) == [
        (2, {"Title": "Load shedding", "Owner": "Thandi"})]
    assert values(read("Register.XLSX", xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]]))) == [
        (2, {"Title": "Load shedding", "Owner": "Thandi"})]


# --- CSV: reading ----------------------------------------------------------------------------------


def test_csv_rows_are_keyed_by_the_column_header():
    table = read("register.csv", csv_file("Title,Owner,Score", "Load shedding,Thandi,12", "Data breach,Sipho,20"))
    assert table.headers == ["Title", "Owner", "Score"]
    assert values(table) == [
        (2, {"Title": "Load shedding", "Owner": "Thandi", "Score": "12"}),
        (3, {"Title": "Data breach", "Owner": "Sipho", "Score": "20"}),
    ]


def test_csv_values_are_strings_and_blank_cells_are_empty_strings():
    table = read("register.csv", csv_file("Title,Owner,Score", "Load shedding,Thandi,"))
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Score": ""}


def test_csv_only_columns_in_the_file_are_in_the_values():
    table = read("register.csv", csv_file("Title,Owner", "Load shedding,Thandi"))
    assert table.headers == ["Title", "Owner"]
    assert set(table.rows[0].values) == {"Title", "Owner"}


def test_csv_header_matching_ignores_case_spaces_and_punctuation():
    table = read("register.csv", csv_file("  TITLE * ,owner,inherent_likelihood,DUE-DATE",
                                          "Load shedding,Thandi,4,2025-01-31"))
    assert table.headers == ["Title", "Owner", "Inherent likelihood", "Due date"]
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Inherent likelihood": "4",
                                    "Due date": "2025-01-31"}


def test_csv_header_accepts_aliases():
    table = read("register.csv", csv_file("Risk name,Owner,likelihood", "Load shedding,Thandi,4"))
    assert table.headers == ["Title", "Owner", "Inherent likelihood"]
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Inherent likelihood": "4"}


def test_csv_columns_in_any_order():
    table = read("register.csv", csv_file("Score,Owner,Title", "12,Thandi,Load shedding"))
    assert table.headers == ["Score", "Owner", "Title"]
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Score": "12"}


def test_csv_with_utf8_bom():
    table = read("register.csv", csv_file("Title,Owner", "Café opening hours,Nkosazana Dlamini-Zuma", bom=True))
    assert table.headers == ["Title", "Owner"]
    assert values(table) == [(2, {"Title": "Café opening hours", "Owner": "Nkosazana Dlamini-Zuma"})]


def test_csv_with_lf_line_endings():
    table = read("register.csv", csv_file("Title,Owner", "Load shedding,Thandi", newline="\n"))
    assert values(table) == [(2, {"Title": "Load shedding", "Owner": "Thandi"})]


def test_csv_semicolon_delimited_as_excel_writes_with_south_african_settings():
    table = read("register.csv", csv_file("Title;Owner;Score", "Load shedding, stage 6;Thandi;12,5", bom=True))
    assert table.headers == ["Title", "Owner", "Score"]
    assert values(table) == [(2, {"Title": "Load shedding, stage 6", "Owner": "Thandi", "Score": "12,5"})]


def test_csv_tab_delimited():
    table = read("register.csv", csv_file("Title\tOwner\tScore", "Load shedding, stage 6\tThandi\t12"))
    assert values(table) == [(2, {"Title": "Load shedding, stage 6", "Owner": "Thandi", "Score": "12"})]


def test_csv_quoted_cell_spanning_lines_is_one_row():
    table = read("register.csv", csv_file(
        "Title,Owner",
        '"Load shedding\nStage 6 and up\nlasting days",Thandi',
        "Data breach,Sipho",
    ))
    assert values(table) == [
        (2, {"Title": "Load shedding\nStage 6 and up\nlasting days", "Owner": "Thandi"}),
        (3, {"Title": "Data breach", "Owner": "Sipho"}),
    ]


def test_csv_quoted_cells_with_delimiters_and_doubled_quotes():
    table = read("register.csv", csv_file("Title,Owner", '"Fraud, ""ghost"" employees",Thandi'))
    assert table.rows[0].values == {"Title": 'Fraud, "ghost" employees', "Owner": "Thandi"}


def test_csv_blank_rows_are_skipped_but_later_row_numbers_match_the_spreadsheet():
    table = read("register.csv", csv_file(
        "Title,Owner",    # row 1
        "",               # row 2: empty line
        "Load shedding,Thandi",  # row 3
        ",",              # row 4: empty cells
        "  ,   ",         # row 5: only spaces
        "Data breach,Sipho",     # row 6
    ))
    assert values(table) == [
        (3, {"Title": "Load shedding", "Owner": "Thandi"}),
        (6, {"Title": "Data breach", "Owner": "Sipho"}),
    ]


def test_csv_trailing_blank_lines_are_ignored():
    table = read("register.csv", csv_file("Title,Owner", "Load shedding,Thandi", "", "", ",,"))
    assert values(table) == [(2, {"Title": "Load shedding", "Owner": "Thandi"})]


def test_csv_blank_header_cells_after_the_last_column_are_ignored():
    # Excel often writes trailing separators for formatted but empty columns.
    table = read("register.csv", csv_file("Title,Owner,,", "Load shedding,Thandi,,"))
    assert table.headers == ["Title", "Owner"]
    assert values(table) == [(2, {"Title": "Load shedding", "Owner": "Thandi"})]


# --- CSV: files that cannot be read ---------------------------------------------------------------


def test_csv_in_windows_1252_is_read_as_such():
    # Excel's "CSV (Comma delimited)" on a South African Windows: é is the single byte 0xE9, the
    # Rand sign's neighbour € is 0x80 (a byte Latin-1 lacks but Windows-1252 has).
    data = "Title,Owner\r\nLoad shedding,Thandi\r\nCafé – €5,Zoë\r\n".encode("cp1252")
    table = read("register.csv", data)
    assert values(table)[1] == (3, {"Title": "Café – €5", "Owner": "Zoë"})
    assert table.encoding == "Windows-1252"
    assert read("register.csv", csv_file("Title,Owner", "Café,Zoë")).encoding == "UTF-8"


def test_csv_mixing_utf8_and_windows_1252_is_refused_naming_the_line():
    data = "Title,Owner\r\nCafé,Sipho\r\n".encode() + "Zoë,Thandi\r\n".encode("cp1252")
    problem = only_problem("register.csv", data)
    assert problem.row == 3
    assert problem.column is None
    assert "not UTF-8" in problem.message and "0xEB" in problem.message
    assert "mixes in UTF-8 letters" in problem.message
    assert "CSV UTF-8" in problem.message


def test_csv_with_a_bom_and_windows_1252_bytes_is_refused():
    problem = only_problem("register.csv", codecs.BOM_UTF8 + "Titel é,Owner\r\n".encode("cp1252"))
    assert problem.row == 1
    assert "CSV UTF-8" in problem.message


def test_csv_with_bytes_windows_1252_lacks_is_refused():
    problem = only_problem("register.csv", b"Title,Owner\r\nLoad \x81 shedding,Thandi\r\n")
    assert problem.row == 2 and "0x81" in problem.message and "nor read as Windows-1252" in problem.message


def test_csv_with_nul_bytes_is_not_text():
    problem = only_problem("register.csv", b"Title,Owner\r\nLoad\x00 shedding,Thandi\r\n")
    assert problem.row is None and problem.column is None
    assert "not text" in problem.message
    assert "CSV UTF-8" in problem.message


def test_csv_in_utf16_is_not_text():
    # Excel's "Unicode Text" is UTF-16: full of NUL bytes.
    problem = only_problem("register.csv", "Title\tOwner\r\nLoad shedding\tThandi\r\n".encode("utf-16"))
    assert "not text" in problem.message


def test_xlsx_named_csv_is_refused():
    # Which message it gets is checked in test_bug_xlsx_named_csv_gets_the_rename_advice below.
    problem = only_problem("register.csv", xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]]))
    assert problem.row is None and problem.column is None
    assert ".xlsx" in problem.message


def test_zip_signature_without_nul_bytes_named_csv_gets_the_rename_advice():
    problem = only_problem("register.csv", b"PK\x03\x04Title,Owner\r\n")
    assert problem.row is None and problem.column is None
    assert "Excel workbook named .csv" in problem.message
    assert "Rename it to .xlsx" in problem.message
    assert "CSV UTF-8" in problem.message


def test_csv_malformed_quoting_is_refused_naming_the_line():
    # strict=True: a quote followed by more text before the delimiter is an error.
    problem = only_problem("register.csv", csv_file("Title,Owner", "Load shedding,Thandi", '"Data" breach,Sipho'))
    assert problem.row is None and problem.column is None
    assert "Line 3 of the CSV cannot be read" in problem.message
    assert "Check the quotes" in problem.message


def test_csv_malformed_quoting_in_a_semicolon_file():
    problem = only_problem("register.csv", csv_file("Title;Owner", '"Data" breach;Sipho'))
    assert "Line 2 of the CSV cannot be read" in problem.message
    assert "';' expected" in problem.message


def test_csv_stray_quote_inside_an_unquoted_cell_is_read_as_text():
    # The csv module only objects to quotes that open a cell; this one is kept as it stands.
    table = read("register.csv", csv_file("Title,Owner", 'The 5" pipe bursts,Thandi'))
    assert table.rows[0].values == {"Title": 'The 5" pipe bursts', "Owner": "Thandi"}


def test_csv_unclosed_quote_is_refused():
    problem = only_problem("register.csv", csv_file("Title,Owner", '"Load shedding,Thandi', "Data breach,Sipho"))
    assert problem.row is None and problem.column is None
    assert "cannot be read" in problem.message
    assert "unexpected end of data" in problem.message
    assert "Check the quotes" in problem.message


# --- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_keeps_numbers_and_dates_as_python_values():
    table = read("register.xlsx", xlsx_file([
        ["Title", "Owner", "Inherent likelihood", "Score", "Due date"],
        ["Load shedding", "Thandi", 4, 12.5, date(2025, 1, 31)],
        ["Data breach", "Sipho", 2, 6, datetime(2025, 3, 1, 9, 30)],
    ]))
    assert table.headers == ["Title", "Owner", "Inherent likelihood", "Score", "Due date"]
    first, second = table.rows
    assert first.number == 2
    assert first.values == {"Title": "Load shedding", "Owner": "Thandi", "Inherent likelihood": 4, "Score": 12.5,
                            "Due date": datetime(2025, 1, 31)}
    assert type(first.values["Inherent likelihood"]) is int
    assert type(first.values["Score"]) is float
    # openpyxl reads every date cell back as a datetime (midnight for a plain date).
    assert isinstance(first.values["Due date"], datetime)
    assert second.number == 3
    assert second.values["Due date"] == datetime(2025, 3, 1, 9, 30)
    assert type(second.values["Score"]) is int


def test_xlsx_empty_cells_are_none():
    table = read("register.xlsx", xlsx_file([["Title", "Owner", "Score"], ["Load shedding", "Thandi", None]]))
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Score": None}


def test_xlsx_header_matching_aliases_and_order():
    table = read("register.xlsx", xlsx_file([["owner", "LIKELIHOOD", "Risk name"], ["Thandi", 3, "Load shedding"]]))
    assert table.headers == ["Owner", "Inherent likelihood", "Title"]
    assert table.rows[0].values == {"Title": "Load shedding", "Owner": "Thandi", "Inherent likelihood": 3}


def test_xlsx_blank_rows_are_skipped_but_later_row_numbers_match_the_spreadsheet():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Owner"])
    sheet["A3"] = "Load shedding"
    sheet["B3"] = "Thandi"
    sheet["A4"] = "   "  # only spaces: blank
    sheet["A6"] = "Data breach"
    sheet["B6"] = "Sipho"
    table = read("register.xlsx", workbook_bytes(workbook))
    assert values(table) == [
        (3, {"Title": "Load shedding", "Owner": "Thandi"}),
        (6, {"Title": "Data breach", "Owner": "Sipho"}),
    ]


def test_xlsx_reads_the_named_sheet():
    data = xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]], title="Risks",
                     other_sheets={"Instructions": [["Read me first"]]}, other_sheets_first=True)
    table = read("register.xlsx", data, sheet_name="Risks")
    assert values(table) == [(2, {"Title": "Load shedding", "Owner": "Thandi"})]


def test_xlsx_reads_the_first_sheet_without_a_sheet_name():
    data = xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]], title="Register",
                     other_sheets={"Lists": [["Title", "Owner"], ["Other", "Sipho"]]})
    assert values(read("register.xlsx", data)) == [(2, {"Title": "Load shedding", "Owner": "Thandi"})]


def test_xlsx_reads_the_first_sheet_when_the_named_sheet_is_missing():
    data = xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]], title="Sheet1",
                     other_sheets={"Lists": [["Title", "Owner"], ["Other", "Sipho"]]})
    assert values(read("register.xlsx", data, sheet_name="Risks")) == [
        (2, {"Title": "Load shedding", "Owner": "Thandi"})]


def test_xlsx_that_is_not_a_zip():
    problem = only_problem("register.xlsx", b"Title,Owner\r\nLoad shedding,Thandi\r\n")
    assert problem.row is None and problem.column is None
    assert "named .xlsx but is not an Excel workbook" in problem.message
    assert "Excel Workbook (.xlsx)" in problem.message


@pytest.mark.parametrize("data", [
    pytest.param(b"PK\x03\x04" + b"not really a zip" * 10, id="signature-and-junk"),
    pytest.param(zip_file({"notes.txt": b"hello"}), id="zip-with-one-text-file"),
    pytest.param(zip_file({"[Content_Types].xml": b"<Types/>"}), id="zip-with-only-content-types"),
])
def test_zip_that_is_not_a_workbook_cannot_be_opened(data):
    problem = only_problem("register.xlsx", data)
    assert problem.row is None and problem.column is None
    assert "cannot be opened" in problem.message
    assert "save it again as .xlsx" in problem.message


def test_xlsx_formula_cell_is_refused_at_its_row_and_column():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Score", "Owner"])
    sheet.append(["Load shedding", None, "Thandi"])
    sheet["B2"] = "=1+1"
    problem = only_problem("register.xlsx", workbook_bytes(workbook))
    assert problem.row == 2
    assert problem.column == "Score"
    assert "Formulas are not imported" in problem.message
    assert "value it should give" in problem.message


def test_xlsx_text_cell_starting_with_equals_is_refused():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Owner"])
    sheet["A2"] = "=HYPERLINK(\"http://x.example\",\"click\")"
    sheet["A2"].data_type = "s"  # stored as text, not as a formula
    sheet["B2"] = "Thandi"
    data = workbook_bytes(workbook)
    stored = load_workbook(io.BytesIO(data))
    assert stored.active["A2"].data_type == "s"  # the test really exercises the text path
    problem = only_problem("register.xlsx", data)
    assert (problem.row, problem.column) == (2, "Title")
    assert "Formulas are not imported" in problem.message


def test_xlsx_text_that_only_looks_like_a_bullet_or_phone_number_is_kept():
    table = read("register.xlsx", xlsx_file([["Title", "Owner"], ["- no offline backups", "+27 12 345 6789"]]))
    assert table.rows[0].values == {"Title": "- no offline backups", "Owner": "+27 12 345 6789"}


def test_xlsx_negative_number_is_a_number_not_a_formula():
    table = read("register.xlsx", xlsx_file([["Title", "Owner", "Score"], ["Load shedding", "Thandi", -5]]))
    assert table.rows[0].values["Score"] == -5


# --- headers ---------------------------------------------------------------------------------------


def test_csv_header_not_in_row_one():
    problem = only_problem("register.csv", csv_file("", "Title,Owner", "Load shedding,Thandi"))
    assert problem.row == 2
    assert problem.column is None
    assert "header row in row 1" in problem.message


def test_xlsx_header_not_in_row_one():
    workbook = Workbook()
    sheet = workbook.active
    sheet["A3"] = "Title"
    sheet["B3"] = "Owner"
    sheet["A4"] = "Load shedding"
    problem = only_problem("register.xlsx", workbook_bytes(workbook))
    assert problem.row == 3
    assert "header row in row 1" in problem.message


def test_unknown_header_names_column_letter_and_suggests_a_near_miss():
    problem = only_problem("register.csv", csv_file("Owner,Titel", "Thandi,Load shedding"),
                           [TableColumn("Title"), TableColumn("Owner", required=True)])
    assert problem.row == 1
    assert problem.column == "B: Titel"
    assert "no column called “Titel”" in problem.message
    assert "Did you mean “Title”?" in problem.message


def test_unknown_header_without_a_near_miss_points_to_the_template():
    problem = only_problem("register.csv", csv_file("Title,Owner,Colour of the sky", "Load shedding,Thandi,blue"))
    assert problem.row == 1
    assert problem.column == "C: Colour of the sky"
    assert "no column called “Colour of the sky”" in problem.message
    assert "Did you mean" not in problem.message
    assert "headers of the template" in problem.message


def test_every_unknown_header_is_listed():
    found = problems("register.xlsx", xlsx_file([["Title", "Ower", "Owner", "Extra"], ["a", "b", "c", "d"]]))
    assert [(problem.row, problem.column) for problem in found] == [(1, "B: Ower"), (1, "D: Extra")]
    assert "Did you mean “Owner”?" in found[0].message


def test_same_column_twice_is_refused():
    problem = only_problem("register.csv", csv_file("Title,Owner,title", "a,b,c"))
    assert problem.row == 1
    assert problem.column == "C: title"
    assert "“Title” appears twice" in problem.message
    assert "first in column A" in problem.message
    assert "keep one" in problem.message


def test_same_column_twice_via_an_alias_is_refused():
    problem = only_problem("register.csv", csv_file("Owner,Title,Risk name", "a,b,c"))
    assert problem.row == 1
    assert problem.column == "C: Risk name"
    assert "“Title” appears twice (first in column B)" in problem.message


def test_missing_required_columns_are_listed_in_one_problem():
    problem = only_problem("register.csv", csv_file("Score,Due date", "12,2025-01-31"))
    assert problem.row == 1
    assert problem.column is None
    assert "no “Title”, “Owner” columns" in problem.message
    assert "the template has them" in problem.message


def test_one_missing_required_column_is_singular():
    problem = only_problem("register.csv", csv_file("Title,Score", "Load shedding,12"))
    assert "no “Owner” column;" in problem.message


def test_unknown_repeated_and_missing_headers_are_all_reported_together():
    found = problems("register.csv", csv_file("Title,Titel,title", "a,b,c"))
    assert [(problem.row, problem.column) for problem in found] == [(1, "B: Titel"), (1, "C: title"), (1, None)]
    assert "Did you mean “Title”?" in found[0].message
    assert "appears twice" in found[1].message
    assert "no “Owner” column" in found[2].message


def test_optional_columns_may_be_missing():
    table = read("register.csv", csv_file("Title,Owner", "Load shedding,Thandi"))
    assert table.headers == ["Title", "Owner"]


def test_more_than_most_columns_headers():
    columns = [TableColumn(f"Column {number}") for number in range(1, MOST_COLUMNS + 2)]
    header = ",".join(column.header for column in columns)
    problem = only_problem("register.csv", csv_file(header, ",".join("x" * len(columns))), columns)
    assert problem.row == 1
    assert problem.column is None
    assert f"more than {MOST_COLUMNS} columns" in problem.message


def test_exactly_most_columns_headers_are_accepted():
    columns = [TableColumn(f"Column {number}") for number in range(1, MOST_COLUMNS + 1)]
    header = ",".join(column.header for column in columns)
    table = read("register.csv", csv_file(header, ",".join(str(n) for n in range(MOST_COLUMNS))), columns)
    assert len(table.headers) == MOST_COLUMNS
    assert table.rows[0].values[f"Column {MOST_COLUMNS}"] == str(MOST_COLUMNS - 1)


def test_blank_trailing_header_cells_beyond_most_columns_do_not_count():
    table = read("register.csv", csv_file("Title,Owner" + "," * (MOST_COLUMNS + 20), "Load shedding,Thandi"))
    assert table.headers == ["Title", "Owner"]


def test_value_in_a_column_without_header():
    found = problems("register.csv", csv_file("Title,,Owner", "Load shedding,,Thandi", "Data breach,oops,Sipho",
                                              "Fraud,,Lindiwe,extra"))
    assert [(problem.row, problem.column) for problem in found] == [(3, "B"), (4, "D")]
    assert all("has a value but its column has no header" in problem.message for problem in found)


def test_xlsx_value_in_a_column_without_header():
    problem = only_problem("register.xlsx", xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi", "note"]]))
    assert (problem.row, problem.column) == (2, "C")
    assert "no header" in problem.message


@pytest.mark.parametrize(("filename", "data"), [
    pytest.param("register.csv", b"\r\n\r\n", id="csv-blank-lines"),
    pytest.param("register.csv", b" , \r\n", id="csv-blank-cells"),
    pytest.param("register.xlsx", xlsx_file([]), id="xlsx-empty-sheet"),
])
def test_no_header_and_no_data(filename, data):
    problem = only_problem(filename, data)
    assert problem.row is None and problem.column is None
    assert "no header row and no data" in problem.message


@pytest.mark.parametrize(("filename", "data"), [
    pytest.param("register.csv", csv_file("Title,Owner"), id="csv"),
    pytest.param("register.csv", b"Title,Owner", id="csv-without-final-newline"),
    pytest.param("register.xlsx", xlsx_file([["Title", "Owner"]]), id="xlsx"),
])
def test_header_only_is_a_table_without_rows(filename, data):
    table = read(filename, data)
    assert table == Table(headers=["Title", "Owner"], rows=[])


# --- formulas --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "=1+1",
    '=HYPERLINK("http://evil.example","Click")',
    "=",
    "@SUM(A1:A2)",
    "+A1",
    "-A1",
    "-$B$2",
    "+SUM (A1:A2)",
    "-2+3+cmd|' /C calc'!A0",
    "@cmd|'/C calc'!A0",
    "\t=1",
    "\tanything",
    "\r",
    "\rtext",
])
def test_looks_like_formula(text):
    assert looks_like_formula(text) is True


@pytest.mark.parametrize("text", [
    "- no offline backups",
    "- Urgent!",
    "- Eskom (load shedding)",
    "+27 12 345 6789",
    "+27 (0)12 345 6789",
    "-5",
    "-12.5%",
    "+",
    "-",
    "@home office",
    "plain",
    "",
    "email@x.org",
    "a=b",
    " =1+1",
    "'=1+1",
])
def test_does_not_look_like_formula(text):
    assert looks_like_formula(text) is False


def test_csv_formula_cell_is_refused_at_its_row_and_column():
    problem = only_problem("register.csv", csv_file("Title,Owner", "=1+1,Thandi"))
    assert (problem.row, problem.column) == (2, "Title")
    assert "Formulas are not imported" in problem.message


def test_csv_all_formula_problems_are_collected():
    found = problems("register.csv", csv_file(
        "Title,Owner,Score",
        "Load shedding,Thandi,12",                   # row 2: fine
        '"=HYPERLINK(""http://x.example"")",Sipho,3',  # row 3: formula in Title
        "Data breach,Lindiwe,4",                      # row 4: fine
        "Fraud,@SUM(A1:A2),-2+3+cmd|' /C calc'!A0",   # row 5: formulas in Owner and Score
        "- bullet text,+27 12 345 6789,-5",           # row 6: fine
    ))
    assert [(problem.row, problem.column) for problem in found] == [(3, "Title"), (5, "Owner"), (5, "Score")]
    assert all("Formulas are not imported" in problem.message for problem in found)


def test_formula_and_headerless_value_problems_are_collected_in_row_order():
    found = problems("register.csv", csv_file("Title,Owner", "=1,Thandi,note", "Fine,+A1"))
    assert [(problem.row, problem.column) for problem in found] == [(2, "Title"), (2, "C"), (3, "Owner")]


def test_at_most_most_problems_listed_are_returned():
    lines = ["Title,Owner"] + ["=1+1,Thandi"] * (MOST_PROBLEMS_LISTED + 50)
    found = problems("register.csv", csv_file(*lines), max_rows=10_000)
    assert len(found) == MOST_PROBLEMS_LISTED
    assert found[0].row == 2
    assert found[-1].row == MOST_PROBLEMS_LISTED + 1


# --- Khusela's own exports: apostrophe before formula-like text ------------------------------------


def test_exported_apostrophe_before_a_bullet_is_taken_off():
    assert neutralise_formula("- bullet") == "'- bullet"
    table = read("register.csv", csv_file("Title,Owner", "'- bullet,'+27 12 345 6789"))
    assert table.rows[0].values == {"Title": "- bullet", "Owner": "+27 12 345 6789"}


def test_exported_apostrophe_before_equals_is_text_not_a_formula():
    # The raw cell "'=x" does not start with a formula trigger, so it is not refused; the apostrophe
    # Khusela's export added is then taken off, giving back the text "=x".
    assert looks_like_formula("'=x") is False
    table = read("register.csv", csv_file("Title,Owner", "'=x,'@home"))
    assert table.rows[0].values == {"Title": "=x", "Owner": "@home"}


def test_exported_text_round_trips_through_neutralise_formula():
    texts = ["=SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "+A1", "- bullet"]
    lines = ["Title,Owner"] + [f'"{neutralise_formula(text)}",Thandi' for text in texts]
    table = read("register.csv", csv_file(*lines))
    assert [row.values["Title"] for row in table.rows] == texts


def test_other_apostrophes_are_kept():
    table = read("register.csv", csv_file("Title,Owner", "'quoted',O'Brien", "',Sipho"))
    assert [row.values for row in table.rows] == [
        {"Title": "'quoted'", "Owner": "O'Brien"},
        {"Title": "'", "Owner": "Sipho"},
    ]


def test_xlsx_apostrophe_text_is_taken_off_too():
    table = read("register.xlsx", xlsx_file([["Title", "Owner"], ["'=x", "'- bullet"]]))
    assert table.rows[0].values == {"Title": "=x", "Owner": "- bullet"}


# --- row limit -------------------------------------------------------------------------------------


def test_exactly_max_rows_is_fine():
    table = read("register.csv", csv_file("Title,Owner", "a,1", "b,2", "c,3"), max_rows=3)
    assert [row.number for row in table.rows] == [2, 3, 4]


def test_blank_rows_do_not_count_towards_max_rows():
    table = read("register.csv", csv_file("Title,Owner", "a,1", "", "b,2", ",", "c,3", ""), max_rows=3)
    assert [row.number for row in table.rows] == [2, 4, 6]


def test_more_than_max_rows_is_one_problem_saying_split_the_file():
    problem = only_problem("register.csv", csv_file("Title,Owner", "a,1", "b,2", "c,3", "d,4"), max_rows=3)
    assert problem.row is None and problem.column is None
    assert "more than 3 rows" in problem.message
    assert "at most 3" in problem.message
    assert "Split it into smaller files" in problem.message


def test_more_than_max_rows_in_xlsx():
    rows = [["Title", "Owner"]] + [[f"Risk {n}", "Thandi"] for n in range(4)]
    problem = only_problem("register.xlsx", xlsx_file(rows), max_rows=3)
    assert "more than 3 rows" in problem.message


def test_row_limit_problem_replaces_the_row_problems_found_before_it():
    problem = only_problem("register.csv", csv_file("Title,Owner", "=1,1", "b,2", "c,3"), max_rows=2)
    assert "more than 2 rows" in problem.message


def test_huge_csv_is_refused_without_reading_every_row(monkeypatch):
    calls = 0
    real = tabular.looks_like_formula

    def counting(text):
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(tabular, "looks_like_formula", counting)
    data = b"Title,Owner\r\n" + b"Load shedding,Thandi\r\n" * 100_001
    problem = only_problem("register.csv", data, max_rows=10_000)
    assert "more than 10,000 rows" in problem.message
    assert "at most 10,000" in problem.message
    # The reader stops at the first row past the limit: header + 10,001 rows of two cells each.
    assert calls <= 2 * (1 + 10_001 + 1)


# --- damaged and unusual files ------------------------------------------------------------------


def test_not_utf8_after_a_bom_names_the_right_byte_and_line():
    # _csv_rows decodes with "utf-8-sig", whose UnicodeDecodeError.start counts from after the BOM,
    # but the line and byte are then looked up in the data with the BOM: 3 bytes early.
    data = b"\xef\xbb\xbfTitle,Owner\r\n\xe9t\xe9,Thandi\r\n"
    problem = only_problem("register.csv", data)
    assert problem.row == 2
    assert "0xE9" in problem.message


def test_unclosed_quote_names_the_line_where_the_quote_opens():
    # reader.line_num is the line the reader had reached (the end of the file), not the line with the quote.
    problem = only_problem("register.csv", csv_file(
        "Title,Owner", '"Load shedding,Thandi', "Data breach,Sipho", "Fraud,Lindiwe", "Theft,Zanele"))
    assert "Line 2 of the CSV" in problem.message


def test_nul_byte_after_the_first_8_kib_is_refused_too():
    # Only data[:8192] is searched for NUL; a NUL later reaches the values (PostgreSQL refuses it in text).
    data = b"Title,Owner\r\n" + b"Load shedding,Thandi\r\n" * 1_000 + b"Data\x00 breach,Sipho\r\n"
    with pytest.raises(TableError) as caught:
        read("register.csv", data, max_rows=10_000)
    assert any("not text" in problem.message for problem in caught.value.problems)


def test_xlsx_with_an_understated_dimension_loses_no_rows_or_columns():
    # Read-only openpyxl trusts the sheet's <dimension ref>; some programs write a stale one. Rows and
    # columns outside it are then silently dropped unless the sheet's dimensions are reset.
    data = xlsx_file([["Title", "Owner", "Score"], ["Load shedding", "Thandi", 12], ["Data breach", "Sipho", 20]])
    data = with_sheet_xml(data, lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:B2"/>', xml))
    table = read("register.xlsx", data)
    assert table.headers == ["Title", "Owner", "Score"]
    assert values(table) == [
        (2, {"Title": "Load shedding", "Owner": "Thandi", "Score": 12}),
        (3, {"Title": "Data breach", "Owner": "Sipho", "Score": 20}),
    ]


@pytest.mark.parametrize("change", [
    pytest.param(lambda xml: xml[: len(xml) // 2], id="truncated-sheet-xml"),
    pytest.param(lambda xml: b"<worksheet garbage", id="garbage-sheet-xml"),
    pytest.param(lambda xml: None, id="sheet-part-missing"),
])
def test_damaged_sheet_inside_a_workbook_is_a_table_error(change):
    # load_workbook(read_only=True) does not parse the sheets; errors while iterating the rows
    # (xml ParseError, IndexError for a workbook without a worksheet) escape read_table.
    data = with_sheet_xml(xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]]), change)
    problem = only_problem("register.xlsx", data)
    assert "cannot be opened" in problem.message


def test_xlsx_named_csv_gets_the_rename_advice():
    # _csv_rows looks for NUL bytes before it looks for the XLSX signature, and every real .xlsx (a zip)
    # has NUL bytes in its first local file header, so the "named .csv" message is never given.
    data = xlsx_file([["Title", "Owner"], ["Load shedding", "Thandi"]])
    assert data.startswith(b"PK\x03\x04") and b"\x00" in data[:30]
    problem = only_problem("register.csv", data)
    assert "Excel workbook named .csv" in problem.message
    assert "Rename it to .xlsx" in problem.message


def test_short_csv_row_still_has_every_column_of_the_file():
    # A CSV row without its trailing empty cells (hand-edited or written by another program) leaves those
    # columns out of TableRow.values, so the importer's `header in row.values` treats them as columns the
    # file does not have (keep Khusela's value) instead of empty cells (clear it) as for "a,b,".
    table = read("register.csv", csv_file("Title,Owner,Score", "Load shedding,Thandi", "Data breach,Sipho,"))
    short, full = table.rows
    assert full.values == {"Title": "Data breach", "Owner": "Sipho", "Score": ""}
    assert "Score" in short.values
    assert not short.values["Score"]


# --- dates (issue 21, part 3) --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2024-03-31", tabular.DAY_FIRST, date(2024, 3, 31)),
    ("2024/03/31", tabular.MONTH_FIRST, date(2024, 3, 31)),
    ("2024-03-31 10:15:02", tabular.DAY_FIRST, date(2024, 3, 31)),  # OCS Inventory's MySQL datetime
    ("31/03/2024", tabular.MONTH_FIRST, date(2024, 3, 31)),  # a day over 12 decides by itself
    ("31-03-2024 10:15", tabular.DAY_FIRST, date(2024, 3, 31)),  # GLPI with the DD-MM-YYYY preference
    ("31.03.2024", tabular.DAY_FIRST, date(2024, 3, 31)),
    ("03/31/2024", tabular.DAY_FIRST, date(2024, 3, 31)),  # US, decided by the 31
    ("3/31/2024 2:30 PM", tabular.DAY_FIRST, date(2024, 3, 31)),
    ("03/04/2024", tabular.DAY_FIRST, date(2024, 4, 3)),
    ("03/04/2024", tabular.MONTH_FIRST, date(2024, 3, 4)),
    ("31 March 2024", tabular.MONTH_FIRST, date(2024, 3, 31)),
    ("31 Mar 2024", tabular.DAY_FIRST, date(2024, 3, 31)),
    ("1st Sept 2024", tabular.DAY_FIRST, date(2024, 9, 1)),
    ("31 Maart 2024", tabular.DAY_FIRST, date(2024, 3, 31)),
    ("March 31, 2024", tabular.DAY_FIRST, date(2024, 3, 31)),
    (datetime(2024, 3, 31, 10, 15), tabular.DAY_FIRST, date(2024, 3, 31)),
    (date(2024, 3, 31), tabular.MONTH_FIRST, date(2024, 3, 31)),
])
def test_read_date_reads_iso_sa_and_us_dates(text, order, expected):
    assert tabular.read_date(text, order) == expected


@pytest.mark.parametrize("text", ["31/13/2024", "2024-02-30", "yesterday", "31 Smarch 2024", "03/04/24", "2024"])
def test_read_date_refuses_what_is_no_date_saying_how_to_write_one(text):
    with pytest.raises(ValueError, match=r"is not a date; write it as YYYY-MM-DD, like 2024-03-31 \(or DD/MM/YYYY"):
        tabular.read_date(text)


def test_date_order_is_decided_by_a_value_over_12_in_either_place():
    day_first = tabular.date_order(["03/04/2024", "", None, "17/11/2014", "2024-01-02"])
    assert (day_first.order, day_first.decided_by, day_first.ambiguous) == ("dmy", "17/11/2014", False)
    month_first = tabular.date_order(["03/04/2024", "11/17/2014"])
    assert (month_first.order, month_first.decided_by, month_first.ambiguous) == ("mdy", "11/17/2014", False)


def test_date_order_of_a_column_that_reads_both_ways_is_ambiguous_and_day_first():
    reading = tabular.date_order(["03/04/2024", "11/02/2016", "05-12-2020"])
    assert reading.ambiguous and reading.order == "dmy" and reading.conflict is None


def test_date_order_names_a_column_written_both_ways_round():
    reading = tabular.date_order(["17/11/2014", "11/17/2014"])
    assert reading.conflict == ("17/11/2014", "11/17/2014") and not reading.ambiguous


def test_date_order_of_iso_or_date_cells_has_nothing_to_decide():
    assert tabular.date_order(["2024-03-31", date(2024, 3, 31), "", None]).order is None


# --- reading through a column mapping (issue 21, part 3) -----------------------------------------


def test_a_mapping_reads_the_files_columns_into_the_importers_and_leaves_the_rest_aside():
    data = csv_file('"Name";"Entity";"Responsible";"Stage"', '"Load shedding, stage 6";"Root";"Thandi";"Stock"',
                    bom=True)
    mapping = tabular.ColumnMapping(columns={"Title": "name", "Owner": "Responsible", "Score": "Stage",
                                             "Due date": "Name"},
                                    values={"Score": {"STOCK": "In store"}})

    table = read_table("glpi.csv", data, COLUMNS, max_rows=10, mapping=mapping)

    # The BOM is not part of the first header; quoted commas stay in the cell; one file column may
    # feed two of the importer's; the file's word is read as the mapping says (case ignored).
    assert values(table) == [(2, {"Title": "Load shedding, stage 6", "Due date": "Load shedding, stage 6",
                                  "Owner": "Thandi", "Score": "In store"})]
    assert table.headers == ["Title", "Due date", "Owner", "Score"]


def test_a_mapping_names_a_column_the_file_lacks_and_a_required_column_left_out():
    mapping = tabular.ColumnMapping(columns={"Title": "Risk", "Score": "Rating"})

    with pytest.raises(tabular.HeaderError) as caught:  # the import pages show the mapping again
        read_table("register.csv", csv_file("Risk,Owner name", "Load shedding,Thandi"), COLUMNS, max_rows=10,
                   mapping=mapping)

    found = caught.value.problems
    assert [(p.row, p.column) for p in found] == [(1, "Owner"), (1, "Score")]
    assert "Choose the file's column" in found[0].message
    assert "“Rating”, which this file does not have" in found[1].message


def test_the_file_sample_lists_headers_first_values_and_a_signature_that_ignores_order_and_case():
    sample = tabular.read_sample("a.csv", csv_file("Name;Status;Name", "PC-1;Stock;x", "PC-2;;y", "PC-3;Stock;z"),
                                 max_rows=10)
    assert sample.headers == ["Name", "Status", "Name (3)"]
    assert sample.first_values("Status") == ["Stock"] and sample.values_of("Name") == ["PC-1", "PC-2", "PC-3"]
    other = tabular.read_sample("b.csv", csv_file("status,NAME", "In use,PC-9"), max_rows=10)
    assert tabular.read_sample("c.csv", csv_file("Status,Name"), max_rows=10).signature == other.signature
