"""Reading an uploaded CSV or XLSX table, checked before anything looks at its values.

read_table() returns the rows keyed by the importer's own column headers, or raises TableError
with every problem it found, each naming the row and column a person can find in their file.
It refuses what an import must never guess about: a file that is not CSV or XLSX, text in
neither UTF-8 nor Windows-1252, formulas, unknown or missing columns, and more rows than the
importer accepts.

A file from another tool (GLPI, OCS Inventory, a spreadsheet someone keeps) is read through a
ColumnMapping instead: which of its columns feeds each of the importer's, which of its words
mean which of Khusela's, and how its dates are written (read_date, date_order).
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
from datetime import date, datetime
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
# A letter written in UTF-8 (two to four bytes): in a file that is not all UTF-8, a sign that it
# mixes encodings rather than being Windows-1252 throughout.
UTF8_SEQUENCE = re.compile(rb"[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}")
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


class HeaderError(TableError):
    """The file's headers are not the importer's: unknown, repeated or missing columns."""


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
    encoding: str = "UTF-8"  # of a CSV file: "UTF-8" or "Windows-1252"


@dataclass(frozen=True)
class ColumnMapping:
    """How a file whose headers are not Khusela's is read: for each importer column, the header of
    the file's column that feeds it (several may read the same one); for a column of fixed words,
    the file's word -> Khusela's (matched after key_of()); for a date column, "dmy" or "mdy"."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_orders: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"columns": self.columns, "values": self.values, "date_orders": self.date_orders}

    @classmethod
    def from_json(cls, stored: dict | None) -> ColumnMapping | None:
        if not stored:
            return None
        return cls(columns=dict(stored.get("columns") or {}), values=dict(stored.get("values") or {}),
                   date_orders=dict(stored.get("date_orders") or {}))

    @property
    def reads_headers(self) -> bool:
        """False for a file with Khusela's headers whose mapping only says how its dates are written."""
        return bool(self.columns)


def key_of(text: Any) -> str:
    """A cell's words for matching: spaces collapsed, case ignored."""
    return " ".join(str(text).split()).casefold()


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
               sheet_name: str | None = None, mapping: ColumnMapping | None = None) -> Table:
    raw_rows, encoding = _raw_rows(filename, data, sheet_name)
    table = _match_columns(raw_rows, columns, max_rows, mapping if mapping and mapping.reads_headers else None)
    table.encoding = encoding
    return table


def _raw_rows(filename: str, data: bytes, sheet_name: str | None
              ) -> tuple[Iterator[tuple[int, list[tuple[Any, bool]]]], str]:
    suffix = PurePath(filename or "").suffix.lower()
    if not data:
        raise TableError([Problem(None, None, "The file is empty.")])
    if suffix not in SUPPORTED_TYPES:
        raise TableError([Problem(None, None, _unsupported_type_message(suffix))])
    if suffix == ".xlsx":
        return _xlsx_rows(data, sheet_name), "UTF-8"
    text, encoding = _csv_text(data)
    return _csv_rows(text), encoding


@dataclass
class FileSample:
    """A file's own headers and cells, for choosing how to read it (the mapping page)."""

    headers: list[str]  # the file's non-blank headers, in its order
    rows: list[list[str]]  # each data row's cells as text, by position in `headers`
    encoding: str = "UTF-8"

    @property
    def signature(self) -> str:
        """The same for every export of one tool's layout: its headers, whatever their order or case."""
        return "|".join(sorted({normalised_header(header) for header in self.headers}))

    def first_values(self, header: str, most: int = 3) -> list[str]:
        index = self.headers.index(header)
        found: list[str] = []
        for row in self.rows:
            if row[index] and row[index] not in found:
                found.append(row[index])
                if len(found) == most:
                    break
        return found

    def values_of(self, header: str) -> list[str]:
        index = self.headers.index(header)
        return [row[index] for row in self.rows]


