"""What every all-or-nothing import shares: its columns and report, the transaction around the
rows, the template's header and guide, and the web flow (check -> preview -> confirm).

A part's importing.py says which columns it reads and how one row becomes a call of its
services; run_import() reads the file (app.common.tabular), applies every row in one
transaction, records the import in the audit log, and commits only when every row is good and
this is not a dry run. The pages stage the checked file (app.common.staging) so that "Import"
applies exactly the file that was previewed.

A file whose headers are not Khusela's (an export of another tool) gets a mapping page between
the check and the preview (app.common.mapping_page): the person says which of its columns is
which, what its words mean and how its dates are written; the mapping is remembered for files of
that shape (app.common.mappings) and staged with the file, so the preview and the import read it
the same way. run_import() reads the file through the mapping in force (reading_with()).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path, PurePath
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
from app.auth.models import Department, User
from app.auth.permissions import permission_required
from app.common import mappings, staging
from app.common.export import XLSX_MIMETYPE
from app.common.mapping_page import MappingPage, MappingStartForm, seen_columns
from app.common.tabular import (
    DATE_ORDERS,
    MOST_PROBLEMS_LISTED,
    ColumnMapping,
    DateReading,
    FileSample,
    HeaderError,
    Problem,
    Table,
    TableColumn,
    TableError,
    TableRow,
    date_order,
    read_date,
    read_headers,
    read_sample,
    read_table,
)
from app.extensions import db

# A file read for the mapping page is held in memory whole (its words are counted): no more rows
# than the largest register's limit (the CMDB's command line).
MOST_SAMPLE_ROWS = 100_000

# The mapping the file being imported is read through, set by the import pages around the
# register's run(): the registers' import functions keep their signature (filename, data, actor,
# dry_run), and the command line sets it for --mapping (import_from_the_command_line()).
_reading: ContextVar[ColumnMapping | None] = ContextVar("import_mapping", default=None)


@contextmanager
def reading_with(mapping: ColumnMapping | None) -> Iterator[None]:
    """run_import() inside the block reads the file through `mapping` (None: as it is)."""
    reset = _reading.set(mapping)
    try:
        yield
    finally:
        _reading.reset(reset)


@dataclass(frozen=True)
class ImportColumn:
    header: str
    meaning: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    date: bool = False  # read with tabular.read_date: ISO, day first (SA) or month first (US), per column
    # For a column of fixed words: the words the importer reads (any spelling) -> Khusela's word, so
    # that the mapping page can offer a choice for each word of a file it does not know.
    choices: Callable[[], Mapping[str, str]] | None = field(default=None, compare=False)

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
    headers_unknown: bool = False  # the file's headers are not Khusela's: it needs a mapping
    encoding: str = "UTF-8"
    date_readings: dict[str, DateReading] = field(default_factory=dict)  # by column, of its numeric dates
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
    mapping = _reading.get()
    try:
        table = read_table(filename, data, [column.table_column() for column in columns], max_rows=max_rows,
                           sheet_name=sheet_name, mapping=mapping)
    except TableError as error:
        report.problems = error.problems
        report.headers_unknown = isinstance(error, HeaderError)
        return report
    report.encoding = table.encoding
    if not table.rows:
        report.problems = [Problem(None, None, f"The file has a header row but no {what} under it.")]
        return report
    _read_dates(table, columns, mapping, report)
    if report.problems:
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


def _read_dates(table: Table, columns: list[ImportColumn], mapping: ColumnMapping | None,
                report: ImportReport) -> None:
    """Each date column's numeric dates as dates, read the way round its values show (or, when
    every value reads both ways, the way chosen on the mapping page; day first if none was). A cell
    that is no date stays as it is, for the importer to name."""
    for column in columns:
        if not column.date or column.header not in table.headers:
            continue
        reading = date_order(row.values.get(column.header) for row in table.rows)
        if reading.conflict is not None:
            day_first, month_first = reading.conflict
            report.problems.append(Problem(None, column.header, (
                f"The dates are written both ways round: “{day_first}” has the day first and “{month_first}” the "
                "month first. Write them all one way (YYYY-MM-DD cannot be misread) and upload the file again.")))
            continue
        if reading.order is None:
            continue
        chosen = mapping.date_orders.get(column.header) if mapping is not None else None
        if reading.ambiguous and chosen in DATE_ORDERS:
            reading = replace(reading, order=chosen)
        report.date_readings[column.header] = reading
        for row in table.rows:
            value = row.values.get(column.header)
            if isinstance(value, str) and value.strip():
                try:
                    row.values[column.header] = read_date(value, reading.order or "")
                except ValueError:
                    continue


def capped(problems: list[Problem], what: str = "problems") -> list[Problem]:
    if len(problems) <= MOST_PROBLEMS_LISTED:
        return problems
    more = len(problems) - MOST_PROBLEMS_LISTED
    return [*problems[:MOST_PROBLEMS_LISTED], Problem(None, None, f"… and {more} more {what} like these.")]


def mapping_option(command: Callable) -> Callable:
    """The command line's --mapping: read the file as a mapping saved on the import page says."""
    return click.option("--mapping", "mapping_name", metavar="SOURCE", help=(
        "Read a file of another tool with the mapping saved on the import page under this source name, "
        "e.g. \"GLPI export\"."))(command)


