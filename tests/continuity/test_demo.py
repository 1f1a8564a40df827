"""The demo's business continuity: the deck's measures as controls answering its continuity risks,
BIAs of the key services it names, a BCP and a DRP with versions, and a year of tests."""

from __future__ import annotations

import sqlalchemy as sa

from app.common.timeutil import add_months, local_today
from app.continuity import queries
from app.continuity.models import ContinuityPlan, ContinuityTest, ImpactAnalysis, PlanState
from app.extensions import db
from app.reviews.models import ManagementReview
from app.risks.demo import ENERGY_RISK, ISP_RISK, PROVIDER_RISK, WATER_RISK
from app.risks.models import Risk


def test_the_decks_measures_answer_its_continuity_risks(app, demo_data):
    controls = {title: {c.reference for c in risk.controls} for title, risk in (
        (r.title, r) for r in db.session.scalars(sa.select(Risk).where(Risk.title.in_(
            [ENERGY_RISK, WATER_RISK, PROVIDER_RISK, ISP_RISK]))))}
    assert {"IC-013", "IC-014"} <= controls[ENERGY_RISK]
    assert "IC-016" in controls[WATER_RISK]
    assert {"IC-008", "5.30", "IC-016"} <= controls[PROVIDER_RISK]  # linked, kept
    assert "IC-015" in controls[ISP_RISK]


def test_the_demo_has_bias_plans_with_versions_and_a_year_of_tests(app, demo_data):
    today = local_today()
    analyses = list(db.session.scalars(sa.select(ImpactAnalysis).order_by(ImpactAnalysis.reference)))
    assert "DOTP Ombudsman (Complaints System)" in [a.asset.name for a in analyses]
    assert all(a.rto_hours <= a.mtd_hours for a in analyses)
    plans = {p.kind: p for p in db.session.scalars(sa.select(ContinuityPlan))}
    assert [(v.number, v.state) for v in plans["bcp"].versions] == [("1.0", PlanState.SUPERSEDED),
                                                                     ("1.1", PlanState.ISSUED)]
    assert plans["drp"].current is not None
    tests = list(db.session.scalars(sa.select(ContinuityTest)))
    assert all(add_months(today, -12) <= t.tested_on <= today for t in tests)
    assert {t.kind for t in tests} == {"tabletop", "walkthrough", "failover", "backup_restore"}
    assert all(t.evidence is not None for t in tests if t.kind == "backup_restore")
    assert sum(1 for t in tests for f in t.findings if f.nonconformity_id) == 1
    assert [a.asset.name for a in queries.services_due_a_test(today, 12)] == [
        "DSD - NPO: Maintain Enhance and Support"]


def test_the_demo_bias_depend_on_the_demo_suppliers(app, demo_data):
    suppliers = {a.asset.name: [s.name for s in a.suppliers] for a in db.session.scalars(sa.select(ImpactAnalysis))}
    assert suppliers["Microsoft Teams"] == ["Major cloud service provider 1"]
    assert suppliers["DOH - Comprehensive Utilisation of Theatres (CUT)"] == [
        "State Information Technology Agency (SITA)"]
    assert suppliers["DOTP Ombudsman (Complaints System)"] == ["Major cloud service provider 2"]
    assert suppliers["DOI - Enquiry Logging System"] == ["Internet Service Provider (ISP)",
                                                         "State Information Technology Agency (SITA)"]
    assert all(suppliers.values())  # every named supplier exists in the supplier register


def test_the_recent_review_pack_reports_the_years_tests(app, demo_data):
    review = db.session.scalars(sa.select(ManagementReview).order_by(ManagementReview.meeting_on.desc())).first()
    part = next(s for s in review.pack.figures["sections"] if s["key"] == "continuity")
    assert part["available"] and {f["key"]: f["value"] for f in part["figures"]}["continuity_tests"] >= 5
