"""The demo's business continuity, from the provincial deck: its continuity measures ("Electrical
back-up generation capacity have been installed at almost all sites – not feasible for smaller sites",
"UPS installations on all our infrastructure", "Continuous Network Monitoring at NIOC", "BCP/DRP based on
Business Impact Assessment of key applications") as internal controls answering its continuity risks
(energy supply outage, water supply scarcity, the temporary loss of a third-party IT service provider,
the loss of Internet Service Provider (ISP) service); business impact analyses of key digital services
the deck names, a BCP and a DRP with their versions, and a year of tests. Idempotent: nothing is added
once a BIA exists."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.assets import services as assets
from app.assets.models import Asset, AssetKind
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.continuity import services
from app.continuity.models import ImpactAnalysis, ImpactArea
from app.controls import services as controls
from app.extensions import db
from app.risks import services as risks
from app.risks.demo import ENERGY_RISK, ISP_RISK, PROVIDER_RISK, WATER_RISK
from app.risks.models import Risk
from app.suppliers.models import Supplier

# The deck's words for each measure; Annex A: 5.29/5.30 continuity and ICT readiness, 8.14 redundancy,
# 8.16 monitoring (7.11 utilities is excluded in the demo SoA: the data centre's are the landlord's).
MEASURES = [
    ("IC-013", "Electrical back-up generation capacity have been installed at almost all sites – not feasible for "
     "smaller sites", "Preventive", "continuous", ["5.30", "8.14"], "DOI",
     "Generators carry sites through load-shedding; smaller sites rely on UPS and close when the batteries run out."),
    ("IC-014", "UPS installations on all our infrastructure", "Preventive", "continuous", ["5.30", "8.14"], "DOTP",
     "Every rack and network cabinet runs on UPS, bridging the switch to generator power."),
    ("IC-015", "Continuous Network Monitoring at NIOC", "Detective", "continuous", ["8.16", "5.30"], "DOTP",
     "The network operations centre watches links and sites around the clock and raises outages with the ISP."),
    ("IC-016", "BCP/DRP based on Business Impact Assessment of key applications", "Corrective", "annually",
     ["5.29", "5.30"], "DOTP", "Each key application has a business impact analysis with its RTO, RPO and maximum "
     "tolerable downtime, a continuity plan and a disaster recovery plan, tested at least once a year."),
]
# The deck's continuity risks, answered by the measures (added to the controls they already have).
RISK_MEASURES = {
    ENERGY_RISK: ["IC-013", "IC-014", "IC-016"],
    WATER_RISK: ["IC-016", "5.29"],
    PROVIDER_RISK: ["IC-016"],
    ISP_RISK: ["IC-015"],
}
# The suppliers of the demo's supplier register (app/suppliers/demo.py), as it names them from the deck
# ("two major cloud service providers as well as SITA") and its ISP risk.
SITA = "State Information Technology Agency (SITA)"
CLOUD_1 = "Major cloud service provider 1"  # e-mail and collaboration
CLOUD_2 = "Major cloud service provider 2"  # line-of-business applications migrated to the cloud
ISP = "Internet Service Provider (ISP)"
# Key digital services the deck names; (department, RTO, RPO, MTD in hours, impacts by area, suppliers).
SERVICES = [
    ("SVC-0001", "Microsoft Teams", "DOTP", 4, 24, 24, (5, 2, 4, 2), [CLOUD_1],
     "Unified communication toolset for WCG employees: meetings, chat and calls for 25,550 corporate users."),
    ("SVC-0002", "DOH - Comprehensive Utilisation of Theatres (CUT)", "DOH", 8, 4, 24, (5, 3, 4, 4), [SITA],
     "Theatre scheduling in the province's hospitals: an outage delays operations."),
    ("SVC-0003", "DOTP Ombudsman (Complaints System)", "DOTP", 48, 24, 120, (3, 1, 4, 3), [CLOUD_2],
     "Citizens lodge complaints with the Ombudsman online and follow them up."),
    ("SVC-0004", "DOI - Enquiry Logging System", "DOI", 24, 24, 72, (3, 1, 3, 2), [SITA, ISP],
     "Enquiries about housing and infrastructure projects, logged and routed to officials."),
    ("SVC-0005", "DOA - Land Use Management System (Electronic Filing)", "DOA", 72, 24, 168, (2, 2, 2, 4), [ISP],
     "Land-use applications filed electronically, with statutory response times."),
    ("SVC-0006", "DSD - NPO: Maintain Enhance and Support", "DSD", 48, 24, 120, (3, 3, 3, 3), [SITA],
     "Funding and support of non-profit organisations that deliver social services."),
]

BCP_TEXT = """# Business continuity plan: theatres

