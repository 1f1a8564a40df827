"""Import of policies with their version history (the document-control tables an organisation brings
from Word): file -> checked rows -> services, all or nothing (app.common.imports).

A row is one version of one policy: the rows of a policy code together are its history, put in
Khusela in the order of their version numbers (not the file's order), each through the same services
as the pages (create, edit the draft, send for review, record the reviews, approve), dated as the file
says: a version approved on 2019-03-01 is approved on that day and supersedes the one before on that
day. The policy register's export (app.policies.exports.VERSION_COLUMNS) has these columns, so an
exported register imports back unchanged: a policy already in Khusela whose versions match the file
is left as it is; one that differs is refused, naming the row and column (a policy's history is
imported once; later versions are recorded on its page).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
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
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.tabular import Problem, TableRow
from app.controls.models import Control
from app.extensions import db
from app.policies import services, workflow
from app.policies.exports import VERSION_COLUMNS
from app.policies.models import Policy, PolicyState, PolicyVersion

MAX_IMPORT_ROWS = 2_000
SHEET_NAME = "Policies"
REVIEWER_LINE = re.compile(r"^\s*([^;]+?)\s*;\s*([^;]*?)\s*;\s*(\S+)\s*$")

COLUMNS = [
    ImportColumn("Policy code", "The policy's code (2 to 32 letters, digits or dashes). The rows of one code are "
                 "that policy's versions.", "ICT-POL-001", required=True, aliases=("Code", "Policy", "Document code")),
    ImportColumn("Title", "The policy's title (the same on each of its rows, or empty after the first).",
                 "ICT Security Policy", required=True, aliases=("Policy title", "Document title")),
    ImportColumn("Owner", "The policy owner's sign-in e-mail address; may be empty.", "officer@example.org",
                 aliases=("Policy owner", "Owner e-mail")),
    ImportColumn("Controls", "The Annex A controls it answers, by reference, separated by “;”.", "5.1; 5.2",
                 aliases=("Annex A controls",)),
    ImportColumn("Version", "The version number: 1.0, 1.1, 2.0... Versions are put in Khusela in this order, "
                 "whatever the order of the rows.", "1.1", required=True, aliases=("Version number", "Version no")),
    ImportColumn("Change", "The version history's “state/change”: Original for the first version, else what it "
                 "changed.", "Changes", aliases=("State/change", "State / change", "Change description")),
    ImportColumn("Status", "Draft, In review, Approved, Superseded or Recorded; may be empty. It must agree with the "
                 "dates: approved on a date is Approved (Superseded once a later version is approved), sent for "
                 "review without an approval is In review, neither is Draft. Recorded (the export writes “Review "
                 "and approval pending”): issued by the organisation, with no review or approval yet; any version "
                 "of the history may be.", "Approved", aliases=("State",),
                 choices=lambda: {word: state.label for word, state in STATUS_WORDS.items()}),
    ImportColumn("Author", "The author's name, as the document-control table gives it.", "Sipho Dlamini",
                 aliases=("Author name", "Prepared by")),
    ImportColumn("Author designation", "The author's designation.", "Security Officer"),
    ImportColumn("Author contact", "The author's contact details; may be empty.", "security@example.org"),
    ImportColumn("Sent for review", "Date as YYYY-MM-DD. Empty for an approved version: the day of its first "
                 "review.", "2024-02-01", aliases=("Submitted on", "Submitted for review")),
    ImportColumn("Reviewers", "One reviewer a line: name; designation; date reviewed (YYYY-MM-DD). An approved "
                 "version needs at least one.", "Lerato Mokoena; Manager: ICT; 2024-02-08",
                 aliases=("Reviewed by",)),
    ImportColumn("Approved by", "The approver's name; empty for a version not approved.", "Lindiwe Ndlovu",
                 aliases=("Approver",)),
    ImportColumn("Approver designation", "The approver's designation.", "Head of Department"),
    ImportColumn("Approved on", "Date as YYYY-MM-DD; empty for a version not approved.", "2024-02-15",
                 aliases=("Approval date", "Date approved")),
    ImportColumn("Next review", "Date as YYYY-MM-DD. Empty: the approval date plus the review interval (a "
                 "setting).", "2025-02-15", aliases=("Next review date", "Review date")),
    ImportColumn("Text", "The policy's text (Markdown); numbered headings such as “## 4.2 Password length” "
                 "become the clauses a case cites.", "## 4.2 Reporting incidents\nReport a suspected incident "
                 "at once.", aliases=("Body", "Policy text", "Content")),
]
# Where the services' (field, message) problems belong in the file.
FIELD_COLUMNS = {
    "code": "Policy code", "title": "Title", "owner_id": "Owner", "control_ids": "Controls", "number": "Version",
    "change": "Change", "body": "Text", "author_name": "Author", "author_designation": "Author designation",
    "author_contact": "Author contact", "approver_name": "Approved by", "approver_designation": "Approver designation",
    "approved_on": "Approved on", "next_review_on": "Next review", "reviewed_on": "Reviewers", "name": "Reviewers",
}
STATUS_WORDS: dict[str, PolicyState] = ({key(state.label): state for state in PolicyState}
                                        | {state.value: state for state in PolicyState})


def import_policies(filename: str, data: bytes, *, actor: User, dry_run: bool) -> ImportReport:
    """Read, check and apply the whole file in one transaction; commit only if every row is good and
    this is not a dry run."""
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _Import(rows, report, actor).run()

    return run_import(filename, data, columns=COLUMNS, sheet_name=SHEET_NAME, max_rows=MAX_IMPORT_ROWS,
                      what="policy versions", entity_type="policy", apply_rows=apply_rows, actor=actor,
                      dry_run=dry_run)


def iso_date(text: str) -> date:
    """A date cell: YYYY-MM-DD (or a date cell, which cell_text() writes so); the message says how."""
    try:
        return date.fromisoformat(text[:10].replace("/", "-"))
    except ValueError:
        raise ValueError(f"“{text}” is not a date; write it as YYYY-MM-DD, like 2024-03-31.") from None


# --- one row -----------------------------------------------------------------------------------------


@dataclass
class _Version:
    """One row: a version, read and checked."""

    row: TableRow
    number: str
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, header: str) -> str:
        return cell_text(self.row.values.get(header)) if header != "Text" else _body(self.row.values.get(header))

    def problem(self, header: str | None, message: str) -> None:
        self.problems.append(Problem(self.row.number, header, message))

    def parsed(self, header: str, parse: Callable[[str], Any]) -> Any:
        text = self.text(header)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as error:
            self.problem(header, str(error))
            return None

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.number.split("."))


def _body(value: Any) -> str:
    """The text as the cell holds it (a body kept in Khusela may end with a newline: it comes back so)."""
    text = value.replace("\r\n", "\n") if isinstance(value, str) else cell_text(value)
    return text if text.strip() else ""


def _reviewers(text: str) -> list[tuple[str, str, date]]:
    reviewers, bad = [], []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        match = REVIEWER_LINE.match(line)
        if match is None:
            bad.append(f"line {number} (“{line.strip()[:40]}”) is not “name; designation; YYYY-MM-DD”")
            continue
        try:
            reviewers.append((match.group(1), match.group(2), iso_date(match.group(3))))
        except ValueError:
            bad.append(f"line {number} has no date as YYYY-MM-DD at its end")
    if bad:
        raise ValueError("Reviewers: " + "; ".join(bad) + ". Put one reviewer a line, like “Lerato Mokoena; "
                         "Manager: ICT; 2024-02-08”.")
    return reviewers


def _read(row: TableRow) -> _Version:
    version = _Version(row, _number(cell_text(row.values.get("Version"))))
    if not version.number:
        version.problem("Version", "Give the version number, like 1.0.")
    elif not workflow.is_version_number(version.number):
        version.problem("Version", f"“{version.number}” is not a version number like 1.0 or 2.1.")
    for header in ("Sent for review", "Approved on", "Next review"):
        version.values[header] = version.parsed(header, iso_date)
    version.values["Reviewers"] = version.parsed("Reviewers", _reviewers) or []
    status = version.text("Status")
    version.values["Status"] = STATUS_WORDS.get(key(status)) if status else None
    if status and version.values["Status"] is None:
        version.problem("Status", f"Unknown status “{status}”; use Draft, In review, Approved, Superseded or "
                                  "Recorded.")
    return version


def _number(text: str) -> str:
    """ "v1.1" -> "1.1"; "2" (a number cell 2.0, as a spreadsheet keeps it) -> "2.0"."""
    number = text.strip().lstrip("vV")
    return f"{number}.0" if number.isdigit() else number


def _state(version: _Version, later_approved: bool) -> PolicyState:
    """What the dates say the version is; a version without any that the file says was recorded as
    issued is recorded (its review and approval pending), wherever it is in the history."""
    if version.values["Status"] == PolicyState.RECORDED and not _reviewed(version):
        return PolicyState.RECORDED
    if version.values["Approved on"]:
        return PolicyState.SUPERSEDED if later_approved else PolicyState.APPROVED
    if version.values["Sent for review"]:
        return PolicyState.IN_REVIEW
    return PolicyState.DRAFT


def _reviewed(version: _Version) -> bool:
    return bool(version.values["Sent for review"] or version.values["Reviewers"] or version.values["Approved on"])


# --- the whole file ------------------------------------------------------------------------------------


class _Import:
    def __init__(self, rows: list[TableRow], report: ImportReport, actor: User):
        self.rows, self.report, self.actor = rows, report, actor
        self.users = {user.email.casefold(): user for user in db.session.scalars(sa.select(User).where(
            User.active.is_(True)))}
        self.controls = {control.reference.upper(): control for control in db.session.scalars(
            sa.select(Control).where(Control.active.is_(True), Control.source == "annex_a"))}

    def run(self) -> None:
        by_code: dict[str, list[_Version]] = {}
        for row in self.rows:
            code = cell_text(row.values.get("Policy code")).upper()
            version = _read(row)
            if not code:
                version.problem("Policy code", "Give the policy's code, like ICT-POL-001.")
            self.report.problems.extend(version.problems)
            by_code.setdefault(code, []).append(version)
        for code, versions in by_code.items():
            if code and not any(v.problems for v in versions):
                self._policy(code, versions)

    def _policy(self, code: str, versions: list[_Version]) -> None:
        problems_before = len(self.report.problems)
        seen: dict[str, int] = {}
        for version in versions:
            if version.number in seen:
                self.report.problems.append(Problem(version.row.number, "Version", (
                    f"{code} version {version.number} is also in row {seen[version.number]}; a version is in the "
                    "file once.")))
            seen.setdefault(version.number, version.row.number)
        if len(self.report.problems) > problems_before:
            return
        history = sorted(versions, key=lambda v: v.sort_key)  # by version number, not the file's order
        self._check_states(code, history)
        if len(self.report.problems) > problems_before:
            return
        existing = services.find_by_code(code)
        if existing is not None:
            self._compare(existing, history)
            return
        try:
            policy = self._create(code, history)
        except services.PolicyRuleError:
            return  # _create() reported the problem at its row
        first, last = history[0], history[-1]
        numbers = ", ".join(v.number for v in history)
        audit.record(AuditAction.IMPORT, "policy", policy.id, actor=self.actor,
                     summary=f"Imported policy {policy} with its version history ({numbers}) from "
                             f"{self.report.filename}"[:300])
        self.report.outcomes.append(RowOutcome(first.row.number, policy.code, f"{policy.title} (version"
                                               f"{'s' if len(history) > 1 else ''} {numbers}; "
                                               f"{PolicyState(last.values['state']).label.lower()})", "create"))

    def _check_states(self, code: str, history: list[_Version]) -> None:
        for index, version in enumerate(history):
            later_approved = any(v.values["Approved on"] for v in history[index + 1:])
            state = _state(version, later_approved)
            version.values["state"] = state
            given = version.values["Status"]
            if given is not None and given != state:
                self.report.problems.append(Problem(version.row.number, "Status", (
                    f"The dates make {code} version {version.number} {state.label.lower()}, not {given.label.lower()}"
                    f": {_why(given if given == PolicyState.RECORDED else state)}")))
            if state in (PolicyState.DRAFT, PolicyState.IN_REVIEW) and version is not history[-1]:
                self.report.problems.append(Problem(version.row.number, "Approved on", (
                    f"{code} version {version.number} was not approved, but version {history[-1].number} follows it: "
                    "only the latest version may be a draft or in review. Give its approval date, give its status as "
                    "Recorded if the organisation issued it unreviewed, or leave the later versions out.")))

    # --- creating ----------------------------------------------------------------------------------

    def _create(self, code: str, history: list[_Version]) -> Policy:
        first = history[0]
        policy_input = self._policy_input(code, history)
        if policy_input is None:
            raise services.PolicyRuleError("reported")
        policy = self._service(first, lambda: services.create_policy(policy_input, _draft(first), actor=self.actor,
                                                                     number=first.number))
        self._through_review(policy.latest, first)
        for version in history[1:]:  # each lambda runs at once, inside its turn of the loop
            draft = self._service(version, lambda: services.start_new_version(
                policy, major=False, actor=self.actor, number=version.number))  # noqa: B023
            self._service(version, lambda: services.update_draft(
                draft, _draft(version), expected_version=draft.version, actor=self.actor))  # noqa: B023
            self._through_review(draft, version)
        return policy

    def _policy_input(self, code: str, history: list[_Version]) -> services.PolicyInput | None:
        """The policy's own columns: from its first row that has them; a later row may repeat them or
        leave them empty, not give others."""
        problems_before = len(self.report.problems)
        values = {}
        for header in ("Title", "Owner", "Controls"):
            given = [(v, v.text(header)) for v in history if v.text(header)]
            values[header] = given[0][1] if given else ""
            for version, text in given[1:]:
                if key(text) != key(values[header]):
                    self.report.problems.append(Problem(version.row.number, header, (
                        f"Row {given[0][0].row.number} gives {code} the {header.lower()} “{values[header]}”: the "
                        f"rows of one policy give the same {header.lower()} (or leave it empty).")))
        owner = self.users.get(values["Owner"].casefold()) if values["Owner"] else None
        if values["Owner"] and owner is None:
            self.report.problems.append(Problem(history[0].row.number, "Owner", (
                f"No active user signs in as “{values['Owner']}”. Create the account first, or leave the cell empty.")))
        control_ids = []
        for reference in (part.strip() for part in re.split(r"[;,\n]", values["Controls"]) if part.strip()):
            control = self.controls.get(reference.upper().removeprefix("A."))
            if control is None:
                self.report.problems.append(Problem(history[0].row.number, "Controls", (
                    f"“{reference}” is not an Annex A control reference (like 5.1 or A.8.16).")))
            else:
                control_ids.append(control.id)
        if len(self.report.problems) > problems_before:
            return None
        return services.PolicyInput(code=code, title=values["Title"], owner_id=owner.id if owner else None,
                                    control_ids=tuple(dict.fromkeys(control_ids)))

    def _through_review(self, draft: PolicyVersion, version: _Version) -> None:
        """The clauses from its headings, then review and approval as far as the row's dates go, each on its date."""
        services.clauses_from_headings(draft, actor=self.actor)
        state, values = version.values["state"], version.values
        if state == PolicyState.DRAFT:
            return
        if state == PolicyState.RECORDED:
            self._service(version, lambda: services.record_as_issued(draft, expected_version=draft.version,
                                                                     actor=self.actor))
            return
        reviewers = values["Reviewers"]
        sent_on = values["Sent for review"] or min([r[2] for r in reviewers] + [values["Approved on"]])
        self._service(version, lambda: services.submit_for_review(draft, expected_version=draft.version,
                                                                  actor=self.actor, today=sent_on))
        for name, designation, reviewed_on in reviewers:  # the lambda runs at once, inside its turn
            self._service(version, lambda: services.add_reviewer(
                draft, name=name, designation=designation, reviewed_on=reviewed_on, actor=self.actor))  # noqa: B023
        if state in (PolicyState.APPROVED, PolicyState.SUPERSEDED):
            approval = workflow.Approval(version.text("Approved by"), version.text("Approver designation"),
                                         values["Approved on"], values["Next review"])
            self._service(version, lambda: services.approve(draft, approval, expected_version=draft.version,
                                                            actor=self.actor))

    def _service(self, version: _Version, call: Callable[[], Any]) -> Any:
        """Run one service call for the row; a refusal becomes the row's problems (and stops this policy)."""
        try:
            return call()
        except services.PolicyRuleError as error:
            self.report.problems.extend(Problem(version.row.number, FIELD_COLUMNS.get(name) if name else None, message)
                                        for name, message in error.problems)
            raise

    # --- a policy already in Khusela -------------------------------------------------------------------

    def _compare(self, policy: Policy, history: list[_Version]) -> None:
        stored = {version.number: version for version in policy.versions}
        for version in history:
            kept = stored.pop(version.number, None)
            if kept is None:
                self.report.problems.append(Problem(version.row.number, "Version", (
                    f"{policy.code} is in Khusela already, without version {version.number}: a policy's history is "
                    "imported once. Record a new version on the policy's page.")))
                return
            for header, value in _cells(kept).items():
                if header in version.row.values and _same(header, version.text(header), value) is False:
                    self.report.problems.append(Problem(version.row.number, header, (
                        f"{policy.code} version {version.number} is in Khusela already with "
                        f"{header.lower()} “{value[:60]}”: a policy's history is imported once. Change it on the "
                        "policy's page, or leave the policy out of the file.")))
                    return
        if stored:
            self.report.problems.append(Problem(history[0].row.number, "Version", (
                f"{policy.code} is in Khusela with version(s) {', '.join(sorted(stored))} that the file does not "
                "have: a policy's history is imported once, whole.")))
            return
        self.report.outcomes.append(RowOutcome(history[0].row.number, policy.code, policy.title, "unchanged"))