def read_sample(filename: str, data: bytes, *, max_rows: int, sheet_name: str | None = None) -> FileSample:
    """The file's headers and rows as text, read with the same checks as read_table() (type,
    encoding, header in row 1, row limit) but whatever its headers are."""
    raw_rows, encoding = _raw_rows(filename, data, sheet_name)
    iterator = iter(raw_rows)
    kept, headers = _sample_headers(_header_row(iterator))
    rows: list[list[str]] = []
    for _, cells in iterator:
        if all(_is_blank(value) for value, _ in cells):
            continue
        if len(rows) == max_rows:
            raise TableError([_too_many_rows(max_rows)])
        rows.append([_sample_text(cells[index][0]) if index < len(cells) else "" for index, _ in kept])
    return FileSample(headers, rows, encoding)


def read_headers(filename: str, data: bytes, sheet_name: str | None = None) -> FileSample:
    """The file's headers alone (no rows), as read_sample() gives them: enough for its signature
    when the rows are read by the import itself (the command line)."""
    raw_rows, encoding = _raw_rows(filename, data, sheet_name)
    _, headers = _sample_headers(_header_row(iter(raw_rows)))
    return FileSample(headers, [], encoding)


def _sample_headers(header_cells: list[tuple[Any, bool]]) -> tuple[list[tuple[int, str]], list[str]]:
    """(index, header) of the non-blank header cells, and the headers with a repeated one numbered."""
    kept = [(index, str(value).strip()) for index, (value, _) in enumerate(header_cells[:MOST_COLUMNS])
            if not _is_blank(value)]
    headers: list[str] = []
    seen: set[str] = set()
    for _, header in kept:
        headers.append(header if header not in seen else f"{header} ({len(headers) + 1})")
        seen.add(header)
    return kept, headers


