"""Import of the employee register from CSV or XLSX (an HR or PERSAL extract, or Khusela's
template or export), all or nothing, like the other imports (app.common.imports).

A row whose employee number Khusela has updates that employee, any other row adds one, so
importing the same file twice changes nothing the second time. A column the file does not have
keeps what Khusela holds; an empty cell in a column it has clears that value (an existing
employee keeps their status). A manager is named by employee number: of an employee in Khusela
or of a row of the same file, in any order. The e-mail links the employee to the Khusela account
signing in with it, as the form does.

Built for a province's register (tens of thousands of employees), as the CMDB import is: the
register is loaded once, every row is checked in Python with the forms' rules
(services.check_employee, answered as the register will be after the import), and only then are
the rows written with a few bulk statements and their audit entries appended in one go.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.services import PendingEntry
from app.auth.models import Department, User
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.models import rows_matched, table_of
from app.common.tabular import Problem, TableRow
from app.common.timeutil import utcnow
from app.employees import services
from app.employees.models import Employee, EmploymentStatus
from app.employees.services import EMPLOYEE_AUDIT_FIELDS, EmployeeFacts, EmployeeInput
from app.extensions import db

# A file above this is refused while it is read, before its rows are held in memory.
MAX_IMPORT_ROWS = 100_000
# The web flow checks the file, then imports it again on confirming, each inside one request.
WEB_MAX_IMPORT_ROWS = 20_000
SHEET_NAME = "Employees"
NUMBERS_PER_QUERY = 5_000  # well under SQLite's 32,766 bound parameters

COLUMNS = [
    ImportColumn("Employee number", "The employee or PERSAL number (up to 32 letters, digits, spaces and . _ / -). "
                 "A number Khusela has updates that employee; a new one adds an employee. Format the column as "
                 "text in Excel so that leading zeros stay.", "21034567", required=True,
                 aliases=("PERSAL number", "PERSAL", "PERSAL no", "Persal nr", "Employee no", "Employee nr",
                          "Staff number", "Staff no", "Emp no")),
    ImportColumn("Name", "The employee's full name.", "Nomvula Dlamini", required=True,
                 aliases=("Full name", "Employee name", "Names")),
    ImportColumn("Department", "The department's code (or its full name).", "DOH",
                 aliases=("Department code", "Dept"), choices=lambda: imports.department_words(include_inactive=True)),
    ImportColumn("Position", "Their post or job title.", "Professional Nurse",
                 aliases=("Job title", "Post", "Designation", "Post title")),
    ImportColumn("Manager", "The employee number of the person they report to: an employee in Khusela or in "
                 "this file (in any row). Empty: nobody.", "21009876",
                 aliases=("Manager number", "Manager employee number", "Reports to", "Line manager", "Supervisor")),
    ImportColumn("E-mail", "Their own work e-mail address. A Khusela account signing in with it is linked to the "
                 "employee.", "nomvula.dlamini@westerncape.gov.za", aliases=("E-mail address", "Work e-mail")),
    ImportColumn("Phone", "A phone number: digits, with spaces, + ( ) and - if you like.", "+27 21 483 4000",
                 aliases=("Telephone", "Phone number", "Cell", "Cellphone", "Mobile", "Contact number")),
    ImportColumn("Language", "A language the employee understands, for notices and letters: an official language "
                 "(isiXhosa, Afrikaans, English, isiZulu, Sesotho…; “Xhosa” or “Zulu” are read too) or another.",
                 "isiXhosa", aliases=("Home language", "Preferred language", "Language of notices")),
    ImportColumn("Status", "Active, Suspended or Left (Resigned, Retired, Dismissed and the like are read as "
                 "Left). Empty: Active for a new employee, unchanged for an existing one.", "Active",
                 aliases=("Employment status",), choices=lambda: _status_words()),
]
# Columns of the register's own export that the import has no field for: read and left aside, so
# that an export can be corrected and imported again. Any other unknown column is refused.
SKIPPED_HEADERS = ("Manager name", "Khusela account")
SKIPPED_COLUMNS = [ImportColumn(header, "Not imported.", "") for header in SKIPPED_HEADERS]

FIELD_COLUMNS = {
    "number": "Employee number", "full_name": "Name", "department_id": "Department", "position": "Position",
    "manager_id": "Manager", "email": "E-mail", "phone": "Phone", "language": "Language", "status": "Status",
    "user_id": "Khusela account",
}
TEXT_COLUMNS = {"Name": "full_name", "Position": "position", "Phone": "phone"}
STATUS_WORDS = {
    **{status.value: status.value for status in EmploymentStatus},
    "employed": "active", "current": "active", "in service": "active", "permanent": "active",
    "contract": "active", "on suspension": "suspended", "precautionary suspension": "suspended",
    "resigned": "left", "retired": "left", "terminated": "left", "dismissed": "left", "deceased": "left",
    "transferred": "left", "transferred out": "left", "former": "left", "inactive": "left", "exited": "left",
    "contract ended": "left", "medically boarded": "left",
}


def _status_words() -> dict[str, str]:
    """The Status column's words (ImportColumn.choices), as _RowReader._status() reads them."""
    return {word: EmploymentStatus(value).label for word, value in STATUS_WORDS.items()}


