"""Import of the product lifecycle list from CSV or XLSX, all or nothing (app.common.imports).

A row whose product and version the list has (in any case, spaces collapsed) updates that product,
any other row adds one, so importing the same file twice changes nothing. On an update a column
the file does not have keeps its value, so a file of "Product, Version, End of support" corrects
dates without emptying sources and notes. Items without a date of their own take a product's new
date, as when it is edited in the form. The list's export can be imported again as it is: its
Items column is read and ignored.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.assets.products import services
from app.assets.products.models import Product
from app.assets.products.services import WEB_ADDRESS_MESSAGE, is_web_address
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.tabular import Problem, TableRow, read_date
from app.extensions import db

MAX_IMPORT_ROWS = 2_000
SHEET_NAME = "Products"
NOTE_LIMIT = 5_000  # as the form
NOT_ANNOUNCED = {"", "not announced", "unknown", "none", "n/a"}

TEMPLATE_COLUMNS = [
    ImportColumn("Product", "The product's name (at most 120 characters). With the version it identifies the "
                 "product: a product and version the list has (in any case) is updated, any other is added.",
                 "Microsoft Windows Server", required=True, aliases=("Product name", "Name", "Operating system")),
    ImportColumn("Version", "The product's version or release (at most 60 characters); may be empty.", "2016",
                 aliases=("Release",)),
    ImportColumn("End of support", "The vendor's end-of-support date as YYYY-MM-DD (or a date cell). Empty, or "
                 "“Not announced”: no date announced yet.", "2027-01-12",
                 aliases=("End of support date", "End of life", "EOL", "EOS"), date=True),
    ImportColumn("Source", "A web address (https://…) where the date can be checked; may be empty.",
                 "https://learn.microsoft.com/lifecycle/products/windows-server-2016", aliases=("Source URL", "URL")),
    ImportColumn("Note", "Anything worth knowing, like an edition or paid extended support.",
                 "Extended support; Azure Extended Security Updates available", aliases=("Notes", "Comment")),
]
# The list's export has this column too; reading it (and ignoring it) lets an export be imported again.
ITEMS_COLUMN = ImportColumn("Items", "Ignored: the list's export shows how many items use each product.", "3")
COLUMNS = [*TEMPLATE_COLUMNS, ITEMS_COLUMN]
FIELD_COLUMNS = {"name": "Product", "release": "Version", "end_of_support": "End of support", "source": "Source",
                 "note": "Note"}
INHERITING = "items inheriting the date"  # the change update_product reports beside the date


def import_products(filename: str, data: bytes, *, actor, dry_run: bool) -> ImportReport:
    return run_import(filename, data, columns=COLUMNS, sheet_name=SHEET_NAME, max_rows=MAX_IMPORT_ROWS,
                      what="products", entity_type="product",
                      apply_rows=lambda rows, report: _apply_rows(rows, report, actor), actor=actor,
                      dry_run=dry_run)


def _identity(name: str, release: str) -> tuple[str, str]:
    return key(name), key(release)


def _end_of_support(text: str, row: int, problems: list[Problem]) -> date | None:
    if text.casefold() in NOT_ANNOUNCED:
        return None
    try:
        return read_date(text)  # a numeric date was read the way round its column shows (run_import)
    except ValueError:
        problems.append(Problem(row, "End of support", f"“{text}” is not a date; write it as YYYY-MM-DD, like "
                                                       "2027-01-12, or leave it empty if none is announced."))
        return None


def _row_input(row: TableRow, existing: Product | None, problems: list[Problem]) -> services.ProductInput:
    """The row's values; on an update, what the file has no column for stays as it is."""

    def text(header: str, current: str = "") -> str:
        return cell_text(row.values[header]) if header in row.values else current

    data = services.ProductInput(
        name=" ".join(text("Product").split()), release=" ".join(text("Version").split()),
        end_of_support=existing.end_of_support if existing else None,
        source=text("Source", existing.source if existing else ""),
        note=text("Note", existing.note if existing else ""))
    if existing is not None:  # matched by name and version: keep how the list spells them
        data.name, data.release = existing.name, existing.release
    if "End of support" in row.values:
        data.end_of_support = _end_of_support(text("End of support"), row.number, problems)
    if "Source" in row.values and data.source and not is_web_address(data.source):
        problems.append(Problem(row.number, "Source", f"“{data.source[:80]}”: {WEB_ADDRESS_MESSAGE}"))
    if len(data.note) > NOTE_LIMIT:
        problems.append(Problem(row.number, "Note", f"Use at most {NOTE_LIMIT:,} characters."))
    return data


def _changed_columns(changes: dict) -> list[str]:
    """The columns whose values change, the date's saying how many items take it."""
    columns = sorted(FIELD_COLUMNS.get(name, name) for name in changes if name != INHERITING)
    inheriting = changes.get(INHERITING, [None, 0])[1]
    if inheriting:
        noun = "item takes" if inheriting == 1 else "items take"
        columns[columns.index("End of support")] = f"End of support ({inheriting} {noun} it)"
    return columns


def _apply_rows(rows: list[TableRow], report: ImportReport, actor) -> None:
    products = {_identity(product.name, product.release): product for product in db.session.scalars(sa.select(Product))}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        identity = _identity(cell_text(row.values.get("Product")), cell_text(row.values.get("Version")))
        problems: list[Problem] = []
        if identity in seen and identity[0]:
            problems.append(Problem(row.number, "Version", f"This product and version are also in row "
                                                           f"{seen[identity]}; a product can be in the file once."))
        seen.setdefault(identity, row.number)
        existing = products.get(identity)
        data = _row_input(row, existing, problems)
        if problems:
            report.problems.extend(problems)
            continue
        try:
            if existing is None:
                product = services.create_product(data, actor=actor)
                products[identity] = product
                report.outcomes.append(RowOutcome(row.number, product.name, product.release, "create"))
            else:
                changes = services.update_product(existing, data, expected_version=existing.version, actor=actor)
                report.outcomes.append(RowOutcome(row.number, existing.name, existing.release,
                                                  "update" if changes else "unchanged",
                                                  changed=_changed_columns(changes)))
        except services.AssetRuleError as error:
            report.problems.extend(Problem(row.number, FIELD_COLUMNS.get(name) if name else None, message)
                                   for name, message in error.problems)


# --- the template --------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(TEMPLATE_COLUMNS)


def template_xlsx() -> bytes:
    """A "Products" sheet to fill in and "Columns" saying what each column takes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    for index, (column, width) in enumerate(zip(TEMPLATE_COLUMNS, (32, 14, 16, 48, 60), strict=True), start=1):
        header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    imports.add_guide_sheet(workbook, TEMPLATE_COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
