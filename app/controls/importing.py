"""Import of internal controls or a custom catalogue (e.g. a provincial ICT standard) from CSV or
XLSX, all or nothing (app.common.imports). A row whose catalogue and reference Khusela has
updates that control, any other row creates one, so importing the same file twice changes
nothing. Every row goes through the same services as the form.

The catalogue's own download imports back as it is: its Annex A rows update what the organisation
keeps on those controls (description, owner, department; the rest is the standard's), and the
columns that follow from the standard or from other records are read and left aside."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.auth.models import Department, User
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.tabular import Problem, TableRow
from app.controls import services
from app.controls.annex_a import ANNEX_A_CATALOGUE
from app.controls.models import INTERNAL_CATALOGUE, Control, ControlSource, ControlType, Frequency
from app.extensions import db

MAX_IMPORT_ROWS = 5_000
SHEET_NAME = "Controls"
YES, NO = {"yes", "y", "true", "1", "in use"}, {"no", "n", "false", "0", "retired"}
# What the Type and Operates columns read (after _choice()'s key): the word -> the stored value.
TYPE_WORDS = {control_type.value.casefold(): control_type.value for control_type in ControlType}
FREQUENCY_WORDS = {**{f.value.replace("_", " "): f.value for f in Frequency},
                   **{key(f.label): f.value for f in Frequency}}

COLUMNS = [
    ImportColumn("Catalogue", "The catalogue the control belongs to: “Internal”, or a standard you follow. Empty: "
                 "Internal.", "Provincial ICT Standard 2024", aliases=("Standard", "Framework")),
    ImportColumn("Reference", "Unique in its catalogue (up to 32 letters, digits, spaces and . / _ -). A reference "
                 "the catalogue has updates that control.", "PICT-4.2", required=True,
                 aliases=("Ref", "Control ID", "Control reference")),
    ImportColumn("Title", "Short name of the control (at most 200 characters).", "Quarterly access reviews",
                 required=True, aliases=("Control", "Control title", "Name")),
    ImportColumn("Description", "What the control does and how.", "System owners certify access every quarter."),
    ImportColumn("Type", "Preventive, Detective or Corrective.", "Detective", required=True,
                 aliases=("Control type",), choices=lambda: _spellings(TYPE_WORDS, str)),
    ImportColumn("Operates", "How often: Continuous, Daily, Weekly, Monthly, Quarterly, Semi-annually, Annually or "
                 "As needed; may be empty.", "Quarterly", aliases=("Frequency",),
                 choices=lambda: _spellings(FREQUENCY_WORDS, lambda value: Frequency(value).label)),
    ImportColumn("Implements", "The ISO/IEC 27001:2022 Annex A controls it implements, separated by “;” (like 5.15; "
                 "5.18 or A.5.18). Empty on an Annex A control's row.", "5.15; 5.18", required=True,
                 aliases=("Annex A", "Annex A controls", "ISO 27001", "Maps to", "Implements (Annex A)")),
    ImportColumn("Owner", "The owner's sign-in e-mail address, or their full name when one account has it; may be "
                 "empty.", "officer@example.gov.za", aliases=("Control owner", "Owner e-mail")),
    ImportColumn("Department", "The department's code (or its full name); may be empty.", "DOTP",
                 aliases=("Department code", "Dept"), choices=imports.department_words),
    ImportColumn("In use", "Yes, or No for a retired control. Empty: Yes.", "Yes", aliases=("Active", "Status"),
                 choices=lambda: {**dict.fromkeys(YES, "Yes"), **dict.fromkeys(NO, "No")}),
]
# Columns of the catalogue's own download that the import has no field for (the standard's
# attributes, the controls implementing an Annex A one): read and left aside.
SKIPPED_HEADERS = ("Theme", "Security properties", "Cybersecurity concepts", "Implemented by")
SKIPPED_COLUMNS = [ImportColumn(header, "Not imported.", "") for header in SKIPPED_HEADERS]
FIELD_COLUMNS = {"catalogue": "Catalogue", "reference": "Reference", "title": "Title", "description": "Description",
                 "control_type": "Type", "control_types": "Type", "frequency": "Operates", "annex_a_ids": "Implements",
                 "annex_a": "Implements", "owner_id": "Owner", "department_id": "Department", "active": "In use"}


def import_controls(filename: str, data: bytes, *, actor: User, dry_run: bool) -> ImportReport:
    return run_import(filename, data, columns=COLUMNS + SKIPPED_COLUMNS, sheet_name=SHEET_NAME,
                      max_rows=MAX_IMPORT_ROWS,
                      what="controls", entity_type="control", apply_rows=lambda rows, report: _apply_rows(
                          rows, report, actor), actor=actor, dry_run=dry_run)


class _Lookups:
    """What the rows name, loaded once."""

    def __init__(self):
        self.annex_a = {control.reference: control for control in services.annex_a_catalogue()}
        self.accounts = imports.Accounts()
        departments = [d for d in db.session.scalars(sa.select(Department)) if d.active]
        self.departments = {**{key(d.name): d for d in departments}, **{key(d.code): d for d in departments}}
        self.controls = {(key(c.catalogue), key(c.reference)): c for c in db.session.scalars(
            sa.select(Control).where(Control.source == ControlSource.INTERNAL))}
        self.catalogues = {key(name): name for name in services.catalogues()}


def _spellings(words: dict[str, str], label: Callable[[str], str]) -> dict[str, str]:
    """A column's words as ImportColumn.choices, each also spelt as _choice() reads it ("semi-annually",
    "ad_hoc"), -> the label of its value, which the mapping page offers and _choice() reads."""
    return {spelt: label(value) for word, value in words.items()
            for spelt in (word, word.replace(" ", "-"), word.replace(" ", "_"))}


def _choice(text: str, options: dict[str, str], column: str, problems: list[Problem], row: int) -> str | None:
    if not text:
        return None
    found = options.get(key(text).replace("-", " ").replace("_", " "))
    if found is None:
        problems.append(Problem(row, column, f"“{text}” is not one of: {', '.join(sorted(set(options.values())))}."))
    return found


def _annex_a_ids(text: str, lookups: _Lookups, problems: list[Problem], row: int) -> list[int]:
    references = [part.strip().upper().removeprefix("A.") for part in re.split(r"[;,\n]", text) if part.strip()]
    unknown = [reference for reference in references if reference not in lookups.annex_a]
    if unknown:
        problems.append(Problem(row, "Implements", "ISO/IEC 27001:2022 Annex A has no control "
                                + ", ".join(f"“{reference}”" for reference in unknown)
                                + " (its controls are 5.1 to 8.34; see the catalogue)."))
    return list(dict.fromkeys(lookups.annex_a[r].id for r in references if r in lookups.annex_a))


def _row_input(row: TableRow, lookups: _Lookups, problems: list[Problem]) -> services.ControlInput:
    def text(header: str) -> str:
        return cell_text(row.values.get(header))

    catalogue = text("Catalogue") or INTERNAL_CATALOGUE
    if key(catalogue) == key(ANNEX_A_CATALOGUE):
        return _annex_a_input(row, lookups, problems)
    owner = None
    if text("Owner"):
        current = lookups.controls.get((key(catalogue), key(text("Reference"))))
        owner, problem = lookups.accounts.find(text("Owner"), current.owner if current else None)
        if problem:
            problems.append(Problem(row.number, "Owner", problem))
    department = None
    if text("Department"):
        department = lookups.departments.get(key(text("Department")))
        if department is None:
            problems.append(Problem(row.number, "Department", f"No active department has the code or name "
                                                              f"“{text('Department')}”."))
    in_use = text("In use").casefold()
    if in_use and in_use not in YES | NO:
        problems.append(Problem(row.number, "In use", f"Write Yes or No, not “{text('In use')}”."))
    return services.ControlInput(
        catalogue=lookups.catalogues.get(key(catalogue), catalogue), reference=text("Reference"),
        title=text("Title"), description=text("Description"),
        control_type=_choice(text("Type"), TYPE_WORDS, "Type", problems, row.number) or ("" if text("Type") else None),
        frequency=_choice(text("Operates"), FREQUENCY_WORDS, "Operates", problems, row.number),
        owner_id=owner.id if owner else None, department_id=department.id if department else None,
        active=in_use not in NO, annex_a_ids=_annex_a_ids(text("Implements"), lookups, problems, row.number))


def _annex_a_input(row: TableRow, lookups: _Lookups, problems: list[Problem]) -> services.ControlInput:
    """A row of the standard's catalogue: only what the organisation keeps on the control is read."""
    reference = cell_text(row.values.get("Reference")).upper().removeprefix("A.")
    control = lookups.annex_a.get(reference)
    if control is None:
        problems.append(Problem(row.number, "Reference", f"{ANNEX_A_CATALOGUE} has no control “{reference}” (its "
                                                         "controls are 5.1 to 8.34) and takes no new ones: put your "
                                                         "own controls in a catalogue of your own."))
        return services.ControlInput(catalogue=ANNEX_A_CATALOGUE, reference=reference)
    title = cell_text(row.values.get("Title"))
    if title and key(title) != key(control.title):
        problems.append(Problem(row.number, "Title", f"Annex A {control.reference} is “{control.title}” in the "
                                                     "standard; its title cannot be changed. Put your own wording "
                                                     "in the Description, or in a control of your own catalogue."))
    owner, department = control.owner, control.department
    owner_text, department_text = cell_text(row.values.get("Owner")), cell_text(row.values.get("Department"))
    if "Owner" in row.values:
        owner, problem = lookups.accounts.find(owner_text, control.owner) if owner_text else (None, "")
        if problem:
            problems.append(Problem(row.number, "Owner", problem))
    if "Department" in row.values:
        department = lookups.departments.get(key(department_text)) if department_text else None
        if department_text and department is None:
            problems.append(Problem(row.number, "Department", f"No active department has the code or name "
                                                              f"“{department_text}”."))
    description = (cell_text(row.values.get("Description")) if "Description" in row.values
                   else control.description)
    return services.ControlInput(catalogue=ANNEX_A_CATALOGUE, reference=control.reference, title=control.title,
                                 description=description, owner_id=owner.id if owner else None,
                                 department_id=department.id if department else None)


