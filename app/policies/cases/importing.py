"""Import of policy-violation cases with their steps (the disciplinary history an organisation brings):
file -> checked rows -> services, all or nothing (app.common.imports).

A row is one step of one case: the rows with the same Case reference are that case, whose own
columns (employee, policy clause, incident, severity...) its first row gives. Every step goes
through the same services as the case pages, dated as the file says, and in the order of those
dates over the whole file (in_order()), not the order of the rows: a warning given in one case on
2024-03-01 counts towards the recommendation of a case whose incident was on 2024-04-02, as it would
have had the cases been recorded as they happened. Each case's import is in the audit log, with every
step under the importer's name.

Steps: the decision (the corrective action, its date and reason), a warning from management, a written
or final written warning (with the date the employee signed, or the witness to a refusal), revoking
privileges (until a date, given back on a date), training (due by a date, completed on a date),
disciplinary action (the decision), the disciplinary procedure (app.policies.cases.disciplinary: the
investigation and its completion, precautionary suspensions, the union question, the allegations and
their findings, the notices of the hearing, the hearing, the sanction, the written outcome, the appeal
and its outcome, each through its own service with the rules of the code in force on its date, a
fairness check gone past only with the row's Reason), and closing.

The case list's step-by-step export (app.policies.cases.exports) writes these rows, so a case already
in Khusela whose rows in the file match what it holds is reported unchanged; one that differs is
refused, naming the row and column (a case's history is imported once; later steps are recorded on
its page).
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common import imports
from app.common.export import plain_value
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, key, run_import
from app.common.tabular import Problem, TableRow
from app.common.timeutil import local_today
from app.employees.models import Employee
from app.extensions import db
from app.policies.cases import disciplinary, privileges, services
from app.policies.cases.exports import (
    APPEAL_CONFIRMS,
    CLEAN_RECORD,
    HEARING_CONFIRMS,
    NOT_A_REPRESENTATIVE,
    NOTICE_CONFIRMS,
    OUTCOME_CONFIRMS,
    PROCEDURE_STEPS,
    RECORD_NOT_CLEAN,
    SANCTION_CONFIRMS,
    STEP_COLUMNS,
    Step,
    StepRow,
    case_steps,
)
from app.policies.cases.models import AppealOutcome, Finding, PolicyCase, Resource, Sanction
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType
from app.policies.importing import iso_date
from app.policies.models import Policy, PolicyClause, PolicyVersion

MAX_IMPORT_ROWS = 5_000
SHEET_NAME = "Cases"
REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9./_-]{0,19}$")
CASE_COLUMNS = ("Employee number", "Policy", "Clause", "Incident date", "Reported on", "Description", "Severity",
                "Security risk")


STEP_WORDS = {key(step.label): step for step in Step} | {
    "management warning": Step.MANAGEMENT_WARNING, "verbal warning": Step.MANAGEMENT_WARNING,
    "revoked privileges": Step.REVOKE_PRIVILEGES, "revocation": Step.REVOKE_PRIVILEGES,
    "disciplinary": Step.DISCIPLINARY, "case closed": Step.CLOSED, "report": Step.REPORTED,
    "decided": Step.DECIDED, "decision": Step.DECIDED, "corrective action decided": Step.DECIDED,
    "suspension": Step.SUSPENSION, "union": Step.UNION, "union consultation": Step.UNION,
    "notice": Step.NOTICE, "notice of hearing": Step.NOTICE, "hearing notice": Step.NOTICE,
    "outcome": Step.WRITTEN_OUTCOME, "appeal lodged": Step.APPEAL,
} | {step.value: step for step in Step}
WARNINGS = {Step.MANAGEMENT_WARNING: WarningType.MANAGEMENT, Step.WRITTEN_WARNING: WarningType.WRITTEN,
            Step.FINAL_WRITTEN_WARNING: WarningType.FINAL_WRITTEN}
ACTIONS = {Step.MANAGEMENT_WARNING: Action.MANAGEMENT_WARNING, Step.WRITTEN_WARNING: Action.WRITTEN_WARNING,
           Step.FINAL_WRITTEN_WARNING: Action.WRITTEN_WARNING, Step.REVOKE_PRIVILEGES: Action.REVOKE_PRIVILEGES,
           Step.TRAINING: Action.TRAINING, Step.DISCIPLINARY: Action.DISCIPLINARY}
# A decision row's Details: the action, as Khusela labels it or as the step that carries it out.
ACTION_WORDS = {key(action.label): action for action in Action} | {action.value: action for action in Action} | {
    key(step.label): action for step, action in ACTIONS.items()}
# The resources by their labels (as the export writes them), their values, and the words people use.
RESOURCE_WORDS = {key(resource.label): resource for resource in Resource} | {
    resource.value: resource for resource in Resource} | {
    "internet": Resource.INTERNET, "internet access": Resource.INTERNET, "e-mail": Resource.EMAIL,
    "email": Resource.EMAIL, "vpn": Resource.VPN, "remote access": Resource.VPN,
    "removable media": Resource.REMOVABLE_MEDIA, "usb": Resource.REMOVABLE_MEDIA}

# The disciplinary procedure's choices, by their labels, their values and the short words.
SANCTION_WORDS = {key(sanction.label): sanction for sanction in Sanction} | {
    sanction.value: sanction for sanction in Sanction} | {"no sanction": Sanction.NONE}
FINDING_WORDS = {key(finding.label): finding for finding in Finding} | {finding.value: finding for finding in Finding}
APPEAL_WORDS = {key(outcome.label): outcome for outcome in AppealOutcome} | {
    outcome.value: outcome for outcome in AppealOutcome} | {"appeal upheld": AppealOutcome.UPHELD,
                                                             "appeal dismissed": AppealOutcome.DISMISSED}
CONFIRMS = {Step.NOTICE: NOTICE_CONFIRMS, Step.HEARING: HEARING_CONFIRMS,
            Step.SANCTION: SANCTION_CONFIRMS | {"clean_record": CLEAN_RECORD, "record_not_clean": RECORD_NOT_CLEAN},
            Step.WRITTEN_OUTCOME: OUTCOME_CONFIRMS, Step.APPEAL_OUTCOME: APPEAL_CONFIRMS}
NO_UNION_OFFICE = {"", key(NOT_A_REPRESENTATIVE), "no", "not a union representative"}

DEFAULT_REASON = "Decided before the case was recorded in Khusela"

COLUMNS = [
    ImportColumn("Case", "The case's reference in your records (up to 20 letters, digits and . / _ -): Khusela keeps "
                 "it. The rows with the same reference are that case's steps.", "HR-2024-017", required=True,
                 aliases=("Case reference", "Case no", "Reference")),
    ImportColumn("Employee number", "The employee's number in the employee register (the case's first row).",
                 "21034567", aliases=("Employee no", "Persal number", "Staff number")),
    ImportColumn("Policy", "The breached policy's code (the case's first row).", "ICT-POL-003",
                 aliases=("Policy code",)),
    ImportColumn("Clause", "The breached clause of the version in force on the incident date.", "2.2",
                 aliases=("Clause number",)),
    ImportColumn("Incident date", "Date as YYYY-MM-DD (the case's first row).", "2024-03-04",
                 aliases=("Incident", "Incident on", "Date of incident")),
    ImportColumn("Reported on", "Date as YYYY-MM-DD; empty: the incident date.", "2024-03-05",
                 aliases=("Reported",)),
    ImportColumn("Description", "What happened: when, where, what the employee did (the case's first row).",
                 "Shared his password with a temporary clerk.", aliases=("What happened",)),
    ImportColumn("Severity", "Low, Medium, High or Critical (the case's first row).", "Medium",
                 choices=lambda: {level.value: level.label for level in Severity}),
    ImportColumn("Security risk", "Low, Medium or High (the case's first row).", "Medium",
                 aliases=("Security-risk level", "Risk level"),
                 choices=lambda: {level.value: level.label for level in SecurityRisk}),
    ImportColumn("Step", "Reported, Decision, Warning from management, Written warning, Final written warning, "
                 "Revoking privileges, Training, Disciplinary action, the disciplinary procedure's Investigation, "
                 "Precautionary suspension, Union question, Allegation, Notice of the hearing, Hearing, Sanction, "
                 "Written outcome, Appeal, Appeal outcome, or Closed. A warning, revocation or training "
                 "row without a Decision row before it decides that action on its own date.", "Written warning",
                 required=True, aliases=("Action", "Corrective action"),
                 choices=lambda: {word: step.label for word, step in STEP_WORDS.items()}),
    ImportColumn("Date", "The day of the step, YYYY-MM-DD: the report, the decision, the warning given, the "
                 "revocation's start, the training assigned, the decision to take disciplinary action, the "
                 "investigation's start, the suspension's start, the union informed (else the day the question "
                 "was answered), the allegation put, the notice issued, the hearing held, the sanction decided, the "
                 "written outcome issued, the appeal lodged, its outcome, the case closed. Steps are recorded in the "
                 "order of these dates, whatever the order of the rows.",
                 "2024-03-08", required=True, aliases=("Step date", "Date of step")),
    ImportColumn("Until", "Revoking privileges: the day they are given back as decided; training: the day it is "
                 "due; a suspension: the day it ended (empty: still in force).", "2024-04-07",
                 aliases=("Ends on", "Due on")),
    ImportColumn("Completed on", "Revoking privileges: the day they were given back; training: the day it was "
                 "completed; the investigation: the day it was completed. Empty: not yet.", "2024-04-07",
                 aliases=("Restored on",)),
    ImportColumn("Signed on", "A warning: the day the employee signed it. Empty: not signed yet.", "2024-03-09",
                 aliases=("Acknowledged on",)),
    ImportColumn("Witness", "A warning the employee refused to sign: the witness who saw the refusal (Signed on "
                 "empty).", "Thabo Nkosi", aliases=("Refused before",)),
    ImportColumn("Details", "A decision's corrective action; a warning's wording; the resources revoked (internet, "
                 "e-mail, VPN, removable media, “An application: APP-0012”, “Other: what”), separated by “;”; the "
                 "training course; the investigation's findings; the suspension's reasons; the union question: the "
                 f"trade union's name, or “{NOT_A_REPRESENTATIVE}” for an employee who holds no union office; the "
                 "allegation; the employee's response at the hearing; the reasons for the sanction or the appeal's "
                 "outcome; the grounds of the appeal; the outcome of a closed case.", "Never share your password.",
                 aliases=("Wording", "Course", "Outcome")),
    ImportColumn("Note", "Revoking privileges: how the employee's job functions are kept; training: who gives "
                 "it; the union question: how the union was consulted and what it said; an allegation: the reasons "
                 "for its finding; the hearing: the evidence; the sanction: how the employee's record and service "
                 "were weighed.", "A colleague prints for her.", aliases=("Provider",)),
    ImportColumn("Reason", "A decision: why this action rather than the one Khusela recommends for the case "
                 f"(empty: “{DEFAULT_REASON} (imported from the file)”). A step of the disciplinary procedure: why "
                 "it went ahead although a fairness check warns (a short notice, no acknowledgement of the policy "
                 "on record...); kept on the case's record.", "He reported it himself."),
    ImportColumn("Person", "The investigator; whom at the union you informed (name and position); the chair of "
                 "the hearing (a notice, the hearing); the chair of the appeal.", "Ms P. Mahlangu"),
    ImportColumn("Position", "A notice: the issuer's position; the appeal's outcome: the appeal chair's position.",
                 "HR Practitioner"),
    ImportColumn("Review on", "A suspension: the day it is reviewed, YYYY-MM-DD.", "2024-03-22"),
    ImportColumn("Hearing on", "A notice: the day of the hearing it gives, YYYY-MM-DD.", "2024-03-20"),
    ImportColumn("Time", "A notice: the time of the hearing, HH:MM.", "10:00"),
    ImportColumn("Venue", "A notice: where the hearing is held.", "Boardroom 3, head office"),
    ImportColumn("Language", "A notice: the language it is written in (empty: the employee's).", "isiXhosa"),
    ImportColumn("Issued by", "A notice: who signs it (empty: whoever imports the file).", "Nomsa Dube"),
    ImportColumn("Attendees", "The hearing: who attended.", "Chair, initiator, the employee, a minute-taker"),
    ImportColumn("Representative", "The hearing: the employee's representative.", "Shop steward (NEHAWU)"),
    ImportColumn("Interpreter", "The hearing: the interpreter, if one.", ""),
    ImportColumn("Result", "An allegation: its finding (Guilty, Not guilty; empty: not yet); the appeal's outcome "
                 "(upheld, dismissed, varied).", "Guilty",
                 choices=lambda: {word: finding.label for word, finding in FINDING_WORDS.items()} | {
                     word: outcome.label for word, outcome in APPEAL_WORDS.items()}),
    ImportColumn("Sanction", "The sanction: " + ", ".join(s.label for s in Sanction) + "; the appeal's outcome: "
                 "the sanction put in place of the one varied.", "Final written warning",
                 choices=lambda: {word: sanction.label for word, sanction in SANCTION_WORDS.items()}),
    ImportColumn("Confirmed", "What holds, separated by “;”: a notice: " + "; ".join(NOTICE_CONFIRMS.values())
                 + "; the hearing: " + "; ".join(HEARING_CONFIRMS.values()) + "; the sanction: "
                 + "; ".join(SANCTION_CONFIRMS.values()) + f"; {CLEAN_RECORD} or {RECORD_NOT_CLEAN}; the written "
                 "outcome: " + "; ".join(OUTCOME_CONFIRMS.values()) + "; the appeal's outcome: "
                 + "; ".join(APPEAL_CONFIRMS.values()) + ".", "rule existed; rule valid; rule known"),
    ImportColumn("Service years", "The sanction: the employee's completed years of service.", "11"),
    ImportColumn("Rule importance", "The sanction (the 2025 Code): how important the rule is.", ""),
    ImportColumn("Harm caused", "The sanction (the 2025 Code): the actual or potential harm.", ""),
    ImportColumn("Business impact", "The sanction (the 2025 Code): the impact on the organisation's work.", ""),
]
FIELD_COLUMNS = {
    "employee_number": "Employee number", "incident_on": "Incident date", "reported_on": "Reported on",
    "clause_id": "Clause", "description": "Description", "severity": "Severity", "security_risk": "Security risk",
    "reference": "Case", "action": "Step", "reason": "Reason", "decided_on": "Date", "warning_type": "Step",
    "wording": "Details", "issued_on": "Date", "acknowledged_on": "Signed on", "resources": "Details",
    "starts_on": "Date", "ends_on": "Until", "no_harm_note": "Note", "no_harm_confirmed": "Note",
    "course": "Details", "due_on": "Until", "completed_on": "Completed on", "restored_on": "Completed on",
    "outcome": "Details", "witness_name": "Witness", "application_tag": "Details", "other": "Details",
    # The disciplinary procedure's services (app.policies.cases.disciplinary).
    "override_reason": "Reason", "investigator": "Person", "started_on": "Date", "findings": "Details",
    "with_pay": "Step", "reasons": "Details", "review_on": "Review on", "union_representative": "Details",
    "union_name": "Details", "informed_on": "Date", "informed_whom": "Person", "text": "Details",
    "hearing_on": "Hearing on", "hearing_time": "Time", "venue": "Venue", "language": "Language", "chair": "Person",
    "issued_by_name": "Issued by", "issued_by_position": "Position", "held_on": "Date",
    "employee_response": "Details", "finding": "Result", "sanction": "Sanction", "rule_importance": "Rule importance",
    "harm_caused": "Harm caused", "business_impact": "Business impact", "service_years": "Service years",
    "clean_record": "Confirmed", "record_weighed": "Note", "lodged_on": "Date", "grounds": "Details",
    "outcome_on": "Date", "chair_position": "Position", "chair_senior": "Confirmed", "varied_sanction": "Sanction",
}
# Where a step's service names a field another step's column holds.
STEP_FIELD_COLUMNS = {Step.ALLEGATION: {"reasons": "Note"}, Step.APPEAL_OUTCOME: {"outcome": "Result"}}


def column_of(step: Step | None, name: str | None) -> str | None:
    """The file's column for a field a step's service names (its own refusal, with no field: the Step)."""
    if name is None:
        return "Step" if step in PROCEDURE_STEPS else None
    specific = STEP_FIELD_COLUMNS.get(step, {}).get(name) if step else None
    return specific or FIELD_COLUMNS.get(name)


def import_cases(filename: str, data: bytes, *, actor: User, dry_run: bool) -> ImportReport:
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _Import(rows, report, actor).run()

    return run_import(filename, data, columns=COLUMNS, sheet_name=SHEET_NAME, max_rows=MAX_IMPORT_ROWS,
                      what="case steps", entity_type="case", apply_rows=apply_rows, actor=actor, dry_run=dry_run)


# --- the order of the steps (a pure rule) ---------------------------------------------------------------


class Kind(enum.IntEnum):
    """On one day: the case is opened, then its steps, then their follow-ups, then the disciplinary
    procedure's steps in the order each needs the one before it, then it is closed."""

    OPEN = 0
    DECIDE = 1
    STEP = 2  # a warning, revocation, training; the investigation started, a precautionary suspension
    FOLLOW_UP = 3  # a warning signed (or refused before a witness), privileges given back, training completed,
    # the investigation completed
    UNION = 4
    ALLEGATION = 5
    NOTICE = 6
    HEARING = 7
    FINDING = 8  # an allegation's finding, on the day of the hearing
    SANCTION = 9
    OUTCOME = 10
    APPEAL = 11
    APPEAL_OUTCOME = 12
    CLOSE = 13