def import_employees(filename: str, data: bytes, *, actor: User, dry_run: bool,
                     max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Read, check and apply the whole file in one transaction; commit only if every row is
    good and this is not a dry run."""
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _Import(rows, report, actor).run()

    return run_import(filename, data, columns=COLUMNS + SKIPPED_COLUMNS, sheet_name=SHEET_NAME,
                      max_rows=max_rows, what="employees", entity_type="employee", apply_rows=apply_rows,
                      actor=actor, dry_run=dry_run)


# --- what the cells name, loaded once ------------------------------------------------------------

EXISTING_COLUMNS = [table_of(Employee).c[name] for name in ("id", "version", *EMPLOYEE_AUDIT_FIELDS)]


@dataclass
class _Lookups:
    """The register, the departments and the accounts, each loaded with one query."""

    existing: dict[str, Any]  # employee number -> the employee's row of the employee table
    departments: dict[str, int]  # key(code or name) -> id
    department_ids: set[int]
    accounts: dict[str, int]  # sign-in e-mail -> user id

    @classmethod
    def load(cls) -> _Lookups:
        # Locked on PostgreSQL until the import commits or rolls back, so that no form saves one of
        # them in between (SQLite lets one writer in at a time anyway).
        existing = db.session.execute(sa.select(*EXISTING_COLUMNS).with_for_update())
        departments = list(db.session.execute(sa.select(Department.id, Department.code, Department.name)))
        return cls(
            existing={row.number: row for row in existing},
            # A code wins over another department's name that happens to read the same.
            departments={**{key(d.name): d.id for d in departments}, **{key(d.code): d.id for d in departments}},
            department_ids={d.id for d in departments},
            accounts=dict(db.session.execute(sa.select(User.email, User.id)).all()),
        )


@dataclass(eq=False)
class _Row:
    """One row of the file on its way to the database."""

    number: int
    employee_number: str
    existing: Any  # the employee's stored row, or None for a new employee
    # Filled in by _RowReader.read() as soon as the row is made; every later step reads it.
    data: EmployeeInput = None  # type: ignore[assignment]
    manager_text: str | None = None  # the Manager cell, resolved once every row's number is known
    user_id: int | None = None
    inserted_id: int | None = None
    manager_added_too: bool = False  # a new employee whose manager is a new row of the file too
    changes: dict = field(default_factory=dict)  # of an existing employee: {field: [before, after]}
    problems: list[Problem] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The stored employee's id; a new one has a stand-in until it is inserted (-row number), so
        that the rules can follow a manager the same file adds."""
        if self.existing is not None:
            return self.existing.id
        return self.inserted_id if self.inserted_id is not None else -self.number

    @property
    def manager_id(self) -> int | None:
        """The manager before the import (services.CheckedEmployee)."""
        return self.existing.manager_id if self.existing is not None else None

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))


