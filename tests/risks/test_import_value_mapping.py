"""A risk register of another tool (a spreadsheet's own headers, categories and statuses): its
unknown values are mapped on the import page, remembered with its columns, and the command line
reads the next file with the saved mapping (--mapping)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.risks.importing import COLUMNS
from app.risks.models import Risk
from tests.pages import text_of
from tests.tables import MappingFlow, csv_bytes, words_listed

HEADER = ["Risk ID", "Risk name", "Risk category", "Likelihood", "Impact", "Risk status", "Response", "Risk lead"]
COLUMNS_CHOSEN = {"Inherent likelihood": "Likelihood", "Inherent impact": "Impact", "Status": "Risk status",
                  "Treatment strategy": "Response"}
WORDS = {"Cyber security": "Information Security", "Active": "Open", "Very likely": "5 Almost certain"}


def risks() -> dict[str, Risk]:
    return {risk.reference: risk for risk in db.session.scalars(sa.select(Risk))}


def test_a_spreadsheet_registers_words_are_mapped_remembered_and_reported(client, login_as, category):
    login_as("security_officer")
    flow = MappingFlow(client, "/risks/import", [column.header for column in COLUMNS])
    data = csv_bytes(HEADER, [["R-0101", "Ransomware", "Cyber security", "4", "4", "Active", "Mitigate", "ICT"],
                              ["R-0102", "Data leak", "Cyber security", "Very likely", "3", "Draft", "", "HR"]])

    listed = flow.listed(data, "register.csv", COLUMNS_CHOSEN, "Risk spreadsheet")

    assert {"“Cyber security” (2 rows)", "“Active” (1 row)"} <= words_listed(listed)
    assert "“Very likely” (1 row)" in words_listed(listed)  # a level the matrix does not name
    assert not any("Mitigate" in word or "Draft" in word for word in words_listed(listed))  # Khusela reads them
    preview = flow.post(listed, words=WORDS)
    assert preview.status_code == 200, text_of(preview)[:3000]
    assert "Read with the mapping for Risk spreadsheet" in text_of(preview)
    flow.confirm(preview)
    found = risks()
    assert (found["R-0101"].category_id, found["R-0101"].status, found["R-0101"].strategy) == (
        category.id, "open", "modify")
    assert (found["R-0102"].inherent_likelihood, found["R-0102"].status) == (5, "draft")

    # Next quarter's file, same columns: straight to its preview, read with the saved words.
    again = flow.upload(csv_bytes(HEADER, [["R-0103", "Phishing", "Cyber security", "3", "3", "Active", "", ""]]),
                        "register-q2.csv")
    assert "Check the import of register-q2.csv" in text_of(again) and "1 created" in text_of(again)

    # A word the mapping does not know is a problem naming its row and column.
    refused = flow.upload(csv_bytes(HEADER, [["R-0104", "Fire", "Cyber security", "3", "3", "Dormant", "", ""]]),
                          "register-q3.csv")
    assert refused.status_code == 422
    assert "2 Status Unknown status “Dormant”" in text_of(refused)


def test_the_command_line_reads_a_file_with_the_saved_mapping(app, client, login_as, category, tmp_path):
    officer = login_as("security_officer")
    flow = MappingFlow(client, "/risks/import", [column.header for column in COLUMNS])
    first = csv_bytes(HEADER, [["R-0101", "Ransomware", "Cyber security", "4", "4", "Active", "Mitigate", ""]])
    flow.post(flow.listed(first, "register.csv", COLUMNS_CHOSEN, "Risk spreadsheet"),
              words={"Cyber security": "Information Security", "Active": "Open"})
    path = tmp_path / "register-q2.csv"
    path.write_bytes(csv_bytes(list(reversed(HEADER)), [["", "", "Active", "3", "3", "Cyber security", "Phishing",
                                                         "R-0105"]]))
    runner = app.test_cli_runner()

    unmapped = runner.invoke(args=["risks", "import", str(path), "--as", officer.email])
    assert unmapped.exit_code == 1 and not risks()
    assert "Saved mappings that read these columns: “Risk spreadsheet”" in unmapped.output
    assert '--mapping "Risk spreadsheet"' in unmapped.output

    unknown = runner.invoke(args=["risks", "import", str(path), "--as", officer.email, "--mapping", "GLPI"])
    assert unknown.exit_code == 2 and "The saved ones are “Risk spreadsheet”." in unknown.output

    mapped = runner.invoke(args=["risks", "import", str(path), "--as", officer.email, "--mapping", "risk spreadsheet"])
    assert mapped.exit_code == 0, mapped.output
    assert "Read with the mapping for Risk spreadsheet" in mapped.output and "1 created" in mapped.output
    assert risks()["R-0105"].status == "open" and risks()["R-0105"].category_id == category.id