STEP_KINDS = {Step.DECIDED: Kind.DECIDE, Step.UNION: Kind.UNION, Step.ALLEGATION: Kind.ALLEGATION,
              Step.NOTICE: Kind.NOTICE, Step.HEARING: Kind.HEARING, Step.SANCTION: Kind.SANCTION,
              Step.WRITTEN_OUTCOME: Kind.OUTCOME, Step.APPEAL: Kind.APPEAL, Step.APPEAL_OUTCOME: Kind.APPEAL_OUTCOME,
              Step.CLOSED: Kind.CLOSE}
# The steps whose Completed on is a step of its own (a follow-up).
COMPLETED_STEPS = (Step.REVOKE_PRIVILEGES, Step.TRAINING, Step.INVESTIGATION)


def kind_of(step: Step) -> Kind:
    return STEP_KINDS.get(step, Kind.STEP)


@dataclass(frozen=True)
class Event:
    on: date
    kind: Kind
    row: int  # the file's row, for the tie of two steps of one kind on one day
    case: str

    @property
    def order(self) -> tuple[date, int, int]:
        return self.on, self.kind, self.row


def in_order(events: Iterable[Event]) -> list[Event]:
    """The events of every case in the file by their own dates, not by the rows' order: a back-dated
    step is recorded when it happened among the others. On one day a case is opened, then decided,
    then its steps, a step before what follows it (its signature, restoration, completion) and closing
    comes last; two steps of one kind on one day keep the file's order."""
    return sorted(events, key=lambda event: event.order)