class _RowReader:
    """Turns one row's cells into an EmployeeInput, noting a Problem per cell it cannot read."""

    def __init__(self, row: TableRow, lookups: _Lookups):
        self.values, self.lookups = row.values, lookups

    def has(self, header: str) -> bool:
        return header in self.values

    def text(self, header: str) -> str:
        return cell_text(self.values.get(header))

    def read(self, target: _Row) -> None:
        base = EmployeeInput(number=target.employee_number, full_name="")
        if target.existing is not None:
            stored = _stored(target.existing)
            base = EmployeeInput(**{name: stored[name] for name in EmployeeInput.__dataclass_fields__
                                    if name != "email"}, email=stored["email"] or "")
        values: dict[str, Any] = {"number": target.employee_number}
        for header, name in TEXT_COLUMNS.items():
            if self.has(header):
                values[name] = self.text(header)
        if self.has("E-mail"):
            email = self.text("E-mail")
            values["email"] = (services.normalised_email(email) or email) if email else ""
        if self.has("Language"):
            values["language"] = services.language_name(self.text("Language"))
        if self.has("Department"):
            values["department_id"] = self._department(target)
        if self.has("Status") and self.text("Status"):
            status = self._status(target)
            if status is not None:
                values["status"] = status
        if self.has("Manager"):
            target.manager_text = self.text("Manager")
        target.data = replace(base, **values)

    def _department(self, target: _Row) -> int | None:
        name = self.text("Department")
        if not name:
            return None
        found = self.lookups.departments.get(key(name))
        if found is None:
            target.problem("Department", f"No department has the code or name “{name}”. Add it under "
                                         "Administration → Departments, or leave the cell empty.")
        return found

    def _status(self, target: _Row) -> str | None:
        text = self.text("Status")
        found = STATUS_WORDS.get(key(text))
        if found is None:
            target.problem("Status", f"“{text}” is not an employment status Khusela knows; use Active, Suspended or "
                                     "Left.")
        return found


def _stored(row) -> dict:
    """An employee's stored values, as services.stored_values() gives them (and user_id)."""
    return {name: getattr(row, name) for name in EMPLOYEE_AUDIT_FIELDS}


# --- the register as it will be ------------------------------------------------------------------


class _StateAfterImport:
    """services.EmployeeLookups answered as the register will be once every row is written: a
    manager the file adds exists, a manager the file moves reports to their new manager, and an
    e-mail the file changes is free for another employee."""

    def __init__(self, rows: list[_Row], lookups: _Lookups):
        self.lookups = lookups
        self.facts: dict[int, EmployeeFacts] = {
            row.id: EmployeeFacts(row.id, row.number, row.full_name, row.status, row.manager_id)
            for row in lookups.existing.values()}
        self.by_number = {number: row.id for number, row in lookups.existing.items()}
        emails = {row.id: row.email for row in lookups.existing.values() if row.email}
        for row in rows:
            data = row.data
            self.facts[row.id] = EmployeeFacts(row.id, data.number.strip(), " ".join(data.full_name.split()),
                                               data.status, data.manager_id)
            self.by_number.setdefault(data.number.strip(), row.id)
            emails.pop(row.id, None)
            if data.email.strip():
                emails[row.id] = data.email.strip().lower()
        self.by_email: dict[str, list[int]] = {}
        for id_, email in emails.items():
            self.by_email.setdefault(email, []).append(id_)

    def employee(self, employee_id: int) -> EmployeeFacts | None:
        return self.facts.get(employee_id)

    def other_with_number(self, number: str, employee_id: int | None) -> EmployeeFacts | None:
        found = self.by_number.get(number)
        return self.facts[found] if found is not None and found != employee_id else None

    def other_with_email(self, email: str, employee_id: int | None) -> EmployeeFacts | None:
        others = [id_ for id_ in self.by_email.get(email, []) if id_ != employee_id]
        return self.facts[others[0]] if others else None

    def department_exists(self, department_id: int) -> bool:
        return department_id in self.lookups.department_ids

    def account_with_email(self, email: str) -> int | None:
        return self.lookups.accounts.get(email.lower())


# --- the import ----------------------------------------------------------------------------------


