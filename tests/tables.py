"""Files to import, built in the test: a CSV or a one-sheet workbook of a header and rows."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def csv_bytes(header: list[str], rows: list[list], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list], sheet_title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def staged_files(app) -> list:
    """The files an import has staged between its preview and its confirmation."""
    from pathlib import Path

    folder = Path(app.config["STAGING_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


def token_of(response) -> str:
    """The staged file's token in an import preview page."""
    html = response.get_data(as_text=True)
    marker = 'name="token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start: html.index('"', start)]