# --- reading the rows ---------------------------------------------------------------------------------


@dataclass
class _Row:
    row: TableRow
    problems: list[Problem] = field(default_factory=list)
    step: Step | None = None
    dates: dict[str, date | None] = field(default_factory=dict)

    def text(self, header: str) -> str:
        return cell_text(self.row.values.get(header))

    def problem(self, header: str | None, message: str) -> None:
        self.problems.append(Problem(self.row.number, header, message))

    def date(self, header: str) -> date | None:
        text = self.text(header)
        if not text:
            return None
        try:
            return iso_date(text)
        except ValueError as error:
            self.problem(header, str(error))
            return None


def _read(row: TableRow) -> _Row:
    read = _Row(row)
    step = read.text("Step")
    read.step = STEP_WORDS.get(key(step))
    if not step:
        read.problem("Step", "Say which step this row records, like Written warning.")
    elif read.step is None:
        read.problem("Step", f"Unknown step “{step}”; use " + ", ".join(s.label for s in Step) + ".")
    for header in DATE_HEADERS:
        read.dates[header] = read.date(header)
    if read.dates["Date"] is None and not any(p.column == "Date" for p in read.problems):
        read.problem("Date", "Give the date of the step, as YYYY-MM-DD.")
    if read.step == Step.DECIDED and ACTION_WORDS.get(key(read.text("Details"))) is None:
        read.problem("Details", f"Say which corrective action was decided (“{read.text('Details')[:40]}” is none): "
                                + ", ".join(action.label for action in Action) + ".")
    if read.text("Witness") and (read.step not in WARNINGS or read.dates["Signed on"]):
        read.problem("Witness", "A witness is named only for a warning the employee refused to sign: leave Signed "
                                "on empty, or the witness.")
    _read_procedure(read)
    return read


