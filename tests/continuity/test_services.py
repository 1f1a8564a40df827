"""The continuity use cases against a fresh database: analyses, plans and their versions, tests with
their evidence and findings, each with its audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.continuity import queries, services
from app.continuity.models import PlanState
from app.extensions import db
from app.nonconformities.models import NonconformitySource
from tests.continuity.conftest import analysis_input
from tests.pages import audit_entries


def test_an_analysis_is_numbered_rated_by_its_worst_area_and_audited(make_analysis):
    analysis = make_analysis(impacts={"impact_service_delivery": 2, "impact_financial": 4,
                                      "impact_reputational": 1, "impact_legal": 3})
    assert analysis.reference == "BIA-001" and analysis.overall_impact == 4
    assert [e.summary for e in audit_entries("create", "impact_analysis")] == [
        "Recorded the business impact analysis BIA-001 DOTP Ombudsman (Complaints System)"]


def test_an_rto_longer_than_the_mtd_is_refused_and_nothing_is_saved(officer, today, make_item):
    item = make_item("APP-9", "DOI - Enquiry Logging System")
    with pytest.raises(services.ContinuityRuleError) as refused:
        services.create_analysis(analysis_input(item, today, rto_hours=96, mtd_hours=72), actor=officer, today=today)
    assert refused.value.problems[0][0] == "rto_hours"
    assert "maximum tolerable downtime" in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(services.ImpactAnalysis)) == 0


def test_only_applications_and_services_are_analysed_once_each(officer, today, make_item, make_analysis):
    server = make_item("SRV-1", "Mail server", kind="server")
    with pytest.raises(services.ContinuityRuleError, match="application or service"):
        services.create_analysis(analysis_input(server, today), actor=officer, today=today)
    analysis = make_analysis()
    with pytest.raises(services.ContinuityRuleError, match="already has a business impact analysis"):
        services.create_analysis(analysis_input(analysis.asset, today), actor=officer, today=today)


def test_dependencies_are_cmdb_items_and_not_the_service_itself(officer, today, make_item, make_analysis):
    analysis = make_analysis()
    site = make_item("SITE-1", "Bellville office 1", kind="site")
    data = services.input_of(analysis)
    data.dependency_ids = [site.id]
    changes = services.update_analysis(analysis, data, expected_version=analysis.version, actor=officer, today=today)
    assert changes["dependencies"] == [[], ["SITE-1"]]
    data.dependency_ids = [analysis.asset_id]
    with pytest.raises(services.ContinuityRuleError, match="cannot depend on itself"):
        services.update_analysis(analysis, data, expected_version=analysis.version, actor=officer, today=today)


def test_a_plan_is_drafted_issued_frozen_and_superseded(officer, today, make_analysis):
    analysis = make_analysis()
    plan = services.create_plan(analysis, kind="drp", title="Disaster recovery plan: complaints", owner_id=None,
                                actor=officer)
    assert plan.reference == "DRP-001" and plan.draft.number == "1.0"
    draft = plan.draft
    with pytest.raises(services.ContinuityRuleError, match="holds no plan yet"):
        services.issue_version(draft, approved_on=today, next_review_on=None, expected_version=draft.version,
                               actor=officer, today=today)
    services.update_draft(draft, change="Original", body="# Recovery\n1. Fail over to the cloud region.",
                          expected_version=draft.version, actor=officer)
    first = services.issue_version(draft, approved_on=today - timedelta(days=5), next_review_on=None,
                                   expected_version=draft.version, actor=officer, today=today)
    assert first.state == PlanState.ISSUED and first.next_review_on is not None
    with pytest.raises(services.ContinuityRuleError, match="frozen"):
        services.update_draft(first, change="x", body="y", expected_version=first.version, actor=officer)
    second = services.start_new_version(plan, major=False, actor=officer)
    assert second.number == "1.1" and second.body == first.body
    with pytest.raises(services.ContinuityRuleError, match="still a draft"):
        services.start_new_version(plan, major=True, actor=officer)
    services.update_draft(second, change="SITA contacts", body=second.body, expected_version=second.version,
                          actor=officer)
    services.issue_version(second, approved_on=today, next_review_on=None, expected_version=second.version,
                           actor=officer, today=today)
    assert first.state == PlanState.SUPERSEDED and plan.current is second


def test_issuing_needs_the_issue_permission(officer, today, make_analysis):
    from tests import factories

    analysis = make_analysis()
    plan = services.create_plan(analysis, kind="bcp", title="BCP", owner_id=None, actor=officer)
    services.update_draft(plan.draft, change="Original", body="Text", expected_version=1, actor=officer)
    manager = factories.make_user("manager")
    with pytest.raises(services.ContinuityRuleError, match="Only a security officer"):
        services.issue_version(plan.draft, approved_on=today, next_review_on=None,
                               expected_version=plan.draft.version, actor=manager, today=today)


def test_a_restore_test_keeps_its_file_as_evidence_of_backup_and_ict_readiness(officer, today, make_analysis):
    analysis = make_analysis()
    test = services.record_test(analysis, services.TestInput(
        tested_on=today, kind="backup_restore", scenario="Restore last night's backup.", outcome="passed",
        recovery_minutes=90), actor=officer, today=today, filename="restore-log.txt",
        content=b"Restore completed 2026-05-04 03:12\n")
    assert [c.reference for c in test.evidence.controls] == ["5.30", "8.13"]
    assert test.evidence.current_file.sha256 and analysis.last_tested_on == today


def test_a_test_that_did_not_pass_needs_findings(officer, today, make_analysis):
    analysis = make_analysis()
    with pytest.raises(services.ContinuityRuleError) as refused:
        services.record_test(analysis, services.TestInput(tested_on=today, kind="tabletop", scenario="x",
                                                          outcome="failed"), actor=officer, today=today)
    assert [field for field, _ in refused.value.problems] == ["findings"]


def test_a_finding_is_raised_once_as_a_control_test_nonconformity(officer, today, make_analysis, make_test):
    analysis = make_analysis()
    test = make_test(analysis, kind="failover", outcome="failed", recovery_minutes=30 * 60,
                     findings=["The generator ran out of diesel after 6 hours."])
    nonconformity = services.raise_finding(test.findings[0], services.FindingRaise(severity="minor"), actor=officer,
                                           today=today)
    assert nonconformity.source == NonconformitySource.CONTROL_TEST
    assert nonconformity.source_reference.startswith(test.reference) and nonconformity.control.reference == "8.14"
    assert nonconformity.owner_id == analysis.owner_id
    with pytest.raises(services.ContinuityRuleError, match="already raised"):
        services.raise_finding(test.findings[0], services.FindingRaise(severity="minor"), actor=officer)


def test_the_standing_counts_services_due_a_test_and_without_a_plan(officer, today, make_analysis, make_test):
    tested, never = make_analysis(), make_analysis("DOI - Enquiry Logging System")
    make_test(tested)
    standing = queries.standing(today, 12)
    assert (standing.analyses, standing.test_due, standing.without_plan) == (2, 1, 2)
    assert [a.id for a in queries.services_due_a_test(today, 12)] == [never.id]
    results = queries.test_results(today - timedelta(days=365), today)
    assert results.total == 1 and results.by_outcome["passed"] == 1


def test_a_service_names_the_suppliers_it_depends_on(officer, today, make_analysis):
    from app.suppliers.models import Supplier

    sita = Supplier(name="SITA", services="Wide-area network and hosting")
    db.session.add(sita)
    db.session.commit()
    analysis = make_analysis()
    data = services.input_of(analysis)
    data.supplier_ids = [sita.id]
    changes = services.update_analysis(analysis, data, expected_version=analysis.version, actor=officer, today=today)
    assert changes["suppliers"] == [[], ["SITA"]] and analysis.suppliers == [sita]
    data.supplier_ids = [sita.id, 9999]
    with pytest.raises(services.ContinuityRuleError, match="supplier register"):
        services.update_analysis(analysis, data, expected_version=analysis.version, actor=officer, today=today)


def test_reminders_name_a_service_not_tested_for_a_year_and_a_plan_due_review(app, officer, today, make_analysis,
                                                                               make_test):
    from app.common.timeutil import add_months
    from app.scheduler import reminders
    from app.scheduler.kinds import Kind

    tested, stale = make_analysis(), make_analysis("DOI - Enquiry Logging System")
    make_test(tested)
    make_test(stale, tested_on=add_months(today, -13))
    plan = services.create_plan(tested, kind="drp", title="DRP", owner_id=officer.id, actor=officer)
    services.update_draft(plan.draft, change="Original", body="Steps", expected_version=1, actor=officer)
    services.issue_version(plan.draft, approved_on=today - timedelta(days=400),
                           next_review_on=today - timedelta(days=1),
                           expected_version=plan.draft.version, actor=officer, today=today)
    db.session.commit()
    with app.test_request_context():
        found = reminders.collect(today, kinds=[Kind.CONTINUITY_TEST_DUE, Kind.CONTINUITY_PLAN_REVIEW])
    titles = sorted(reminder.message.title for reminder in found)
    assert len(titles) == 2
    assert titles[0].startswith("Continuity test of DOI - Enquiry Logging System overdue since")
    assert titles[1].startswith("Review of DRP-001 DRP overdue since")
