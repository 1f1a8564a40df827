"""CSV and XLSX downloads of tabular data, safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Response, current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from werkzeug.exceptions import ServiceUnavailable

from app.audit.actions import AuditAction
from app.common import transactions
from app.common.colours import text_colour_on
from app.common.timeutil import to_local

# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on the text of one cell.
XLSX_CELL_LIMIT = 32_767
TRUNCATION_NOTE = " [… cut: longer than an Excel cell holds; see the CSV export]"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 18
    # Optional background colour (hex "RRGGBB") for the cell, e.g. a risk band's colour; the text
    # is then black or white, whichever reads better on it, as on the pages.
    fill: Callable[[Any], str | None] | None = None


def plain_value(value: Any) -> Any:
    """Dates as ISO 8601 (datetimes in the organisation's zone), enums as their value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value
    return value


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_bytes(rows: Iterable[Any], columns: list[Column]) -> bytes:
    return b"".join(csv_chunks(rows, columns))


def csv_chunks(rows: Iterable[Any], columns: list[Column], rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """The CSV a few thousand rows at a time, for a file too long to hold whole (a year of the audit log)."""
    buffer = io.StringIO()
    # BOM so Excel opens UTF-8 (names like "Nkosazana Dlamini-Zuma") correctly.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in columns])
    for count, row in enumerate(rows, start=1):
        values = [plain_value(column.value(row)) for column in columns]
        writer.writerow([neutralise_formula(v) if isinstance(v, str) else v for v in values])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Iterable[Any], columns: list[Column], sheet_title: str) -> bytes:
    """Streamed (openpyxl write-only mode): rows go to the file as they come, and each style is
    made once, so 10,000 rows of 30 columns take seconds, not tens of seconds."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="123C4D")
    header_alignment = Alignment(vertical="top", wrap_text=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        header.append(cell)
    sheet.append(header)
    band_styles: dict[str, tuple[PatternFill, Font]] = {}
    row_count = 0
    for row in rows:
        row_count += 1
        sheet.append([_xlsx_cell(sheet, row, column, band_styles) for column in columns])
    if row_count:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{row_count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, row: Any, column: Column, band_styles: dict[str, tuple[PatternFill, Font]]):
    value = plain_value(column.value(row))
    if isinstance(value, str):
        # openpyxl refuses control characters (a typed sign-in address can hold one);
        # mark where they were rather than fail the whole download.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > XLSX_CELL_LIMIT:  # Excel refuses to open a longer cell
            value = value[: XLSX_CELL_LIMIT - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE
        if value.startswith(FORMULA_TRIGGERS) and _refused_as_formula(value):  # the cheap test first: most cells
            value = neutralise_formula(value)
    colour = column.fill(row) if column.fill else None
    if not colour and not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if colour:
        if colour not in band_styles:
            # The sheet's font and size, in black or white, whichever reads better on the fill.
            font = copy(DEFAULT_FONT)
            font.color = text_colour_on(colour).lstrip("#").upper()
            band_styles[colour] = (PatternFill("solid", fgColor=colour.lstrip("#").upper()), font)
        cell.fill, cell.font = band_styles[colour]
    return cell


def _refused_as_formula(text: str) -> bool:
    """Text Khusela's imports refuse as a formula even in a text cell ("=SUM(A1)", "+A1"): the
    workbook quotes it with an apostrophe, as the CSV does, and the import takes the apostrophe off,
    so a download imports back as the original text. Other text ("- a bullet") is left as it is."""
    from app.common.tabular import looks_like_formula  # tabular reads FORMULA_TRIGGERS from this module

    return looks_like_formula(text)


def export_response(rows: Iterable[Any], columns: list[Column], fmt: str, filename_stem: str) -> Response:
    if fmt == "csv":
        body, mimetype = csv_bytes(rows, columns), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = xlsx_bytes(rows, columns, filename_stem), XLSX_MIMETYPE
    else:
        raise ValueError(f"Unknown export format {fmt!r}; use csv or xlsx.")
    return Response(
        body,
        content_type=mimetype,  # as is: `mimetype=` would add a second "; charset=utf-8" to text/csv
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.{fmt}"'},
    )


def audited_export(
    rows: list[Any], columns: list[Column], fmt: str, filename_stem: str, *, entity_type: str, what: str
) -> Response:
    """Build the download, then record it in the audit log (downloads are audited like writes).

    The file is built before the commit: committing expires the loaded rows, and reading them
    afterwards would cost a query per row."""
    from app.audit import services as audit
    from app.extensions import db

    with _large_export_slot(len(rows)):
        response = export_response(rows, columns, fmt, filename_stem)
        audit.record(AuditAction.EXPORT, entity_type, None, summary=f"Exported {len(rows)} {what} as {fmt.upper()}")
        db.session.commit()
    return response


@contextmanager
def _large_export_slot(row_count: int) -> Iterator[None]:
    """Large downloads are built one at a time over every worker: a 100,000-row workbook takes a core
    for tens of seconds, and several at once would hold every gunicorn thread while sign-in and pages
    wait. Most downloads are small (below LARGE_EXPORT_ROWS) and go straight through."""
    if row_count < current_app.config["LARGE_EXPORT_ROWS"]:
        yield
        return
    lock_file = Path(current_app.instance_path) / "large-export.lock"
    with transactions.one_at_a_time(transactions.LARGE_EXPORT_LOCK, lock_file) as held:
        if not held:
            # 503 with Retry-After: the error page says Khusela is busy, and that nothing was lost.
            raise ServiceUnavailable(retry_after=30)
        yield