def _why(state: PolicyState) -> str:
    return {PolicyState.RECORDED: "a version recorded as issued has no review or approval; leave its Sent for "
                                  "review, Reviewers and Approved on empty.",
            PolicyState.SUPERSEDED: "it has an approval date and a later version was approved.",
            PolicyState.APPROVED: "it has an approval date and no later version was approved.",
            PolicyState.IN_REVIEW: "it was sent for review and has no approval date.",
            PolicyState.DRAFT: "it has no review or approval date."}[state]


def _draft(version: _Version) -> services.DraftInput:
    return services.DraftInput(change=version.text("Change"), body=version.text("Text"),
                               author_name=version.text("Author"),
                               author_designation=version.text("Author designation"),
                               author_contact=version.text("Author contact"))


def _cells(version: PolicyVersion) -> dict[str, str]:
    """The version as its export row gives it, as text."""
    return {column.header: (_body(plain_value(column.value(version))) if column.header == "Text"
                            else cell_text(plain_value(column.value(version)))) for column in VERSION_COLUMNS}


def _same(header: str, given: str, stored: str) -> bool:
    if header == "Text":
        return given.strip() == stored.strip()
    if header == "Controls":
        return {part.strip().upper().removeprefix("A.") for part in re.split(r"[;,\n]", given) if part.strip()} == {
            part.strip().upper() for part in stored.split(";") if part.strip()}
    if header == "Version":
        return _number(given) == stored
    if header in ("Status", "Title", "Owner", "Controls") and not given:
        return True  # a later row may leave the policy's own columns empty; a status, the dates give
    if header == "Status":  # "Recorded" is "Review and approval pending", as the export writes it
        return STATUS_WORDS.get(key(given)) == STATUS_WORDS.get(key(stored))
    return key(given) == key(stored)


# --- the template --------------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """A "Policies" sheet to fill in (a drop-down of the statuses), "Columns" saying what each takes,
    and "Lists" with the statuses."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    ranges = imports.lists_sheet(workbook, {"Status": [state.label for state in PolicyState]}, width=16)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header_cell(sheet, 1, index, column.header)
        sheet.column_dimensions[letter].width = 60 if column.header == "Text" else 20
        if column.header == "Status":
            imports.add_list_check(sheet, letter, ranges["Status"], MAX_IMPORT_ROWS)
    sheet.freeze_panes = "B2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