DATE_HEADERS = ("Date", "Until", "Completed on", "Signed on", "Incident date", "Reported on", "Review on",
                "Hearing on")


def _read_procedure(read: _Row) -> None:
    """The procedure's cells of fixed words, read before anything is recorded."""
    step = read.step
    if step is None:
        return  # the Step is the problem
    sanction = read.text("Sanction")
    if sanction and SANCTION_WORDS.get(key(sanction)) is None:
        read.problem("Sanction", f"Unknown sanction “{sanction[:40]}”; use " + ", ".join(s.label for s in Sanction)
                     + ".")
    result = read.text("Result")
    words = {Step.ALLEGATION: set(FINDING_WORDS), Step.APPEAL_OUTCOME: set(APPEAL_WORDS)}.get(step)
    if result and (words is None or key(result) not in words):
        choices = {Step.ALLEGATION: "Guilty or Not guilty", Step.APPEAL_OUTCOME: "upheld, dismissed or varied"}
        read.problem("Result", f"Unknown result “{result[:40]}” for this step; use "
                               f"{choices.get(step, 'it only for an allegation or the appeal’s outcome')}.")
    statements = {key(words): name for name, words in CONFIRMS.get(step, {}).items()}
    unknown = [part for part in _parts(read.text("Confirmed")) if key(part) not in statements]
    if unknown:
        read.problem("Confirmed", f"“{unknown[0][:40]}” is not something to confirm for this step; use "
                                  + ("; ".join(CONFIRMS[step].values()) if step in CONFIRMS else
                                     "it only for a notice, the hearing, the sanction, the written outcome and the "
                                     "appeal's outcome") + ".")
    years = read.text("Service years")
    if years and not years.isdigit():
        read.problem("Service years", f"Give the completed years of service as a whole number, not “{years[:20]}”.")


