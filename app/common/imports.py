"""What every all-or-nothing import shares: its columns and report, the transaction around the
rows, the template's header and guide, and the web flow (check -> preview -> confirm).

A part's importing.py says which columns it reads and how one row becomes a call of its
services; run_import() reads the file (app.common.tabular), applies every row in one
transaction, records the import in the audit log, and commits only when every row is good and
this is not a dry run. The pages stage the checked file (app.common.staging) so that "Import"
applies exactly the file that was previewed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import click
import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from wtforms import HiddenField

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.auth.permissions import permission_required
from app.common import staging
from app.common.export import XLSX_MIMETYPE
from app.common.tabular import MOST_PROBLEMS_LISTED, Problem, TableColumn, TableError, TableRow, read_table
from app.extensions import db


@dataclass(frozen=True)
class ImportColumn:
    header: str
    meaning: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def table_column(self) -> TableColumn:
        return TableColumn(self.header, self.required, self.aliases)


@dataclass
class RowOutcome:
    row: int
    reference: str
    title: str
    action: str  # "create", "update" or "unchanged"
    changed: list[str] = field(default_factory=list)  # column headers whose values change


@dataclass
class ImportReport:
    filename: str
    sha256: str
    dry_run: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What the import does not stop for but the person should see before confirming (a register's
    # computed rating that is not likelihood × impact): shown on the preview, kept in the audit entry.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def warnings_count(self) -> str:
        return f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"

    @property
    def summary(self) -> str:
        return (f"{self.count('create')} created, {self.count('update')} updated, "
                f"{self.count('unchanged')} unchanged")


def run_import(filename: str, data: bytes, *, columns: list[ImportColumn], sheet_name: str, max_rows: int,
               what: str, entity_type: str, apply_rows: Callable[[list[TableRow], ImportReport], None], actor: User,
               dry_run: bool) -> ImportReport:
    """Read, check and apply the whole file in one transaction; `apply_rows` adds an outcome or
    problems per row through the services (which do not commit)."""
    report = ImportReport(filename=filename, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)
    try:
        table = read_table(filename, data, [column.table_column() for column in columns], max_rows=max_rows,
                           sheet_name=sheet_name)
    except TableError as error:
        report.problems = error.problems
        return report
    if not table.rows:
        report.problems = [Problem(None, None, f"The file has a header row but no {what} under it.")]
        return report
    try:
        apply_rows(table.rows, report)
        if report.ok:
            warned = f"; {report.warnings_count}" if report.warnings else ""
            audit.record(AuditAction.IMPORT, entity_type, None, actor=actor, summary=(
                f"Imported {filename} ({report.summary}{warned}; SHA-256 {report.sha256[:16]}…)")[:300],
                changes={"warnings": [str(warning) for warning in capped(report.warnings, "warnings")]}
                if report.warnings else None)
    except Exception:
        db.session.rollback()
        raise
    if report.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    report.problems = capped(report.problems)
    report.warnings = capped(report.warnings, "warnings")
    return report


def capped(problems: list[Problem], what: str = "problems") -> list[Problem]:
    if len(problems) <= MOST_PROBLEMS_LISTED:
        return problems
    more = len(problems) - MOST_PROBLEMS_LISTED
    return [*problems[:MOST_PROBLEMS_LISTED], Problem(None, None, f"… and {more} more {what} like these.")]


def report_import(report: ImportReport, filename: str) -> None:
    """Print what the command-line import did, or its problems and exit 1."""
    if not report.ok:
        click.echo(f"{filename}: nothing imported. Fix these problems and run the import again:", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    for warning in report.warnings:
        click.echo(f"  warning: {warning}")
    for outcome in report.outcomes:
        detail = f" ({', '.join(outcome.changed)})" if outcome.changed else ""
        click.echo(f"  row {outcome.row:>5}  {outcome.action:<9}  {outcome.reference:<16} {outcome.title}{detail}")
    verb = "Would import" if report.dry_run else "Imported"
    click.echo(f"{verb} {filename}: {report.summary}." + (" Nothing was written (dry run)." if report.dry_run else ""))


# --- reading cells -------------------------------------------------------------------------------


def key(text: str) -> str:
    """For matching names: spaces collapsed, case ignored."""
    return " ".join(text.split()).casefold()


def cell_text(value: Any) -> str:
    """A cell as text: 4.0 -> "4", a date cell -> "2027-03-31"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class Accounts:
    """Every account by sign-in e-mail and by full name, loaded once for an import: an owner's cell
    may give either (a register's own download names owners by name)."""

    def __init__(self) -> None:
        self.by_email: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for user in db.session.scalars(sa.select(User)):
            self.by_email[user.email.casefold()] = user
            self.by_name.setdefault(key(user.full_name), []).append(user)

    def find(self, text: str, current: User | None = None) -> tuple[User | None, str]:
        """(the account, "") or (None, what is wrong). An e-mail address names any account, and the
        record's `current` owner is kept by name even when inactive (whether an inactive account may
        stay is the services' rule); otherwise the name must be one active account's."""
        if text.casefold() in self.by_email:
            return self.by_email[text.casefold()], ""
        named = self.by_name.get(key(text), [])
        if current is not None and current in named:
            return current, ""
        active = [user for user in named if user.active]
        if len(active) == 1:
            return active[0], ""
        if active:
            return None, f"{len(active)} accounts are called “{text}”: give the sign-in e-mail address instead."
        return None, (f"No active user signs in as or is called “{text}”. Create the account first, or leave the "
                      "cell empty.")