class _Import:
    """Reads every row, resolves the managers they name, checks every row, then writes them all."""

    def __init__(self, rows: list[TableRow], report: ImportReport, actor: User):
        self.table_rows, self.report, self.actor = rows, report, actor
        self.lookups = _Lookups.load()
        self.rows: list[_Row] = []
        self.row_by_number: dict[str, _Row] = {}
        self.entries: list[PendingEntry] = []

    def run(self) -> None:
        self._read_rows()
        self._resolve_managers()
        self._check_rows()
        problems = [problem for row in self.rows for problem in row.problems]
        if problems:
            self.report.problems.extend(problems)
            return
        self._write()

    def _read_rows(self) -> None:
        for table_row in self.table_rows:
            number = cell_text(table_row.values.get("Employee number"))
            row = _Row(table_row.number, number, self.lookups.existing.get(number))
            first = self.row_by_number.setdefault(number, row)
            if first is not row and number:
                row.problem("Employee number", f"Employee number {number} is also in row {first.number}; an "
                                               "employee can be in the file once.")
            _RowReader(table_row, self.lookups).read(row)
            self.rows.append(row)

    def _resolve_managers(self) -> None:
        for row in self.rows:
            if row.manager_text is None:
                continue
            text = row.manager_text
            if not text:
                row.data.manager_id = None
            elif text in self.row_by_number:
                row.data.manager_id = self.row_by_number[text].id
            elif text in self.lookups.existing:
                row.data.manager_id = self.lookups.existing[text].id
            else:
                row.data.manager_id = None
                row.problem("Manager", f"No employee has the number “{text}”, in Khusela or in this file: give the "
                                       "manager's employee number.")

    def _check_rows(self) -> None:
        state = _StateAfterImport(self.rows, self.lookups)
        for row in self.rows:
            reported = {problem.column for problem in row.problems}
            for name, message in services.check_employee(row.data, row, state):
                column = FIELD_COLUMNS.get(name) if name else None
                if column not in reported:
                    row.problem(column, message)
            if row.problems:
                continue
            email = services.stored_values(row.data)["email"]
            row.user_id = state.account_with_email(email) if email else None
            if row.existing is not None:
                row.changes = _changes(_stored(row.existing), self._values(row))

    def _values(self, row: _Row) -> dict:
        return {**services.stored_values(row.data), "user_id": row.user_id}

    # --- writing ---

    def _write(self) -> None:
        now, actor_id = utcnow(), getattr(self.actor, "id", None)
        new = [row for row in self.rows if row.existing is None]
        self._release_accounts()
        self._insert(new, now, actor_id)
        by_stand_in = {-row.number: row for row in new}
        for row in self.rows:  # a manager the file adds: from its stand-in to its id
            if row.data.manager_id is not None and row.data.manager_id < 0:
                row.data.manager_id = by_stand_in[row.data.manager_id].inserted_id
                if row.existing is not None:
                    row.changes = _changes(_stored(row.existing), self._values(row))
        if not self._update([row for row in self.rows if row.changes], now, actor_id):
            return
        waiting = [{"employee": row.inserted_id, "manager": row.data.manager_id} for row in new
                   if row.manager_added_too]
        if waiting:
            table = table_of(Employee)
            db.session.execute(table.update().where(table.c.id == sa.bindparam("employee"))
                               .values(manager_id=sa.bindparam("manager")), waiting)
        self._record()

    def _release_accounts(self) -> None:
        """Before an account is linked to a row: an employee outside the file still linked to it
        (the account's e-mail changed since) loses the link, and an employee of the file whose link
        changes lets go of theirs first (two rows may swap e-mails). One account, one employee."""
        table = table_of(Employee)
        in_file = {row.existing.id for row in self.rows if row.existing is not None}
        claimed = {row.user_id for row in self.rows if row.user_id is not None}
        stale = [row for row in self.lookups.existing.values() if row.user_id in claimed and row.id not in in_file]
        for holder in stale:
            self.entries.append(PendingEntry(
                AuditAction.UPDATE, "employee", holder.id, changes={"user_id": [holder.user_id, None]},
                summary=f"Unlinked {holder.full_name} ({holder.number}) from a Khusela account whose e-mail is now "
                        "another employee's"))
        letting_go = [row.existing.id for row in self.rows
                      if row.existing is not None and row.existing.user_id is not None and "user_id" in row.changes]
        # The stale holders' records change: a form opened on one before must be refused as stale.
        for ids, values in (([holder.id for holder in stale], {"user_id": None, "version": table.c.version + 1}),
                            (letting_go, {"user_id": None})):
            for start in range(0, len(ids), NUMBERS_PER_QUERY):
                db.session.execute(table.update().where(table.c.id.in_(ids[start:start + NUMBERS_PER_QUERY]))
                                   .values(**values))

    def _insert(self, new: list[_Row], now, actor_id: int | None) -> None:
        """The new employees in one multi-row INSERT; a manager the file adds too is filled in once
        every row has its id."""
        if not new:
            return
        for row in new:
            row.manager_added_too = row.data.manager_id is not None and row.data.manager_id < 0
        values = [{**self._values(row), "manager_id": None if row.manager_added_too else row.data.manager_id,
                   "version": 1, "created_at": now, "updated_at": now, "created_by_id": actor_id,
                   "updated_by_id": actor_id} for row in new]
        db.session.execute(table_of(Employee).insert(), values)
        ids = _ids_by_number([row.data.number.strip() for row in new])
        for row in new:
            row.inserted_id = ids[row.data.number.strip()]

    def _update(self, changed: list[_Row], now, actor_id: int | None) -> bool:
        """Each changed employee, as long as nobody saved them since they were read (their version)."""
        if not changed:
            return True
        table = table_of(Employee)
        values = [{**self._values(row), "version": row.existing.version + 1, "updated_at": now,
                   "updated_by_id": actor_id, "employee": row.existing.id, "seen_version": row.existing.version}
                  for row in changed]
        statement = table.update().where(table.c.id == sa.bindparam("employee"),
                                         table.c.version == sa.bindparam("seen_version"))
        updated = rows_matched(db.session.execute(statement, values))
        if db.engine.dialect.supports_sane_multi_rowcount and updated != len(values):
            self.report.problems.append(Problem(None, None, (
                "Someone saved some of these employees while the file was being imported, so nothing was imported. "
                "Import the file again: it will be checked against their new values.")))
            return False
        return True

    def _record(self) -> None:
        """An audit entry per added or changed employee, in the file's order, as the forms record them."""
        for row in self.rows:
            data = services.stored_values(row.data)
            who = f"{data['full_name']} ({data['number']})"
            if row.existing is None:
                self.entries.append(PendingEntry(AuditAction.CREATE, "employee", row.inserted_id,
                                                 changes=_changes({}, self._values(row)),
                                                 summary=f"Added employee {who}"[:300]))
                outcome = RowOutcome(row.number, data["number"], data["full_name"], "create")
            elif row.changes:
                self.entries.append(PendingEntry(AuditAction.UPDATE, "employee", row.existing.id, changes=row.changes,
                                                 summary=f"Edited employee {who}"[:300]))
                outcome = RowOutcome(row.number, data["number"], data["full_name"], "update",
                                     changed=sorted({FIELD_COLUMNS[name] for name in row.changes}))
            else:
                outcome = RowOutcome(row.number, data["number"], data["full_name"], "unchanged")
            self.report.outcomes.append(outcome)
        audit.record_many(self.entries, actor=self.actor)


