"""Import of completions and attendance from the training system's CSV or XLSX extract (or Khusela's
template), all or nothing, like the other imports (app.common.imports): a file with one bad cell
imports nothing and the page names the row and column of every problem.

A row names the campaign (its reference, like AW-0007, or its exact topic), the employee (their
employee or PERSAL number) and the outcome. A row for a campaign and employee Khusela already has a
record of updates that record, any other row adds one, so importing the same file twice changes
nothing the second time. Each row is checked with the hand form's rules (services.check_training).

Built for a province (tens of thousands of rows a month): campaigns, employees and existing records
are loaded with a few queries, every row is checked in Python, and the rows are written with bulk
statements; the import's audit entry names the file and its SHA-256 (the file is the detail).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.auth.models import User
from app.awareness import services
from app.awareness.models import Campaign, Outcome, TrainingRecord
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.models import table_of
from app.common.tabular import Problem, TableRow, read_date
from app.common.timeutil import local_today, utcnow
from app.employees.models import Employee
from app.extensions import db

MAX_IMPORT_ROWS = 200_000
WEB_MAX_IMPORT_ROWS = 20_000
SHEET_NAME = "Training"
PER_QUERY = 5_000  # well under SQLite's 32,766 bound parameters

COLUMNS = [
    ImportColumn("Campaign", "The campaign's reference (AW-0007) or its topic, exactly as Khusela shows it.", "AW-0001",
                 required=True, aliases=("Campaign reference", "Course", "Course name", "Course code", "Module"),
                 choices=lambda: _campaign_words()),
    ImportColumn("Employee number", "The employee or PERSAL number, as in the employee register.", "21034567",
                 required=True, aliases=("PERSAL number", "PERSAL", "Persal nr", "Staff number", "Employee no",
                                         "Learner ID", "User ID")),
    ImportColumn("Outcome", "Completed, Attended or Not completed (Passed, Complete and Present are read as done; "
                 "In progress, Not started, Failed and Absent as not completed).", "Completed", required=True,
                 aliases=("Status", "Completion status", "Result status", "Attendance"),
                 choices=lambda: {word: Outcome(value).label for word, value in OUTCOME_WORDS.items()}),
    ImportColumn("Completed on", "The day it was completed or attended (YYYY-MM-DD); empty when not completed.",
                 "2026-03-18", aliases=("Completion date", "Date completed", "Completed", "Attended on", "Date"),
                 date=True),
    ImportColumn("Score", "The test's percentage, 0 to 100, if there was one.", "85",
                 aliases=("Score (%)", "Mark", "Result", "Percentage")),
    ImportColumn("Note", "Anything worth keeping with the record (at most 500 characters).", "",
                 aliases=("Comment", "Comments", "Remarks")),
]
# Columns of a training system's extract that the import does not need: read and left aside.
SKIPPED_HEADERS = ("Name", "Full name", "Learner", "Employee name", "Department", "E-mail",
                   "Source")  # Khusela's own download: "Import" or "By hand"
SKIPPED_COLUMNS = [ImportColumn(header, "Not imported.", "") for header in SKIPPED_HEADERS]

OUTCOME_WORDS: dict[str, str] = {
    **{outcome.value: outcome.value for outcome in Outcome},
    **{key(outcome.label): outcome.value for outcome in Outcome},
    "complete": "completed", "passed": "completed", "pass": "completed", "done": "completed", "yes": "completed",
    "present": "attended", "attended in person": "attended",
    "incomplete": "not_completed", "in progress": "not_completed", "not started": "not_completed",
    "failed": "not_completed", "fail": "not_completed", "absent": "not_completed", "enrolled": "not_completed",
    "no show": "not_completed", "no": "not_completed",
}
FIELD_COLUMNS = {"outcome": "Outcome", "completed_on": "Completed on", "score": "Score", "note": "Note"}


def _campaign_words() -> dict[str, str]:
    """The Campaign column's words (ImportColumn.choices): a campaign's reference, or its topic when
    no other campaign has it (as _Import._campaigns() reads them) -> its reference. A course name of
    the training system is mapped to the campaign's reference on the mapping page."""
    campaigns = db.session.execute(sa.select(Campaign.reference, Campaign.topic)).all()
    topics = Counter(key(topic) for _, topic in campaigns)
    return {**{key(topic): reference for reference, topic in campaigns if topics[key(topic)] == 1},
            **{key(reference): reference for reference, _ in campaigns}}