## Activation
The hospital CEO activates the plan when CUT is unavailable for more than 2 hours or a site is without
grid power beyond the generator's runtime.

## Workarounds
1. Theatre lists are printed each evening and kept at the theatre desk.
2. Bookings are taken on the paper form and captured when CUT is back.

## Energy and water
- Generators carry the theatres through load-shedding; fuel is checked weekly.
- If water supply fails, elective lists are postponed under the hospital's water-scarcity procedure.
"""
DRP_TEXT = """# Disaster recovery plan: Ombudsman complaints system

## Recovery
1. Declare the disaster with Branch e-Innovation's service desk.
2. Restore the database from the nightly backup to the standby environment.
3. Point the public address at the standby environment and test a complaint end to end.

## Contacts
The hosting provider's service desk, the NIOC, the system owner.
"""


def _add_measures(officer) -> list[str]:
    added = []
    existing = set(db.session.scalars(sa.select(controls.Control.reference)))
    for reference, title, kind, frequency, annex, department_code, description in MEASURES:
        if reference in existing:
            continue
        department = find_department_by_code(department_code)
        controls.create_internal_control(controls.ControlInput(
            reference=reference, title=title, description=description, control_type=kind, frequency=frequency,
            owner_id=officer.id, department_id=department.id if department else None,
            annex_a_ids=[c.id for c in (controls.annex_a_control(ref) for ref in annex) if c]), actor=officer)
        added.append(f"control {reference}")
    for title, references in RISK_MEASURES.items():
        risk = db.session.scalar(sa.select(Risk).where(Risk.title == title).limit(1))
        if risk is None:
            continue
        data = risks.input_of(risk)
        wanted = [c.id for c in (controls.control_by_reference(ref) for ref in references) if c]
        data.control_ids = list(dict.fromkeys([*(data.control_ids or []), *wanted]))  # link, never duplicate
        risks.update_risk(risk, data, expected_version=risk.version, actor=officer)
    return added


def _service_item(tag: str, name: str, department_id: int | None, owner) -> Asset:
    item = assets.find_by_tag(tag)
    if item is None:
        item = assets.create_asset(assets.AssetInput(tag=tag, name=name, kind=AssetKind.SERVICE.value,
                                                     owner_id=owner.id, department_id=department_id,
                                                     custodian="Branch e-Innovation"), actor=owner)
    return item


def _dependencies(number: int) -> list[int]:
    """A site and a server of the demo CMDB, the same ones each time."""
    tags = [f"SITE-{number:04}", f"SRV-{number:05}"]
    return list(db.session.scalars(sa.select(Asset.id).where(Asset.tag.in_(tags))))


def seed_demo_continuity() -> list[str]:
    officer, owner = find_user_by_email("officer@example.org"), find_user_by_email("owner@example.org")
    manager = find_user_by_email("manager@example.org")
    if officer is None or owner is None or db.session.scalar(sa.select(sa.func.count(ImpactAnalysis.id))):
        return []
    today = local_today()
    added = _add_measures(officer)
    analyses = []
    for number, (tag, name, code, rto, rpo, mtd, impacts, supplier_names, description) in enumerate(SERVICES, 1):
        department = find_department_by_code(code)
        service_owner = manager if code == "DOH" and manager is not None else owner
        item = _service_item(tag, name, department.id if department else None, officer)
        analysed_on = add_months(today, -11) + timedelta(days=number)
        suppliers = list(db.session.scalars(sa.select(Supplier.id).where(Supplier.name.in_(supplier_names))))
        analyses.append(services.create_analysis(services.AnalysisInput(
            asset_id=item.id, rto_hours=rto, rpo_hours=rpo, mtd_hours=mtd,
            impacts=dict(zip([area.column for area in ImpactArea], impacts, strict=True)),
            analysed_on=analysed_on, review_on=add_months(analysed_on, 12), description=description,
            owner_id=service_owner.id, department_id=department.id if department else None,
            dependency_ids=_dependencies(number), supplier_ids=suppliers), actor=officer, today=today))
    added.append(f"{len(analyses)} business impact analyses")
    added += _plans(analyses, officer, today)
    added += _tests(analyses, officer, today)
    db.session.flush()
    return added


def _plans(analyses, officer, today: date) -> list[str]:
    theatres, ombudsman = analyses[1], analyses[2]
    bcp = services.create_plan(theatres, kind="bcp", title="Business continuity plan: theatres", owner_id=None,
                               actor=officer)
    bcp.owner_id = theatres.owner_id
    first = bcp.versions[0]
    services.update_draft(first, change="Original", body=BCP_TEXT.replace("weekly", "monthly"),
                          expected_version=first.version, actor=officer)
    services.issue_version(first, approved_on=add_months(today, -10), next_review_on=None,
                           expected_version=first.version, actor=officer, today=today)
    second = services.start_new_version(bcp, major=False, actor=officer)
    services.update_draft(second, change="Generator fuel checked weekly after the tabletop exercise",
                          body=BCP_TEXT, expected_version=second.version, actor=officer)
    services.issue_version(second, approved_on=add_months(today, -4), next_review_on=None,
                           expected_version=second.version, actor=officer, today=today)
    drp = services.create_plan(ombudsman, kind="drp", title="Disaster recovery plan: complaints system",
                               owner_id=ombudsman.owner_id, actor=officer)
    original = drp.versions[0]
    services.update_draft(original, change="Original", body=DRP_TEXT, expected_version=original.version,
                          actor=officer)
    services.issue_version(original, approved_on=add_months(today, -9), next_review_on=None,
                           expected_version=original.version, actor=officer, today=today)
    return [f"plans {bcp.reference} (versions 1.0, 1.1) and {drp.reference} (version 1.0)"]


def _tests(analyses, officer, today: date) -> list[str]:
    teams, theatres, ombudsman, enquiries, land_use, _npo = analyses  # the NPO system goes untested: a reminder
    bcp, drp = theatres.plans[0], ombudsman.plans[0]
    # (service, months ago, kind, scenario, outcome, minutes, findings, plan, restore log)
    year = [
        (theatres, -9, "tabletop", "Energy supply outage: stage 6 load-shedding for 12 hours at a regional "
         "hospital.", "passed_with_findings", None, ["Generator fuel was checked monthly: not enough for two "
                                                     "long outages in one week."], bcp, None),
        (ombudsman, -8, "backup_restore", "Restore of last night's database backup to the standby environment.",
         "passed", 150, [], drp, b"Restore of complaints-db completed; 18,402 complaints, checksums match.\n"),
        (teams, -7, "walkthrough", f"{PROVIDER_RISK}: the cloud tenant unavailable for a day.", "passed", None, [],
         None, None),
        (enquiries, -5, "failover", "Water supply scarcity closes the data centre building: fail over to the "
         "second site.", "failed", 30 * 60, ["Failover took 30 hours against an RTO of 24: the standby was "
                                             "not patched to the production level."], None, None),
        (land_use, -3, "tabletop", f"{ISP_RISK} at head office for two days.", "passed", None, [], None,
         None),
        (theatres, -2, "walkthrough", "Energy supply outage: walkthrough of the updated plan with theatre staff.",
         "passed", None, [], bcp, None),
        (ombudsman, -1, "backup_restore", "Quarterly restore test of the complaints database.", "passed", 120, [],
         drp, b"Restore of complaints-db completed in 2h; 19,377 complaints, checksums match.\n"),
    ]
    recorded = []
    for analysis, months, kind, scenario, outcome, minutes, findings, plan, log in year:
        recorded.append(services.record_test(analysis, services.TestInput(
            tested_on=add_months(today, months), kind=kind, scenario=scenario, outcome=outcome,
            recovery_minutes=minutes, findings=findings, plan_id=plan.id if plan else None), actor=officer,
            today=today, filename=f"restore-log-{add_months(today, months).isoformat()}.txt" if log else None,
            content=log))
    failover = recorded[3]
    services.raise_finding(failover.findings[0], services.FindingRaise(severity="minor",
                                                                       due_on=today + timedelta(days=60)),
                           actor=officer, today=today)
    return [f"{len(recorded)} continuity tests over the year, one finding raised as a nonconformity"]
