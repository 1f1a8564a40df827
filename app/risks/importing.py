"""Import of a risk register from CSV or XLSX: file -> checked rows -> services, all or nothing.

Columns are matched by header (COLUMNS documents each one; the template is built from it).
A row with a reference Khusela knows updates that risk, any other row creates one, so importing
the same file twice changes nothing the second time. Every row goes through the same services
as the forms (create_risk, update_risk) inside one transaction: if any row breaks a rule, the
transaction is rolled back and the report names each row, column and problem. A dry run does
the same work and always rolls back, so its preview is exactly what the import would do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.auth.models import Department, User
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.tabular import Problem, TableRow, read_date
from app.common.timeutil import add_months, local_today
from app.controls.models import Control
from app.extensions import db
from app.risks import scoring, services
from app.risks.matrices import current_matrix
from app.risks.models import FactorRating, RatingKind, Risk, RiskCategory, RiskStatus, TreatmentStrategy

# A request must finish well inside the server timeout: about 4 ms a row on SQLite, checked then applied.
MAX_IMPORT_ROWS = 5_000
SHEET_NAME = "Risks"
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9./_-]{0,15}$")
LEADING_NUMBER = re.compile(r"^(\d+)(?:\.0)?(?:\s|$)")
# A cause and its rating as registers and slide decks write it: "H: Attack…", "H Attack…", "(H) Attack…",
# "**H** Attack…" (bold markers of a copied document), "High - Attack…", after a bullet or not.
FACTOR_LINE = re.compile(
    r"^\s*(?:[-•*]\s+)?(?P<bold>\*\*|__)?\s*(?P<open>[(\[])?\s*(?P<rating>high|medium|low|h|m|l)(?![a-z0-9])\s*"
    r"(?(open)[)\]])\s*(?:[:\-–—]\s*)?(?(bold)(?:\*\*|__))\s*(?:[:\-–—]\s*)?(?P<text>\S.*?)\s*$",
    re.IGNORECASE)
WHOLE_NUMBER = re.compile(r"^\d+(?:\.0+)?$")
STRATEGY_WORDS = {
    "mitigate": "modify", "reduce": "modify", "treat": "modify", "accept": "retain", "tolerate": "retain",
    "transfer": "share", "insure": "share", "terminate": "avoid",
}
TEXT_LIMITS = {"Title": 200, "Reference": 16, "Reason for change": 2000}
FACTOR_LIMIT = 300
MOST_FACTORS = 40


COLUMNS = [
    ImportColumn("Reference", "The risk's reference. A reference Khusela has updates that risk; a new one (up "
                 "to 16 letters, digits, . / _ -) creates a risk with it; empty creates a risk with the next "
                 "R-number.", "R-0001", aliases=("Ref", "Risk ID", "Risk reference", "Risk no")),
    ImportColumn("Title", "Short name of the risk (at most 200 characters).", "Information Security",
                 required=True, aliases=("Risk title", "Risk name", "Risk")),
    ImportColumn("Description", "What could happen, in a sentence or a paragraph.",
                 "Compromise of the confidentiality, integrity or availability of information."),
    ImportColumn("Category", "One of the active risk categories, by name.", "Information Security",
                 required=True, aliases=("Risk category",), choices=lambda: _category_words(subcategories=False)),
    ImportColumn("Subcategory", "A subcategory of that category, by name; may be empty.", "Cyber",
                 aliases=("Risk subcategory", "Sub-category"), choices=lambda: _category_words(subcategories=True)),
    ImportColumn("Department", "The department's code (or its full name); may be empty.", "DOH",
                 aliases=("Department code", "Dept"), choices=imports.department_words),
    ImportColumn("Risk owner", "The risk owner's sign-in e-mail address, or their full name as Khusela has it (when "
                 "one account has that name); a new owner must be an active account.",
                 "owner@example.gov.za", aliases=("Owner", "Risk owner e-mail", "Owner e-mail")),
    ImportColumn("Contributing factors", "One cause per line, each starting with its rating: H, M or L (or High, "
                 "Medium, Low), then a colon or a space: “H: Attack…”, “H Attack…”, “(H) Attack…” and a copied "
                 "document's bold “**H** Attack…” are all read.", "H: Outdated firewall\nM: No awareness training",
                 aliases=("Causes", "Causes / contributing factors", "Factors", "Contributing factor",
                          "Root causes")),
    ImportColumn("Controls", "The controls in place, by reference, separated by “;”: Annex A (like 8.16 or "
                 "A.8.16) or your own (like IC-001). Empty: no control linked.", "8.13; 8.16; IC-004",
                 aliases=("Controls in place", "Existing controls", "Current controls")),
    ImportColumn("Consequences", "What follows if the risk happens.", "Service outage; loss of personal information."),
    ImportColumn("Inherent likelihood", "A level of the risk matrix: its number or its name.", "4", required=True,
                 choices=lambda: _level_words("likelihoods")),
    ImportColumn("Inherent impact", "A level of the risk matrix: its number or its name.", "4", required=True,
                 choices=lambda: _level_words("impacts")),
    ImportColumn("Residual likelihood", "With the controls in place; empty if not yet assessed.", "3",
                 choices=lambda: _level_words("likelihoods")),
    ImportColumn("Residual impact", "Residual rating may not exceed the inherent rating.", "3",
                 choices=lambda: _level_words("impacts")),
    ImportColumn("Target likelihood", "After the planned treatment; empty if not set.", "2",
                 choices=lambda: _level_words("likelihoods")),
    ImportColumn("Target impact", "Target rating may not exceed the residual rating.", "2",
                 choices=lambda: _level_words("impacts")),
    *(column for kind in RatingKind for column in (
        ImportColumn(f"{kind.value.capitalize()} rating", "Optional, as your register computes it: the rating (a "
                     "number) or its band's name. Khusela works the rating out from the likelihood and impact; a "
                     "different value here is a warning on the preview, not a stop.", "",
                     aliases=(f"{kind.value} score", f"{kind.value} risk rating", f"{kind.value} risk score")),
        ImportColumn(f"{kind.value.capitalize()} band", "Optional: the rating's band, checked like the rating.", "",
                     aliases=(f"{kind.value} risk band", f"{kind.value} rating band")),
    )),
    ImportColumn("Tolerance", "Highest tolerable residual score. Empty: the default for new risks, unchanged "
                 "for existing ones.", "4", aliases=("Tolerance level", "Risk tolerance")),
    ImportColumn("Status", "Draft, Open or In treatment (acceptance and closing have their own steps). Empty: "
                 "Open for new risks.", "In treatment", choices=lambda: _status_words()),
    ImportColumn("Treatment strategy", "Modify (mitigate), Retain (accept), Avoid or Share (transfer); may be "
                 "empty.", "Modify", aliases=("Strategy", "Treatment"), choices=lambda: _strategy_words()),
    ImportColumn("Review every (months)", "How often the risk is reviewed: 1 to 36 months. Empty: 12.", "12",
                 aliases=("Review frequency", "Review frequency (months)")),
    ImportColumn("Next review", "Date as YYYY-MM-DD (or a date cell). Empty: today plus the review frequency.",
                 "2027-03-31", aliases=("Next review date", "Next review on"), date=True),
    ImportColumn("Reason for change", "Why ratings of an existing risk change (kept in its history). Empty: "
                 "“Imported from” and the file name.", "Annual reassessment 2026", aliases=("Reason",)),
]
# Columns of the register's own export that follow from the others: read and left aside, so that an
# export can be corrected and imported again. Any other unknown column is refused.
SKIPPED_HEADERS = ("Out of tolerance", "Accepted by", "Accepted until", "Review overdue", "Matrix version")
SKIPPED_COLUMNS = [ImportColumn(header, "Not imported: it follows from the other columns.", "")
                   for header in SKIPPED_HEADERS]
COLUMN_BY_HEADER = {column.header: column for column in COLUMNS}
# Where the services' (field, message) problems belong in the file.
FIELD_COLUMNS = {
    "title": "Title", "category_id": "Category", "subcategory_id": "Subcategory", "department_id": "Department",
    "owner_id": "Risk owner", "status": "Status", "strategy": "Treatment strategy", "factors": "Contributing factors",
    "review_frequency_months": "Review every (months)", "next_review_on": "Next review", "tolerance": "Tolerance",
    "reason": "Reason for change", "description": "Description", "consequences": "Consequences",
    **{f"{kind.value}_{axis}": f"{kind.value.capitalize()} {axis}" for kind in RatingKind
       for axis in ("likelihood", "impact")},
    "matrix_id": "(risk matrix version)", "control_ids": "Controls", "controls": "Controls",
}


# --- the words of the columns of fixed values (ImportColumn.choices: the mapping page's lists) ------
# What each column reads, key(word) -> the Khusela value a mapping may give, which the row reader
# reads as it reads a cell (_status(), _strategy(), the level's number, the names in _Lookups).

IMPORTED_STATUSES = (RiskStatus.DRAFT, RiskStatus.OPEN, RiskStatus.IN_TREATMENT)


def _status_words() -> dict[str, str]:
    return {word: status.label for status in IMPORTED_STATUSES
            for word in (status.value.replace("_", " "), key(status.label))}


def _strategy_words() -> dict[str, str]:
    return {**{word: TreatmentStrategy(value).label for word, value in STRATEGY_WORDS.items()},
            **{word: strategy.label for strategy in TreatmentStrategy
               for word in (strategy.value, key(strategy.label))}}


def _level_words(axis: str) -> dict[str, str]:
    """A level of the current matrix by number, name or both ("4 Likely"): read as its number."""
    levels: tuple[scoring.Level, ...] = getattr(current_matrix().to_scoring(), axis)
    return {word: f"{level.value} {level.label}" for level in levels
            for word in (str(level.value), key(level.label), key(f"{level.value} {level.label}"))}


def _category_words(*, subcategories: bool) -> dict[str, str]:
    """The active categories (or subcategories, of any category) by name, as _Lookups reads them."""
    found = db.session.scalars(sa.select(RiskCategory.name).where(
        RiskCategory.active.is_(True),
        RiskCategory.parent_id.is_not(None) if subcategories else RiskCategory.parent_id.is_(None)))
    return {key(name): name for name in found}


def import_risks(filename: str, data: bytes, *, actor: User, dry_run: bool) -> ImportReport:
    """Read, check and apply the whole file in one transaction; commit only if every row is
    good and this is not a dry run."""
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _apply_rows(rows, _Lookups.load(rows), report, actor)

    return run_import(filename, data, columns=COLUMNS + SKIPPED_COLUMNS, sheet_name=SHEET_NAME,
                      max_rows=MAX_IMPORT_ROWS,
                      what="risks", entity_type="risk", apply_rows=apply_rows, actor=actor, dry_run=dry_run)


# --- looking up what the cells name --------------------------------------------------------------


@dataclass
class _Lookups:
    """Everything the rows refer to, loaded once (a query per kind, not per row)."""

    matrix: scoring.Matrix
    categories: dict[str, RiskCategory]
    subcategories: dict[tuple[int, str], RiskCategory]
    departments: dict[str, Department]
    accounts: imports.Accounts
    risks: dict[str, Risk]
    # Reference (upper case) -> the controls in use with it; Annex A's listed first.
    controls: dict[str, list[Control]]
    # (title, department id) -> reference of the risks a reference-less row may be repeating.
    titles: dict[tuple[str, int | None], str]
    versions: dict[int, scoring.Matrix] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: list[TableRow]) -> _Lookups:
        categories = list(db.session.scalars(sa.select(RiskCategory)))
        departments = list(db.session.scalars(sa.select(Department)))
        references = {cell_text(row.values.get("Reference")).upper() for row in rows} - {""}
        risks = {}
        if references:
            risks = {risk.reference: risk
                     for risk in db.session.scalars(sa.select(Risk).where(Risk.reference.in_(references)))}
        return cls(
            matrix=current_matrix().to_scoring(),
            categories={key(c.name): c for c in categories if c.parent_id is None and c.active},
            subcategories={(c.parent_id, key(c.name)): c for c in categories if c.parent_id is not None and c.active},
            departments={**{key(d.name): d for d in departments if d.active},
                         **{key(d.code): d for d in departments if d.active}},
            accounts=imports.Accounts(),
            risks=risks,
            controls=_controls_by_reference() if any("Controls" in row.values for row in rows[:1]) else {},
            titles=_existing_titles(rows),
        )


    def matrix_of(self, risk: Risk) -> scoring.Matrix:
        """The risk's own matrix version, parsed once per version."""
        if risk.matrix_id not in self.versions:
            self.versions[risk.matrix_id] = risk.matrix.to_scoring()
        return self.versions[risk.matrix_id]