def import_training(filename: str, data: bytes, *, actor: User, dry_run: bool, max_rows: int = MAX_IMPORT_ROWS,
                    today: date | None = None) -> ImportReport:
    """Read, check and apply the whole file in one transaction; commit only if every row is good and
    this is not a dry run."""
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _Import(rows, report, today or local_today()).run()

    return run_import(filename, data, columns=COLUMNS + SKIPPED_COLUMNS, sheet_name=SHEET_NAME, max_rows=max_rows,
                      what="training records", entity_type="training_record", apply_rows=apply_rows, actor=actor,
                      dry_run=dry_run)


@dataclass(eq=False)
class _Row:
    number: int
    campaign: Campaign | None = None
    employee: Any = None  # (id, number, full_name, department_id, status, position) of the employee table
    data: services.TrainingInput = field(default_factory=lambda: services.TrainingInput(outcome=""))
    existing: Any = None  # the stored record's row, or None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))


class _Import:
    def __init__(self, rows: list[TableRow], report: ImportReport, today: date):
        self.table_rows, self.report, self.today = rows, report, today
        self.rows: list[_Row] = []

    def run(self) -> None:
        campaigns = self._campaigns()
        employees = self._employees()
        seen: dict[tuple[int, int], int] = {}
        for table_row in self.table_rows:
            row = _Row(table_row.number)
            self._read(table_row, row, campaigns, employees)
            if row.campaign is not None and row.employee is not None:
                pair = (row.campaign.id, row.employee.id)
                if pair in seen:
                    row.problem("Employee number", f"Employee {row.employee.number} is in row {seen[pair]} for "
                                                   f"{row.campaign.reference} too; give each person once per campaign.")
                seen.setdefault(pair, row.number)
                reported = {problem.column for problem in row.problems}  # a cell already named, once
                for name, message in services.check_training(row.data, row.campaign, self.today):
                    column = FIELD_COLUMNS.get(name or "")
                    if column not in reported:
                        row.problem(column, message)
            self.rows.append(row)
        problems = [problem for row in self.rows for problem in row.problems]
        if problems:
            self.report.problems.extend(problems)
            return
        self._write()

    # --- what the cells name ---

    def _campaigns(self) -> dict[str, Campaign | None]:
        """key(reference or topic) -> campaign; a topic two campaigns share maps to None (ambiguous)."""
        found: dict[str, Campaign | None] = {}
        for campaign in db.session.scalars(sa.select(Campaign)):
            topic = key(campaign.topic)
            found[topic] = None if topic in found else campaign
        for campaign in db.session.scalars(sa.select(Campaign)):
            found[key(campaign.reference)] = campaign
        return found

    def _employees(self) -> dict[str, Any]:
        numbers = sorted({cell_text(row.values.get("Employee number")) for row in self.table_rows} - {""})
        table = table_of(Employee)
        found: dict[str, Any] = {}
        for start in range(0, len(numbers), PER_QUERY):
            statement = sa.select(table.c.id, table.c.number, table.c.department_id, table.c.status,
                                  table.c.position).where(table.c.number.in_(numbers[start:start + PER_QUERY]))
            found.update((row.number, row) for row in db.session.execute(statement))
        return found

    def _read(self, table_row: TableRow, row: _Row, campaigns: dict, employees: dict) -> None:
        values = table_row.values
        campaign_text = cell_text(values.get("Campaign"))
        if not campaign_text:
            row.problem("Campaign", "Name the campaign: its reference (like AW-0001) or its topic.")
        elif key(campaign_text) not in campaigns:
            row.problem("Campaign", f"No campaign has the reference or topic “{campaign_text}”; add the campaign "
                                    "first, or correct the cell.")
        elif campaigns[key(campaign_text)] is None:
            row.problem("Campaign", f"More than one campaign has the topic “{campaign_text}”: give its reference.")
        else:
            row.campaign = campaigns[key(campaign_text)]
        number = cell_text(values.get("Employee number"))
        if not number:
            row.problem("Employee number", "Give the employee or PERSAL number.")
        elif number not in employees:
            row.problem("Employee number", f"No employee has the number “{number}”; import or add them to the "
                                           "employee register first.")
        else:
            row.employee = employees[number]
        outcome_text = cell_text(values.get("Outcome"))
        outcome = OUTCOME_WORDS.get(key(outcome_text))
        if outcome is None:
            row.problem("Outcome", f"“{outcome_text}” is not an outcome Khusela knows; use Completed, Attended or "
                                   "Not completed." if outcome_text else "Give the outcome: Completed, Attended or "
                                   "Not completed.")
        row.data = services.TrainingInput(outcome=outcome or "", completed_on=self._date(values, row),
                                          score=self._score(values, row), note=cell_text(values.get("Note")))
        if outcome is None:  # already named; check_training would name it again
            row.data.outcome = Outcome.NOT_COMPLETED.value
            row.data.completed_on = None

    @staticmethod
    def _date(values: dict, row: _Row) -> date | None:
        value = values.get("Completed on")
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        try:
            return read_date(text)  # a numeric date was read the way round its column shows (run_import)
        except ValueError:
            row.problem("Completed on", f"“{text}” is not a date; write it as YYYY-MM-DD, like 2026-03-18.")
            return None

    @staticmethod
    def _score(values: dict, row: _Row) -> int | None:
        text = cell_text(values.get("Score")).removesuffix("%").strip()
        if not text:
            return None
        try:
            return round(float(text))
        except ValueError:
            row.problem("Score", f"“{text}” is not a score: give a number from 0 to 100.")
            return None

    # --- writing ---

    def _existing(self) -> dict[tuple[int, int], Any]:
        table = table_of(TrainingRecord)
        found: dict[tuple[int, int], Any] = {}
        by_campaign: dict[int, list[int]] = {}
        for row in self.rows:
            by_campaign.setdefault(row.campaign.id, []).append(row.employee.id)  # type: ignore[union-attr]
        for campaign_id, employee_ids in by_campaign.items():
            for start in range(0, len(employee_ids), PER_QUERY):
                statement = sa.select(table).where(table.c.campaign_id == campaign_id,
                                                   table.c.employee_id.in_(employee_ids[start:start + PER_QUERY]))
                found.update(((r.campaign_id, r.employee_id), r) for r in db.session.execute(statement))
        return found

    def _write(self) -> None:
        existing = self._existing()
        now, table = utcnow(), table_of(TrainingRecord)
        inserts, updates = [], []
        for row in self.rows:
            campaign, employee = row.campaign, row.employee
            assert campaign is not None and employee is not None
            member = services.in_audience(campaign, _Person(employee))
            values = {"outcome": row.data.outcome, "completed_on": row.data.completed_on, "score": row.data.score,
                      "note": row.data.note, "department_id": employee.department_id, "in_audience": member,
                      "source": "import", "updated_at": now}
            stored = existing.get((campaign.id, employee.id))
            title = f"{campaign.reference} · {employee.number}"
            if stored is None:
                inserts.append({**values, "campaign_id": campaign.id, "employee_id": employee.id, "created_at": now})
                self.report.outcomes.append(RowOutcome(row.number, campaign.reference, title, "create"))
                continue
            changed = sorted(FIELD_COLUMNS[name] for name in FIELD_COLUMNS if getattr(stored, name) != values[name])
            if changed:
                updates.append({**values, "record": stored.id})
            self.report.outcomes.append(RowOutcome(row.number, campaign.reference, title,
                                                   "update" if changed else "unchanged", changed=changed))
        for start in range(0, len(inserts), PER_QUERY):
            db.session.execute(table.insert(), inserts[start:start + PER_QUERY])
        if updates:
            db.session.execute(table.update().where(table.c.id == sa.bindparam("record")), updates)


@dataclass(frozen=True)
class _Person:
    """An employee row of the import, as services.in_audience() reads an employee."""

    row: Any

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def department_id(self) -> int | None:
        return self.row.department_id

    @property
    def position(self) -> str:
        return self.row.position or ""


# --- the template --------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """A "Training" sheet to fill in, and "Columns" saying what each column takes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[letter].width = 18
        if column.header == "Employee number":  # text: Excel keeps a number's leading zeros
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