def _parts(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def _confirmed(row: _Row) -> set[str]:
    """The fields the row's Confirmed column says hold (its words were checked by _read_procedure)."""
    statements = {key(words): name for name, words in CONFIRMS.get(row.step, {}).items()} if row.step else {}
    return {statements[key(part)] for part in _parts(row.text("Confirmed")) if key(part) in statements}


@dataclass
class _Case:
    reference: str
    rows: list[_Row]
    values: dict[str, str] = field(default_factory=dict)
    case: PolicyCase | None = None
    failed: bool = False
    made: dict[int, Any] = field(default_factory=dict)  # row number -> the warning, revocation or training
    in_khusela: bool = False  # already there: compared with the file, not imported again

    @property
    def first(self) -> _Row:
        return self.rows[0]


# --- the whole file ----------------------------------------------------------------------------------


class _Import:
    def __init__(self, rows: list[TableRow], report: ImportReport, actor: User):
        self.rows, self.report, self.actor = rows, report, actor
        self.today = local_today()

    def run(self) -> None:
        cases: dict[str, _Case] = {}
        for row in self.rows:
            read = _read(row)
            reference = read.text("Case").upper()
            if not reference:
                read.problem("Case", "Give the case's reference, so that its steps go together.")
            elif not REFERENCE_PATTERN.match(reference):
                read.problem("Case", f"“{reference}” is not a reference Khusela can keep: up to 20 letters, digits "
                                     "and . / _ -, starting with a letter or digit.")
            self.report.problems.extend(read.problems)
            cases.setdefault(reference, _Case(reference, [])).rows.append(read)
        good = [case for reference, case in cases.items()
                if reference and not any(row.problems for row in case.rows) and self._case_values(case)
                and self._after_the_incident(case)]
        events = [event for case in good if not case.in_khusela for event in self._events(case)]
        by_reference = {case.reference: case for case in good}
        for event in in_order(events):
            case = by_reference[event.case]
            if not case.failed:
                self._apply(case, event)
        for case in good:
            if case.in_khusela:
                self._compare(case)
            elif not case.failed and case.case is not None:
                self._done(case)

    def _case_values(self, case: _Case) -> bool:
        """The case's own columns from the first row that gives each; later rows may repeat or leave them."""
        problems_before = len(self.report.problems)
        for header in CASE_COLUMNS:
            given = [(row, row.text(header)) for row in case.rows if row.text(header)]
            case.values[header] = given[0][1] if given else ""
            for row, text in given[1:]:
                if key(text) != key(case.values[header]):
                    self.report.problems.append(Problem(row.row.number, header, (
                        f"Row {given[0][0].row.number} gives case {case.reference} “{case.values[header][:40]}”: the "
                        f"rows of one case give the same {header.lower()} (or leave it empty).")))
        for header in ("Employee number", "Policy", "Clause", "Incident date", "Description", "Severity",
                       "Security risk"):
            if not case.values[header]:
                self.report.problems.append(Problem(case.first.row.number, header, (
                    f"Give the case's {header.lower()} (on its first row at least).")))
        stored = services.find_by_reference(case.reference)
        if stored is not None:
            case.case, case.in_khusela = stored, True
        return len(self.report.problems) == problems_before

    def _after_the_incident(self, case: _Case) -> bool:
        """No step before the incident: the case is opened on the incident's day, before its steps."""
        try:
            incident = iso_date(case.values["Incident date"])
        except ValueError as error:
            self.report.problems.append(Problem(case.first.row.number, "Incident date", str(error)))
            return False
        early = [row for row in case.rows if row.dates["Date"] and row.dates["Date"] < incident]
        self.report.problems.extend(Problem(row.row.number, "Date", (
            f"The step ({row.dates['Date'].isoformat()}) cannot be before the incident ({incident.isoformat()}).")) for
            row in early if row.dates["Date"])
        return not early

    def _events(self, case: _Case) -> list[Event]:
        incident = iso_date(case.values["Incident date"])
        events = [Event(incident, Kind.OPEN, case.first.row.number, case.reference)]
        # The procedure follows the decision to take disciplinary action: a step dated before it (an
        # investigation may inform the decision) is recorded, with its own date, once it is decided.
        decided = min((row.dates["Date"] for row in case.rows if row.step in (Step.DECIDED, Step.DISCIPLINARY)
                       and row.dates["Date"]), default=date.min)
        hearing = next((row.dates["Date"] for row in case.rows if row.step == Step.HEARING), None)
        for row in case.rows:
            on = row.dates["Date"]
            assert on is not None and row.step is not None  # _read() refused a row without them
            if row.step == Step.REPORTED:
                continue
            applied = max(on, decided) if row.step in PROCEDURE_STEPS else on
            events.append(Event(applied, kind_of(row.step), row.row.number, case.reference))
            follow_up = row.dates["Signed on"] if row.step in WARNINGS else (
                row.dates["Completed on"] if row.step in COMPLETED_STEPS else None)
            if row.step in WARNINGS and follow_up is None and row.text("Witness"):
                follow_up = on  # refused when it was given (Khusela keeps no date of a refusal)
            if follow_up is not None:
                events.append(Event(max(follow_up, applied), Kind.FOLLOW_UP, row.row.number, case.reference))
            if row.step == Step.ALLEGATION and row.text("Result"):
                # Khusela keeps no date of a finding: it follows the hearing (without one, it is refused).
                events.append(Event(max(hearing or applied, applied), Kind.FINDING, row.row.number, case.reference))
        return events

    # --- applying one event --------------------------------------------------------------------------

    def _apply(self, case: _Case, event: Event) -> None:
        row = next(each for each in case.rows if each.row.number == event.row)
        try:
            if event.kind == Kind.OPEN:
                self._open(case)
            elif event.kind == Kind.CLOSE:
                assert case.case is not None
                services.close_case(case.case, row.text("Details"), expected_version=case.case.version,
                                    actor=self.actor, today=event.on)
            elif row.step in PROCEDURE_STEPS:
                self._procedure(case, row, event)
            elif event.kind in (Kind.DECIDE, Kind.STEP):
                self._step(case, row, event.on)
            else:
                self._follow_up(case, row, event.on)
        except services.CaseRuleError as error:
            case.failed = True
            self.report.problems.extend(self._problem(case, row, name, message) for name, message in error.problems)

    @staticmethod
    def _problem(case: _Case, row: _Row, name: str | None, message: str) -> Problem:
        """A refusal on the row's column; a procedure step refused for want of the one before it, when the
        file dates that step later, on its Date."""
        column = column_of(row.step, name)
        on = row.dates["Date"]
        if name is None and row.step in PROCEDURE_STEPS and on is not None:
            later = next((other for other in case.rows if other.step in PROCEDURE_STEPS and other.dates["Date"]
                          and other.dates["Date"] > on and kind_of(other.step) < kind_of(row.step)), None)
            if later is not None and later.step is not None and later.dates["Date"] is not None:
                return Problem(row.row.number, "Date", (
                    f"{message} Row {later.row.number} dates the {later.step.label.lower()} "
                    f"{later.dates['Date'].isoformat()}, after this step ({on.isoformat()})."))
        return Problem(row.row.number, column, message)

    def _open(self, case: _Case) -> None:
        values = case.values
        employee = db.session.scalar(sa.select(Employee).where(Employee.number == values["Employee number"]))
        incident = iso_date(values["Incident date"])
        reported = iso_date(values["Reported on"]) if values["Reported on"] else incident
        problems = []
        if employee is None:
            problems.append(("employee_number", f"No employee in the register has the number "
                                                f"{values['Employee number']}."))
        clause = _clause(values["Policy"], values["Clause"], incident)
        if clause is None:
            problems.append(("clause_id", f"{values['Policy']} has no clause {values['Clause']} in the version in "
                                          f"force on {incident.isoformat()}."))
        severity, risk = _level(values["Severity"], Severity), _level(values["Security risk"], SecurityRisk)
        if severity is None:
            problems.append(("severity", f"Unknown severity “{values['Severity']}”; use Low, Medium, High or "
                                         "Critical."))
        if risk is None:
            problems.append(("security_risk", f"Unknown security risk “{values['Security risk']}”; use Low, Medium "
                                              "or High."))
        if problems or employee is None or clause is None:
            raise services.CaseRuleError(problems)
        case.case = services.open_case(services.CaseInput(
            employee_id=employee.id, clause_id=clause.id, incident_on=incident, description=values["Description"],
            severity=severity or "", security_risk=risk or "", reported_on=reported), actor=self.actor,
            reference=case.reference)

    def _step(self, case: _Case, row: _Row, on: date) -> None:
        record = case.case
        assert record is not None and row.step is not None
        if row.step == Step.DECIDED:
            self._decide(record, ACTION_WORDS[key(row.text("Details"))], row, on)
            return
        action = ACTIONS.get(row.step)
        if action is not None and record.decided is None:
            self._decide(record, action, row, on)
        if row.step in WARNINGS:
            case.made[row.row.number] = services.give_warning(record, services.WarningInput(
                WARNINGS[row.step].value, row.text("Details"), on), actor=self.actor, today=self.today)
        elif row.step == Step.REVOKE_PRIVILEGES:
            resources, application, other = _resources(row.text("Details"))
            case.made[row.row.number] = privileges.revoke_privileges(record, privileges.RevocationInput(
                resources, on, row.dates["Until"], bool(row.text("Note")), row.text("Note"), application, other),
                actor=self.actor, today=self.today)
        elif row.step == Step.TRAINING:
            case.made[row.row.number] = privileges.assign_training(record, row.text("Details"), row.text("Note"),
                                                                   row.dates["Until"], actor=self.actor, today=on)

    def _procedure(self, case: _Case, row: _Row, event: Event) -> None:
        """A step of the disciplinary procedure, through its service, on its own date."""
        record = case.case
        assert record is not None
        on, step, text, given = row.dates["Date"], row.step, row.text, _confirmed(row)
        assert on is not None  # _read() refused a row without it
        today, actor, reason = self.today, self.actor, row.text("Reason")
        if step == Step.INVESTIGATION and event.kind == Kind.FOLLOW_UP:
            disciplinary.complete_investigation(record, completed_on=row.dates["Completed on"],
                                                findings=text("Details"), actor=actor, today=today)
        elif step == Step.INVESTIGATION:
            disciplinary.record_investigation(record, investigator=text("Person"), started_on=on,
                                              override_reason=reason, actor=actor, today=today)
        elif step == Step.SUSPENSION:
            disciplinary.record_suspension(record, disciplinary.SuspensionInput(
                on, row.dates["Until"], row.dates["Review on"], True, text("Details")), override_reason=reason,
                actor=actor)
        elif step == Step.UNION:
            union = text("Details")
            representative = None if not union else key(union) not in NO_UNION_OFFICE
            disciplinary.record_union_status(record, disciplinary.UnionInput(
                representative, union if representative else "", on if text("Person") else None, text("Person"),
                text("Note")), actor=actor, today=today)
        elif step == Step.ALLEGATION and event.kind == Kind.FINDING:
            finding, allegation = FINDING_WORDS[key(text("Result"))], case.made.get(row.row.number)
            if allegation is None:
                raise services.CaseRuleError([("finding", "The finding follows the hearing of the allegation: date "
                                                          "the hearing after the allegation and its notice.")])
            disciplinary.record_finding(record, allegation.id, finding=finding.value,
                                        reasons=text("Note"), actor=actor)
        elif step == Step.ALLEGATION:
            case.made[row.row.number] = disciplinary.add_allegation(record, text("Details"), actor=actor)
        elif step == Step.NOTICE:
            disciplinary.issue_notice(record, disciplinary.NoticeInput(
                on, row.dates["Hearing on"], text("Time"), text("Venue"), text("Language"), text("Person"),
                **{name: name in given for name in NOTICE_CONFIRMS}, issued_by_name=text("Issued by"),
                issued_by_position=text("Position")), override_reason=reason, actor=actor, today=today)
        elif step == Step.HEARING:
            disciplinary.record_hearing(record, disciplinary.HearingInput(
                on, text("Person"), text("Attendees"), "employee_present" in given, text("Representative"),
                text("Interpreter"), text("Details"), text("Note")), override_reason=reason, actor=actor, today=today)
        elif step == Step.SANCTION:
            self._sanction(record, row, on, given)
        elif step == Step.WRITTEN_OUTCOME:
            disciplinary.record_outcome_issued(record, issued_on=on, referral_notice_given="referral_notice_given"
                                               in given, override_reason=reason, actor=actor, today=today)
        elif step == Step.APPEAL:
            disciplinary.record_appeal(record, lodged_on=on, grounds=text("Details"), actor=actor, today=today)
        elif step == Step.APPEAL_OUTCOME:
            outcome = APPEAL_WORDS.get(key(text("Result")))
            varied = SANCTION_WORDS.get(key(text("Sanction")))
            disciplinary.record_appeal_outcome(
                record, outcome=outcome.value if outcome else "", outcome_on=on, reasons=text("Details"),
                varied_sanction=varied.value if varied else "", chair=text("Person"),
                chair_position=text("Position"), chair_senior="chair_senior" in given, actor=actor, today=today)

    def _sanction(self, record: PolicyCase, row: _Row, on: date, given: set[str]) -> None:
        chosen = SANCTION_WORDS.get(key(row.text("Sanction")))
        years = row.text("Service years")
        clean = True if "clean_record" in given else (False if "record_not_clean" in given else None)
        disciplinary.record_sanction(record, disciplinary.SanctionInput(
            chosen.value if chosen else "", row.text("Details"), on, rule_existed="rule_existed" in given,
            rule_valid="rule_valid" in given, rule_known="rule_known" in given,
            consistently_applied="consistently_applied" in given,
            sanction_appropriate="sanction_appropriate" in given, rule_importance=row.text("Rule importance"),
            harm_caused=row.text("Harm caused"),
            representations_on_sanction="representations_on_sanction" in given, clean_record=clean,
            service_years=int(years) if years else None, record_weighed=row.text("Note"),
            wrongdoing_acknowledged="wrongdoing_acknowledged" in given, business_impact=row.text("Business impact")),
            override_reason=row.text("Reason"), actor=self.actor, today=self.today)

    def _decide(self, record: PolicyCase, action: Action, row: _Row, on: date) -> None:
        reason = row.text("Reason")
        if action != record.recommended and not reason:
            reason = f"{DEFAULT_REASON} (imported from {self.report.filename})."
        services.decide(record, action.value, reason, expected_version=record.version, actor=self.actor,
                        decided_on=on, today=self.today)

    def _follow_up(self, case: _Case, row: _Row, on: date) -> None:
        record, made = case.case, case.made.get(row.row.number)
        assert record is not None
        if made is None:
            return  # the step itself was not recorded (a problem is on its row)
        if row.step in WARNINGS:
            refused = row.dates["Signed on"] is None
            services.record_signature(record, made.id, acknowledged_on=None if refused else on, refused=refused,
                                      witness_name=row.text("Witness"), actor=self.actor, today=self.today)
        elif row.step == Step.REVOKE_PRIVILEGES:
            privileges.record_restoration(record, made.id, on, actor=self.actor, today=self.today)
        elif row.step == Step.TRAINING:
            privileges.record_training_completion(record, made.id, on, actor=self.actor, today=self.today)

    def _done(self, case: _Case) -> None:
        record = case.case
        assert record is not None
        steps = [row.step.label.lower() for row in sorted(case.rows, key=lambda r: (r.dates["Date"], r.row.number))
                 if row.step is not None and row.step != Step.REPORTED]
        audit.record(AuditAction.IMPORT, "case", record.id, actor=self.actor,
                     summary=(f"Imported case {record.reference} from {self.report.filename}, each step on its own "
                              f"date: {', '.join(steps) or 'reported'}")[:300])
        self.report.outcomes.append(RowOutcome(
            case.first.row.number, record.reference,
            f"{case.values['Policy']} {case.values['Clause']}, incident {record.incident_on.isoformat()}: "
            f"{len(steps)} step{'s' if len(steps) != 1 else ''}, {record.status}", "create"))


    # --- a case already in Khusela ---------------------------------------------------------------------

    def _compare(self, case: _Case) -> None:
        """The file's rows of the case against the rows its export gives: steps of each kind in date order,
        cell by cell. A file without Reported or Decision rows (a warning row decided the action) is
        compared without them."""
        record = case.case
        assert record is not None
        given = {step: [row for row in case.rows if _compared_step(row) == step] for step in Step}
        stored = {step: [row for row in case_steps(record) if row.step == step] for step in Step}
        implied = not given[Step.DECIDED]  # each action row decided it, with the Reason
        for step in (Step.REPORTED, Step.DECIDED):
            if not given[step]:
                stored[step] = []
        for step in Step:
            rows = sorted(given[step], key=lambda row: (row.dates["Date"], row.row.number))
            if len(rows) != len(stored[step]):
                at = rows[len(stored[step])] if len(rows) > len(stored[step]) else case.first
                self._differs(case, at, "Step", f"{len(stored[step])} “{step.label}” step"
                                                f"{'s' if len(stored[step]) != 1 else ''} where the file has "
                                                f"{len(rows)}")
                return
            for row, kept in zip(rows, stored[step], strict=True):
                cells = _cells(kept)
                if implied and row.step in ACTIONS and row.text("Reason") in ("", record.decision_reason):
                    del cells["Reason"]
                for header, value in cells.items():
                    if header in row.row.values and not _same(header, row, value):
                        self._differs(case, row, header, f"{header.lower()} “{value[:60]}” for its "
                                                         f"{step.label.lower()} step" if header not in CASE_COLUMNS
                                      else f"{header.lower()} “{value[:60]}”")
                        return
        self.report.outcomes.append(RowOutcome(
            case.first.row.number, record.reference,
            f"{record.policy_version.policy.code} {record.clause.reference if record.clause else ''}, incident "
            f"{record.incident_on.isoformat()}: as in Khusela", "unchanged"))

    def _differs(self, case: _Case, row: _Row, header: str, what: str) -> None:
        self.report.problems.append(Problem(row.row.number, header, (
            f"Case {case.reference} is in Khusela already with {what}: a case's history is imported once. Record "
            "further steps on its page, or leave its rows out of the file.")))


def _compared_step(row: _Row) -> Step | None:
    """A "Disciplinary action" row is the decision to take it."""
    return Step.DECIDED if row.step == Step.DISCIPLINARY else row.step


def _cells(kept: StepRow) -> dict[str, str]:
    """The stored step as its export row gives it, as text; minus the cells Khusela keeps no value for
    (the day training was assigned, the report's row date: the case's Reported on gives it; the day an
    allegation was put, or the union question answered without the union informed)."""
    cells = {column.header: cell_text(plain_value(column.value(kept))) for column in STEP_COLUMNS}
    if kept.step in (Step.TRAINING, Step.REPORTED, Step.ALLEGATION) or (kept.step == Step.UNION and not kept.person):
        del cells["Date"]
    return cells


def _same(header: str, row: _Row, stored: str) -> bool:
    given = row.text(header)
    if header in CASE_COLUMNS and not given:
        return True  # a later row may leave the case's own columns empty
    if header == "Step":
        return True  # the rows were matched by their step
    if header == "Reason" and not given:
        return not stored or stored.startswith(DEFAULT_REASON)
    if header == "Details" and row.step == Step.DISCIPLINARY:
        return stored == Action.DISCIPLINARY.label
    if header == "Details" and row.step == Step.DECIDED:
        return ACTION_WORDS.get(key(given)) == ACTION_WORDS.get(key(stored))
    if header == "Details" and row.step == Step.REVOKE_PRIVILEGES:
        return _resource_set(given) == _resource_set(stored)
    if header in ("Severity", "Security risk"):
        return key(given) == key(stored)
    if header == "Sanction":
        return SANCTION_WORDS.get(key(given)) == SANCTION_WORDS.get(key(stored))
    if header == "Result":
        return (FINDING_WORDS | APPEAL_WORDS).get(key(given)) == (FINDING_WORDS | APPEAL_WORDS).get(key(stored))
    if header == "Confirmed":
        return {key(part) for part in _parts(given)} == {key(part) for part in _parts(stored)}
    if header == "Details" and row.step == Step.UNION:
        return key(given) == key(stored) or {key(given), key(stored)} <= NO_UNION_OFFICE
    if header in DATE_HEADERS:
        return (row.dates.get(header) or _date_or_none(given)) == _date_or_none(stored)
    return " ".join(given.split()) == " ".join(stored.split())


def _resource_set(text: str) -> tuple[list[str], str, str]:
    resources, application, other = _resources(text)
    return sorted(resources), application.upper(), " ".join(other.split())


def _date_or_none(text: str) -> date | None:
    return iso_date(text) if text else None


def _clause(policy_code: str, reference: str, on: date) -> PolicyClause | None:
    """The clause of the policy's version in force on the day (approved by then, not yet superseded)."""
    version = db.session.scalar(
        sa.select(PolicyVersion).join(Policy).where(sa.func.upper(Policy.code) == policy_code.upper(),
                                                   PolicyVersion.approved_on <= on,
                                                   sa.or_(PolicyVersion.superseded_on.is_(None),
                                                          PolicyVersion.superseded_on > on))
        .order_by(PolicyVersion.approved_on.desc()).limit(1))
    wanted = reference.strip().rstrip(".")
    return next((c for c in version.clauses if c.reference == wanted), None) if version else None


def _level(text: str, levels: type[Severity] | type[SecurityRisk]) -> str | None:
    return next((level.value for level in levels if key(text) == level.value), None)


def _resources(text: str) -> tuple[list[str], str, str]:
    """(resource values, the application's CMDB tag, what else) from “internet; An application: APP-0012;
    Other: the plotter”; a word Khusela does not know passes through, for the service to name."""
    known = {resource.value for resource in Resource}
    resources, application, other = [], "", ""
    for part in (part.strip() for part in re.split(r"[;\n]", text) if part.strip()):
        word, colon, rest = part.partition(":")
        resource = RESOURCE_WORDS.get(key(word)) if colon else None
        if resource == Resource.APPLICATION:
            resources.append(resource.value)
            application = rest.strip()
        elif resource == Resource.OTHER:
            resources.append(resource.value)
            other = rest.strip()
        else:  # a plain list may use commas too: "internet, e-mail"
            for each in (each.strip() for each in part.split(",") if each.strip()):
                found = RESOURCE_WORDS.get(key(each))
                resources.append(found.value if found else (key(each) if key(each) in known else each))
    return resources, application, other


# --- the template --------------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """A "Cases" sheet to fill in (drop-downs of the steps, levels, sanctions and results), "Columns" and
    "Lists"."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    lists = {"Step": [step.label for step in Step], "Severity": [s.label for s in Severity],
             "Security risk": [r.label for r in SecurityRisk], "Sanction": [s.label for s in Sanction],
             "Result": [f.label for f in Finding] + [o.label for o in AppealOutcome]}
    ranges = imports.lists_sheet(workbook, lists, width=24)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        imports.header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[letter].width = 40 if column.header in ("Description", "Details") else 16
        if column.header in ranges:
            imports.add_list_check(sheet, letter, ranges[column.header], MAX_IMPORT_ROWS)
    sheet.freeze_panes = "B2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
