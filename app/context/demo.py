"""The demo province's ISMS context: issues in the words of the provincial digital-government deck
(its contributing factors, business-continuity external factors and way forward), the interested
parties with requirements met by the demo's Annex A and internal controls, a scope statement issued
ten months ago and revised two months ago, and the demo people in their ISMS roles.

The deck names no cloud provider ("two major cloud service providers as well as SITA") and no
union; the cases' demo names NEHAWU (the provincial public service bargains in the PSCBC and GPSSBC),
so those parties are named no further. Idempotent: nothing is added once any issue exists."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today, start_of_local_day
from app.context import scope, services
from app.context.models import (
    ContextIssue,
    InterestedParty,
    IsmsRole,
    PartyRequirement,
    RoleAssignment,
    ScopeStatement,
)
from app.controls.services import control_by_reference
from app.extensions import db

# kind, title, description (the deck's words where it has them), effect on the ISMS, owner, review in months
ISSUES = [
    ("external", "Cyber attack by an external source",
     "The deck rates “Attack by an external source (e.g., cyber attack)” High among the contributing factors of the "
     "Information Security risk: “Cybersecurity is provincial strategic risk”.",
     "Threat intelligence, monitoring and incident response must cover every department and the just over 1900 "
     "connected sites; the SOC enhancement is a treatment action.", "officer", 3),
    ("external", "Energy supply outage",
     "An external factor of business continuity. Electrical back-up generation is installed at almost all sites, "
     "which is not feasible for smaller sites; UPS on all infrastructure.",
     "Availability of services and of security monitoring at small sites during outages; BCP/DRP based on the "
     "business impact assessment of key applications.", "officer", 6),
    ("external", "Cloud service unavailability and temporary loss of a third-party IT service provider",
     "95% of applications migrated to the cloud; solutions hosted with two major cloud service providers as well "
     "as SITA. External factors: “Cloud service unavailability (public or private cloud)”, “Temporary loss of a "
     "third-party IT service provider”, “Loss of Internet Service Provider (ISP) service”.",
     "Supplier security (5.19-5.23), continuity of ICT (5.30) and contract clauses become central to the ISMS.",
     "owner", 6),
    ("external", "Procurement through SITA",
     "“Significant procurement challenges being experienced when procuring through SITA”; awaiting the SITA Tier 3 "
     "data centre relocation.", "Delays to the technology refresh and to security tooling; interfaces with SITA "
     "are in the scope statement.", "owner", 6),
    ("external", "Citizens' expectations of digital services",
     "Citizens demand that the public sector meets the level of innovation of private-sector services.",
     "“Security of citizen-facing services is critical as compromised citizen data will negatively impact on "
     "uptake and usage of our digital services”: application security and POPIA safeguards.", "hod", 12),
    ("external", "4IR technologies: AI, ChatGPT and crypto currency",
     "Way forward: explore opportunities and mitigate threats of 4IR technologies; guardrails for ChatGPT.",
     "Acceptable-use rules and data-loss prevention for generative AI tools.", "officer", 6),
    ("internal", "Ageing, unsupported, unmanaged technology (Hardware and software)",
     "Rated High. “Outdated computers (Windows 7 devices) on our network is major risk – project underway to "
     "eliminate”; the refresh programme targets equipment older than 8 years, with earmarked funding.",
     "Vulnerability management (8.8) and the CMDB must find unsupported items; risk acceptance until refreshed.",
     "owner", 3),
    ("internal", "Limited capacity to effectively manage the cyber security environment",
     "Rated Medium. Partnering with tertiary institutions and industry to develop a local pool of young "
     "cybersecurity and cloud technologies experts.",
     "Competence (7.2) of the security team and reliance on suppliers for specialist skills.", "hr", 6),
    ("internal", "Limited user adherence to ICT policies and procedures",
     "Rated Medium; monthly cybersecurity awareness campaigns educate users in cyber risks.",
     "Awareness (7.3), policy acknowledgements and consistent discipline (6.4).", "manager", 6),
    ("internal", "Multiple entry and exit access points to the internet",
     "Rated Medium among the contributing factors.", "Network security and monitoring (8.20-8.22) of every "
     "entry point; one of the boundaries of the scope.", "officer", 6),
]

# name, kind, description, owner, [(requirement, source, addressed, how, [controls])]
PARTIES = [
    ("Information Regulator", "regulator", "Enforces the Protection of Personal Information Act (POPIA).", "officer", [
        ("Secure the integrity and confidentiality of personal information with appropriate, reasonable technical "
         "and organisational measures.", "POPIA s19", True,
         "Risk assessment of personal information, access control and encryption.", ["5.34", "8.24", "IC-005"]),
        ("Notify the Regulator and the data subjects of a security compromise as soon as reasonably possible, "
         "through the Regulator's eServices portal.", "POPIA s22", True,
         "Incident response procedure with a notification step.", ["5.24", "5.26", "IC-012"]),
        ("Operators process personal information only under a written contract with security measures.",
         "POPIA s20-21", False, "Supplier clauses being revised for the cloud contracts.", ["5.20"]),
    ]),
    ("Auditor-General of South Africa", "oversight", "Audits the province's departments, including ICT general "
     "controls.", "ao", [
        ("Effective ICT general controls: access management, change management and ICT continuity.",
         "Public Audit Act 25 of 2004", True, "The ISMS controls, tested and evidenced in Khusela.",
         ["5.15", "8.32", "5.30"]),
    ]),
    ("State Information Technology Agency (SITA)", "supplier", "Provides network, hosting and procurement "
     "services to government.", "owner", [
        ("Secure use of the shared government network and hosted services as agreed.", "Service level agreement",
         True, "Supplier security clauses and annual supplier reviews.", ["5.19", "5.22", "IC-008"]),
    ]),
    ("Cloud service providers", "supplier", "The two major cloud service providers hosting WCG solutions.", "owner", [
        ("Customers configure and secure their own use of the cloud services (shared responsibility).",
         "Cloud service agreements", False, "Cloud security standard being drafted.", ["5.23"]),
    ]),
    ("Citizens", "public", "The people of the province, who use the WCG app, portal and e-centres.", "hod", [
        ("Their personal information is protected and citizen-facing services are available.",
         "POPIA; Constitution s14 (privacy)", True,
         "Classification, application security and continuity of key applications.", ["5.12", "8.28", "IC-004"]),
    ]),
    ("Staff", "staff", "The 28,000+ corporate and health users.", "hr", [
        ("Clear, communicated ICT policies, training, and fair discipline for breaches.",
         "Labour Relations Act 66 of 1995, Code of Good Practice: Dismissal", True,
         "Policies with acknowledgements, awareness, a disciplinary process.", ["5.1", "6.3", "6.4"]),
    ]),
    ("Organised labour", "labour", "Unions recognised in the public-service bargaining councils (PSCBC, GPSSBC), "
     "such as NEHAWU.", "hr", [
        ("Consultation before a union representative is disciplined; monitoring of staff kept within agreements.",
         "Collective agreements; LRA Code of Good Practice", True,
         "The case procedure consults the union first.", ["6.4"]),
    ]),
    ("Provincial Cabinet and accounting officers", "government", "The political principals and heads of "
     "department accountable for the province's risks.", "ao", [
        ("Effective, efficient and transparent systems of risk management and internal control.",
         "PFMA s38(1)(a)(i)", True, "The risk register, treatment plans and this ISMS, reported to the ISMS forum.",
         ["5.1", "5.2", "5.4"]),
        ("Strengthened ICT governance for information security and high availability of citizen digital services.",
         "Digital Government Programme, way forward", False, "ISO/IEC 27001 certification is the plan.", []),
    ]),
]

SCOPE_V1_MONTHS_AGO = 10  # when the first scope statement was approved, with the context it rests on
SCOPE_V1 = scope.ScopeInput(
    in_scope="The information security management system of the Western Cape Government's shared ICT services, "
             "run by the Department of the Premier (Branch e-Innovation) for the provincial departments: the "
             "corporate network and broadband sites, the data centre and cloud-hosted applications, end-user "
             "computing for corporate and health users, and the citizen-facing digital services.",
    out_of_scope="Schools' learner networks and devices (WCED), municipal systems, and departments' own "
                 "specialised clinical equipment.",
    boundaries="Organisational: the Department of the Premier's ICT services and the provincial departments as "
               "their users. Physical: corporate sites and the data centre. Technical: from the broadband edge "
               "to the applications, defence in depth across every ICT architectural layer.",
    interfaces="SITA (network, hosting, procurement); two major cloud service providers; national systems "
               "(National Treasury); municipalities sharing libraries, Thusong and Cape Access centres.",
    exclusions=[scope.Exclusion("Clinical medical devices in health facilities",
                                "Managed under the Department of Health's medical equipment "
                                "programme; their networks are segmented from the corporate network.")],
    change_note="First version.")
SCOPE_V2_CHANGES = {
    "interfaces": SCOPE_V1.interfaces + " The SITA Tier 3 data centre relocation is a dependency until complete.",
    "change_note": "After the cloud migration of 98% of workloads: the data centre relocation named as a dependency; "
                   "health facilities' networks brought in scope.",
    "in_scope": SCOPE_V1.in_scope.replace("corporate network and broadband sites",
                                          "corporate network, health facilities' networks and broadband sites"),
}

# role, responsibilities, authority, [(email, months ago started, months ago ended or None, note)]
ROLES: list[tuple[str, str, str, list[tuple[str, int, int | None, str]]]] = [
    ("ISMS manager", "Runs the ISMS day to day: keeps the context, scope, risk register and SoA current; plans "
     "internal audits and management reviews; reports to the ISMS forum.",
     "Approves the scope statement and the Statement of Applicability on behalf of the forum.",
     [("officer@example.org", 14, None, "Appointment letter DOTP/ICT/2025/17")]),
    ("Information security officer", "Advises on and monitors information security; leads incident response.",
     "May suspend access that endangers information security pending a decision.",
     [("admin@example.org", 24, 14, "Acting, until the appointment of the ISMS manager"),
      ("officer@example.org", 14, None, "")]),
    ("ISMS forum chair", "Chairs the ISMS forum; takes its decisions to top management.",
     "Approves policies on behalf of the Head of Department.", [("hod@example.org", 14, None, "")]),
    ("ISMS forum member", "Represents a department or function at the ISMS forum; raises its risks and issues.",
     "", [("owner@example.org", 14, None, "Risk owner"), ("manager@example.org", 14, None, "Department of Health"),
          ("hr@example.org", 14, None, "Human resources")]),
    ("Top management sponsor", "Provides resources and direction for the ISMS (ISO/IEC 27001 5.1).",
     "Accounting officer: accepts the province's critical risks.", [("ao@example.org", 24, None, "")]),
]


def seed_demo_context() -> list[str]:
    officer = find_user_by_email("officer@example.org")
    if officer is None or db.session.scalar(sa.select(ContextIssue.id).limit(1)) is not None:
        return []
    today = local_today()
    people = {name: find_user_by_email(f"{name}@example.org") for name in ("officer", "owner", "hod", "hr", "manager",
                                                                           "ao", "admin")}
    for index, (kind, title, description, effect, owner, months) in enumerate(ISSUES):
        person = people[owner] or officer
        # One overdue review, so the list's filter and the reminders have something to show.
        review_on = today - timedelta(days=9) if index == 3 else add_months(today, months)
        services.create_issue(services.IssueInput(kind=kind, title=title, description=description, effect=effect,
                                                  owner_id=person.id, review_on=review_on),
                              actor=officer, today=min(today, review_on))
    for name, kind, description, owner, requirements in PARTIES:
        person = people[owner] or officer
        party = services.create_party(services.PartyInput(name=name, kind=kind, description=description,
                                                          owner_id=person.id, review_on=add_months(today, 6)),
                                      actor=officer, today=today)
        for text, source, addressed, how, references in requirements:
            controls = [control_by_reference(reference) for reference in references]
            services.add_requirement(party, services.RequirementInput(
                requirement=text, source=source, addressed=addressed, how_addressed=how,
                control_ids=[control.id for control in controls if control is not None]), actor=officer)
    _seed_scope(officer, today)
    _seed_roles(officer, today)
    db.session.flush()
    _date_back(today)
    return [f"ISMS context ({len(ISSUES)} issues, {len(PARTIES)} interested parties, scope statement versions 1 "
            f"and 2, {len(ROLES)} roles)"]


def _date_back(today) -> None:
    """The records were written just now, yet the demo tells a year: the issues, parties and requirements
    were recorded with the first scope statement, each scope version when it was approved and each role
    when its first holder started; so the management review packs (which count what existed on their
    date) and the evidence page's last updates read as they would have."""
    def stamp(model, on, *where) -> None:
        moment = start_of_local_day(on)
        db.session.execute(sa.update(model).where(*where).values(created_at=moment, updated_at=moment))

    for model in (ContextIssue, InterestedParty, PartyRequirement):
        stamp(model, add_months(today, -SCOPE_V1_MONTHS_AGO))
    for statement in db.session.scalars(sa.select(ScopeStatement).where(ScopeStatement.approved_on.is_not(None))):
        stamp(ScopeStatement, statement.approved_on, ScopeStatement.id == statement.id)
    for assignment in db.session.scalars(sa.select(RoleAssignment)):
        stamp(RoleAssignment, assignment.starts_on, RoleAssignment.id == assignment.id)
    stamp(IsmsRole, add_months(today, -max(started for *_, holders in ROLES for _, started, _, _ in holders)))
    db.session.expire_all()