# --- the template --------------------------------------------------------------------------------


def template_csv(columns: list[ImportColumn]) -> bytes:
    """The header row alone; the import page and the XLSX template document the columns."""
    return ("\ufeff" + ",".join(column.header for column in columns) + "\r\n").encode("utf-8")


def lists_sheet(workbook, lists: dict[str, list[str]], width: int) -> dict[str, str]:
    """A "Lists" sheet of a template: a column per list of allowed values (stored as text), and
    each list's cell range, for the drop-down checks on the sheet to fill in."""
    sheet = workbook.create_sheet("Lists")
    ranges = {}
    for index, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        header_cell(sheet, 1, index, name)
        sheet.column_dimensions[letter].width = width
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=index, value=value).data_type = "s"
        ranges[name] = f"Lists!${letter}$2:${letter}${max(len(values), 1) + 1}"
    return ranges


def add_list_check(sheet, letter: str, list_range: str, max_rows: int) -> None:
    """A drop-down of a lists_sheet() list on column `letter` of the sheet to fill in. A warning,
    not a stop: the import also reads values the list lacks (a department's full name, a level's
    number) and checks every cell itself."""
    validation = DataValidation(type="list", formula1=f"={list_range}", allow_blank=True, errorStyle="warning",
                                showErrorMessage=True, error="Not in the list on the Lists sheet; the import will "
                                                             "check it.")
    validation.add(f"{letter}2:{letter}{max_rows + 1}")
    sheet.add_data_validation(validation)


def header_cell(sheet, row: int, column: int, text: str) -> None:
    cell = sheet.cell(row=row, column=column, value=text)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", fgColor="123C4D")
    cell.alignment = Alignment(vertical="top", wrap_text=True)


def add_guide_sheet(workbook, columns: list[ImportColumn]) -> None:
    """A "Columns" sheet saying what each column takes."""
    guide = workbook.create_sheet("Columns")
    for index, header in enumerate(("Column", "Required", "What to enter", "Example"), start=1):
        header_cell(guide, 1, index, header)
    for row, column in enumerate(columns, start=2):
        for index, value in enumerate((column.header, "Yes" if column.required else "", column.meaning,
                                       column.example), start=1):
            cell = guide.cell(row=row, column=index, value=value)
            cell.data_type = "s"
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for letter, width in zip("ABCD", (24, 10, 80, 36), strict=True):
        guide.column_dimensions[letter].width = width


# --- the pages -----------------------------------------------------------------------------------


class ImportForm(FlaskForm):
    """The file's type, encoding and content are checked by the importer, which names the problem."""

    file = FileField("File to import (.xlsx or .csv)", validators=[
        FileRequired("Choose the .xlsx or .csv file to import.")])


class ImportConfirmForm(FlaskForm):
    token = HiddenField()


@dataclass(frozen=True)
class ImportRoutes:
    """One part's import pages, which add_import_pages() registers on its blueprint."""

    permission: str
    run: Callable[..., ImportReport]  # run(filename, data, actor=, dry_run=)
    upload_template: str  # the part's upload page, extending imports/upload.html
    upload_context: Callable[[], dict]  # what else that page shows: its columns, row limit...
    template_csv: Callable[[], bytes]
    template_xlsx: Callable[[], bytes]
    download_name: str  # of the template files, without the extension
    done_endpoint: str  # where a confirmed import goes
    breadcrumb: tuple[str, str]  # (label, endpoint) above "Import"
    done_args: dict = field(default_factory=dict)
    # A blueprint with two imports (the CMDB's items and products) names the second one: "products"
    # gives /products/import... and the endpoints products_import_start... beside the first's.
    name: str = ""

    def endpoint(self, page: str) -> str:
        """The endpoint of one page (start, check, confirm, cancel, template) on the blueprint."""
        return f"{self.name}_import_{page}" if self.name else f"import_{page}"

    def rule(self, path: str = "") -> str:
        return f"/{self.name}/import{path}" if self.name else f"/import{path}"


