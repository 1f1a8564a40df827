"""The report registry: each report's content (read from its HTML, as rendering is slow), its
parameters and their errors, and a few real PDFs (cover, marking, page numbers, tagging, A4)."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import Department
from app.common.timeutil import local_today
from app.controls.models import SoaVersion
from app.extensions import db
from app.policies.models import PolicyVersion
from app.reports import documents
from app.risks.models import ActionStatus, Risk, RiskStatus, TreatmentAction
from app.risks.queries import RiskFilters


@pytest.fixture
def demo(app, demo_data):
    with app.test_request_context():
        yield app


def html_of(name: str, params: dict | None = None) -> str:
    return documents.render_report_html(name, params=params or {}, generated_by="Report Tester")


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def pdf_info(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()


def test_the_registry_names_every_report_with_its_permission():
    assert set(documents.REPORTS) == {"risk_register", "treatment_plan", "risk_methodology", "acceptance_register",
                                      "soa", "asset_register", "isms_context", "policy",
                                      "nonconformities", "objectives", "suppliers", "incidents", "incident",
                                      "awareness", "continuity"}
    assert documents.REPORTS["acceptance_register"].permission == "risk.view"
    assert documents.REPORTS["objectives"].permission == "objective.view"
    assert documents.REPORTS["objectives"].in_background
    assert documents.REPORTS["soa"].permission == "soa.view"
    assert documents.REPORTS["asset_register"].permission == "asset.view"
    assert documents.REPORTS["isms_context"].permission == "context.view"
    with pytest.raises(documents.ReportInputError, match="risk_register, treatment_plan"):
        documents.report_named("nonsense")


def test_the_risk_register_holds_heat_maps_table_and_a_card_per_risk(demo):
    risks = db.session.scalars(sa.select(Risk).where(Risk.status != RiskStatus.CLOSED.value)).all()
    html = html_of("risk_register")

    assert 'role="img"' in html and "Inherent heat map" in html and "Residual heat map" in html
    assert html.count('<strong class="ref">') == len(risks)
    example = next(risk for risk in risks if risk.factors)
    assert example.reference in html and example.factors[0].description in html
    assert "OUT OF TOLERANCE" in html and "tolerance level" in html
    assert "Report Tester" in html and "Contents" in html and 'href="#cards"' in html


def test_the_risk_register_uses_the_list_filters(demo):
    department = db.session.scalar(sa.select(Department).where(Department.code == "DOH"))
    in_department = db.session.scalars(sa.select(Risk).where(Risk.department_id == department.id,
                                                             Risk.status != RiskStatus.CLOSED.value)).all()
    assert in_department

    by_args = documents.prepare("risk_register", {"filters": {"department": str(department.id)}})
    by_param = documents.prepare("risk_register", {"department_id": department.id})
    by_object = documents.prepare("risk_register", {"filters": RiskFilters(department_id=department.id)})

    for prepared in (by_args, by_param, by_object):
        assert [line.risk.id for line in prepared.context["lines"]] == sorted(
            (risk.id for risk in in_department), key=lambda i: db.session.get(Risk, i).reference)
        assert "department DOH" in prepared.scope_label
    out = documents.prepare("risk_register", {"filters": {"out_of_tolerance": "1"}})
    assert out.context["lines"] and all(line.risk.out_of_tolerance for line in out.context["lines"])


def test_the_treatment_plan_lists_overdue_actions_first(demo):
    today = local_today()
    action = db.session.scalars(sa.select(TreatmentAction).where(
        TreatmentAction.status.in_(documents.OPEN_ACTION_STATUSES))).first()
    action.due_on = today - timedelta(days=3)
    for other in db.session.scalars(sa.select(TreatmentAction).where(  # the demo's own overdue actions: due later
            TreatmentAction.id != action.id, TreatmentAction.due_on < action.due_on)):
        other.due_on = today + timedelta(days=30)
    done = db.session.scalars(sa.select(TreatmentAction).where(TreatmentAction.id != action.id)).first()
    done.status = ActionStatus.DONE.value
    db.session.commit()

    prepared = documents.prepare("treatment_plan", {})

    assert prepared.context["overdue"][0].id == action.id
    assert done not in prepared.context["actions"]
    group = next(group for group in prepared.context["owners"] if action in group.actions)
    assert group.actions[0] is action and group.overdue >= 1
    html = html_of("treatment_plan")
    assert "overdue 3 d" in html and action.title in html


def test_the_soa_defaults_to_the_latest_issued_version_with_its_approval(demo):
    latest = db.session.scalar(sa.select(SoaVersion).order_by(SoaVersion.number.desc()).limit(1))
    first = db.session.scalar(sa.select(SoaVersion).where(SoaVersion.number == 1))

    html = html_of("soa")
    assert f"Version {latest.number}, approved {latest.approved_on.isoformat()}" in html
    assert latest.approver in html and "5.1" in html and "Policies for information security" in html

    older = documents.prepare("soa", {"version_id": first.id})
    assert older.context["issued"] is first and older.context["later_versions"] == 1
    assert documents.prepare("soa", {"version_number": "1"}).context["issued"] is first


def test_the_asset_register_summarises_by_type_department_and_lifecycle(demo):
    prepared = documents.prepare("asset_register", {})
    kinds = dict(prepared.context["by_kind"])
    assert kinds["Desktop"] > 0 and prepared.context["total"] == sum(kinds.values())
    assert sum(count for _, count in prepared.context["by_department"]) == prepared.context["total"]
    assert prepared.context["sites"].total > 0

    department = db.session.scalar(sa.select(Department).where(Department.code == "DOH"))
    narrowed = documents.prepare("asset_register", {"department_id": department.id})
    assert narrowed.context["by_department"] == [(f"DOH — {department.name}", narrowed.context["total"])]
    assert narrowed.scope_label.startswith("Department DOH")
    html = html_of("asset_register")
    assert "Unsupported items" in html and "Application portfolio" in html and "Connected sites" in html


def test_the_policy_report_renders_the_text_and_document_control(demo):
    version = next(v for v in documents.available_policy_versions() if v.clauses and v.body)
    html = html_of("policy", {"version_id": version.id})
    assert "Version history" in html and "Reviewed by" in html and "Approval" in html
    assert version.clauses[0].title in html and f"Version {version.number}" in html
    assert "<script" not in html


@pytest.mark.parametrize(("name", "params", "message"), [
    ("policy", {}, "Choose the policy version"),
    ("policy", {"version_id": "abc"}, "must be a record number"),
    ("policy", {"version_id": 999999}, "no policy version with id 999999"),
    ("soa", {"version_number": 42}, "no issued Statement of Applicability version 42"),
    ("treatment_plan", {"department_id": 424242}, "no department with id 424242"),
    ("risk_register", {"filters": {"department": "424242"}}, "no department with id 424242"),
    ("risk_register", {"filters": 7}, "risk filters"),
])
def test_bad_parameters_are_refused_with_a_message(demo, name, params, message):
    with pytest.raises(documents.ReportInputError, match=message):
        documents.prepare(name, params)


def test_the_soa_report_says_when_none_was_issued(app):
    with app.test_request_context(), pytest.raises(documents.ReportNotFound, match="No Statement of Applicability"):
        documents.prepare("soa", {})


def test_a_built_report_is_an_a4_tagged_pdf_with_cover_marking_and_pages(demo, tmp_path):
    """Built as the evidence packs and the CLI build it: no one signed in."""
    with demo.app_context(), demo.test_request_context():
        content = documents.build_report("treatment_plan", params={}, generated_by="Pack Builder")

    text = pdf_text(content)
    info = pdf_info(content, tmp_path)
    assert "Risk treatment plan" in text and "Document version" in text and "RESTRICTED" in text
    assert "Page 1 of" in text and "by Pack Builder" in text
    assert re.search(r"Tagged:\s+yes", info) and "(A4)" in info


def test_the_risk_register_pdf_has_contents_with_page_numbers(demo):
    content = documents.build_report("risk_register", params={"filters": {"q": "ransomware"}},
                                     generated_by="Report Tester")
    text = pdf_text(content)
    assert "Contents" in text and "Heat maps" in text and "Risk cards" in text
    assert "matching “ransomware”" in text


def test_generating_a_report_is_audited(demo):
    prepared = documents.prepare("soa", {})
    documents.record_generated(prepared, actor_email="cli:tester")
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "generate" and entry.entity_type == "report" and entry.entity_id == "soa"
    assert "Statement of Applicability" in entry.summary and entry.actor_email == "cli:tester"


def test_policy_versions_on_offer_include_every_policy(demo):
    versions = documents.available_policy_versions()
    assert len(versions) == db.session.scalar(sa.select(sa.func.count()).select_from(PolicyVersion))
