"""Files to import, built in the test: a CSV or a one-sheet workbook of a header and rows; and the
import pages' mapping step, as a browser fills it in (MappingFlow)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

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


# --- the mapping page ------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The values a browser would post from a page's mapping form (selected options, inputs)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.labels: dict[str, str] = {}  # field id -> label text
        self._select: str | None = None
        self._label_for: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("action", "").endswith("/import/mapping")
        if not self._in_form:
            return
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
            self.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "label":
            self._label_for = attrs.get("for")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "label":
            self._label_for = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data


def form_of(response) -> FormFields:
    parser = FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser


def word_field(form: FormFields, word: str) -> str:
    """The select of the mapping page for one of the file's words."""
    return next(name for name, label in form.labels.items() if name.startswith("word_") and f"“{word}”" in label)


def words_listed(response) -> set[str]:
    """The file's words the mapping page asks about, as it labels them: “Stock” (2 rows)."""
    return {label.strip() for name, label in form_of(response).labels.items() if name.startswith("word_")}


@dataclass
class MappingFlow:
    """One register's import pages with a file of another tool: upload, the mapping page, the preview."""

    client: Any  # the test client
    url: str  # the upload page: "/risks/import"
    headers: list[str]  # the register's columns in the mapping page's order (its ImportColumns' headers)

    def upload(self, data: bytes, filename: str):
        return self.client.post(self.url, data={"file": (io.BytesIO(data), filename)},
                                content_type="multipart/form-data")

    def post(self, page, columns: dict[str, str] | None = None, words: dict[str, str] | None = None, **extra):
        """Submit the mapping form of `page` with these column and word choices (the rest as it is)."""
        form = form_of(page)
        data = dict(form.fields)
        for header, source in (columns or {}).items():
            data[f"column_{self.headers.index(header)}"] = source
        for word, meant in (words or {}).items():
            data[word_field(form, word)] = meant
        data.update(extra)
        data.setdefault("check", "Check the import")
        return self.client.post(f"{self.url}/mapping", data=data)

    def listed(self, data: bytes, filename: str, columns: dict[str, str], source_name: str):
        """Upload a file of another tool and choose its columns: the page that lists their words."""
        page = self.upload(data, filename)
        assert "Say how to read" in page.get_data(as_text=True), page.get_data(as_text=True)[:2000]
        return self.post(page, columns, source_name=source_name, refresh="List the values of these columns")

    def confirm(self, preview):
        return self.client.post(f"{self.url}/confirm", data={"token": token_of(preview)})
