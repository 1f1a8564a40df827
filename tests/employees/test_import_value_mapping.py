"""An HR system's staff list (its own headers, department names and statuses): its unknown values are
mapped on the import page and remembered with its columns; the command line reads the next list with
the saved mapping (--mapping)."""

from __future__ import annotations

import sqlalchemy as sa

from app.employees.importing import COLUMNS
from app.employees.models import Employee
from app.extensions import db
from tests import factories
from tests.pages import text_of
from tests.tables import MappingFlow, csv_bytes, words_listed

HEADER = ["Persal nr", "Employee name", "Dept", "Employment status", "Salary level"]


def employees() -> dict[str, Employee]:
    return {employee.number: employee for employee in db.session.scalars(sa.select(Employee))}


def test_a_staff_lists_words_are_mapped_remembered_and_reported(app, client, login_as, tmp_path):
    health = factories.make_department("DOH", "Department of Health")
    hr = login_as("hr_officer")
    flow = MappingFlow(client, "/employees/import", [column.header for column in COLUMNS])
    data = csv_bytes(HEADER, [["21034567", "Nomvula Dlamini", "Health", "Acting", "8"],
                              ["21034568", "Pieter van Wyk", "DOH", "Resigned", "7"]])

    listed = flow.listed(data, "persal.csv", {}, "PERSAL extract")

    assert words_listed(listed) == {"“Health” (1 row)", "“Acting” (1 row)"}  # DOH and Resigned are read
    preview = flow.post(listed, words={"Health": "DOH", "Acting": "Active"})
    assert preview.status_code == 200, text_of(preview)[:3000]
    flow.confirm(preview)
    found = employees()
    assert (found["21034567"].department_id, found["21034567"].status) == (health.id, "active")
    assert found["21034568"].status == "left"

    again = flow.upload(csv_bytes(HEADER, [["21034569", "Sipho Ndlovu", "Health", "Acting", "6"]]), "persal-2.csv")
    assert "Read with the mapping for PERSAL extract" in text_of(again) and "1 created" in text_of(again)

    refused = flow.upload(csv_bytes(HEADER, [["21034570", "Ann Smit", "Treasury", "Active", "6"]]), "persal-3.csv")
    assert refused.status_code == 422
    assert "2 Department No department has the code or name “Treasury”" in text_of(refused)

    path = tmp_path / "persal-4.csv"
    path.write_bytes(csv_bytes(HEADER, [["21034571", "Lerato Mokoena", "Health", "Acting", "9"]]))
    result = app.test_cli_runner().invoke(args=["employees", "import", str(path), "--as", hr.email,
                                                "--mapping", "PERSAL extract"])
    assert result.exit_code == 0, result.output
    assert employees()["21034571"].department_id == health.id
