"""The disciplinary procedure in the case import and the step-by-step export (issue 21, section 3): each
step a row on its own date, applied through the procedure's services in the order of those dates, each
problem named by row and column, and a closed disciplinary case going out of one Khusela and into an
empty one as it came out."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.common.export import plain_value
from app.employees import importing as employee_importing
from app.extensions import db
from app.policies import importing as policy_importing
from app.policies import services as policy_services
from app.policies.cases import importing
from app.policies.cases.exports import STEP_COLUMNS, case_steps
from app.policies.cases.models import PolicyCase
from app.policies.models import AcknowledgementMethod, Policy, PolicyAcknowledgement, PolicyVersion
from tests import factories
from tests.databases import release_app_database
from tests.pages import csv_rows
from tests.policies.conftest import make_approved, make_employee
from tests.tables import csv_bytes

HEADER = ["Case", "Employee number", "Policy", "Clause", "Incident date", "Severity", "Security risk", "Description",
          "Step", "Date", "Completed on", "Until", "Details", "Note", "Reason", "Person", "Position", "Hearing on",
          "Time", "Venue", "Language", "Issued by", "Result", "Sanction", "Confirmed", "Rule importance", "Harm caused",
          "Business impact", "Representative"]
SANCTION_CONFIRMED = ("rule existed; rule valid; rule known; consistently applied; sanction appropriate; "
                      "representations on sanction; wrongdoing acknowledged")


def procedure(employee) -> list[dict[str, str]]:
    """A case from before Khusela, decided as disciplinary action and taken through the procedure to a final
    written warning, every step under the 2025 Code; the employee has no acknowledgement of the policy on
    record, so the sanction went on with a reason."""
    case = {"Case": "HR-7", "Employee number": employee.number, "Policy": "ICT-SEC", "Clause": "4.2",
            "Incident date": "2026-04-01", "Severity": "High", "Security risk": "High",
            "Description": "Forwarded the bid report to a bidder."}
    return [
        {**case, "Step": "Disciplinary action", "Date": "2026-04-02", "Reason": "Confidential bid information left."},
        {**case, "Step": "Investigation", "Date": "2026-04-03", "Completed on": "2026-04-08",
         "Person": "Lerato Mokoena", "Details": "The mail gateway log shows the report forwarded."},
        {**case, "Step": "Union question", "Date": "2026-04-09", "Details": "None"},
        {**case, "Step": "Allegation", "Date": "2026-04-09", "Details": "You forwarded the bid report to a bidder.",
         "Result": "Guilty", "Note": "Admitted, and the log confirms it."},
        {**case, "Step": "Notice of the hearing", "Date": "2026-04-09", "Hearing on": "2026-04-20", "Time": "10:00",
         "Venue": "Boardroom 3", "Language": "English", "Person": "Ms P. Mahlangu", "Issued by": "Nomsa Dube",
         "Position": "HR Practitioner",
         "Confirmed": "allegations stated; representation stated; interpreter stated; dismissal possible"},
        {**case, "Step": "Hearing", "Date": "2026-04-20", "Person": "Ms P. Mahlangu",
         "Details": "Admitted the conduct.", "Confirmed": "employee present"},
        {**case, "Step": "Sanction", "Date": "2026-04-22", "Sanction": "Final written warning",
         "Details": "Confidential procurement information reached a bidder.", "Confirmed": SANCTION_CONFIRMED,
         "Rule importance": "Bid confidentiality is required by the SCM regulations.",
         "Harm caused": "The tender may be re-advertised.", "Business impact": "The award is delayed.",
         "Reason": "The briefing register signed on appointment is on the personnel file."},
        {**case, "Step": "Written outcome", "Date": "2026-04-23"},
        {**case, "Step": "Closed", "Date": "2026-04-30", "Details": "Final written warning given."},
    ]


def rows_of(dicts: list[dict[str, str]]) -> list[list[str]]:
    return [[row.get(header, "") for header in HEADER] for row in dicts]


@pytest.fixture
def employee(app, department):
    make_approved()  # ICT-SEC, in force from 2026-03-02, clauses 4.1 and 4.2
    return make_employee(department=department, name="Ayanda Zulu")


def run(rows: list[list[str]]):
    return importing.import_cases("cases.csv", csv_bytes(HEADER, rows), actor=factories.make_user("hr_officer"),
                                  dry_run=False)


def the_case() -> PolicyCase | None:
    return db.session.scalars(sa.select(PolicyCase).where(PolicyCase.reference == "HR-7")).one_or_none()


def test_a_back_dated_procedure_in_shuffled_rows_is_recorded_in_the_order_of_its_dates(employee):
    rows = rows_of(procedure(employee))
    shuffled = [rows[index] for index in (8, 5, 3, 7, 0, 6, 4, 2, 1)]

    report = run(shuffled)

    assert [str(p) for p in report.problems] == []
    case = the_case()
    assert case is not None and (case.status, case.closed_on) == ("closed", date(2026, 4, 30))
    assert (case.investigation.started_on, case.investigation.completed_on) == (date(2026, 4, 3), date(2026, 4, 8))
    assert case.union_consultation.union_representative is False
    assert [(n.issued_on, n.hearing_on, n.issued_by_name) for n in case.notices] == [
        (date(2026, 4, 9), date(2026, 4, 20), "Nomsa Dube")]
    assert [(a.text, a.finding) for a in case.allegations] == [("You forwarded the bid report to a bidder.", "guilty")]
    assert (case.hearing.held_on, case.sanction.sanction, case.sanction.decided_on, case.sanction.code) == (
        date(2026, 4, 20), "final_written_warning", date(2026, 4, 22), "code_2025")
    assert case.sanction.outcome_issued_on == date(2026, 4, 23)
    assert [o.check for o in case.fairness_overrides] == ["policy_not_acknowledged"]
    # The same file again: the case is in Khusela, step by step as the file says.
    assert run(shuffled).summary == "0 created, 0 updated, 1 unchanged"


@pytest.mark.parametrize(("index", "changes", "column", "message"), [
    (5, {"Date": "2026-04-08"}, "Date", "Issue the notice of the hearing first"),
    (6, {"Sanction": "Caution"}, "Sanction", "Unknown sanction “Caution”"),
    (4, {"Hearing on": "2026-04-13"}, "Reason", "Time to prepare for the hearing"),
    (6, {"Confirmed": "rule existed; stern talk"}, "Confirmed", "“stern talk” is not something to confirm"),
    (3, {"Result": "Probably"}, "Result", "Unknown result “Probably”"),
    (1, {"Person": ""}, "Person", "Name the investigator"),
])
def test_a_bad_procedure_cell_is_named_by_row_and_column_and_nothing_is_written(employee, index, changes, column,
                                                                                message):
    steps = procedure(employee)
    steps[index].update(changes)

    report = run(rows_of(steps))

    assert (index + 2, column) in [(p.row, p.column) for p in report.problems], report.problems
    assert any(message in p.message for p in report.problems if p.row == index + 2)
    assert the_case() is None


def test_a_case_in_khusela_whose_procedure_differs_is_refused_naming_row_and_column(employee):
    run(rows_of(procedure(employee)))
    steps = procedure(employee)
    steps[5]["Details"] = "Denied everything."

    report = run(rows_of(steps))

    assert [(p.row, p.column) for p in report.problems] == [(7, "Details")]
    assert "Case HR-7 is in Khusela already" in report.problems[0].message


# --- out of one Khusela and into an empty one --------------------------------------------------------------


def _export(client, url: str, **args) -> list[dict[str, str]]:
    return csv_rows(client.get(url, query_string={"export": "csv", **args}))


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


PROCEDURE_TABLES = ("case_investigation", "case_suspension", "case_union_consultation", "case_allegation",
                    "case_hearing_notice", "case_hearing", "case_sanction", "case_appeal")
# Columns that name rows of one database, or when a row was written: not the case's history.
NOT_HISTORY = {"id", "case_id", "created_at", "updated_at", "created_by_id", "updated_by_id", "issued_by_id",
               "recorded_at", "recorded_by_id", "translation_id"}


def history_of(case: PolicyCase) -> dict:
    """The case's steps as its export gives them, and every row of its procedure, but for ids and times."""
    records = {}
    for table in PROCEDURE_TABLES:
        result = db.session.execute(sa.text(f"SELECT * FROM {table} WHERE case_id = :id ORDER BY id"), {"id": case.id})
        records[table] = [{name: value for name, value in row._mapping.items() if name not in NOT_HISTORY}
                          for row in result]
    steps = [[plain_value(column.value(step)) for column in STEP_COLUMNS] for step in case_steps(case)]
    return {"steps": steps, "records": records, "case": (case.status, case.closed_on, case.outcome, case.decided_on,
                                                          case.decision_reason, case.code)}