def _controls_by_reference() -> dict[str, list[Control]]:
    by_reference: dict[str, list[Control]] = {}
    for control in db.session.scalars(sa.select(Control).where(Control.active.is_(True)).order_by(
            sa.case((Control.source == "annex_a", 0), else_=1), Control.catalogue)):
        by_reference.setdefault(control.reference.upper(), []).append(control)
    return by_reference


def _existing_titles(rows: list[TableRow]) -> dict[tuple[str, int | None], str]:
    titles = {key(cell_text(row.values.get("Title"))) for row in rows if not cell_text(row.values.get("Reference"))}
    if not titles - {""}:
        return {}
    found = db.session.execute(sa.select(Risk.title, Risk.department_id, Risk.reference)
                               .where(sa.func.lower(Risk.title).in_(titles - {""})))
    return {(key(title), department_id): reference for title, department_id, reference in found}


# --- one row -------------------------------------------------------------------------------------


class _RowReader:
    """Turns one row's cells into service input, collecting a Problem per bad cell."""

    def __init__(self, row: TableRow, lookups: _Lookups):
        self.row, self.lookups = row, lookups
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def has(self, header: str) -> bool:
        return header in self.row.values

    def text(self, header: str) -> str:
        value = cell_text(self.row.values.get(header))
        limit = TEXT_LIMITS.get(header)
        if limit and len(value) > limit:
            self.problem(header, f"Use at most {limit} characters (this cell has {len(value)}).")
        return value

    def problem(self, header: str | None, message: str) -> None:
        self.problems.append(Problem(self.row.number, header, message))

    def warning(self, header: str, message: str) -> None:
        self.warnings.append(Problem(self.row.number, header, message))

    def parsed(self, header: str, parse: Callable[[str], Any], default: Any = None) -> Any:
        """parse(text) returns the value or raises ValueError with the message for the person."""
        text = self.text(header)
        if not text:
            return default
        try:
            return parse(text)
        except ValueError as error:
            self.problem(header, str(error))
            return default

    def level(self, header: str, levels: tuple[scoring.Level, ...]) -> int | None:
        def parse(text: str) -> int:
            by_name = {key(level.label): level.value for level in levels}
            number = LEADING_NUMBER.match(text)  # "4" or "4 Likely", as the template's lists give it
            if number and 1 <= int(number.group(1)) <= len(levels):
                return int(number.group(1))
            if key(text) in by_name:
                return by_name[key(text)]
            names = ", ".join(f"{level.value} {level.label}" for level in levels)
            raise ValueError(f"“{text}” is not a level of the risk matrix; use 1 to {len(levels)} ({names}).")

        return self.parsed(header, parse)

    def rating(self, kind: RatingKind) -> scoring.Rating | None:
        name = kind.value.capitalize()
        likelihood = self.level(f"{name} likelihood", self.lookups.matrix.likelihoods)
        impact = self.level(f"{name} impact", self.lookups.matrix.impacts)
        if likelihood is None and impact is None:
            return None
        if likelihood is None or impact is None:
            missing = f"{name} likelihood" if likelihood is None else f"{name} impact"
            if not any(p.column == missing for p in self.problems):
                self.problem(missing, f"Give both the {kind.value} likelihood and impact, or neither.")
            return None
        return scoring.Rating(likelihood, impact)

    def check_computed(self, kind: RatingKind, rating: scoring.Rating | None, matrix: scoring.Matrix) -> None:
        """A register's own "Rating" and "Band" cells are worked out from likelihood and impact:
        Khusela works them out too, and a cell that disagrees is a warning on the preview (the
        import goes on with Khusela's rating), not a stop."""
        name = kind.value.capitalize()
        for header in (f"{name} rating", f"{name} band"):
            text = self.text(header) if self.has(header) else ""
            if not text:
                continue
            if rating is None:
                if not any(p.column in (f"{name} likelihood", f"{name} impact") for p in self.problems):
                    self.problem(header, f"A {kind.value} rating alone is not imported: give the {kind.value} "
                                         "likelihood and impact it comes from, or leave this cell empty.")
                continue
            band = matrix.band_for(rating.score)
            computed = f"{rating.likelihood} × {rating.impact} = {rating.score} ({band.name})"
            if WHOLE_NUMBER.match(text):
                if int(float(text)) != rating.score:
                    self.warning(header, f"{text} is not the likelihood × impact of this row: {computed}. Khusela "
                                         f"imports {rating.score}.")
            elif key(text) != key(band.name):
                bands = {key(each.name) for each in matrix.bands}
                what = ("is not the band of this row's rating" if key(text) in bands
                        else "is neither a rating nor a band of the risk matrix")
                self.warning(header, f"“{text}” {what}: {computed}. Khusela imports {rating.score} ({band.name}).")


