"""Demo risks: the provincial register's Information Security risk exactly as the seed documents
give it, the business-continuity risks they name, and about 40 more across departments so the
heat maps and filters have something to show. Idempotent: a risk whose title exists is skipped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from app.admin.services import find_department_by_code
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.common.timeutil import add_months, local_today
from app.controls import services as control_services
from app.extensions import db
from app.risks import authority, services
from app.risks.categories import find_category, seed_default_categories
from app.risks.models import Risk, RiskCategory, RiskStatus, TreatmentStrategy
from app.risks.scoring import Rating

# The provincial deck's Information Security risk card (the seed document provincial-digital-government-deck.txt,
# lines 551-577), word for word: its ratings (impact 4 x likelihood 4 = 16 inherent, 3 x 3 = 9 residual), its
# tolerance level (4) and its nine contributing factors with their H/M ratings
# ("3<sup>rd</sup>" in the deck's markup is "3rd"). The card's "Risk Owner" and "Risk Subcategory" cells are
# blank, and it has no category, department, target or description: the demo's own are invented (SEEDED).
INFORMATION_SECURITY = "Information Security"
INFORMATION_SECURITY_FACTORS = [
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
# The deck's "Interim Key Initiatives" of its Cyber Security Implementation Plan (lines 595-608), all
# twelve as printed, as treatment actions of that risk. The deck gives no control, date or progress: the
# Annex A control each puts in place and the months until it is due are the demo's (the second initiative
# spans every domain, so it names no single control).
INFORMATION_SECURITY_ACTIONS: list[tuple[str, str | None, int]] = [
    ("ISMS Implementation ISO 27001 compliance", "5.1", 6),
    ("Implementing information security capabilities across all security domains", None, 12),
    ("Review and update policies and controls catalogue", "5.1", 3),
    ("Asset management (CMDB) implementation", "5.9", 9),
    ("Technology Refresh", "8.8", 18),
    ("Cryptography alignment to industry standards", "8.24", 12),
    ("Security Operations Centre Enhancement", "8.16", 15),
    ("Third Party Risk Management", "5.19", 9),
    ("Data Loss Prevention Implementation", "8.12", 12),
    ("Data Classification", "5.12", 6),
    ("Application Security", "8.25", 12),
    ("Identity and Access Management", "5.15", 9),
]
# The deck's business-continuity "External Factors" (lines 665-670), word for word, as risks. Other demo
# registers link to them by these names (suppliers, controls, continuity measures, incidents).
PROVIDER_RISK = "Temporary loss of a third-party IT service provider"
CLOUD_RISK = "Cloud service unavailability (public or private cloud)"
ENERGY_RISK = "Energy supply outage"
WATER_RISK = "Water supply scarcity"
ISP_RISK = "Loss of Internet Service Provider (ISP) service"
CONTINUITY_RISKS = [PROVIDER_RISK, CLOUD_RISK, ENERGY_RISK, WATER_RISK, ISP_RISK]


@dataclass(frozen=True)
class DemoRisk:
    title: str
    category: str
    subcategory: str | None
    department: str | None
    inherent: tuple[int, int]
    residual: tuple[int, int]
    target: tuple[int, int] | None = None
    tolerance: int = 4
    description: str = ""
    factors: list[tuple[str, str]] = field(default_factory=list)


# The deck prints the Information Security risk's ratings, tolerance and factors (above); its category
# ("Information Security"), subcategory ("Cyber": the card's cell is blank), department, target (2 x 2) and
# description are the demo's. The continuity risks' ratings, tolerance and descriptions are the demo's too:
# the deck lists only their titles.
SEEDED = [
    DemoRisk(
        INFORMATION_SECURITY, "Information Security", "Cyber", "DOTP", (4, 4), (3, 3), (2, 2), 4,
        "Compromise of the confidentiality, integrity or availability of provincial information and ICT "
        "services through cyber attack, data leakage or failure of ageing technology.",
        INFORMATION_SECURITY_FACTORS,
    ),
    DemoRisk(PROVIDER_RISK, "Business Continuity", "ICT service continuity", "DOTP",
             (3, 5), (3, 4), (2, 4), 8, "A key outsourced ICT provider fails, exits the market or ends the contract."),
    DemoRisk(CLOUD_RISK, "Business Continuity", "ICT service continuity", "DOTP",
             (3, 4), (2, 4), (2, 3), 8, "Hosted e-mail, collaboration or line-of-business services are unavailable."),
    DemoRisk(ENERGY_RISK, "Business Continuity", "Facilities and utilities", "DOI",
             (5, 4), (4, 3), (3, 3), 8, "Load-shedding or grid failure beyond the runtime of UPS and generators."),
    DemoRisk(WATER_RISK, "Business Continuity", "Facilities and utilities", "DOI",
             (3, 4), (3, 3), (2, 3), 8, "Drought or municipal supply failure closes offices, clinics or data centres."),
    DemoRisk(ISP_RISK, "Business Continuity", "ICT service continuity", "DOTP",
             (3, 4), (2, 4), (2, 3), 8, "The internet service provider's outage cuts connected sites off."),
]

FURTHER_RISKS = [
    ("Ransomware on hospital information systems", "Information Security", "Cyber", "DOH"),
    ("Phishing compromise of staff e-mail accounts", "Information Security", "Cyber", "DOTP"),
    ("Unpatched internet-facing servers", "Information Security", "Cyber", "DOTP"),
    ("Leak of learner records by an insider", "Information Security", "Data protection", "WCED"),
    ("Personal information of social grant applicants disclosed", "Compliance", "POPIA", "DSD"),
    ("Lock-in to a single ERP vendor", "Third Party", "Suppliers and outsourcing", "PT"),
    ("Loss of paper records in regional offices", "Information Security", "Data protection", "DSD"),
    ("Unsupported Windows 7 workstations in clinics", "Information Security", "Cyber", "DOH"),
    ("Weak management of privileged accounts", "Information Security", "Cyber", "DOTP"),
    ("Unapproved cloud services (shadow IT)", "Information Security", "Data protection", "DEDAT"),
    ("Slow detection of and response to incidents", "Information Security", "Cyber", "DOTP"),
    ("Backups that cannot be restored", "Business Continuity", "ICT service continuity", "DOTP"),
    ("Fire in the main data centre", "Business Continuity", "Facilities and utilities", "DOI"),
    ("Cable theft cutting site connectivity", "Business Continuity", "ICT service continuity", "DOI"),
    ("Non-compliance with the Minimum Information Security Standards", "Compliance", "Legislation and regulation",
     "DOCS"),
    ("Too little security awareness among staff", "Information Security", "Cyber", "DCAS"),
    ("Compromise through a software supplier's update", "Third Party", "Suppliers and outsourcing", "PT"),
    ("Denial of service on citizen e-services", "Information Security", "Cyber", "DOTP"),
    ("Loss of scarce ICT and security skills", "Business Continuity", None, "DOTP"),
    ("Uncontrolled changes to production systems", "Information Security", "Cyber", "PT"),
    ("Misconfigured cloud storage exposing documents", "Information Security", "Data protection", "DEA&DP"),
    ("Lost or stolen laptops without disk encryption", "Information Security", "Data protection", "DOA"),
    ("Default passwords left on network devices", "Information Security", "Cyber", "DOI"),
    ("Unmonitored remote access by vendors", "Third Party", "Suppliers and outsourcing", "DOH"),
    ("Fraudulent payments through business e-mail compromise", "Information Security", "Cyber", "PT"),
    ("Outage of the traffic fines system", "Business Continuity", "ICT service continuity", "DOI"),
    ("Loss of school administration data", "Business Continuity", "ICT service continuity", "WCED"),
    ("Unauthorised access to oversight case files", "Compliance", "POPIA", "DOCS"),
    ("Defacement of the tourism permits portal", "Information Security", "Cyber", "DEDAT"),
    ("Loss of agricultural research data", "Business Continuity", None, "DOA"),
    ("Corruption of the heritage digitisation archive", "Information Security", "Data protection", "DCAS"),
    ("Compromise of building management (OT) systems", "Information Security", "Cyber", "DOI"),
    ("Tampering with environmental authorisation records", "Compliance", "Legislation and regulation", "DEA&DP"),
    ("Failure of data exchange with municipalities", "Third Party", None, "DLG"),
    ("Late renewal of supplier contracts for critical systems", "Third Party", "Suppliers and outsourcing", "PT"),
    ("Records kept longer than POPIA allows", "Compliance", "POPIA", "DOH"),
]


def _reduce(rating: tuple[int, int], rng: random.Random) -> tuple[int, int]:
    """A rating at most as high: controls lower likelihood, impact or both."""
    likelihood, impact = rating
    return max(1, likelihood - rng.choice([0, 1, 1, 2])), max(1, impact - rng.choice([0, 0, 1]))


def _further(rng: random.Random) -> list[DemoRisk]:
    risks = []
    for title, category, subcategory, department in FURTHER_RISKS:
        inherent = (rng.randint(2, 5), rng.randint(2, 5))
        residual = _reduce(inherent, rng)
        target = _reduce(residual, rng)
        risks.append(DemoRisk(title, category, subcategory, department, inherent, residual, target,
                              rng.choice([4, 4, 6, 8, 9])))
    return risks


def _top_category(name: str) -> RiskCategory:
    category = find_category(name, None)
    if category is None:  # seed_default_categories() adds every category the demo names
        raise LookupError(f"The demo's risk category {name!r} is missing.")
    return category


def _create(spec: DemoRisk, rng: random.Random, officer, owner: User) -> Risk:
    category = _top_category(spec.category)
    subcategory = find_category(spec.subcategory, category.id) if spec.subcategory else None
    department = find_department_by_code(spec.department) if spec.department else None
    today = local_today()
    frequency = rng.choice([6, 12, 12])
    status = RiskStatus.OPEN.value if rng.random() < 0.7 else RiskStatus.DRAFT.value
    data = services.RiskInput(
        title=spec.title, category_id=category.id, subcategory_id=subcategory.id if subcategory else None,
        department_id=department.id if department else None, owner_id=owner.id,
        inherent=Rating(*spec.inherent), residual=Rating(*spec.residual),
        target=Rating(*spec.target) if spec.target else None, tolerance=spec.tolerance,
        description=spec.description, factors=spec.factors, status=status,
        strategy=TreatmentStrategy.MODIFY.value, review_frequency_months=frequency,
        # Some reviews are overdue, as in any real register.
        next_review_on=today + timedelta(days=rng.randint(-60, 300)),
    )
    return services.create_risk(data, actor=officer)


def seed_demo_risks() -> list[str]:
    added = seed_default_categories()
    officer = find_user_by_email("officer@example.org")
    owner = find_user_by_email("owner@example.org")
    if officer is None or owner is None:
        return added
    existing = set(db.session.scalars(sa.select(Risk.title)))
    rng = random.Random(27001)  # the same demo register every time
    for spec in SEEDED + _further(rng):
        if spec.title in existing:
            continue
        risk = _create(spec, rng, officer, owner)
        added.append(f"risk {risk.reference} {risk.title}")
        if spec.title == INFORMATION_SECURITY:
            _add_interim_initiatives(risk, officer)
        elif risk.out_of_tolerance and rng.random() < 0.15:
            # Accepted by whoever holds the authority its band needs (the owner, the head of the
            # department, the accounting officer), as the register's rules require.
            _, acceptors = authority.acceptors(risk)
            if acceptors:
                services.accept_risk(
                    risk, actor=acceptors[0], expires_on=add_months(local_today(), 6), today=local_today(),
                    justification="Funding for treatment is only available in the next financial year.",
                    expected_version=risk.version,
                )
    return added


def _add_interim_initiatives(risk: Risk, officer) -> None:
    today = local_today()
    for title, control_ref, months in INFORMATION_SECURITY_ACTIONS:
        control = control_services.annex_a_control(control_ref) if control_ref else None
        services.add_action(risk, title=title, owner_id=officer.id, due_on=add_months(today, months - 4),
                            actor=officer, control_id=control.id if control else None,
                            status="in_progress" if months <= 9 else "planned")
