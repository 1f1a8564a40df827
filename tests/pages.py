"""Reading what a page shows (its text, a field's message, a download's rows) and what it wrote to
the audit log: the helpers every package's view tests share."""

from __future__ import annotations

import csv
import html
import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.audit.services import changes_of
from app.extensions import db


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def text_of(response) -> str:
    """What a person reads: tags dropped, runs of white space as one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def error_next_to(response, field_id: str) -> str:
    """The message shown under a field (the field macro's invalid-feedback element)."""
    match = re.search(rf'<div id="{field_id}-error" class="invalid-feedback[^"]*">(.*?)</div>',
                      response.get_data(as_text=True), re.S)
    assert match, f"no message next to {field_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def listed_emails(response) -> list[str]:
    """The e-mail column of the users table, in the order shown."""
    return re.findall(r"<td>([^<>\s]+@[^<>\s]+)</td>", response.get_data(as_text=True))


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def audit_entries(action: str | None = None, entity_type: str | None = None, entity_id=None) -> list[AuditEntry]:
    statement = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if entity_type:
        statement = statement.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == str(entity_id))
    return list(db.session.scalars(statement))


def only_entry(action: str, entity_type: str, entity_id=None) -> tuple[AuditEntry, dict]:
    entries = audit_entries(action, entity_type, entity_id)
    assert len(entries) == 1, f"expected one {action} {entity_type} entry, found {len(entries)}"
    return entries[0], changes_of(entries[0])


def sign_in(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def is_signed_in(client) -> bool:
    """Whether the client's session still opens the landing page."""
    response = client.get("/")
    return response.status_code == 200
