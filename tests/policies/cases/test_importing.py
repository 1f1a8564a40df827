"""Importing the cases an organisation brings (/cases/import): each step through the services on its own
date, in the order of those dates over the whole file; all or nothing; audited as imported."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.policies.cases import importing
from app.policies.cases.importing import Event, Kind, in_order
from app.policies.cases.models import PolicyCase
from tests import factories
from tests.pages import audit_entries, csv_rows, page_text
from tests.policies.conftest import make_approved, make_employee
from tests.tables import csv_bytes, token_of

HEADER = ["Case", "Employee number", "Policy", "Clause", "Incident date", "Severity", "Security risk", "Description",
          "Step", "Date", "Until", "Completed on", "Signed on", "Details", "Note"]


# --- the ordering rule -------------------------------------------------------------------------------------


def test_events_go_by_their_own_dates_not_the_rows_order():
    late = Event(date(2026, 5, 5), Kind.STEP, 2, "B")
    early = Event(date(2026, 4, 3), Kind.STEP, 9, "A")
    opened = Event(date(2026, 4, 1), Kind.OPEN, 7, "A")

    assert in_order([late, early, opened]) == [opened, early, late]


def test_on_one_day_a_case_opens_then_its_steps_then_their_follow_ups_then_it_closes():
    day = date(2026, 4, 3)
    closed, signed = Event(day, Kind.CLOSE, 2, "A"), Event(day, Kind.FOLLOW_UP, 3, "A")
    warned, opened = Event(day, Kind.STEP, 4, "A"), Event(day, Kind.OPEN, 5, "A")

    assert in_order([closed, signed, warned, opened]) == [opened, warned, signed, closed]


def test_two_steps_of_one_kind_on_one_day_keep_the_files_order():
    day = date(2026, 4, 3)
    second, first = Event(day, Kind.STEP, 8, "B"), Event(day, Kind.STEP, 3, "A")

    assert in_order([second, first]) == [first, second]


# --- the import -----------------------------------------------------------------------------------------------


@pytest.fixture
def staff(app, department):
    make_approved()  # ICT-SEC, in force from 2026-03-02, clauses 4.1 and 4.2
    return make_employee(department=department, name="Ayanda Zulu"), make_employee(department=department)


def history(first, second) -> list[list[str]]:
    """Four cases, the rows out of order: the second case of the first employee comes before the first."""
    a, b = first.number, second.number
    return [
        ["HR-2", a, "ICT-SEC", "4.2", "2026-05-01", "Low", "Low", "Shared his password again.",
         "Written warning", "2026-05-05", "", "", "2026-05-06", "A further breach: written warning.", ""],
        ["HR-2", "", "", "", "", "", "", "", "Closed", "2026-05-20", "", "", "", "Written warning signed.", ""],
        ["HR-1", a, "ICT-SEC", "4.2", "2026-04-01", "Low", "Low", "Shared his password with a clerk.",
         "Closed", "2026-04-10", "", "", "", "Warning given and signed.", ""],
        ["HR-1", a, "ICT-SEC", "4.2", "2026-04-01", "Low", "Low", "Shared his password with a clerk.",
         "Warning from management", "2026-04-03", "", "", "2026-04-04", "Never share your password.", ""],
        ["HR-3", b, "ICT-SEC", "4.1", "2026-06-01", "Medium", "High", "Took patient lists home on a USB stick.",
         "Revoking privileges", "2026-06-03", "2026-07-03", "2026-07-03", "", "internet; removable media",
         "A colleague copies the files she needs."],
        ["HR-3", "", "", "", "", "", "", "", "Closed", "2026-07-05", "", "", "", "Privileges given back.", ""],
        ["HR-4", b, "ICT-SEC", "4.1", "2026-09-01", "Low", "Medium", "Opened a phishing attachment.",
         "Training", "2026-09-02", "2026-10-01", "2026-09-20", "", "Phishing awareness", "ICT Security Office"],
    ]


def run(rows, *, dry_run: bool = False, actor=None, header=HEADER):
    return importing.import_cases("cases.csv", csv_bytes(header, rows), actor=actor or factories.make_user(
        "hr_officer"), dry_run=dry_run)


def case(reference: str) -> PolicyCase:
    return db.session.scalars(sa.select(PolicyCase).where(PolicyCase.reference == reference)).one()


def case_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(PolicyCase.id)))


def test_each_step_is_recorded_on_its_own_date(staff):
    report = run(history(*staff))

    assert report.ok, report.problems
    assert report.summary == "4 created, 0 updated, 0 unchanged"
    first = case("HR-1")
    assert (first.decided_action, first.decided_on, first.status, first.closed_on) == (
        "management_warning", date(2026, 4, 3), "closed", date(2026, 4, 10))
    assert [(w.warning_type, w.issued_on, w.acknowledged_on) for w in first.warnings] == [
        ("management", date(2026, 4, 3), date(2026, 4, 4))]
    third = case("HR-3")
    assert [(r.starts_on, r.ends_on, r.restored_on, r.no_harm_note) for r in third.revocations] == [
        (date(2026, 6, 3), date(2026, 7, 3), date(2026, 7, 3), "A colleague copies the files she needs.")]
    fourth = case("HR-4")
    assert fourth.status == "open" and fourth.decided_action == "training"
    assert fourth.decision_reason == "Decided before the case was recorded in Khusela (imported from cases.csv)."
    assert [(t.course, t.provider, t.due_on, t.completed_on) for t in fourth.trainings] == [
        ("Phishing awareness", "ICT Security Office", date(2026, 10, 1), date(2026, 9, 20))]


def test_an_earlier_cases_warning_counts_though_its_rows_come_later(staff):
    """HR-2's rows come first in the file, but HR-1's warning of 2026-04-03 happened before HR-2's incident:
    it is recorded first, so it still counts and moves HR-2's recommendation a rung up (progressive discipline)."""
    run(history(*staff))

    second = case("HR-2")
    assert second.recommended_action == "written_warning"
    assert second.decided_action == "written_warning" and second.decision_reason == ""