def _whole_number(text: str) -> int:
    number = text[:-2] if text.endswith(".0") else text
    if not number.isdigit():
        raise ValueError(f"“{text}” is not a whole number.")
    return int(number)


def _iso_date(text: str) -> date:
    try:
        return read_date(text)  # a numeric date was read the way round its column shows (run_import)
    except ValueError:
        raise ValueError(f"“{text}” is not a date; write it as YYYY-MM-DD, like 2027-03-31.") from None


def _status(text: str) -> str:
    for status in RiskStatus:
        if key(text) in (status.value.replace("_", " "), key(status.label)):
            return status.value
    raise ValueError(f"Unknown status “{text}”; use Draft, Open or In treatment.")


def _strategy(text: str) -> str:
    for strategy in TreatmentStrategy:
        if key(text) in (strategy.value, key(strategy.label)):
            return strategy.value
    if key(text) in STRATEGY_WORDS:
        return STRATEGY_WORDS[key(text)]
    raise ValueError(f"Unknown treatment strategy “{text}”; use Modify, Retain, Avoid or Share.")


def _factors(text: str) -> list[tuple[str, str]]:
    factors, bad = [], []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        match = FACTOR_LINE.match(line)
        if match is None:
            bad.append(f"line {number} (“{line.strip()[:40]}”) does not start with its rating H, M or L")
        elif len(match["text"]) > FACTOR_LIMIT:
            bad.append(f"line {number} is longer than {FACTOR_LIMIT} characters")
        else:
            factors.append((match["text"], FactorRating(match["rating"][0].upper()).value))
    if len(factors) > MOST_FACTORS:
        bad.append(f"there are {len(factors)} factors; keep at most {MOST_FACTORS}")
    if bad:
        raise ValueError("Contributing factors: " + "; ".join(bad) + ". Put one per line, like “H: Outdated "
                         "firewall”.")
    return factors


