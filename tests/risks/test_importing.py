"""Register import: columns to risks through the services, all or nothing, update by reference."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.audit.models import AuditEntry
from app.common import imports
from app.common.timeutil import add_months, local_today
from app.extensions import db
from app.risks import importing
from app.risks.matrices import current_matrix
from app.risks.models import RatingChange, Risk, RiskCategory, RiskStatus
from tests import factories
from tests.tables import csv_bytes, xlsx_bytes

HEADER = ["Reference", "Title", "Category", "Subcategory", "Department", "Risk owner", "Contributing factors",
          "Inherent likelihood", "Inherent impact", "Residual likelihood", "Residual impact", "Status"]


def csv_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return csv_bytes(header, rows)


def xlsx_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes(header, rows, "Risks")


@pytest.fixture
def department(app):
    return factories.make_department("DOH", "Department of Health")


@pytest.fixture
def good_row(category, subcategory, department, owner):
    current_matrix()  # the default matrix is saved (and audited) on first use, not by the import under test

    def row(**changes) -> list:
        values = {"Reference": "", "Title": "Ransomware on file servers", "Category": "Information Security",
                  "Subcategory": "Cyber", "Department": "DOH", "Risk owner": owner.email,
                  "Contributing factors": "H: No offline backups\nM: Flat network",
                  "Inherent likelihood": "4", "Inherent impact": "5", "Residual likelihood": "3",
                  "Residual impact": "4", "Status": "Open", **changes}
        return [values[header] for header in HEADER]

    return row


def run(rows, officer, *, dry_run=False, file=csv_file, name="register.csv", **kwargs):
    return importing.import_risks(name, file(rows, **kwargs), actor=officer, dry_run=dry_run)


def risk_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Risk))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# --- creating ------------------------------------------------------------------------------------


def test_a_good_row_creates_a_risk_with_every_column(good_row, officer, owner, department, subcategory):
    report = run([good_row()], officer)

    assert report.ok, report.problems
    assert report.summary == "1 created, 0 updated, 0 unchanged"
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.reference, risk.title, risk.owner_id, risk.department_id) == (
        "R-0001", "Ransomware on file servers", owner.id, department.id)
    assert risk.subcategory_id == subcategory.id
    assert (risk.inherent_score, risk.residual_score, risk.status) == (20, 12, "open")
    assert [(f.rating, f.description) for f in risk.factors] == [("H", "No offline backups"), ("M", "Flat network")]


def test_new_risks_default_to_open_with_a_review_date_and_the_default_tolerance(good_row, officer):
    header = ["Title", "Category", "Inherent likelihood", "Inherent impact"]
    report = run([["Water supply scarcity", "Information Security", "3", "4"]], officer, header=header)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert risk.status == RiskStatus.OPEN
    assert risk.tolerance == 4
    assert risk.next_review_on is not None and risk.next_review_on > local_today()


def test_levels_by_name_and_as_in_the_template_lists(good_row, officer):
    report = run([good_row(**{"Inherent likelihood": "Likely", "Inherent impact": "5 Catastrophic",
                              "Residual likelihood": "possible", "Residual impact": "4.0"})], officer)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.inherent_likelihood, risk.inherent_impact, risk.residual_likelihood, risk.residual_impact) == (
        4, 5, 3, 4)


def test_department_by_name_owner_e_mail_in_any_case_and_status_label(good_row, officer, owner, department):
    report = run([good_row(Department="department of health", **{"Risk owner": owner.email.upper(),
                                                                 "Status": "In treatment"})], officer)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.department_id, risk.owner_id, risk.status) == (department.id, owner.id, "in_treatment")


@pytest.mark.parametrize(("word", "strategy"), [("Modify (mitigate)", "modify"), ("mitigate", "modify"),
                                                ("Transfer", "share"), ("accept", "retain"), ("Avoid", "avoid")])
def test_treatment_strategy_by_label_or_common_word(category, officer, word, strategy):
    header = ["Title", "Category", "Inherent likelihood", "Inherent impact", "Treatment strategy"]
    report = run([["Loss of ISP service", "Information Security", "3", "3", word]], officer, header=header)

    assert report.ok, report.problems
    assert db.session.scalar(sa.select(Risk.strategy)) == strategy


def test_xlsx_with_numbers_and_a_date_cell(good_row, officer):
    header = [*HEADER, "Next review", "Review every (months)"]
    row = good_row(**{"Inherent likelihood": 4, "Inherent impact": 5, "Residual likelihood": 3.0,
                      "Residual impact": 4})
    report = run([[*row, datetime(2027, 3, 31), 6]], officer, file=xlsx_file, name="register.xlsx", header=header)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.residual_score, risk.next_review_on, risk.review_frequency_months) == (12, date(2027, 3, 31), 6)


def test_references_given_are_kept_and_blank_ones_numbered_after_them(good_row, officer):
    report = run([good_row(Reference="r-0007", Title="One"), good_row(Title="Two"),
                  good_row(Reference="ISR-01", Title="Three")], officer)

    assert report.ok, report.problems
    assert [o.reference for o in report.outcomes] == ["R-0007", "R-0008", "ISR-01"]


def test_every_created_risk_is_audited_and_the_import_is_recorded_with_the_file_hash(good_row, officer):
    report = run([good_row(Title="One"), good_row(Title="Two")], officer)

    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "risk")
                                 .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "create", "import"]
    assert "register.csv" in entries[-1].summary and report.sha256[:16] in entries[-1].summary
    assert entries[-1].actor_id == officer.id
    history = db.session.scalars(sa.select(RatingChange.reason)).all()
    assert set(history) == {"Imported from register.csv"}


# --- updating by reference -------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(good_row, officer):
    rows = [good_row(Reference="R-0001")]
    run(rows, officer)
    audited = audit_count()

    report = run(rows, officer)

    assert report.ok, report.problems
    assert report.summary == "0 created, 0 updated, 1 unchanged"
    assert risk_count() == 1
    assert audit_count() == audited + 1  # only the import itself


def test_a_known_reference_updates_the_risk_and_names_the_changed_columns(good_row, officer):
    run([good_row(Reference="R-0001")], officer)
    risk = db.session.scalar(sa.select(Risk))
    version = risk.version

    report = run([good_row(Reference="R-0001", Title="Ransomware", **{"Residual likelihood": "2"})], officer)

    assert report.ok, report.problems
    [outcome] = report.outcomes
    assert (outcome.action, outcome.changed) == ("update", ["Residual likelihood", "Title"])
    db.session.refresh(risk)
    assert (risk.title, risk.residual_score, risk.version) == ("Ransomware", 8, version + 1)
    change = db.session.scalars(sa.select(RatingChange).order_by(RatingChange.id.desc())).first()
    assert (change.kind, change.from_likelihood, change.to_likelihood) == ("residual", 3, 2)
    assert change.reason == "Imported from register.csv"


def test_reason_for_change_goes_into_the_rating_history(good_row, officer):
    run([good_row(Reference="R-0001")], officer)
    header = ["Reference", "Title", "Category", "Inherent likelihood", "Inherent impact", "Reason for change"]

    run([["R-0001", "Ransomware on file servers", "Information Security", "5", "5", "Annual reassessment"]],
        officer, header=header)

    assert db.session.scalar(sa.select(RatingChange.reason).order_by(RatingChange.id.desc()).limit(1)) == (
        "Annual reassessment")


def test_columns_left_out_keep_their_values_and_empty_cells_clear_them(good_row, officer, owner):
    run([good_row(Reference="R-0001")], officer)
    header = ["Reference", "Title", "Category", "Inherent likelihood", "Inherent impact", "Department"]

    report = run([["R-0001", "Ransomware on file servers", "Information Security", "4", "5", ""]], officer,
                 header=header)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert risk.department_id is None  # the column is there, its cell empty
    assert risk.owner_id == owner.id and len(risk.factors) == 2 and risk.residual_score == 12  # not in the file
    assert report.outcomes[0].changed == ["Department"]


def test_a_row_without_reference_repeating_an_existing_risk_is_refused(good_row, officer):
    run([good_row()], officer)

    report = run([good_row()], officer)

    assert [(p.row, p.column) for p in report.problems] == [(2, "Reference")]
    assert "R-0001" in report.problems[0].message
    assert risk_count() == 1


def test_an_accepted_risk_keeps_its_acceptance_when_the_row_says_accepted(good_row, officer, owner, make_risk):
    from app.risks import services

    risk = make_risk(inherent=(5, 5), residual=(3, 3), title="Accepted risk")  # Medium: its owner accepts it
    today = local_today()
    services.accept_risk(risk, actor=owner, justification="Budget next year", expires_on=add_months(today, 6),
                         today=today, expected_version=risk.version)
    header = ["Reference", "Title", "Category", "Inherent likelihood", "Inherent impact", "Status"]

    report = run([[risk.reference, "Accepted risk", "Information Security", "5", "5", "Accepted"]], officer,
                 header=header)

    assert report.ok, report.problems
    assert report.outcomes[0].action == "unchanged"
    assert services.current_acceptance(risk) is not None


# --- all or nothing --------------------------------------------------------------------------------


def test_one_bad_row_writes_nothing_and_every_problem_names_row_and_column(good_row, officer):
    before = audit_count()
    rows = [good_row(Title="Good one"),
            good_row(Title="Residual too high", **{"Residual likelihood": "5", "Residual impact": "5"}),
            good_row(Title="Bad cells", Category="Catering", Department="NOPE", **{
                "Risk owner": "nobody@example.gov.za", "Inherent likelihood": "9", "Status": "Closed",
                "Contributing factors": "Too much traffic"})]

    report = run(rows, officer)

    assert not report.ok
    assert risk_count() == 0 and audit_count() == before
    found = {(p.row, p.column) for p in report.problems}
    assert (3, "Residual likelihood") in found
    assert {(4, "Category"), (4, "Department"), (4, "Risk owner"), (4, "Inherent likelihood"),
            (4, "Contributing factors")} <= found
    messages = " ".join(p.message for p in report.problems)
    assert "cannot exceed the inherent" in messages and "nobody@example.gov.za" in messages
    assert "use 1 to 5" in messages and "does not start with its rating H, M or L" in messages


def test_status_accepted_or_closed_cannot_be_imported_for_a_new_risk(good_row, officer):
    report = run([good_row(Status="Accepted")], officer)

    assert [(p.row, p.column) for p in report.problems] == [(2, "Status")]
    assert "its own step" in report.problems[0].message


def test_half_a_rating_is_a_problem(good_row, officer):
    report = run([good_row(**{"Residual impact": ""})], officer)

    assert [(p.row, p.column) for p in report.problems] == [(2, "Residual impact")]


def test_a_missing_inherent_rating_is_a_problem(good_row, officer):
    report = run([good_row(**{"Inherent likelihood": "", "Inherent impact": ""})], officer)

    assert (2, "Inherent likelihood") in {(p.row, p.column) for p in report.problems}
    assert risk_count() == 0


def test_the_same_reference_twice_in_a_file(good_row, officer):
    report = run([good_row(Reference="R-0001", Title="A"), good_row(Reference="r-0001", Title="B")], officer)

    assert [(p.row, p.column) for p in report.problems] == [(3, "Reference")]
    assert "row 2" in report.problems[0].message


@pytest.mark.parametrize("reference", ["R 0001", "-R1", "A" * 17, "R-0001;DROP"])
def test_references_khusela_cannot_use(good_row, officer, reference):
    report = run([good_row(Reference=reference)], officer)

    assert [(p.row, p.column) for p in report.problems][:1] == [(2, "Reference")]


def test_a_subcategory_of_another_category_is_refused(good_row, officer, category):
    other = RiskCategory(name="Business Continuity")
    db.session.add(other)
    db.session.commit()

    report = run([good_row(Category="Business Continuity")], officer)  # "Cyber" is Information Security's

    assert [(p.row, p.column) for p in report.problems] == [(2, "Subcategory")]


def test_too_long_a_title_and_bad_numbers_and_dates(good_row, officer):
    header = [*HEADER, "Tolerance", "Review every (months)", "Next review"]
    # 31/13/2027 has no 13th month either way round (31/03/2027 now reads as the SA date it is).
    report = run([[*good_row(Title="x" * 201), "four", "12", "31/13/2027"]], officer, header=header)

    found = {p.column: p.message for p in report.problems}
    assert "at most 200" in found["Title"]
    assert "not a whole number" in found["Tolerance"]
    assert "YYYY-MM-DD" in found["Next review"]


def test_rules_of_the_register_are_checked_once_the_cells_read(good_row, officer):
    header = [*HEADER, "Review every (months)", "Tolerance"]
    report = run([[*good_row(), "40", "99"]], officer, header=header)

    found = {p.column: p.message for p in report.problems}
    assert "36" in found["Review every (months)"]
    assert "1 to 25" in found["Tolerance"]


def test_a_file_of_the_wrong_kind_is_reported_without_touching_the_register(good_row, officer):
    report = importing.import_risks("register.pdf", b"%PDF-1.7", actor=officer, dry_run=False)

    assert not report.ok and ".xlsx or .csv" in report.problems[0].message


def test_a_header_without_rows(officer, category):
    report = run([], officer)

    assert "no risks under it" in report.problems[0].message


def test_one_hundred_thousand_rows_are_refused_before_anything_is_read_into_the_register(officer, category):
    body = "Title,Category,Inherent likelihood,Inherent impact\n" + "Risk,Information Security,3,3\n" * 100_000

    report = importing.import_risks("huge.csv", body.encode(), actor=officer, dry_run=False)

    assert "more than 5,000 rows" in report.problems[0].message
    assert risk_count() == 0


def test_problems_are_capped_with_a_count_of_the_rest(officer, category, monkeypatch):
    monkeypatch.setattr(imports, "MOST_PROBLEMS_LISTED", 5)
    rows = [[f"Risk {n}", "Catering", "3", "3"] for n in range(8)]

    report = run(rows, officer, header=["Title", "Category", "Inherent likelihood", "Inherent impact"])

    assert len(report.problems) == 6
    assert "3 more problems" in report.problems[-1].message


# --- dry run -----------------------------------------------------------------------------------------


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(good_row, officer):
    before = audit_count()

    report = run([good_row(Title="One"), good_row(Title="Two")], officer, dry_run=True)

    assert report.ok and report.dry_run
    assert [(o.row, o.reference, o.action) for o in report.outcomes] == [(2, "R-0001", "create"),
                                                                          (3, "R-0002", "create")]
    assert risk_count() == 0 and audit_count() == before


# --- the template ------------------------------------------------------------------------------------


def test_the_xlsx_template_documents_every_column_and_lists_the_choices(category, department):
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))

    assert workbook.sheetnames == ["Risks", "Lists", "Columns"]
    assert [cell.value for cell in workbook["Risks"][1]] == [column.header for column in importing.COLUMNS]
    assert workbook["Risks"].max_row == 1  # no example row that would be imported by mistake
    documented = [row[0].value for row in workbook["Columns"].iter_rows(min_row=2)]
    assert documented == [column.header for column in importing.COLUMNS]
    lists = {column[0].value: [c.value for c in column[1:] if c.value] for column in workbook["Lists"].columns}
    assert lists["Category"] == ["Information Security"]
    assert lists["Department"] == ["DOH"]
    assert lists["Likelihood"][3] == "4 Likely"
    assert workbook["Risks"].data_validations.dataValidation  # drop-downs on the fixed-choice columns


def test_a_filled_in_template_imports(category, department, officer):
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))
    sheet = workbook["Risks"]
    values = {"Title": "Energy supply outage", "Category": "Information Security", "Department": "DOH",
              "Inherent likelihood": "4 Likely", "Inherent impact": "4 Major", "Status": "Open",
              "Treatment strategy": "Share (transfer)"}
    for index, column in enumerate(importing.COLUMNS, start=1):
        sheet.cell(row=2, column=index, value=values.get(column.header))
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = importing.import_risks("template.xlsx", buffer.getvalue(), actor=officer, dry_run=False)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.inherent_score, risk.strategy) == (16, "share")


def test_the_csv_template_is_the_header_row(category):
    text = importing.template_csv().decode("utf-8-sig")

    assert next(csv.reader(io.StringIO(text))) == [column.header for column in importing.COLUMNS]


# --- controls in place -------------------------------------------------------------------------------


def test_controls_are_linked_by_annex_a_or_internal_reference(good_row, officer, owner):
    from app.controls import services as controls

    internal = controls.create_internal_control(controls.ControlInput(
        reference="IC-004", title="Nightly backup to the provincial data centre", control_type="Corrective",
        annex_a_ids=[controls.annex_a_control("8.13").id]), actor=officer)
    header = ["Title", "Category", "Inherent likelihood", "Inherent impact", "Controls"]

    report = run([["Ransomware", "Information Security", "4", "5", "A.8.16; 8.13, ic-004"]], officer, header=header)

    assert report.ok, report.problems
    risk = db.session.scalar(sa.select(Risk))
    assert {control.reference for control in risk.controls} == {"8.16", "8.13", internal.reference}


def test_unknown_control_references_are_named(good_row, officer):
    header = ["Title", "Category", "Inherent likelihood", "Inherent impact", "Controls"]

    report = run([["Ransomware", "Information Security", "4", "5", "8.16; 9.99; IC-404"]], officer, header=header)

    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "Controls")
    assert "“9.99”, “IC-404”" in problem.message


# --- the deck's risk card, and registers like it (issue 21, section 3) ----------------------------

CARD_FILES = Path(__file__).parent / "files"
# The provincial Digital Government deck's Information Security card, as printed
# (/work/shared/reference/seeds/provincial-digital-government-deck.txt, lines 555-587): the ratings
# row, Risk Owner and Risk Subcategory empty, Tolerance level 4, and the nine contributing factors
# word for word ("3<sup>rd</sup>" is typed 3rd). The card's heading names the risk; the row files
# it under the register's category of that name, as the demo does (the card prints no other).
CARD_FACTORS = [
    ("Attack by an external source (e.g., cyber attack)", "H"),
    ("Ageing, unsupported, unmanaged technology (Hardware and software)", "H"),
    ("Attack and or Data/ Information leakage by an internal source (staff or Contractor)", "H"),
    ("Limited user adherence to ICT policies and procedures", "M"),
    ("Lack of 3rd party accountability", "M"),
    ("Lack of ICT and Domain specific policies, procedures and/or standards", "M"),
    ("Limited capacity to effectively manage the cyber security environment", "M"),
    ("Limitations of the ICT monitoring and reporting tools and response procedures", "M"),
    ("Multiple entry and exit access points to the internet", "M"),
]


@pytest.mark.parametrize("name", ["deck-risk-card.csv", "deck-risk-card.xlsx"])
def test_the_decks_risk_card_imports_as_typed_with_every_value_as_printed(category, officer, name):
    current_matrix()
    data = (CARD_FILES / name).read_bytes()

    report = importing.import_risks(name, data, actor=officer, dry_run=False)

    assert report.ok, [str(problem) for problem in report.problems]
    assert (report.summary, report.warnings) == ("1 created, 0 updated, 0 unchanged", [])
    risk = db.session.scalar(sa.select(Risk))
    assert (risk.title, risk.category.name, risk.subcategory, risk.owner) == (
        "Information Security", "Information Security", None, None)
    assert (risk.inherent_impact, risk.inherent_likelihood, risk.inherent_score) == (4, 4, 16)
    assert (risk.residual_impact, risk.residual_likelihood, risk.residual_score) == (3, 3, 9)
    assert risk.tolerance == 4
    assert [(factor.description, factor.rating) for factor in risk.factors] == CARD_FACTORS


@pytest.mark.parametrize("line", [
    "H Attack by an external source", "H: Attack by an external source", "(H) Attack by an external source",
    "**H** Attack by an external source", "**H:** Attack by an external source", "High - Attack by an external source",
    "high: Attack by an external source", "[H] Attack by an external source", "- H: Attack by an external source",
    "  H\tAttack by an external source  ", "__H__ Attack by an external source",
])
def test_a_cause_is_read_however_the_register_writes_its_rating(good_row, officer, line):
    report = run([good_row(**{"Contributing factors": f"{line}\n\nM Lack of 3rd party accountability\nLow: x"})],
                 officer)

    assert report.ok, [str(problem) for problem in report.problems]
    risk = db.session.scalar(sa.select(Risk))
    assert [(f.description, f.rating) for f in risk.factors] == [
        ("Attack by an external source", "H"), ("Lack of 3rd party accountability", "M"), ("x", "L")]


@pytest.mark.parametrize("line", ["Lack of 3rd party accountability", "Hardware is old", "(H Attack", "**H Attack"])
def test_a_cause_without_its_rating_is_a_problem(good_row, officer, line):
    report = run([good_row(**{"Contributing factors": f"H: Attack\n{line}"})], officer)

    assert [(p.row, p.column) for p in report.problems] == [(2, "Contributing factors")]
    assert "line 2" in report.problems[0].message and "does not start with its rating" in report.problems[0].message
    assert risk_count() == 0


RATED_HEADER = [*HEADER, "Inherent rating", "Residual band"]


def test_a_computed_rating_that_is_not_likelihood_times_impact_is_a_warning_and_the_import_goes_on(good_row,
                                                                                                   officer):
    rows = [[*good_row(Title="Agrees"), "20", "Medium"],  # 4 × 5 = 20, 3 × 4 = 12 is High on the 5×5 matrix
            [*good_row(Title="Disagrees"), "16", "High"],
            [*good_row(Title="Critical by name"), "Critical", "Something"]]

    report = run(rows, officer, header=RATED_HEADER)

    assert report.ok and report.summary == "3 created, 0 updated, 0 unchanged"
    assert [str(warning) for warning in report.warnings] == [
        "row 2, column “Residual band”: “Medium” is not the band of this row's rating: 3 × 4 = 12 (High). Khusela "
        "imports 12 (High).",
        "row 3, column “Inherent rating”: 16 is not the likelihood × impact of this row: 4 × 5 = 20 (Critical). "
        "Khusela imports 20.",
        "row 4, column “Residual band”: “Something” is neither a rating nor a band of the risk matrix: 3 × 4 = 12 "
        "(High). Khusela imports 12 (High).",
    ]
    assert {risk.inherent_score for risk in db.session.scalars(sa.select(Risk))} == {20}
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "import"))
    assert "3 warnings" in entry.summary
    assert [warning[:20] for warning in json.loads(entry.changes)["warnings"]] == ["row 2, column “Resid",
                                                                                "row 3, column “Inher",
                                                                                "row 4, column “Resid"]


def test_a_rating_without_the_likelihood_and_impact_it_comes_from_is_a_problem(good_row, officer):
    report = run([[*good_row(**{"Residual likelihood": "", "Residual impact": ""}), "", "Medium"]], officer,
                 header=RATED_HEADER)

    assert [(p.row, p.column) for p in report.problems] == [(2, "Residual band")]
    assert "give the residual likelihood and impact" in report.problems[0].message
    assert risk_count() == 0


def test_the_owner_may_be_named_by_name_unless_two_accounts_share_it(good_row, officer, owner):
    named = run([good_row(Title="By name", **{"Risk owner": owner.full_name.upper()})], officer)
    factories.make_user("risk_owner", full_name=owner.full_name)
    ambiguous = run([good_row(Title="Two of them", **{"Risk owner": owner.full_name})], officer)

    assert named.ok and db.session.scalar(sa.select(Risk)).owner == owner
    assert [str(p) for p in ambiguous.problems] == [
        f"row 2, column “Risk owner”: 2 accounts are called “{owner.full_name}”: give the sign-in e-mail address "
        "instead."]