def _seed_scope(officer, today) -> None:
    first = scope.start_draft(actor=officer)
    scope.save_draft(first, SCOPE_V1, expected_version=first.version, actor=officer)
    approved = add_months(today, -SCOPE_V1_MONTHS_AGO)
    scope.issue(first, approved_on=approved, note="Approved at the ISMS forum (minute 1 of that meeting).",
                expected_version=first.version, actor=officer, today=approved)
    second = scope.start_draft(actor=officer)
    revised = scope.ScopeInput(**{**SCOPE_V1.__dict__, **SCOPE_V2_CHANGES})
    scope.save_draft(second, revised, expected_version=second.version, actor=officer)
    approved = add_months(today, -2)
    scope.issue(second, approved_on=approved, note="Approved at the mid-year ISMS forum with the SoA review.",
                expected_version=second.version, actor=officer, today=approved)


def _seed_roles(officer, today) -> None:
    for name, responsibilities, authority, holders in ROLES:
        role = services.create_role(services.RoleInput(name, responsibilities, authority), actor=officer)
        for email, started, ended, note in holders:
            holder = find_user_by_email(email)
            if holder is None:
                continue
            services.assign_role(role, services.AssignmentInput(
                user_id=holder.id, starts_on=add_months(today, -started),
                ends_on=add_months(today, -ended) - timedelta(days=1) if ended else None, note=note), actor=officer)
