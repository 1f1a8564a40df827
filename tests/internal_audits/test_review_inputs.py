"""Internal audit's section of a management review pack: the reports issued by the date, their findings
and the nonconformities they raised."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.internal_audits import services
from app.internal_audits.review_inputs import audit_results_for_review
from app.reviews import inputs
from tests.internal_audits.conftest import TODAY, fake_pdf, fill


def _issue(audited, lead):
    fill(audited, lead, {"9.2": ("minor_nc", "No audit programme approved.")})
    services.issue_report(audited, summary="S", conclusion="C", actual_end=None, expected_version=audited.version,
                          actor=lead, render=fake_pdf, today=TODAY)
    db.session.commit()


def _figures(section: dict) -> dict:
    return {item["key"]: item["value"] for item in section["figures"]}


def test_no_report_issued_by_the_date_is_nothing_recorded(started, lead):
    started(lead)
    assert audit_results_for_review(TODAY, TODAY - timedelta(days=365)) is None


def test_issued_reports_give_their_findings_and_open_nonconformities(started, lead):
    audited = started(lead)
    _issue(audited, lead)

    section = audit_results_for_review(TODAY, TODAY - timedelta(days=365))

    assert _figures(section)["audits_issued"] == 1 and _figures(section)["audit_ncs_open"] == 1
    findings = {row[0]: row[1] for row in section["tables"][0]["rows"]}
    assert findings["Minor nonconformity"] == 1 and findings["Conforming"] == 1
    assert section["tables"][1]["rows"] == [[f"{audited.reference} ISMS clauses", TODAY.isoformat(), 1]]
    # Reviewed before the report was issued, the audit is not among its results.
    assert audit_results_for_review(TODAY - timedelta(days=1), TODAY - timedelta(days=365)) is None


def test_a_review_pack_reads_the_audit_results(started, lead):
    _issue(started(lead), lead)
    sections = {section["key"]: section for section in inputs.compile(TODAY)["sections"]}
    assert sections["audits"]["available"] and _figures(sections["audits"])["audits_issued"] == 1
