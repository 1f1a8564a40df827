"""The training system's import: all or nothing, each problem named by its row and column, a second
import of the same file changes nothing; the pages: preview, confirm, and who may import."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.awareness import importing
from app.awareness.models import TrainingRecord
from app.extensions import db
from tests import factories
from tests.tables import csv_bytes, token_of, xlsx_bytes

HEADER = ["Course code", "PERSAL number", "Full name", "Completion status", "Completion date", "Score (%)"]


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRecord))


@pytest.fixture
def staff(health):
    return [factories.make_employee(number=f"2100000{i}", department=health) for i in range(1, 8)]


def test_a_good_extract_is_imported_and_importing_it_again_changes_nothing(make_campaign, staff, officer, today):
    campaign = make_campaign()
    day = campaign.starts_on.isoformat()
    data = csv_bytes(HEADER, [["AW-0001", "21000001", "A", "Passed", day, "85%"],
                              [campaign.topic.upper(), "21000002", "B", "Present", day, ""],
                              ["AW-0001", "21000003", "C", "In progress", "", ""]])

    report = importing.import_training("lms.csv", data, actor=officer, dry_run=False, today=today)
    again = importing.import_training("lms.csv", data, actor=officer, dry_run=False, today=today)

    assert report.ok and report.summary == "3 created, 0 updated, 0 unchanged"
    assert again.summary == "0 created, 0 updated, 3 unchanged"
    outcomes = dict(db.session.execute(sa.select(TrainingRecord.employee_id, TrainingRecord.outcome)).all())
    assert sorted(outcomes.values()) == ["attended", "completed", "not_completed"]
    assert db.session.scalar(sa.select(TrainingRecord.score).where(TrainingRecord.outcome == "completed")) == 85


def test_one_bad_row_imports_nothing_and_every_problem_names_its_row_and_column(make_campaign, staff, officer, today):
    campaign = make_campaign()
    day = campaign.starts_on.isoformat()
    data = xlsx_bytes(HEADER, [
        ["AW-0001", "21000001", "A", "Completed", day, 80],  # good
        ["AW-0099", "21000002", "B", "Completed", day, None],  # no such campaign
        ["AW-0001", "99999999", "C", "Completed", day, None],  # no such employee
        ["AW-0001", "21000003", "D", "Maybe", day, None],  # an outcome Khusela does not know
        ["AW-0001", "21000004", "E", "Completed", "", None],  # a completion without its day
        ["AW-0001", "21000005", "F", "Completed", "31/02/2026", None],  # not a date (named once)
        ["AW-0001", "21000001", "G", "Completed", day, 150],  # twice in the file, and a score over 100
        ["AW-0001", "21000006", "H", "Completed", (today + timedelta(days=3)).isoformat(), None],  # after today
    ], "Training")

    report = importing.import_training("lms.xlsx", data, actor=officer, dry_run=False, today=today)

    assert not report.ok and count() == 0
    where = [(problem.row, problem.column) for problem in report.problems]
    assert where == [(3, "Campaign"), (4, "Employee number"), (5, "Outcome"), (6, "Completed on"),
                     (7, "Completed on"), (8, "Employee number"), (8, "Score"), (9, "Completed on")]
    assert "No campaign has the reference or topic “AW-0099”" in report.problems[0].message
    assert "is in row 2 for AW-0001 too" in report.problems[5].message


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("lms.exe", b"MZ", "xlsx"),  # not a spreadsheet
    ("lms.csv", b"Campaign,Employee number,Outcome\n", "no training records"),  # a header and nothing under it
    ("lms.csv", b"Employee number,Outcome\n21000001,Completed\n", "Campaign"),  # a required column missing
    ("lms.csv", b"Campaign,Employee number,Outcome,Shoe size\nAW-0001,21000001,Completed\n", "Shoe size"),
])
def test_files_that_cannot_be_imported_are_refused_with_a_reason(make_campaign, staff, officer, filename, data,
                                                                  message):
    make_campaign()
    report = importing.import_training(filename, data, actor=officer, dry_run=False)
    assert not report.ok and message in " ".join(str(problem) for problem in report.problems)
    assert count() == 0


def test_the_pages_preview_then_import_and_only_editors_may(client, login_as, make_campaign, staff):
    campaign = make_campaign()
    data = csv_bytes(["Campaign", "Employee number", "Outcome", "Completed on"],
                     [["AW-0001", "21000001", "Completed", campaign.starts_on.isoformat()]])
    login_as("auditor")
    assert client.get("/awareness/import").status_code == 403
    login_as("hr_officer")
    assert "PERSAL number" in client.get("/awareness/import").get_data(as_text=True)

    preview = client.post("/awareness/import", data={"file": (io.BytesIO(data), "lms.csv")},
                          content_type="multipart/form-data")
    assert preview.status_code == 200 and count() == 0
    done = client.post("/awareness/import/confirm", data={"token": token_of(preview)})

    assert done.status_code == 302 and count() == 1
    bad = client.post("/awareness/import", data={"file": (io.BytesIO(data.replace(b"AW-0001", b"AW-0042")),
                                                           "lms.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "AW-0042" in bad.get_data(as_text=True) and count() == 1