def test_the_import_is_audited_as_imported(staff):
    officer = factories.make_user("hr_officer")
    run(history(*staff), actor=officer)

    first = case("HR-1")
    imported = audit_entries("import", "case", first.id)
    assert [entry.summary for entry in imported] == [
        "Imported case HR-1 from cases.csv, each step on its own date: warning from management, closed"]
    steps = audit_entries(None, "case", first.id)
    assert {entry.action for entry in steps} >= {"create", "decide", "warn", "update", "close", "import"}
    assert all(entry.actor_id == officer.id for entry in steps)


@pytest.mark.parametrize(("row", "column", "value", "problem_row", "message"), [
    (3, "Date", "2026-13-01", 5, "“2026-13-01” is not a date"),
    (3, "Step", "Counselling", 5, "Unknown step “Counselling”"),
    (0, "Clause", "9.9", 2, "ICT-SEC has no clause 9.9 in the version in force on 2026-05-01"),
    (0, "Employee number", "E99999", 2, "No employee in the register has the number E99999"),
    (3, "Date", "2026-03-01", 5, "The step (2026-03-01) cannot be before the incident (2026-04-01)"),
    (3, "Details", "", 5, "Give the wording of the warning"),
    (4, "Until", "2026-12-31", 6, "longer than allowed"),
    (4, "Note", "", 6, "Confirm that the revocation does not harm"),
    (0, "Severity", "Serious", 2, "Unknown severity “Serious”"),
    (1, "Policy", "ICT-POL-999", 3, "the rows of one case give the same policy"),
])
def test_a_bad_cell_is_named_and_nothing_is_written(staff, row, column, value, problem_row, message):
    rows = history(*staff)
    rows[row][HEADER.index(column)] = value

    report = run(rows)

    assert not report.ok
    assert any(p.row == problem_row and message in p.message for p in report.problems), report.problems
    assert case_count() == 0


def test_the_same_file_again_reports_every_case_unchanged(staff):
    officer = factories.make_user("hr_officer")
    run(history(*staff), actor=officer)
    entries_before = len(audit_entries())

    report = run(history(*staff), actor=officer)

    assert [str(p) for p in report.problems] == []
    assert report.summary == "0 created, 0 updated, 4 unchanged"
    assert [entry.action for entry in audit_entries()[entries_before:]] == ["import"]  # no case changed