def _changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} as audit.diff() gives it: the values are text, numbers and None."""
    return {name: [before.get(name), after[name]] for name in sorted(after) if before.get(name) != after[name]}


def _ids_by_number(numbers: list[str]) -> dict[str, int]:
    table = table_of(Employee)
    found: dict[str, int] = {}
    for start in range(0, len(numbers), NUMBERS_PER_QUERY):
        chunk = numbers[start:start + NUMBERS_PER_QUERY]
        statement = sa.select(table.c.number, table.c.id).where(table.c.number.in_(chunk))
        found.update((number, id_) for number, id_ in db.session.execute(statement))
    return found


# --- the template --------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """An "Employees" sheet to fill in (drop-down lists for the department, language and status),
    "Columns" saying what each column takes, and "Lists" of the allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    list_ranges = imports.lists_sheet(workbook, _template_lists(), width=28)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[letter].width = 18
        if column.header in ("Employee number", "Manager"):  # text: Excel keeps a number's leading zeros
            sheet.column_dimensions[letter].number_format = "@"
        if column.header in list_ranges:
            # A warning, not a stop: a department's name or another language is accepted too.
            imports.add_list_check(sheet, letter, list_ranges[column.header], MAX_IMPORT_ROWS)
    sheet.freeze_panes = "C2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_lists() -> dict[str, list[str]]:
    return {
        "Department": list(db.session.scalars(sa.select(Department.code).where(Department.active.is_(True))
                                              .order_by(Department.code))),
        "Language": services.LANGUAGES,
        "Status": [status.label for status in EmploymentStatus],
    }
