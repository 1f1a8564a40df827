"""Reading an uploaded CSV or XLSX table, checked before anything looks at its values.

read_table() returns the rows keyed by the importer's own column headers, or raises TableError
with every problem it found, each naming the row and column a person can find in their file.
It refuses what an import must never guess about: a file that is not CSV or XLSX, text that is
not UTF-8, formulas, unknown or missing columns, and more rows than the importer accepts.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from app.common.export import FORMULA_TRIGGERS

SUPPORTED_TYPES = (".csv", ".xlsx")
XLSX_SIGNATURE = b"PK\x03\x04"
# A function call, cell reference or DDE link after a leading + - @ ("@SUM(A1)", "+A1",
# "-2+3+cmd|' /C calc'!A0"); "- Eskom (load shedding)!", "- bullet" or "+27 12 345 6789" are text.
FORMULA_AFTER_SIGN = re.compile(
    r"^\s*(?:[A-Za-z_][A-Za-z0-9_.]*\(|[A-Z][A-Z0-9_.]*\s+\(|\$?[A-Za-z]{1,3}\$?\d+\b|[\d\s+\-*/^.]*[A-Za-z_]\w*\|)")
MOST_COLUMNS = 100
MOST_PROBLEMS_LISTED = 200


@dataclass(frozen=True)
class Problem:
    row: int | None  # the row number as the spreadsheet shows it (the header is row 1)
    column: str | None  # the column's header, or its letter when it has none
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (
            f"row {self.row}" if self.row is not None else "",
            f"column “{self.column}”" if self.column else "",
        ) if part)
        return f"{where}: {self.message}" if where else self.message


class TableError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems[:5]))


@dataclass(frozen=True)
class TableColumn:
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class TableRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # by TableColumn.header; only columns in the file


@dataclass
class Table:
    headers: list[str]  # the TableColumn headers the file has, in the file's order
    rows: list[TableRow]


def normalised_header(text: str) -> str:
    """'Inherent  likelihood *', 'inherent_likelihood' and 'Inherent-Likelihood' all match."""
    return re.sub(r"[^a-z0-9]", "", str(text).casefold())


def looks_like_formula(text: str) -> bool:
    if not text or not text.startswith(FORMULA_TRIGGERS):
        return False
    if text[0] in "=\t\r":
        return True
    return bool(FORMULA_AFTER_SIGN.search(text[1:]))


def read_table(filename: str, data: bytes, columns: list[TableColumn], *, max_rows: int,
               sheet_name: str | None = None) -> Table:
    suffix = PurePath(filename or "").suffix.lower()
    if not data:
        raise TableError([Problem(None, None, "The file is empty.")])
    if suffix not in SUPPORTED_TYPES:
        raise TableError([Problem(None, None, _unsupported_type_message(suffix))])
    raw_rows = _xlsx_rows(data, sheet_name) if suffix == ".xlsx" else _csv_rows(data)
    return _match_columns(raw_rows, columns, max_rows)


def _unsupported_type_message(suffix: str) -> str:
    if suffix in (".xls", ".xlsm", ".xlsb", ".ods"):
        return (f"Khusela reads .xlsx workbooks and .csv files, not {suffix}. Open the file in Excel or "
                "LibreOffice and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”.")
    named = f"a {suffix} file" if suffix else "a file without an extension"
    return f"This is {named}. Upload the register as .xlsx or .csv (download the template to start from)."


# --- CSV -----------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[tuple[Any, bool]]]]:
    if data.startswith(XLSX_SIGNATURE):
        raise TableError([Problem(None, None, "This file is an Excel workbook named .csv. Rename it to .xlsx, or "
                                              "save it from Excel as “CSV UTF-8”.")])
    if b"\x00" in data:
        raise TableError([Problem(None, None, "This file is not text: it looks like a binary file renamed to .csv. "
                                              "Save the spreadsheet as “CSV UTF-8” or upload it as .xlsx.")])
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        byte = body[error.start]
        raise TableError([Problem(line, None, (
            f"The file is not UTF-8 text: byte 0x{byte:02X} cannot be read. This usually means it was saved as "
            "“CSV (Comma delimited)” in a Windows code page. Save it as “CSV UTF-8 (Comma delimited)” and "
            "upload it again."))]) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    record_start = 1
    try:
        # Counted in records, not lines: a quoted cell may span lines but is one spreadsheet row.
        for number, values in enumerate(reader, start=1):
            record_start = reader.line_num + 1
            yield number, [(value, looks_like_formula(value)) for value in values]
    except csv.Error as error:
        raise TableError([Problem(None, None, f"Line {record_start} of the CSV cannot be read ({error}). "
                                              "Check the quotes on that line.")]) from None


def _delimiter(text: str) -> str:
    """Excel writes ';' where the list separator is ';' (as in South African regional settings)."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))


