"""Every register's own CSV and XLSX export imports back unchanged (issue 21, section 3): the demo
organisation's register is downloaded from its list page, the file goes through the register's
import as it came out, every row is reported "unchanged", and not one row of the register's tables
differs afterwards (not even a version number or a timestamp)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.assets import importing as asset_importing
from app.assets.products import importing as product_importing
from app.awareness import importing as training_importing
from app.awareness.models import Campaign
from app.controls import importing as control_importing
from app.employees import importing as employee_importing
from app.extensions import db
from app.policies import importing as policy_importing
from app.policies.cases import importing as case_importing
from app.risks import importing as risk_importing


@dataclass(frozen=True)
class Register:
    name: str
    url: Callable[[], str]
    run: Callable[..., object]  # run(filename, data, actor=, dry_run=)
    tables: tuple[str, ...]  # what the import could write
    args: dict = field(default_factory=dict)  # the list page's query string besides the export's format


def _campaign_url() -> str:
    """The campaign with the most training records: its attendance list is the export the import reads."""
    campaign_id = db.session.scalar(sa.select(Campaign.id).order_by(Campaign.starts_on.desc()).offset(1).limit(1))
    return f"/awareness/campaigns/{campaign_id}"


# The disciplinary procedure's records (its cases' rows carry them too).
PROCEDURE_TABLES = ("case_investigation", "case_suspension", "case_union_consultation", "case_allegation",
                    "case_hearing_notice", "case_hearing", "case_sanction", "case_appeal", "case_fairness_override")

REGISTERS = [
    Register("risks", lambda: "/risks", risk_importing.import_risks,
             ("risk", "risk_factor", "risk_control", "risk_rating_change")),
    Register("assets", lambda: "/assets", asset_importing.import_assets, ("asset", "product", "asset_relation")),
    Register("products", lambda: "/assets/products", product_importing.import_products, ("product",)),
    Register("employees", lambda: "/employees", employee_importing.import_employees, ("employee",)),
    Register("controls", lambda: "/controls", control_importing.import_controls, ("control", "control_mapping")),
    Register("training", _campaign_url, training_importing.import_training, ("training_record",)),
    Register("policies", lambda: "/policies", policy_importing.import_policies,
             ("policy", "policy_version", "policy_reviewer", "policy_clause", "policy_control")),
    # Every case, open and closed, step by step: the export the case import reads.
    Register("cases", lambda: "/cases", case_importing.import_cases,
             ("policy_case", "case_warning", "case_revocation", "case_training", *PROCEDURE_TABLES),
             {"status": "all", "rows": "steps"}),
]


def snapshot(tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    db.session.expire_all()
    return {table: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2"))]
            for table in tables}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("register", REGISTERS, ids=lambda register: register.name)
def test_the_registers_own_export_imports_back_unchanged(demo_data, login_as, client, register, fmt):
    admin = login_as("admin")
    response = client.get(register.url(), query_string={**register.args, "export": fmt})
    assert response.status_code == 200
    before = snapshot(register.tables)

    report = register.run(f"khusela-{register.name}.{fmt}", response.get_data(), actor=admin, dry_run=False)

    assert [str(problem) for problem in report.problems] == []
    assert len(report.outcomes) > 1
    assert {(outcome.action, tuple(outcome.changed)) for outcome in report.outcomes} == {("unchanged", ())}, [
        (outcome.row, outcome.reference, outcome.changed) for outcome in report.outcomes
        if outcome.action != "unchanged"][:10]
    assert snapshot(register.tables) == before


# Text a spreadsheet would run as a formula: the download quotes it, the import gives the text back.
FORMULA_LIKE = {"description": '=HYPERLINK("http://example.org","click")', "consequences": "+A1 goes down",
                "title": "@home working on -2+3+cmd|' /C calc'!A0"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_comes_back_as_it_was(app, login_as, client, fmt):
    from app.risks import services
    from app.risks.categories import seed_default_categories
    from app.risks.models import Risk
    from app.risks.scoring import Rating
    from tests import factories

    seed_default_categories()
    officer = factories.make_user("security_officer")
    category = db.session.scalar(sa.text("SELECT id FROM risk_category WHERE parent_id IS NULL LIMIT 1"))
    for title in (FORMULA_LIKE["title"], "- a bullet of a title"):
        services.create_risk(services.RiskInput(
            title=title, category_id=category, inherent=Rating(3, 3), description=FORMULA_LIKE["description"],
            consequences=FORMULA_LIKE["consequences"], factors=[("=cmd|' /C calc'!A0", "H")]), actor=officer)
    db.session.commit()
    login_as(officer)
    data = client.get("/risks", query_string={"export": fmt}).get_data()
    before = snapshot(("risk", "risk_factor"))

    report = risk_importing.import_risks(f"khusela-risks.{fmt}", data, actor=officer, dry_run=False)

    assert [str(problem) for problem in report.problems] == []
    assert report.summary == "0 created, 0 updated, 2 unchanged"
    assert snapshot(("risk", "risk_factor")) == before
    assert {risk.title for risk in db.session.scalars(sa.select(Risk))} == {FORMULA_LIKE["title"],
                                                                          "- a bullet of a title"}