def add_import_pages(bp: Blueprint, routes: ImportRoutes) -> None:
    """GET /import (the upload page), POST /import (check the file and preview the import),
    /import/confirm, /import/cancel and /import/template.<csv|xlsx> on `bp`, each behind
    `routes.permission`, as the endpoints import_start, import_check, import_confirm,
    import_cancel and import_template (prefixed by `routes.name` when it is set)."""
    guarded = permission_required(routes.permission)

    def pages() -> ImportPages:
        return ImportPages(routes, bp.name)

    def start():
        return pages().render_upload(ImportForm())

    def check():
        return pages().check(ImportForm())

    def confirm():
        return pages().confirm()

    def cancel():
        return pages().cancel()

    def template(fmt: str):
        body, mimetype = ((routes.template_csv(), "text/csv; charset=utf-8") if fmt == "csv"
                          else (routes.template_xlsx(), XLSX_MIMETYPE))
        return Response(body, content_type=mimetype, headers={
            "Content-Disposition": f'attachment; filename="{routes.download_name}.{fmt}"'})

    bp.add_url_rule(routes.rule(), routes.endpoint("start"), guarded(start), methods=["GET"])
    bp.add_url_rule(routes.rule(), routes.endpoint("check"), guarded(check), methods=["POST"])
    bp.add_url_rule(routes.rule("/confirm"), routes.endpoint("confirm"), guarded(confirm), methods=["POST"])
    bp.add_url_rule(routes.rule("/cancel"), routes.endpoint("cancel"), guarded(cancel), methods=["POST"])
    bp.add_url_rule(routes.rule("/template.<any(csv, xlsx):fmt>"), routes.endpoint("template"), guarded(template),
                    methods=["GET"])


@dataclass(frozen=True)
class ImportPages:
    """The web flow of one part's import: check -> preview -> confirm (or cancel)."""

    routes: ImportRoutes
    blueprint: str

    def url(self, page: str, **args) -> str:
        return url_for(f"{self.blueprint}.{self.routes.endpoint(page)}", **args)

    @property
    def breadcrumb(self) -> list[tuple[str, str]]:
        label, endpoint = self.routes.breadcrumb
        return [(label, url_for(endpoint))]

    def render_upload(self, form: ImportForm, problems: Sequence[Problem] = (), filename: str = "", status: int = 200):
        return render_template(self.routes.upload_template, form=form, problems=problems, filename=filename,
                               pages=self, **self.routes.upload_context()), status

    def check(self, form: ImportForm):
        if not form.validate_on_submit():
            return self.render_upload(form, status=422)
        upload = form.file.data
        filename, data = upload.filename or "upload", upload.read()
        report = self.routes.run(filename, data, actor=current_user, dry_run=True)
        if not report.ok:
            return self.render_upload(ImportForm(formdata=None), report.problems, filename, status=422)
        token = staging.stage(filename, data, current_user.id)
        return render_template("imports/preview.html", report=report, form=ImportConfirmForm(token=token),
                               pages=self)

    def confirm(self):
        form = ImportConfirmForm()
        staged = staging.load(form.token.data, current_user.id) if form.validate_on_submit() else None
        if staged is None:
            flash("That import is no longer waiting (it was confirmed, cancelled or is over an hour old). "
                  "Upload the file again.", "warning")
            return redirect(self.url("start"))
        report = self.routes.run(staged.filename, staged.data, actor=current_user, dry_run=False)
        staging.discard(staged.token)
        if not report.ok:
            # The register changed since the preview (a record edited, a category deactivated meanwhile).
            return self.render_upload(ImportForm(formdata=None), report.problems, staged.filename, status=422)
        warned = f" ({report.warnings_count}, kept in the audit log)" if report.warnings else ""
        flash(f"Imported {staged.filename}: {report.summary}{warned}.", "success")
        return redirect(url_for(self.routes.done_endpoint, **self.routes.done_args))

    def cancel(self):
        form = ImportConfirmForm()
        if form.validate_on_submit():
            staging.discard(form.token.data)
        flash("Import cancelled; nothing was written.", "info")
        return redirect(self.url("start"))
