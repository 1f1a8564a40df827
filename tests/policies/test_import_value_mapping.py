"""A document-control register of policies (its own headers and states), and an HR system's case
history (its own steps and severities): their unknown values are mapped on the import pages and
remembered with their columns."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.policies.cases.importing import COLUMNS as CASE_COLUMNS
from app.policies.cases.models import PolicyCase
from app.policies.importing import COLUMNS as POLICY_COLUMNS
from app.policies.models import Policy
from tests.pages import text_of
from tests.policies.conftest import make_approved, make_employee
from tests.tables import MappingFlow, csv_bytes, words_listed

POLICY_HEADER = ["Document code", "Document title", "Version number", "State", "Reviewed by", "Approver",
                 "Approver designation", "Approval date", "Prepared by", "Author designation", "Body", "Classification"]
REVIEW = "Lerato Mokoena; Manager: ICT; 2024-02-08"


def policy_row(code: str, state: str) -> list[str]:
    return [code, f"{code} policy", "1.0", state, REVIEW, "Lindiwe Ndlovu", "Head of Department", "2024-02-15",
            "Sipho Dlamini", "Security Officer", "## 1 Purpose\nKeep e-mail safe.", "Internal"]


def test_a_document_registers_states_are_mapped_remembered_and_reported(client, login_as):
    login_as("security_officer")
    flow = MappingFlow(client, "/policies/import", [column.header for column in POLICY_COLUMNS])

    listed = flow.listed(csv_bytes(POLICY_HEADER, [policy_row("ICT-POL-009", "Published")]), "register.csv", {},
                         "Document register")

    assert words_listed(listed) == {"“Published” (1 row)"}
    preview = flow.post(listed, words={"Published": "Approved"})
    assert preview.status_code == 200, text_of(preview)[:3000]
    flow.confirm(preview)
    assert db.session.scalars(sa.select(Policy)).one().current.number == "1.0"

    again = flow.upload(csv_bytes(POLICY_HEADER, [policy_row("ICT-POL-010", "Published")]), "register-2.csv")
    assert "Read with the mapping for Document register" in text_of(again) and "1 created" in text_of(again)

    refused = flow.upload(csv_bytes(POLICY_HEADER, [policy_row("ICT-POL-011", "Withdrawn")]), "register-3.csv")
    assert refused.status_code == 422 and "2 Status Unknown status “Withdrawn”" in text_of(refused)


CASE_HEADER = ["Case no", "Persal number", "Policy code", "Clause number", "Date of incident", "Severity",
               "Risk level", "What happened", "Corrective action", "Step date", "Wording", "Investigator"]


def test_a_case_historys_steps_and_levels_are_mapped_remembered_and_reported(client, login_as, department):
    make_approved()  # ICT-SEC, in force from 2026-03-02, clauses 4.1 and 4.2
    employee = make_employee(department=department)
    login_as("hr_officer")
    flow = MappingFlow(client, "/cases/import", [column.header for column in CASE_COLUMNS])

    def history(reference: str, step: str) -> bytes:
        return csv_bytes(CASE_HEADER, [[reference, employee.number, "ICT-SEC", "4.2", "2026-04-01", "Minor", "Low",
                                        "Shared his password.", step, "2026-04-03", "Never share it.", "J. Smit"]])

    listed = flow.listed(history("HR-1", "Counselling"), "cases.csv", {}, "HR case system")

    assert words_listed(listed) == {"“Minor” (1 row)", "“Counselling” (1 row)"}
    preview = flow.post(listed, words={"Minor": "Low", "Counselling": "Warning from management"})
    assert preview.status_code == 200, text_of(preview)[:3000]
    flow.confirm(preview)
    case = db.session.scalars(sa.select(PolicyCase)).one()
    assert (case.severity, case.decided_action) == ("low", "management_warning")

    again = flow.upload(history("HR-2", "Counselling"), "cases-2.csv")
    assert "Read with the mapping for HR case system" in text_of(again) and "1 created" in text_of(again)

    refused = flow.upload(history("HR-3", "Mediation"), "cases-3.csv")
    assert refused.status_code == 422 and "2 Step Unknown step “Mediation”" in text_of(refused)
