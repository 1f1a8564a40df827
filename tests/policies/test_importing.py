"""Importing policies with their version history (/policies/import): each version through the services
on its own dates, in version order; all or nothing; the register's export imports back unchanged."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.policies import importing, services
from app.policies.models import Policy
from tests import factories
from tests.pages import audit_entries, csv_rows, page_text
from tests.tables import csv_bytes, token_of, xlsx_bytes

HEADER = ["Policy code", "Title", "Version", "Change", "Author", "Author designation", "Reviewers", "Approved by",
          "Approver designation", "Approved on", "Text"]
TEXT = "# Password Policy\n\n## 2.1 Password length\n\nAt least {n} characters.\n"
REVIEW = "Lerato Mokoena; Manager: ICT; {day}"
# The rows out of order on purpose: version 1.1 comes before 1.0 in the file.
ROWS = [
    ["PW-001", "Password Policy", "1.1", "Changes", "Sipho Dlamini", "Security Officer",
     REVIEW.format(day="2024-02-08"), "Lindiwe Ndlovu", "Head of Department", "2024-02-15", TEXT.format(n=12)],
    ["PW-001", "", "1.0", "Original", "Sipho Dlamini", "Security Officer", REVIEW.format(day="2021-05-03"),
     "Lindiwe Ndlovu", "Head of Department", "2021-05-10", TEXT.format(n=8)],
    ["EM-002", "E-mail Policy", "1.0", "Original", "Sipho Dlamini", "Security Officer", "", "", "", "",
     "## 5.2 Forwarding\n\nDo not forward official e-mail."],
]


def policy_file(rows=ROWS, header=HEADER) -> bytes:
    return csv_bytes(header, rows)


def run(data: bytes, *, dry_run: bool = False, filename: str = "policies.csv", actor=None):
    return importing.import_policies(filename, data, actor=actor or factories.make_user("security_officer"),
                                     dry_run=dry_run)


def policy_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Policy.id)))


def test_versions_go_in_by_number_each_on_its_own_dates(app):
    report = run(policy_file())

    assert report.ok, report.problems
    assert report.summary == "2 created, 0 updated, 0 unchanged"
    policy = services.find_by_code("PW-001")
    assert [(v.number, v.change, v.state, v.approved_on, v.superseded_on) for v in policy.versions] == [
        ("1.0", "Original", "superseded", date(2021, 5, 10), date(2024, 2, 15)),
        ("1.1", "Changes", "approved", date(2024, 2, 15), None)]
    assert [(r.name, r.designation, r.reviewed_on) for r in policy.versions[0].reviewers] == [
        ("Lerato Mokoena", "Manager: ICT", date(2021, 5, 3))]
    assert policy.versions[0].submitted_on == date(2021, 5, 3)  # no "Sent for review": the day of its first review
    assert policy.current.approver_designation == "Head of Department"
    assert [(c.reference, c.text) for c in policy.current.clauses] == [("2.1", "At least 12 characters.")]
    draft = services.find_by_code("EM-002")
    assert [(v.number, v.state) for v in draft.versions] == [("1.0", "draft")]


def test_the_import_is_audited_as_imported(app):
    officer = factories.make_user("security_officer")
    run(policy_file(), actor=officer)

    imported = [entry.summary for entry in audit_entries("import", "policy")]
    assert "Imported policy PW-001 Password Policy with its version history (1.0, 1.1) from policies.csv" in imported
    assert any(summary.startswith("Imported policies.csv (2 created") for summary in imported)
    approvals = audit_entries("update", "policy")
    assert approvals and all(entry.actor_id == officer.id for entry in approvals)


@pytest.mark.parametrize(("change", "row", "column", "message"), [
    ({1: {2: "1.1"}}, 3, "Version", "PW-001 version 1.1 is also in row 2"),
    ({0: {9: "2099-01-01"}}, 2, "Approved on", "The approval date cannot be after today."),
    ({0: {6: ""}}, 2, None, "Record who reviewed this version before it is approved."),
    ({0: {6: "Lerato Mokoena, 2024-02-08"}}, 2, "Reviewers", "is not “name; designation; YYYY-MM-DD”"),
    ({1: {9: ""}}, 3, "Approved on", "only the latest version may be a draft or in review"),
    ({0: {9: "15/02/2024"}}, 2, "Approved on", "“15/02/2024” is not a date"),
    ({0: {2: "one"}}, 2, "Version", "“one” is not a version number"),
    ({2: {0: ""}}, 4, "Policy code", "Give the policy's code"),
    ({1: {1: "Passwords"}}, 2, "Title", "the rows of one policy give the same title"),
])
def test_a_bad_row_is_named_and_nothing_is_written(app, change, row, column, message):
    rows = [list(each) for each in ROWS]
    for index, cells in change.items():
        for position, value in cells.items():
            rows[index][position] = value

    report = run(policy_file(rows))

    assert not report.ok
    assert any(p.row == row and p.column == column and message in p.message for p in report.problems), \
        report.problems
    assert policy_count() == 0


def test_a_status_the_dates_contradict_is_named(app):
    only = [*ROWS[1][:1], "Password Policy", *ROWS[1][2:]]

    report = run(policy_file([[*only, "Approved"]], [*HEADER, "Status"]), dry_run=True)

    assert [str(p) for p in report.problems] == []  # the only version, approved: the status agrees
    rows = [[*only[:9], "", only[10], "Approved"]]
    report = run(policy_file(rows, [*HEADER, "Status"]), dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "Status")]
    assert "The dates make PW-001 version 1.0 draft, not approved" in report.problems[0].message


def test_a_dry_run_writes_nothing(app):
    report = run(policy_file(), dry_run=True)

    assert report.ok and report.count("create") == 2
    assert policy_count() == 0


def test_the_exported_register_imports_back_unchanged(client, login_as):
    """The register's CSV and XLSX exports are files the import reads: importing them changes nothing."""
    officer = login_as("security_officer")
    assert run(policy_file(), actor=officer).ok

    exported = client.get("/policies?export=csv")
    rows = csv_rows(exported)
    assert [(r["Policy code"], r["Version"], r["Status"]) for r in rows] == [
        ("EM-002", "1.0", "Draft"), ("PW-001", "1.0", "Superseded"), ("PW-001", "1.1", "Approved")]
    entries_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))

    again = run(exported.get_data(), actor=officer)
    from_xlsx = run(client.get("/policies?export=xlsx").get_data(), filename="policies.xlsx", actor=officer)

    for report in (again, from_xlsx):
        assert report.ok, report.problems
        assert report.summary == "0 created, 0 updated, 2 unchanged"
    assert csv_rows(client.get("/policies?export=csv")) == rows
    # Only the import itself (and the exports) are recorded: no policy changed.
    new = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > entries_before)).all()
    assert {entry.action for entry in new} <= {"import", "export"}