def _owner(reader: _RowReader, existing: Risk | None) -> User | None:
    """The account a "Risk owner" cell names by e-mail address or name (the register's download
    names owners by name)."""
    text = reader.text("Risk owner")
    if not text:
        return None
    owner, problem = reader.lookups.accounts.find(text, existing.owner if existing else None)
    if problem:
        reader.problem("Risk owner", problem)
    return owner


def _control_ids(text: str, lookups: _Lookups) -> list[int]:
    ids, unknown, ambiguous = [], [], []
    for reference in (part.strip() for part in re.split(r"[;,\n]", text) if part.strip()):
        found = lookups.controls.get(reference.upper()) or lookups.controls.get(reference.upper().removeprefix("A."))
        if not found:
            unknown.append(reference)
        elif len(found) > 1 and not found[0].is_annex_a:
            ambiguous.append(f"{reference} ({', '.join(control.catalogue for control in found)})")
        else:
            ids.append(found[0].id)
    problems = []
    if unknown:
        problems.append("no control in use has the reference " + ", ".join(f"“{r}”" for r in unknown))
    if ambiguous:
        problems.append("these references are in several catalogues: " + "; ".join(ambiguous))
    if problems:
        raise ValueError("Controls: " + "; ".join(problems) + ". See the catalogue under Controls.")
    return list(dict.fromkeys(ids))