def import_from_the_command_line(register: str, run: Callable[..., ImportReport], file: Path, *, actor: User,
                                 dry_run: bool, mapping_name: str | None) -> None:
    """A register's `flask ... import FILE`: the file read as it is, or through the mapping saved
    for `register` under `mapping_name`; then its report (report_import()). A file whose headers
    are not Khusela's, imported without --mapping, is refused naming the saved mappings that fit it."""
    data = file.read_bytes()
    mapping = _saved_mapping(register, file.name, data, mapping_name) if mapping_name else None
    with reading_with(mapping.as_mapping() if mapping is not None else None):
        report = run(file.name, data, actor=actor, dry_run=dry_run)
    if report.headers_unknown and mapping is None:
        report.problems.append(Problem(None, None, _mappings_that_fit(register, read_headers(file.name, data))))
    if mapping is not None and report.ok:
        click.echo(f"Read with the mapping for {mapping.source_name}.")
    report_import(report, file.name)


def _saved_mapping(register: str, filename: str, data: bytes, source_name: str) -> mappings.ImportMapping | None:
    """The mapping --mapping names, or None when the file cannot be read (the import names why)."""
    try:
        sample = read_headers(filename, data)
    except TableError:
        return None
    saved = mappings.for_source(register, source_name, sample)
    if saved is None:
        names = sorted({each.source_name for each in db.session.scalars(
            sa.select(mappings.ImportMapping).where(mappings.ImportMapping.register == register))})
        known = ("The saved ones are " + ", ".join(f"“{name}”" for name in names) + "." if names
                 else "None is saved yet: map a file of that source once on the import page.")
        click.echo(f"Error: no {register} import mapping is saved for the source “{source_name}”. {known}", err=True)
        raise SystemExit(2)
    return saved


def _mappings_that_fit(register: str, sample: FileSample) -> str:
    fit = mappings.fitting(register, sample)
    if not fit:
        return ("No saved mapping reads these columns: map a file of this shape once on the import page (it is "
                "remembered under the source's name), then run the import again with --mapping and that name.")
    names = ", ".join(f"“{saved.source_name}”" for saved in fit)
    which = "" if len(fit) == 1 else " (or another of these names)"
    return (f"Saved mappings that read these columns: {names}. Run the import again with --mapping "
            f"\"{fit[0].source_name}\"{which}.")


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