def _apply_rows(rows: list[TableRow], report: ImportReport, actor: User) -> None:
    lookups = _Lookups()
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        problems: list[Problem] = []
        data = _row_input(row, lookups, problems)
        identity = (key(data.catalogue), key(data.reference))
        if data.reference and identity in seen:
            problems.append(Problem(row.number, "Reference", f"{data.reference} of {data.catalogue} is also in row "
                                                             f"{seen[identity]}; a control can be in the file once."))
        seen.setdefault(identity, row.number)
        if problems:
            report.problems.extend(problems)
            continue
        existing = (lookups.annex_a.get(data.reference) if data.catalogue == ANNEX_A_CATALOGUE
                    else lookups.controls.get(identity))
        try:
            if existing is None:
                control = services.create_internal_control(data, actor=actor)
                lookups.controls[identity] = control
                report.outcomes.append(RowOutcome(row.number, control.reference, control.title, "create"))
            else:
                changes = services.update_control(existing, data, expected_version=existing.version, actor=actor)
                report.outcomes.append(RowOutcome(row.number, existing.reference, existing.title,
                                                  "update" if changes else "unchanged",
                                                  changed=sorted({FIELD_COLUMNS.get(n, n) for n in changes})))
        except services.ControlRuleError as error:
            report.problems.extend(Problem(row.number, FIELD_COLUMNS.get(name) if name else None, message)
                                   for name, message in error.problems)


# --- the template ----------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """A "Controls" sheet to fill in, "Columns" saying what each column takes, and "Annex A" listing
    the references the Implements column may name."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    for index, column in enumerate(COLUMNS, start=1):
        header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[get_column_letter(index)].width = 22
    sheet.freeze_panes = "C2"
    imports.add_guide_sheet(workbook, COLUMNS)
    annex = workbook.create_sheet("Annex A")
    for index, header in enumerate(("Reference", "Title", "Theme"), start=1):
        header_cell(annex, 1, index, header)
    for row, control in enumerate(services.annex_a_catalogue(), start=2):
        for index, value in enumerate((control.reference, control.title, control.theme), start=1):
            annex.cell(row=row, column=index, value=value).data_type = "s"
    annex.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