def _sample_text(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _unsupported_type_message(suffix: str) -> str:
    if suffix in (".xls", ".xlsm", ".xlsb", ".ods"):
        return (f"Khusela reads .xlsx workbooks and .csv files, not {suffix}. Open the file in Excel or "
                "LibreOffice and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”.")
    named = f"a {suffix} file" if suffix else "a file without an extension"
    return f"This is {named}. Upload the register as .xlsx or .csv (download the template to start from)."


# --- CSV -----------------------------------------------------------------------------------------


def _csv_text(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (with or without a BOM), else Windows-1252, which
    Excel's “CSV (Comma delimited)” and older inventory tools write (Latin-1 is part of it)."""
    if data.startswith(XLSX_SIGNATURE):
        raise TableError([Problem(None, None, "This file is an Excel workbook named .csv. Rename it to .xlsx, or "
                                              "save it from Excel as “CSV UTF-8”.")])
    if b"\x00" in data:
        raise TableError([Problem(None, None, "This file is not text: it looks like a binary file renamed to .csv. "
                                              "Save the spreadsheet as “CSV UTF-8” or upload it as .xlsx.")])
    has_bom = data.startswith(codecs.BOM_UTF8)
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        byte = body[error.start]
        utf8_elsewhere = UTF8_SEQUENCE.search(body)
        if not utf8_elsewhere and not has_bom:
            try:
                return body.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                pass
        # UTF-8 beside other bytes (two files pasted together), or bytes Windows-1252 lacks: which
        # letters were meant cannot be known.
        raise TableError([Problem(line, None, (
            f"The file is not UTF-8 text: byte 0x{byte:02X} cannot be read"
            + (", and it is not Windows-1252 text either (it mixes in UTF-8 letters)" if utf8_elsewhere or
               has_bom else ", nor read as Windows-1252")
            + ". Open it in Excel or LibreOffice and save it as “CSV UTF-8 (Comma delimited)”, then upload it "
              "again."))]) from None


def _csv_rows(text: str) -> Iterator[tuple[int, list[tuple[Any, bool]]]]:
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
        raise HeaderError(problems)
    return by_index


def _header_row(iterator: Iterator[tuple[int, list[tuple[Any, bool]]]]) -> list[tuple[Any, bool]]:
    header_number, header_cells = next(((n, cells) for n, cells in iterator
                                        if any(not _is_blank(v) for v, _ in cells)), (None, None))
    if header_cells is None:
        raise TableError([Problem(None, None, "The file has no header row and no data.")])
    if header_number != 1:
        raise TableError([Problem(header_number, None, "Put the header row in row 1, with nothing above it.")])
    if len(header_cells) > MOST_COLUMNS and any(not _is_blank(v) for v, _ in header_cells[MOST_COLUMNS:]):
        raise TableError([Problem(1, None, f"The file has more than {MOST_COLUMNS} columns; use the template's.")])
    return header_cells


def _too_many_rows(max_rows: int) -> Problem:
    return Problem(None, None, f"The file has more than {max_rows:,} rows of data; Khusela imports at most "
                               f"{max_rows:,} at a time. Split it into smaller files.")


def _mapped_header_map(header_cells: list[tuple[Any, bool]], columns: list[TableColumn],
                       mapping: ColumnMapping) -> dict[int, list[TableColumn]]:
    """Index in the row -> the columns it feeds, as the mapping says; the file's other columns are left aside."""
    indexes = {normalised_header(value): index for index, (value, _) in reversed(list(enumerate(header_cells)))
               if not _is_blank(value)}
    by_index: dict[int, list[TableColumn]] = {}
    problems: list[Problem] = []
    for column in columns:
        source = mapping.columns.get(column.header)
        if not source:
            if column.required:
                problems.append(Problem(1, column.header, "Choose the file's column that gives this one: Khusela "
                                                          "needs it."))
            continue
        index = indexes.get(normalised_header(source))
        if index is None:
            problems.append(Problem(1, column.header, f"The mapping reads it from “{source}”, which this file "
                                                      "does not have: choose another column."))
            continue
        by_index.setdefault(index, []).append(column)
    if problems:
        raise HeaderError(problems)
    return by_index


def _match_columns(raw_rows: Iterable[tuple[int, list[tuple[Any, bool]]]], columns: list[TableColumn],
                   max_rows: int, mapping: ColumnMapping | None = None) -> Table:
    iterator = iter(raw_rows)
    header_cells = _header_row(iterator)
    by_index = (_mapped_header_map(header_cells, columns, mapping) if mapping is not None
                else {index: [column] for index, column in _header_map(header_cells, columns).items()})
    words = {header: {key_of(word): meant for word, meant in pairs.items()}
             for header, pairs in (mapping.values.items() if mapping is not None else ())}
    rows: list[TableRow] = []
    problems: list[Problem] = []
    for number, cells in iterator:
        if all(_is_blank(value) for value, _ in cells):
            continue
        if len(rows) == max_rows:
            raise TableError([_too_many_rows(max_rows)])
        row = TableRow(number)
        for index, (value, is_formula) in enumerate(cells):
            fed = by_index.get(index)
            if fed is None:
                if not _is_blank(value) and mapping is None:
                    problems.append(Problem(number, get_column_letter(index + 1),
                                            "This cell has a value but its column has no header."))
                continue
            if is_formula:
                problems.append(Problem(number, fed[0].header, "Formulas are not imported: replace the formula "
                                                               "with the value it should give."))
                continue
            for column in fed:
                row.values[column.header] = _meant(_unquoted(value), words.get(column.header))
        for fed in by_index.values():  # a short row (no trailing empty cells) still has every column
            for column in fed:
                row.values.setdefault(column.header, None)
        rows.append(row)
    if problems:
        raise TableError(problems[:MOST_PROBLEMS_LISTED])
    headers = [column.header for _, fed in sorted(by_index.items()) for column in fed]
    return Table(headers=headers, rows=rows)


def _meant(value: Any, words: dict[str, str] | None) -> Any:
    """The Khusela word a mapping gives for the file's word; any other value as it is."""
    if not words or _is_blank(value):
        return value
    return words.get(key_of(_sample_text(value)), value)


def _unquoted(value: Any) -> Any:
    """Khusela's own exports put an apostrophe before text that starts like a formula; take it off."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "".join(FORMULA_TRIGGERS):
        return value[1:]
    return value


# --- dates ---------------------------------------------------------------------------------------
# One reader for every importer's dates: ISO (2024-03-31), South African (31/03/2024, 31-03-2024,
# 31.03.2024, 31 March 2024) and US (03/31/2024, March 31, 2024). Whether 03/04/2024 is 3 April or
# 4 March is a property of the whole column, not of one cell: date_order() decides it from the
# column's values, and the person importing chooses when no value decides it.

DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
DATE_ORDERS = {DAY_FIRST: "Day first: 31/03/2024 (South Africa)",
               MONTH_FIRST: "Month first: 03/31/2024 (United States)"}
ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\S*)?$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$")
DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)\.?,?[ \-](\d{4})$")
MONTH_NAME_DAY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")
MONTHS = {name: number for number, names in enumerate((
    ("january", "jan", "januarie"), ("february", "feb", "februarie"), ("march", "mar", "maart", "mrt"),
    ("april", "apr"), ("may", "mei"), ("june", "jun", "junie"), ("july", "jul", "julie"),
    ("august", "aug", "augustus"), ("september", "sep", "sept"), ("october", "oct", "oktober", "okt"),
    ("november", "nov"), ("december", "dec", "desember", "des")), start=1) for name in names}


def read_date(value: Any, order: str = DAY_FIRST) -> date:
    """A date cell or text as a date, reading 03/04/2024 in `order` (a value over 12 in either place
    decides by itself); ValueError with a message for the person otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = " ".join(str(value).split())
    try:
        return _date_of_text(text, order)
    except (ValueError, KeyError):  # KeyError: a word that is no month
        raise ValueError(f"“{text}” is not a date; write it as YYYY-MM-DD, like 2024-03-31 (or DD/MM/YYYY, "
                         "like 31/03/2024).") from None


def _date_of_text(text: str, order: str) -> date:
    if match := ISO_DATE.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := NUMERIC_DATE.match(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        month_first = second > 12 or (first <= 12 and order == MONTH_FIRST)
        return date(year, first, second) if month_first else date(year, second, first)
    if match := DAY_MONTH_NAME.match(text):
        return date(int(match[3]), MONTHS[match[2].casefold()], int(match[1]))
    if match := MONTH_NAME_DAY.match(text):
        return date(int(match[3]), MONTHS[match[1].casefold()], int(match[2]))
    raise ValueError(text)


@dataclass(frozen=True)
class DateReading:
    """How a column's numeric dates read: `order` (DAY_FIRST or MONTH_FIRST), `decided_by` the value
    that decides it ("" when every value reads both ways), or `conflict` when the column has both
    a day over 12 first and one second."""

    order: str | None  # None: the column has no d/m/y or m/d/y dates, so nothing to decide
    decided_by: str = ""
    conflict: tuple[str, str] | None = None  # (a day-first value, a month-first value)

    @property
    def ambiguous(self) -> bool:
        return self.order is not None and not self.decided_by and self.conflict is None


def date_order(values: Iterable[Any]) -> DateReading:
    """Which way round the column's numeric dates are written (day first when nothing decides it)."""
    day_first = month_first = ""
    numeric = False
    for value in values:
        if isinstance(value, date) or value is None:
            continue
        match = NUMERIC_DATE.match(" ".join(str(value).split()))
        if not match:
            continue
        numeric = True
        first, second = int(match[1]), int(match[3])
        if first > 12 and second <= 12:
            day_first = day_first or match[0]
        elif second > 12 and first <= 12:
            month_first = month_first or match[0]
    if not numeric:
        return DateReading(None)
    if day_first and month_first:
        return DateReading(DAY_FIRST, conflict=(day_first, month_first))
    if month_first:
        return DateReading(MONTH_FIRST, decided_by=month_first)
    return DateReading(DAY_FIRST, decided_by=day_first)
