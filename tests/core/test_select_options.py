"""Every select of every page offers whole options (issue 18, point 1).

A placeholder given to WTForms next to option groups in the wrong shape (a list where it reads a
dict) is read as a group of one-letter options: "Choose the clause" became C, h, o, ... and the
form failed on int("C"). This walks every page an administrator opens on the demo data, with the
records each page needs, and reads every <select> it renders."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from app.extensions import db

# A path argument -> the table it names, and the argument naming its parent row, if any.
ARGUMENT_TABLES = {
    "risk_id": ("risk", None), "action_id": ("risk_action", "risk_id"), "asset_id": ("asset", None),
    "case_id": ("policy_case", None), "notice_id": ("case_hearing_notice", "case_id"),
    "warning_id": ("case_warning", "case_id"), "category_id": ("risk_category", None),
    "control_id": ("control", None), "department_id": ("department", None), "employee_id": ("employee", None),
    "file_id": ("evidence_file", None), "pack_id": ("evidence_pack", None), "policy_id": ("policy", None),
    "version_id": ("policy_version", "policy_id"), "product_id": ("product", None), "user_id": ("user", None),
    "objective_id": ("objective", None), "metric_id": ("metric", None), "measurement_id": ("measurement", "metric_id"),
    "document_id": ("prepared_document", None), "issue_id": ("context_issue", None),
    "party_id": ("interested_party", None), "requirement_id": ("party_requirement", "party_id"),
    "role_id": ("isms_role", None), "assignment_id": ("isms_role_assignment", "role_id"),
    "nonconformity_id": ("nonconformity", None),
    "change_id": ("nonconformity_change", "nonconformity_id"), "test_id": ("control_test", None),
    "review_id": ("management_review", None),
    "audit_id": ("internal_audit", None), "line_id": ("checklist_line", "audit_id"),
    "supplier_id": ("suppliers", None), "assessment_id": ("supplier_assessment", "supplier_id"),
    "incident_id": ("incident", None), "report_id": ("incident", None),
    "analysis_id": ("impact_analysis", None), "plan_id": ("continuity_plan", "analysis_id"),
    "campaign_id": ("awareness_campaign", None), "record_id": ("training_record", "campaign_id"),
    "reported_id": ("reported_portfolio_year", None),
}
# action_id names a risk's treatment action and evidence_id a control's evidence, except under these
# paths: (path, argument, table, parent argument).
OTHER_CHILDREN = (
    ("/nonconformities/<int:nonconformity_id>/actions/", "action_id", "corrective_action", "nonconformity_id"),
    ("/management-reviews/<int:review_id>/actions/", "action_id", "management_review_action", "review_id"),
    ("/incidents/<int:incident_id>/actions/", "action_id", "incident_action", "incident_id"),
    ("/incidents/<int:incident_id>/evidence/", "evidence_id", "incident_evidence", "incident_id"),
)
# Cases show different forms in each state: every demo case is visited; other records once.
EVERY_ROW = {"case_id"}
DOCUMENT = re.compile(r"\.(pdf|csv|xlsx|zip|pem|<any\(.*\):fmt>)$|/download$|/files/|/document$|/file$")
SELECT = re.compile(r"<select\b[^>]*>(.*?)</select>", re.S)
OPTION = re.compile(r"<option\b[^>]*>(.*?)</option>", re.S)


def _rows(table: str, parent: str | None, limit: int | None) -> list[dict]:
    columns = "id" + (f", {parent}" if parent else "")
    statement = f'SELECT {columns} FROM "{table}" ORDER BY id' + (f" LIMIT {limit}" if limit else "")
    return [dict(row._mapping) for row in db.session.execute(sa.text(statement))]


def _argument_values(rule) -> list[dict]:
    """The path values to visit `rule` with: a child row names its parent, so the pair belongs together."""
    arguments = set(rule.arguments)
    if "number" in arguments:
        return [{"number": number} for number in db.session.scalars(sa.text("SELECT number FROM soa_version"))]
    if "scope_number" in arguments:
        return [{"scope_number": number} for number in db.session.scalars(sa.text(
            "SELECT number FROM scope_statement WHERE state = 'issued'"))]
    if rule.rule.startswith("/controls/evidence/<int:evidence_id>"):
        return [{"evidence_id": row["id"]} for row in _rows("evidence", None, 1)]
    for prefix, argument, table, parent in OTHER_CHILDREN:
        if rule.rule.startswith(prefix):
            return [{argument: row["id"], parent: row[parent]} for row in _rows(table, parent, 1)]
    children = [name for name in arguments if ARGUMENT_TABLES[name][1] in arguments]
    name = children[0] if children else next(iter(arguments))
    table, parent = ARGUMENT_TABLES[name]
    limit = None if name in EVERY_ROW else 1
    return [{name: row["id"], **({parent: row[parent]} if parent else {})} for row in _rows(table, parent, limit)]


def _pages(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or DOCUMENT.search(rule.rule):
            continue  # documents and downloads hold no form
        if not rule.arguments:
            paths.append(rule.rule)
            continue
        if "evidence_id" in rule.arguments and rule.rule.startswith("/cases"):
            continue  # the demo holds no case evidence; a file download has no select anyway
        for values in _argument_values(rule):
            paths.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(paths))


def single_letter_options(page: str) -> list[list[str]]:
    """The selects of `page` holding an option whose text is one letter (levels 1 to 5 are digits)."""
    found = []
    for select in SELECT.findall(page):
        texts = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in OPTION.findall(select)]
        if any(len(text) == 1 and text.isalpha() for text in texts):
            found.append(texts)
    return found


def test_the_check_catches_a_placeholder_read_as_letters():
    broken = '<select name="clause_id"><option value="C">C</option><option value="h">h</option></select>'
    whole = '<select name="clause_id"><option value="">Choose the clause</option></select>'

    assert single_letter_options(broken) == [["C", "h"]]
    assert single_letter_options(whole) == []


@pytest.mark.usefixtures("demo_data")
def test_no_page_renders_a_select_with_one_letter_options(app, client, login_as):
    login_as("admin")
    pages = _pages(app)
    broken, selects_seen = {}, 0

    for path in pages:
        response = client.get(path)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()  # a file download holds its file open until then
        selects_seen += len(SELECT.findall(page))
        if found := single_letter_options(page):
            broken[path] = found

    assert broken == {}
    assert "/cases/new" in pages and selects_seen > 150  # the walk reached the forms