def department_words(include_inactive: bool = False) -> dict[str, str]:
    """An import's Department column as ImportColumn.choices: key(code or name) -> code, the way
    the registers read it (a code wins over another department's name that reads the same)."""
    query = sa.select(Department.code, Department.name)
    if not include_inactive:
        query = query.where(Department.active.is_(True))
    departments = db.session.execute(query).all()
    return {**{key(name): code for code, name in departments}, **{key(code): code for code, name in departments}}


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
    /import/mapping (how a file of another tool is read), /import/confirm, /import/cancel and
    /import/template.<csv|xlsx> on `bp`, each behind `routes.permission`, as the endpoints
    import_start, import_check, import_mapping, import_confirm, import_cancel and import_template
    (prefixed by `routes.name` when it is set)."""
    guarded = permission_required(routes.permission)

    def pages() -> ImportPages:
        return ImportPages(routes, bp.name)

    def start():
        return pages().render_upload(ImportForm())

    def check():
        return pages().check(ImportForm())

    def confirm():
        return pages().confirm()

    def mapping():
        return pages().mapping()

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
    bp.add_url_rule(routes.rule("/mapping"), routes.endpoint("mapping"), guarded(mapping), methods=["POST"])
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

    @property
    def register(self) -> str:
        """The name its mappings are remembered under: "assets", "assets.products", "risks"..."""
        return f"{self.blueprint}.{self.routes.name}" if self.routes.name else self.blueprint

    @property
    def columns(self) -> list[ImportColumn]:
        return self.routes.upload_context()["columns"]

    def check(self, form: ImportForm):
        if not form.validate_on_submit():
            return self.render_upload(form, status=422)
        upload = form.file.data
        filename, data = upload.filename or "upload", upload.read()
        report = self.routes.run(filename, data, actor=current_user, dry_run=True)
        if not report.headers_unknown:
            return self.previewed(filename, data, report, None)
        try:
            sample = read_sample(filename, data, max_rows=MOST_SAMPLE_ROWS)
        except TableError as error:
            return self.render_upload(ImportForm(formdata=None), error.problems, filename, status=422)
        saved = mappings.saved_for(self.register, sample)
        if saved is not None:  # a file of a shape read before: straight to its preview
            return self.preview(filename, data, {"mapping": saved.as_mapping().as_json(),
                                                 "source_name": saved.source_name})
        token = staging.stage(filename, data, current_user.id)
        page = MappingPage.build(self.columns, sample, mappings.suggested_columns(sample, self.columns))
        return self.render_mapping(page, page.blank_form(token, ColumnMapping(), PurePath(filename).stem), filename)

    def preview(self, filename: str, data: bytes, options: dict | None):
        """The dry run of the file read as `options` say, and its preview (or its problems)."""
        with reading_with(ColumnMapping.from_json((options or {}).get("mapping"))):
            report = self.routes.run(filename, data, actor=current_user, dry_run=True)
        return self.previewed(filename, data, report, options)

    def previewed(self, filename: str, data: bytes, report: ImportReport, options: dict | None):
        token = staging.stage(filename, data, current_user.id, options) if report.ok or options else ""
        if not report.ok:
            if options:  # a mapping was used: show it again beside the problems, to change it
                return self.open_mapping(staging.StagedFile(token, filename, data, options), report.problems)
            return self.render_upload(ImportForm(formdata=None), report.problems, filename, status=422)
        return render_template("imports/preview.html", report=report,
                               form=ImportConfirmForm(formdata=None, token=token),
                               mapping_form=MappingStartForm(formdata=None, token=token),
                               source_name=(options or {}).get("source_name", ""), pages=self)

    def mapping(self):
        """The mapping page's posts: opened from a preview ("Change how the file is read"), or
        submitted to list a column's words again or to check the import."""
        start = MappingStartForm()
        staged = staging.load(start.token.data, current_user.id) if start.validate_on_submit() else None
        if staged is None:
            return self.gone()
        seen = seen_columns(start.columns_seen.data)
        if seen is None:
            return self.open_mapping(staged)
        try:
            sample = read_sample(staged.filename, staged.data, max_rows=MOST_SAMPLE_ROWS)
        except TableError as error:
            return self.render_upload(ImportForm(formdata=None), error.problems, staged.filename, status=422)
        page = MappingPage.build(self.columns, sample, seen)
        form = page.form_class()()
        if not form.validate():
            return self.render_mapping(page, form, staged.filename, status=422)
        chosen = page.columns_chosen(form)
        if form.data.get("refresh") or chosen != page.chosen:
            # The words and dates listed were those of other columns: list this choice's first.
            listed = MappingPage.build(self.columns, sample, chosen)
            return self.render_mapping(listed, listed.blank_form(staged.token, page.mapping(form),
                                                                 form.source_name.data or ""), staged.filename)
        mapping = page.mapping(form)
        source_name = (form.source_name.data or "").strip()
        if not source_name:
            form.source_name.errors = ["Name the source of this file (for example “GLPI export”): the next file "
                                       "with these columns is read the same way."]
            return self.render_mapping(page, form, staged.filename, status=422)
        mappings.remember(self.register, sample, source_name, mapping, current_user)
        db.session.commit()
        staging.discard(staged.token)
        return self.preview(staged.filename, staged.data, {"mapping": mapping.as_json(), "source_name": source_name})

    def open_mapping(self, staged: staging.StagedFile, problems: Sequence[Problem] = ()):
        """The mapping page as it opens, with the file's mapping if it has one, else a suggestion."""
        try:
            sample = read_sample(staged.filename, staged.data, max_rows=MOST_SAMPLE_ROWS)
        except TableError as error:
            return self.render_upload(ImportForm(formdata=None), error.problems, staged.filename, status=422)
        options = staged.options or {}
        mapping = ColumnMapping.from_json(options.get("mapping")) or ColumnMapping()
        chosen = mapping.columns if mapping.reads_headers else mappings.suggested_columns(sample, self.columns)
        page = MappingPage.build(self.columns, sample, chosen)
        name = options.get("source_name") or PurePath(staged.filename).stem
        return self.render_mapping(page, page.blank_form(staged.token, mapping, name), staged.filename,
                                   problems, status=422 if problems else 200)

    def render_mapping(self, page: MappingPage, form, filename: str, problems: Sequence[Problem] = (),
                       status: int = 200):
        return render_template("imports/mapping.html", page=page, form=form, filename=filename, problems=problems,
                               pages=self, date_orders=DATE_ORDERS), status

    def gone(self):
        flash("That import is no longer waiting (it was confirmed, cancelled or is over an hour old). "
              "Upload the file again.", "warning")
        return redirect(self.url("start"))

    def confirm(self):
        form = ImportConfirmForm()
        staged = staging.load(form.token.data, current_user.id) if form.validate_on_submit() else None
        if staged is None:
            return self.gone()
        with reading_with(ColumnMapping.from_json((staged.options or {}).get("mapping"))):
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