# --- XLSX ----------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, sheet_name: str | None) -> Iterator[tuple[int, list[tuple[Any, bool]]]]:
    if not data.startswith(XLSX_SIGNATURE):
        raise TableError([Problem(None, None, "This file is named .xlsx but is not an Excel workbook. Save it "
                                              "from Excel as “Excel Workbook (.xlsx)”.")])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, ParseError, KeyError, ValueError, OSError):
        raise TableError([Problem(None, None, "The workbook cannot be opened: it is damaged or not an .xlsx "
                                              "file. Open it in Excel and save it again as .xlsx.")]) from None
    try:
        sheet = workbook[sheet_name] if sheet_name and sheet_name in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # read-only mode trusts the file's <dimension>, which some programs get wrong
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [_xlsx_cell(cell) for cell in row]
    except (ParseError, IndexError, KeyError, ValueError, zipfile.BadZipFile, EOFError, OSError):
        raise TableError([Problem(None, None, "The workbook cannot be opened: it is damaged or not an .xlsx "
                                              "file. Open it in Excel and save it again as .xlsx.")]) from None
    finally:
        workbook.close()


def _xlsx_cell(cell) -> tuple[Any, bool]:
    value = getattr(cell, "value", None)
    is_formula = getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and looks_like_formula(value))
    return value, is_formula


# --- matching columns ----------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_map(header_cells: list[tuple[Any, bool]], columns: list[TableColumn]) -> dict[int, TableColumn]:
    """Index in the row -> column, or TableError naming every unknown, repeated or missing header."""
    known: dict[str, TableColumn] = {}
    for each in columns:
        for name in (each.header, *each.aliases):
            known[normalised_header(name)] = each
    problems: list[Problem] = []
    by_index: dict[int, TableColumn] = {}
    seen: dict[str, str] = {}
    for index, (value, _) in enumerate(header_cells):
        if _is_blank(value):
            continue
        letter = get_column_letter(index + 1)
        column = known.get(normalised_header(value))
        if column is None:
            close = difflib.get_close_matches(str(value), [c.header for c in columns], n=1, cutoff=0.6)
            hint = f" Did you mean “{close[0]}”?" if close else " Use the headers of the template."
            problems.append(Problem(1, f"{letter}: {value}", f"Khusela has no column called “{value}”.{hint}"))
        elif column.header in seen:
            problems.append(Problem(1, f"{letter}: {value}", f"“{column.header}” appears twice (first in column "
                                                             f"{seen[column.header]}); keep one."))
        else:
            seen[column.header] = letter
            by_index[index] = column
    missing = [column.header for column in columns if column.required and column.header not in seen]
    if missing:
        problems.append(Problem(1, None, "The file has no " + ", ".join(f"“{name}”" for name in missing)
                                         + " column" + ("s" if len(missing) > 1 else "") + "; the template has them."))
    if problems:
        raise TableError(problems)
    return by_index


def _match_columns(raw_rows: Iterable[tuple[int, list[tuple[Any, bool]]]], columns: list[TableColumn],
                   max_rows: int) -> Table:
    iterator = iter(raw_rows)
    header_number, header_cells = next(((n, cells) for n, cells in iterator
                                        if any(not _is_blank(v) for v, _ in cells)), (None, None))
    if header_cells is None:
        raise TableError([Problem(None, None, "The file has no header row and no data.")])
    if header_number != 1:
        raise TableError([Problem(header_number, None, "Put the header row in row 1, with nothing above it.")])
    if len(header_cells) > MOST_COLUMNS and any(not _is_blank(v) for v, _ in header_cells[MOST_COLUMNS:]):
        raise TableError([Problem(1, None, f"The file has more than {MOST_COLUMNS} columns; use the template's.")])
    by_index = _header_map(header_cells, columns)
    rows: list[TableRow] = []
    problems: list[Problem] = []
    for number, cells in iterator:
        if all(_is_blank(value) for value, _ in cells):
            continue
        if len(rows) == max_rows:
            raise TableError([Problem(None, None, f"The file has more than {max_rows:,} rows of data; Khusela "
                                                  f"imports at most {max_rows:,} at a time. Split it into "
                                                  "smaller files.")])
        row = TableRow(number)
        for index, (value, is_formula) in enumerate(cells):
            column = by_index.get(index)
            if column is None:
                if not _is_blank(value):
                    problems.append(Problem(number, get_column_letter(index + 1),
                                            "This cell has a value but its column has no header."))
                continue
            if is_formula:
                problems.append(Problem(number, column.header, "Formulas are not imported: replace the formula with "
                                                               "the value it should give."))
                continue
            row.values[column.header] = _unquoted(value)
        for column in by_index.values():  # a short row (no trailing empty cells) still has every column
            row.values.setdefault(column.header, None)
        rows.append(row)
    if problems:
        raise TableError(problems[:MOST_PROBLEMS_LISTED])
    return Table(headers=[column.header for _, column in sorted(by_index.items())], rows=rows)


def _unquoted(value: Any) -> Any:
    """Khusela's own exports put an apostrophe before text that starts like a formula; take it off."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "".join(FORMULA_TRIGGERS):
        return value[1:]
    return value