def test_a_policy_in_khusela_whose_history_differs_is_refused(app):
    run(policy_file())
    rows = [list(each) for each in ROWS]
    rows[0][3] = "Passphrases"

    report = run(policy_file(rows))

    assert [(p.row, p.column) for p in report.problems] == [(2, "Change")]
    assert "PW-001 version 1.1 is in Khusela already with change “Changes”" in report.problems[0].message


# --- the pages ---------------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "policies.csv"):
    return client.post("/policies/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_a_security_officer_previews_then_imports(client, login_as):
    login_as("security_officer")

    page = client.get("/policies/import")
    preview = upload(client, policy_file())

    assert page.status_code == 200 and "Approver designation" in page_text(page)
    assert preview.status_code == 200 and "2 created, 0 updated, 0 unchanged" in page_text(preview)
    assert policy_count() == 0
    confirmed = client.post("/policies/import/confirm", data={"token": token_of(preview)})
    assert confirmed.headers["Location"] == "/policies"
    assert policy_count() == 2
    assert "/policies/import" in client.get("/policies").get_data(as_text=True)


def test_a_bad_file_is_refused_with_its_problems(client, login_as):
    login_as("security_officer")
    rows = [list(each) for each in ROWS]
    rows[0][9] = "next week"

    response = upload(client, policy_file(rows))

    assert response.status_code == 422
    assert "“next week” is not a date" in page_text(response)
    assert policy_count() == 0


@pytest.mark.parametrize("role", ["auditor", "hr_officer", "manager", "risk_owner"])
def test_only_those_who_keep_policies_import_them(client, login_as, role):
    login_as(role)

    assert client.get("/policies/import").status_code == 403
    assert upload(client, policy_file()).status_code == 403
    assert client.get("/policies/import/template.csv").status_code == 403
    assert "/policies/import" not in client.get("/policies").get_data(as_text=True)
    assert policy_count() == 0


def test_the_templates_download(client, login_as):
    login_as("security_officer")

    xlsx = client.get("/policies/import/template.xlsx")
    template = client.get("/policies/import/template.csv")

    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert template.get_data().decode("utf-8-sig").splitlines()[0] == ",".join(c.header for c in importing.COLUMNS)
    empty = xlsx_bytes([c.header for c in importing.COLUMNS], [], "Policies")
    assert run(empty, filename="policies.xlsx").problems[0].message == (
        "The file has a header row but no policy versions under it.")


# --- versions recorded as issued (the municipality's document-control table) ----------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
# The ICT strategy's Version Control table (../shared/reference/seeds/municipal-ict-strategy-and-policy.txt,
# lines 287-291: Version, State/Change, Author; Date empty) and Author table (lines 293-296: name,
# designation, contact). Review (298-300) and Approval (302-304) have no rows.
SEED_VERSION_CONTROL = [("1.0", "Original", "Sbusiso Langa"), ("1.1", "Changes", "Sbusiso Langa")]
SEED_AUTHOR = ("Sbusiso Langa", "Security Officer", "+27 13 235 7367")


def test_the_municipal_strategys_version_control_table_imports_as_it_stands(app):
    """Two versions, neither reviewed nor approved: both recorded as issued, nothing pretends to be in force."""
    data = (FIXTURES / "municipal-ict-strategy-version-control.csv").read_bytes()

    report = run(data, filename="municipal-ict-strategy-version-control.csv")

    assert [str(p) for p in report.problems] == []
    assert [(o.reference, o.title, o.action) for o in report.outcomes] == [
        ("TLM-ICT-STR", "Information and Communication Technology Strategy (versions 1.0, 1.1; review and approval "
                        "pending)", "create")]
    policy = services.find_by_code("TLM-ICT-STR")
    assert [(v.number, v.change, v.author_name) for v in policy.versions] == SEED_VERSION_CONTROL
    for version in policy.versions:
        assert (version.author_name, version.author_designation, version.author_contact) == SEED_AUTHOR
        assert version.state == "recorded" and version.history_date is None
        assert version.reviewers == [] and version.submitted_on is None and version.approved_on is None
    assert policy.current is None
    assert [e.summary for e in audit_entries("update", "policy") if "as issued" in e.summary] == [
        "Recorded TLM-ICT-STR version 1.0 as issued (Original, Sbusiso Langa): not yet reviewed or approved",
        "Recorded TLM-ICT-STR version 1.1 as issued (Changes, Sbusiso Langa): not yet reviewed or approved"]


@pytest.mark.parametrize("status", ["Recorded", "Review and approval pending", "recorded"])
def test_a_recorded_version_may_come_before_later_versions(app, status):
    rows = [["PW-001", "Password Policy", "1.0", "Original", "Sipho Dlamini", "Security Officer", "", "", "", "",
             TEXT.format(n=8), status], [*ROWS[0], "Approved"]]

    report = run(policy_file(rows, [*HEADER, "Status"]))

    assert [str(p) for p in report.problems] == []
    policy = services.find_by_code("PW-001")
    assert [(v.number, v.state) for v in policy.versions] == [("1.0", "recorded"), ("1.1", "approved")]


def test_a_recorded_version_with_a_review_is_refused_in_words(app):
    rows = [[*ROWS[1][:1], "Password Policy", *ROWS[1][2:], "Recorded"]]

    report = run(policy_file(rows, [*HEADER, "Status"]))

    assert [(p.row, p.column) for p in report.problems] == [(2, "Status")]
    assert report.problems[0].message == (
        "The dates make PW-001 version 1.0 approved, not review and approval pending: a version recorded as issued "
        "has no review or approval; leave its Sent for review, Reviewers and Approved on empty.")
    assert policy_count() == 0


def test_an_earlier_version_without_dates_or_status_suggests_recorded(app):
    rows = [list(each) for each in ROWS]
    rows[1][6:10] = ["", "", "", ""]

    report = run(policy_file(rows))

    assert [(p.row, p.column) for p in report.problems] == [(3, "Approved on")]
    assert "give its status as Recorded if the organisation issued it unreviewed" in report.problems[0].message


def test_a_recorded_history_in_khusela_matches_recorded_in_the_file(app):
    data = (FIXTURES / "municipal-ict-strategy-version-control.csv").read_bytes()
    assert run(data).ok

    again = run(data)

    assert [str(p) for p in again.problems] == []
    assert again.summary == "0 created, 0 updated, 1 unchanged"


def test_the_municipalitys_policies_export_and_import_back(app, client, login_as):
    """The municipal demo's register (two recorded histories and an approved policy) imports back unchanged over
    itself; and the recorded histories, taken out of Khusela, come back from the export as they were."""
    from app.core.demo import seed_demo
    from app.municipality_demo.policies import POLICY_CODE, STRATEGY_CODE

    seed_demo(app.config["DEMO_PASSWORD"], organisation="municipality")
    officer = login_as("security_officer")
    exported = {fmt: client.get("/policies", query_string={"export": fmt}).get_data() for fmt in ("csv", "xlsx")}
    rows = csv_rows(client.get("/policies?export=csv"))
    assert {(r["Policy code"], r["Version"], r["Status"]) for r in rows} >= {
        (code, number, "Review and approval pending") for code in (STRATEGY_CODE, POLICY_CODE)
        for number in ("1.0", "1.1")}

    for fmt, data in exported.items():
        report = run(data, filename=f"khusela-policies.{fmt}", actor=officer)
        assert [str(p) for p in report.problems] == []
        assert report.summary == "0 created, 0 updated, 3 unchanged"

    for fmt, data in exported.items():  # never in force: no case or acknowledgement refers to them
        for code in (STRATEGY_CODE, POLICY_CODE):
            db.session.delete(services.find_by_code(code))
        db.session.commit()
        report = run(data, filename=f"khusela-policies.{fmt}", actor=officer)
        assert [str(p) for p in report.problems] == []
        assert report.summary == "2 created, 0 updated, 1 unchanged"
        assert csv_rows(client.get("/policies?export=csv")) == rows