def _risk_input(reader: _RowReader, existing: Risk | None, today: date) -> services.RiskInput:
    """The row's values over the existing risk's (or the defaults): a column the file does not
    have keeps what Khusela holds; an empty cell in a column it has clears that value."""
    lookups = reader.lookups
    # A new risk starts unrated: the service names a missing inherent rating.
    base = services.input_of(existing) if existing else services.RiskInput(
        title="", category_id=0, inherent=None, status=RiskStatus.OPEN.value)
    values: dict[str, Any] = {}
    for header, name in (("Title", "title"), ("Description", "description"), ("Consequences", "consequences")):
        if reader.has(header):
            values[name] = reader.text(header)
    if reader.has("Category"):
        category = lookups.categories.get(key(reader.text("Category")))
        if category is None and reader.text("Category"):
            names = ", ".join(sorted(c.name for c in lookups.categories.values()))
            reader.problem("Category", f"No active category is called “{reader.text('Category')}”; use one of: "
                                       f"{names}.")
        values["category_id"] = category.id if category else 0
    category_id = values.get("category_id", base.category_id)
    if reader.has("Subcategory"):
        name = reader.text("Subcategory")
        subcategory = lookups.subcategories.get((category_id, key(name))) if name else None
        if name and subcategory is None and category_id:
            reader.problem("Subcategory", f"The category has no active subcategory called “{name}”.")
        values["subcategory_id"] = subcategory.id if subcategory else None
    elif "category_id" in values and values["category_id"] != base.category_id:
        values["subcategory_id"] = None  # the old subcategory belongs to the old category
    if reader.has("Department"):
        code = reader.text("Department")
        department = lookups.departments.get(key(code)) if code else None
        if code and department is None:
            reader.problem("Department", f"No active department has the code or name “{code}”.")
        values["department_id"] = department.id if department else None
    if reader.has("Risk owner"):
        owner = _owner(reader, existing)
        values["owner_id"] = owner.id if owner else None
    if reader.has("Controls"):
        values["control_ids"] = reader.parsed("Controls", lambda text: _control_ids(text, lookups), default=[])
    if reader.has("Contributing factors"):
        values["factors"] = reader.parsed("Contributing factors", _factors, default=[])
    for kind in RatingKind:
        name = kind.value.capitalize()
        if reader.has(f"{name} likelihood") or reader.has(f"{name} impact"):
            values[kind.value] = reader.rating(kind)
        rating = values.get(kind.value, getattr(base, kind.value))
        # The bands the import will file the rating under: the risk's own matrix version while its
        # rating stands, the current one for a new or changed rating.
        kept = existing is not None and rating == getattr(base, kind.value)
        reader.check_computed(kind, rating, lookups.matrix_of(existing) if existing and kept else lookups.matrix)
    if reader.has("Tolerance"):
        values["tolerance"] = reader.parsed("Tolerance", _whole_number, default=base.tolerance)
    if reader.has("Status"):
        values["status"] = reader.parsed("Status", _status, default=base.status)
    if reader.has("Treatment strategy"):
        values["strategy"] = reader.parsed("Treatment strategy", _strategy)
    if reader.has("Review every (months)"):
        values["review_frequency_months"] = reader.parsed("Review every (months)", _whole_number, default=12)
    data = replace(base, **values)
    if reader.has("Next review") or existing is None:
        data.next_review_on = reader.parsed("Next review", _iso_date) if reader.has("Next review") else None
        if data.next_review_on is None:
            data.next_review_on = add_months(today, data.review_frequency_months)
    return data