@pytest.mark.parametrize(("rows_of", "row", "column", "message"), [
    (lambda rows: rows[:1], 2, "Step", "Case HR-2 is in Khusela already with 1 “Closed” step where the file has 0"),
    (lambda rows: _changed(rows, 3, "Signed on", "2026-04-05"), 5, "Signed on",
     "Case HR-1 is in Khusela already with signed on “2026-04-04” for its warning from management step"),
    (lambda rows: _changed(rows, 3, "Details", "Never, ever share it."), 5, "Details", "“Never share your password.”"),
    (lambda rows: _changed(_changed(rows, 2, "Description", "Lost a laptop."), 3, "Description", "Lost a laptop."), 5,
     "Description",
     "with description “Shared his password with a clerk.”"),
    (lambda rows: _changed(rows, 4, "Details", "internet"), 6, "Details", "“Internet access; Removable media (USB)”"),
    (lambda rows: _changed(rows, 6, "Until", "2026-10-02"), 8, "Until", "with until “2026-10-01”"),
])
def test_a_case_in_khusela_whose_steps_differ_is_refused_naming_row_and_column(staff, rows_of, row, column,
                                                                                 message):
    run(history(*staff))

    report = run(rows_of(history(*staff)))

    assert [(p.row, p.column) for p in report.problems] == [(row, column)]
    assert message in report.problems[0].message
    assert "a case's history is imported once" in report.problems[0].message


def _changed(rows, index: int, column: str, value: str):
    rows[index][HEADER.index(column)] = value
    return rows


FULL = [*HEADER, "Witness", "Reason"]


def full_rows(employee) -> list[list[str]]:
    """A decision two days before its warning, which the employee refused to sign in front of a witness."""
    case = ["HR-9", employee.number, "ICT-SEC", "4.2", "2026-04-01", "Low", "Low", "Shared his password."]
    return [[*case, "Decision", "2026-04-02", "", "", "", "Written warning in the personnel file", "", "",
             "He was briefed on the rule a week before."],
            [*case, "Written warning", "2026-04-04", "", "", "", "Never share your password.", "", "Thabo Nkosi", ""]]


def test_a_decision_row_and_a_refusal_before_a_witness(staff):
    report = run(full_rows(staff[0]), header=FULL)

    assert [str(p) for p in report.problems] == []
    recorded = case("HR-9")
    assert (recorded.decided_action, recorded.decided_on, recorded.decision_reason) == (
        "written_warning", date(2026, 4, 2), "He was briefed on the rule a week before.")
    assert [(w.issued_on, w.acknowledged_on, w.refused_to_sign, w.witness_name) for w in recorded.warnings] == [
        (date(2026, 4, 4), None, True, "Thabo Nkosi")]
    assert run(full_rows(staff[0]), header=FULL).summary == "0 created, 0 updated, 1 unchanged"


@pytest.mark.parametrize(("row", "column", "value", "message"), [
    (0, "Details", "A stern talk", "Say which corrective action was decided (“A stern talk” is none)"),
    (1, "Signed on", "2026-04-05", "A witness is named only for a warning the employee refused to sign"),
])
def test_a_bad_decision_or_witness_is_named(staff, row, column, value, message):
    rows = full_rows(staff[0])
    rows[row][FULL.index(column)] = value

    report = run(rows, header=FULL)

    assert [(p.row, p.column) for p in report.problems] == [(row + 2, "Witness" if column == "Signed on" else column)]
    assert message in report.problems[0].message
    assert case_count() == 0


@pytest.mark.parametrize(("text", "read"), [
    ("internet; removable media", (["internet", "removable_media"], "", "")),
    ("Internet access, E-mail", (["internet", "email"], "", "")),
    ("VPN (remote access); An application: app-0012; Other: the plotter, colour",
     (["vpn", "application", "other"], "app-0012", "the plotter, colour")),
])
def test_the_resources_cell_reads_labels_words_an_application_and_another(text, read):
    assert importing._resources(text) == read


def test_a_dry_run_writes_nothing(staff):
    report = run(history(*staff), dry_run=True)

    assert report.ok and report.count("create") == 4
    assert case_count() == 0