def test_a_closed_disciplinary_case_goes_into_an_empty_khusela_as_it_came_out(demo_data, login_as, client, databases,
                                                                                migrated_template, make_app, tmp_path):
    """The demo's dismissal (to the appeal's outcome) and the one gone ahead past a short notice: the employee and
    policy rows of the registers' own exports go in first, then the cases' rows."""
    login_as("admin")
    cases = list(db.session.scalars(sa.select(PolicyCase).where(PolicyCase.decided_action == "disciplinary",
                                                                PolicyCase.sanction.has())))
    assert "closed" in {case.status for case in cases} and len(cases) == 2
    # Every case goes: an earlier case's outcome weighs in the consistency check of a later sanction.
    everything = list(db.session.scalars(sa.select(PolicyCase)))
    before = {case.reference: history_of(case) for case in everything}
    numbers = {case.employee.number for case in everything}
    codes = {case.policy_version.policy.code for case in everything}
    departments = {(case.employee.department.code, case.employee.department.name) for case in everything}
    steps = _export(client, "/cases", status="all", rows="steps")
    employees = [{**row, "Manager": ""} for row in _export(client, "/employees")
                 if row["Employee number"] in numbers]
    policies = [row for row in _export(client, "/policies") if row["Policy code"] in codes]
    owners = {row["Owner"] for row in policies if row["Owner"]}
    # The employees' acknowledgements of the policies (no register's file carries them: recorded as imported).
    acknowledged = [(a.version.policy.code, a.version.number, a.employee.number, a.acknowledged_on)
                    for a in db.session.scalars(sa.select(PolicyAcknowledgement))
                    if a.employee.number in numbers and a.version.policy.code in codes]

    # Read here, in this app's context: an outer-session object read inside the other app's context
    # would be loaded through that app's engine and leave a connection behind.
    first = {case.reference for case in cases}
    folder = tmp_path / "empty"
    folder.mkdir()
    url = databases.fresh(migrated_template, folder)
    empty = make_app(SQLALCHEMY_DATABASE_URI=url)  # a second app, released by make_app after the test
    try:
        with empty.app_context():
            assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 0
            for code, name in departments:
                factories.make_department(code, name)
            for email in owners:
                factories.make_user("security_officer", email=email)
            hr = factories.make_user("hr_officer")
            for run_import, rows in ((employee_importing.import_employees, employees),
                                     (policy_importing.import_policies, policies),
                                     (importing.import_cases, steps)):
                report = run_import("export.csv", _csv(rows), actor=hr, dry_run=False)
                assert [str(p) for p in report.problems] == []
                if run_import is policy_importing.import_policies:
                    for code, number, employee_number, on in acknowledged:
                        version = db.session.scalars(sa.select(PolicyVersion).join(Policy).where(
                            Policy.code == code, PolicyVersion.number == number)).one()
                        policy_services.record_acknowledgements(version, [employee_number], on=on, actor=hr,
                                                                method=AcknowledgementMethod.IMPORT)
            db.session.commit()

            after = {case.reference: history_of(case) for case in db.session.scalars(sa.select(PolicyCase))}
            assert set(after) == set(before)
            for reference in sorted(before, key=lambda reference: reference not in first):
                for part in ("steps", "records", "case"):
                    assert after[reference][part] == before[reference][part], (reference, part)
    finally:
        release_app_database(empty)  # before the database it points at goes
        databases.discard(url)


def test_a_reader_who_sees_cases_under_a_pseudonym_gets_the_procedure_redacted(employee, client, login_as):
    steps = procedure(employee)
    steps[5].update({"Representative": "Ayanda's shop steward", "Details": "Ayanda Zulu admitted the conduct."})
    run(rows_of(steps))
    login_as("auditor")

    rows = csv_rows(client.get("/cases", query_string={"status": "all", "rows": "steps", "export": "csv"}))

    by_step = {row["Step"]: row for row in rows}
    assert "Union question" not in by_step  # whether the employee holds union office is special information
    assert by_step["Hearing"]["Details"] == "[employee] admitted the conduct."
    assert by_step["Sanction"]["Sanction"] == "Final written warning"
    assert "Ayanda" not in str(rows)