# --- applying the rows ---------------------------------------------------------------------------


def _apply_rows(rows: list[TableRow], lookups: _Lookups, report: ImportReport, actor: User) -> None:
    today = local_today()
    next_number = _first_free_number(rows)
    seen: dict[str, int] = {}
    for row in rows:
        reader = _RowReader(row, lookups)
        reference = reader.text("Reference").upper()
        if reference and not REFERENCE_PATTERN.match(reference):
            reader.problem("Reference", f"“{reference}” is not a reference Khusela can use: up to 16 letters, "
                                        "digits and . / _ -, starting with a letter or digit.")
        if reference and reference in seen:
            reader.problem("Reference", f"{reference} is also in row {seen[reference]}; a risk can be in the file "
                                        "once.")
        if reference:
            seen.setdefault(reference, row.number)
        existing = lookups.risks.get(reference)
        data = _risk_input(reader, existing, today)
        reason = reader.text("Reason for change") or f"Imported from {report.filename}"[:2000]
        report.warnings.extend(reader.warnings)
        if reader.problems:
            report.problems.extend(reader.problems)
            continue
        duplicate = None if reference else lookups.titles.get((key(data.title), data.department_id))
        if duplicate:
            report.problems.append(Problem(row.number, "Reference", (
                f"{duplicate} already has this title and department. Put {duplicate} in the Reference column to "
                "update it (a row without a reference creates a new risk), or change the title.")))
            continue
        try:
            if existing is None:
                if not reference:
                    reference, next_number = f"R-{next_number:04d}", next_number + 1
                risk = services.create_risk(data, actor=actor, reason=reason, reference=reference)
                report.outcomes.append(RowOutcome(row.number, risk.reference, risk.title, "create"))
            else:
                changes = services.update_risk(existing, data, expected_version=existing.version, actor=actor,
                                                reason=reason)
                report.outcomes.append(RowOutcome(
                    row.number, existing.reference, existing.title, "update" if changes else "unchanged",
                    changed=sorted({FIELD_COLUMNS.get(name, name) for name in changes})))
        except services.RiskRuleError as error:
            report.problems.extend(Problem(row.number, FIELD_COLUMNS.get(name) if name else None, message)
                                   for name, message in error.problems)