# --- the pages ---------------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "cases.csv"):
    return client.post("/cases/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_an_hr_officer_previews_then_imports(client, login_as, staff):
    login_as("hr_officer")

    page = client.get("/cases/import")
    preview = upload(client, csv_bytes(HEADER, history(*staff)))

    assert page.status_code == 200 and "Revoking privileges" in page_text(page)
    assert preview.status_code == 200 and "4 created, 0 updated, 0 unchanged" in page_text(preview)
    assert case_count() == 0
    confirmed = client.post("/cases/import/confirm", data={"token": token_of(preview)})
    assert confirmed.headers["Location"] == "/cases"
    assert case_count() == 4
    assert "/cases/import" in client.get("/cases").get_data(as_text=True)


def test_a_bad_file_is_refused_with_its_problems(client, login_as, staff):
    login_as("hr_officer")
    rows = history(*staff)
    rows[0][HEADER.index("Date")] = "yesterday"

    response = upload(client, csv_bytes(HEADER, rows))

    assert response.status_code == 422
    assert "“yesterday” is not a date" in page_text(response)
    assert case_count() == 0


@pytest.mark.parametrize("role", ["auditor", "security_officer", "manager", "risk_owner"])
def test_only_those_who_run_discipline_import_cases(client, login_as, staff, role):
    login_as(role)

    assert client.get("/cases/import").status_code == 403
    assert upload(client, csv_bytes(HEADER, history(*staff))).status_code == 403
    assert client.get("/cases/import/template.xlsx").status_code == 403
    assert case_count() == 0


def test_the_templates_download(client, login_as, staff):
    login_as("hr_officer")

    xlsx = client.get("/cases/import/template.xlsx")
    template = client.get("/cases/import/template.csv")

    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert template.get_data().decode("utf-8-sig").splitlines()[0] == ",".join(c.header for c in importing.COLUMNS)


# --- the step-by-step export on the case list --------------------------------------------------------------


def steps_export(client, fmt: str = "csv", **args):
    return client.get("/cases", query_string={"status": "all", "rows": "steps", "export": fmt, **args})


def test_an_hr_officer_exports_the_cases_step_by_step_and_it_imports_back_unchanged(client, login_as, staff):
    officer = login_as("hr_officer")
    run(history(*staff), actor=officer)

    page = client.get("/cases?status=all")
    response = steps_export(client)

    assert "rows=steps" in page.get_data(as_text=True) and "Steps XLSX" in page_text(page)
    rows = csv_rows(response)
    assert list(rows[0]) == [column.header for column in importing.COLUMNS]
    assert [(r["Step"], r["Date"], r["Signed on"]) for r in rows if r["Case"] == "HR-1"] == [
        ("Reported", "2026-04-01", ""), ("Decision", "2026-04-03", ""),
        ("Warning from management", "2026-04-03", "2026-04-04"), ("Closed", "2026-04-10", "")]
    assert {r["Employee number"] for r in rows} == {staff[0].number, staff[1].number}
    assert audit_entries("export", "case")[-1].summary == "Exported 15 steps of 4 cases with personal details as CSV"
    for fmt in ("csv", "xlsx"):
        report = importing.import_cases(f"khusela-case-steps.{fmt}", steps_export(client, fmt).get_data(),
                                        actor=officer, dry_run=False)
        assert [str(p) for p in report.problems] == []
        assert report.summary == "0 created, 0 updated, 4 unchanged"


def test_a_reader_who_sees_cases_under_a_pseudonym_gets_no_employee_number(client, login_as, staff):
    run(history(*staff))
    login_as("auditor")

    rows = csv_rows(steps_export(client))

    assert rows and {r["Employee number"] for r in rows} == {""}
    assert "Ayanda" not in str(rows)
    assert audit_entries("export", "case")[-1].summary == "Exported 15 steps of 4 cases (pseudonymised) as CSV"


def test_a_manager_exports_only_the_steps_of_their_departments_cases(client, login_as, staff, department):
    run(history(*staff))
    login_as("manager", department=factories.make_department("DOA", "Agriculture"))
    assert csv_rows(steps_export(client)) == []

    login_as("manager", department=department)
    assert {r["Case"] for r in csv_rows(steps_export(client))} == {"HR-1", "HR-2", "HR-3", "HR-4"}


def test_those_who_do_not_see_cases_get_no_step_export(client, login_as, staff):
    run(history(*staff))
    login_as("risk_owner")

    assert steps_export(client).status_code == 403


@pytest.mark.parametrize("args", [{"export": "pdf"}, {"export": ""}])
def test_an_unknown_format_shows_the_list(client, login_as, staff, args):
    run(history(*staff))
    login_as("hr_officer")

    response = steps_export(client, **args)

    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "HR-1" in page_text(response)


def test_a_closed_disciplinary_case_needs_its_procedure_rows(staff):
    """Closing a disciplinary case needs its procedure (test_importing_procedure.py has the rows that carry
    it): without them the Closed row is refused."""
    case = ["HR-5", staff[0].number, "ICT-SEC", "4.2", "2026-05-01", "High", "High", "Gave his password away."]
    rows = [[*case, "Disciplinary action", "2026-05-02", "", "", "", "", "", "", "A deliberate breach, again."],
            [*case, "Closed", "2026-06-01", "", "", "", "Dismissed.", "", "", ""]]

    report = run(rows, header=FULL)

    assert [p.row for p in report.problems] == [3]
    assert "record the hearing, the findings and the sanction before closing" in report.problems[0].message
    assert case_count() == 0