def _first_free_number(rows: list[TableRow]) -> int:
    """New risks without a reference get R-numbers after every R-number in use or in the file."""
    in_file = (cell_text(row.values.get("Reference")).upper() for row in rows)
    numbers = [int(ref[2:]) for ref in in_file if ref.startswith("R-") and ref[2:].isdigit()]
    return max([int(services.next_reference()[2:]), *(number + 1 for number in numbers)])


# --- the template ----------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """A "Risks" sheet to fill in (drop-down lists where the values are fixed), "Columns" saying
    what each column takes, and "Lists" with the categories, departments and matrix levels."""
    workbook = Workbook()
    risks = workbook.active
    risks.title = SHEET_NAME
    list_ranges = imports.lists_sheet(workbook, _template_lists(), width=34)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header_cell(risks, 1, index, column.header)
        risks.column_dimensions[letter].width = 16 if column.header in COLUMNS_WITH_LISTS else 24
        source = COLUMNS_WITH_LISTS.get(column.header)
        if source:  # a department's full name or a level's number is read too
            imports.add_list_check(risks, letter, list_ranges[source], MAX_IMPORT_ROWS)
    risks.freeze_panes = "C2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


COLUMNS_WITH_LISTS = {
    "Category": "Category", "Department": "Department", "Inherent likelihood": "Likelihood",
    "Residual likelihood": "Likelihood", "Target likelihood": "Likelihood", "Inherent impact": "Impact",
    "Residual impact": "Impact", "Target impact": "Impact", "Status": "Status",
    "Treatment strategy": "Treatment strategy",
}


def _template_lists() -> dict[str, list[str]]:
    matrix = current_matrix().to_scoring()
    categories = db.session.scalars(sa.select(RiskCategory).where(RiskCategory.active.is_(True))
                                    .order_by(RiskCategory.name)).all()
    parents = {category.id: category.name for category in categories if category.parent_id is None}
    return {
        "Category": list(parents.values()),
        "Subcategory (category — subcategory)": sorted(
            f"{parents[c.parent_id]} — {c.name}" for c in categories if c.parent_id in parents),
        "Department": [department.code for department in db.session.scalars(
            sa.select(Department).where(Department.active.is_(True)).order_by(Department.code))],
        "Department name": [department.name for department in db.session.scalars(
            sa.select(Department).where(Department.active.is_(True)).order_by(Department.code))],
        "Likelihood": [f"{level.value} {level.label}" for level in matrix.likelihoods],
        "Impact": [f"{level.value} {level.label}" for level in matrix.impacts],
        "Status": [RiskStatus.DRAFT.label, RiskStatus.OPEN.label, RiskStatus.IN_TREATMENT.label],
        "Treatment strategy": [strategy.label for strategy in TreatmentStrategy],
    }
