"""Demo data: the Western Cape Government's departments and one account per role (the default
profile), or the Thabachweu Local Municipality (app.municipality_demo), each in its own database.

Idempotent: running it again adds only what is missing. Later parts add their own demo data
through `DEMO_LOADERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app.admin import settings
from app.admin.models import Setting
from app.admin.services import create_department, find_department_by_code
from app.auth import services as accounts
from app.auth.models import AcceptanceAuthority, Role, User
from app.extensions import db

DEMO_ORGANISATION = "Western Cape Government"
# The departments the provincial deck names (the seed document provincial-digital-government-deck.txt),
# by the codes it uses in "Key new/enhanced digital services" (lines 270-310: DOTP, DOA, DOCS, DEA&DP, DOI, DCAS,
# DEDAT, DSD, DOH, PT) and WCED (lines 399, 706). The deck gives codes only; the full names are the
# province's, except Health, which the deck calls the "Department of Health" (line 321). Its "Department of
# Human Settlements" (line 439, the housing app of 2020/21) is in DOI since 2023, as the deck's DOI housing
# services show (lines 280-284): it is no department of its own here.
DEPARTMENTS = [
    ("DOTP", "Department of the Premier"),
    ("DOA", "Department of Agriculture"),
    ("DOCS", "Department of Police Oversight and Community Safety"),
    ("DEA&DP", "Department of Environmental Affairs and Development Planning"),
    ("DOI", "Department of Infrastructure"),
    ("DCAS", "Department of Cultural Affairs and Sport"),
    ("DEDAT", "Department of Economic Development and Tourism"),
    ("DSD", "Department of Social Development"),
    ("DOH", "Department of Health"),
    ("PT", "Provincial Treasury"),
    ("WCED", "Western Cape Education Department"),
    # Not in the deck: the department that supports the municipalities (the deck's 80 Community Development
    # Workers trained "on request of municipalities", line 756, are its workers). The demo's municipal
    # data-exchange risk and its cases need it.
    ("DLG", "Department of Local Government"),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: Role
    department_code: str | None
    acceptance_authority: AcceptanceAuthority | None = None  # a designation (app.risks.authority)


DEMO_ACCOUNTS = [
    DemoAccount("admin@example.org", "Thandi Administrator", Role.ADMIN, None),
    DemoAccount("officer@example.org", "Sipho Security-Officer", Role.SECURITY_OFFICER, "DOTP"),
    DemoAccount("owner@example.org", "Anele Risk-Owner", Role.RISK_OWNER, "DOTP"),
    DemoAccount("manager@example.org", "Pieter Manager", Role.MANAGER, "DOH"),
    DemoAccount("hr@example.org", "Naledi HR-Officer", Role.HR_OFFICER, "DOTP"),
    DemoAccount("auditor@example.org", "Fatima Auditor", Role.AUDITOR, None),
    # Who accepts the High and Critical risks (the default bands' authorities): the Department of the
    # Premier's head, and the accounting officer for the province's risks.
    DemoAccount("hod@example.org", "Lindiwe Head-of-Department", Role.RISK_OWNER, "DOTP",
                AcceptanceAuthority.HEAD_OF_DEPARTMENT),
    DemoAccount("ao@example.org", "Mandla Accounting-Officer", Role.RISK_OWNER, None,
                AcceptanceAuthority.ACCOUNTING_OFFICER),
]

# Each later part appends a function() that loads its demo data idempotently and returns a line
# per thing added.
DEMO_LOADERS: list[Callable[[], list[str] | None]] = []


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


PROVINCE = "province"
MUNICIPALITY = "municipality"
ORGANISATIONS = (PROVINCE, MUNICIPALITY)


def demo_accounts(organisation: str) -> tuple[str, list[DemoAccount]]:
    """The profile's organisation name and demo accounts."""
    if organisation == MUNICIPALITY:
        from app.municipality_demo.organisation import ACCOUNTS, NAME

        return NAME, ACCOUNTS
    return DEMO_ORGANISATION, DEMO_ACCOUNTS


def organisation_loaded() -> str | None:
    """Which demo profile the database holds (by its demo accounts), if any."""
    for organisation in ORGANISATIONS:
        emails = [account.email for account in demo_accounts(organisation)[1]]
        if db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email.in_(emails))):
            return organisation
    return None


def other_demo_in_database(organisation: str) -> str | None:
    """Why `organisation` cannot be loaded here: the database holds the other demo organisation."""
    loaded = organisation_loaded()
    if loaded is None or loaded == organisation:
        return None
    name = demo_accounts(loaded)[0]
    where = "make run uses instance/khusela.db" if organisation == PROVINCE else \
        f"make run ORGANISATION={organisation} uses instance/{organisation}.db"
    return (f"This database holds the {loaded}'s demo ({name}); the {organisation} is a separate organisation "
            f"with its own database. Point DATABASE_URL at another database ({where}) and run the command again.")


def seed_organisation(name: str, departments: list[tuple[str, str]], demo_accounts: list[DemoAccount],
                      password: str) -> list[str]:
    """The organisation's name, departments and one account per role: what every demo profile starts with."""
    added = []
    if db.session.get(Setting, settings.ORGANISATION_NAME) is None:  # never over a name an admin chose
        settings.save({settings.ORGANISATION_NAME: name}, actor=None)
        added.append(f"organisation name {name}")
    for code, department_name in departments:
        if find_department_by_code(code) is None:
            create_department(code=code, name=department_name, actor=None)
            added.append(f"department {code}")
    for account in demo_accounts:
        if accounts.find_user_by_email(account.email) is None:
            department = find_department_by_code(account.department_code) if account.department_code else None
            user = accounts.create_user(
                email=account.email, full_name=account.full_name, role=account.role.value,
                department_id=department.id if department else None, password=password, actor=None,
                must_change_password=False,
            )
            accounts.set_acceptance_authority(user, account.acceptance_authority, actor=None)
            added.append(f"user {account.email}")
    return added


def seed_demo(password: str, organisation: str = PROVINCE) -> list[str]:
    """Load what is missing of the profile; returns a line per thing added."""
    if organisation == MUNICIPALITY:
        from app.municipality_demo import seed_municipality

        return seed_municipality(password)
    added = seed_organisation(DEMO_ORGANISATION, DEPARTMENTS, DEMO_ACCOUNTS, password)
    from app.controls.services import load_annex_a
    from app.risks.demo import seed_demo_risks  # the register needs the accounts above

    if load_annex_a().added:  # the migrations load it; this only matters on an emptied database
        added.append("ISO/IEC 27001:2022 Annex A catalogue")

    added.extend(seed_demo_risks())
    from app.controls.demo import seed_demo_controls, seed_demo_evidence, seed_demo_soa

    added.extend(seed_demo_controls())  # links the risks above to their controls
    added.extend(seed_demo_soa())
    added.extend(seed_demo_evidence())
    from app.assets.demo import seed_demo_assets, seed_demo_reported_portfolio

    added.extend(seed_demo_assets())
    added.extend(seed_demo_reported_portfolio())
    from app.employees.demo import seed_demo_employees  # links the demo accounts above to their records

    added.extend(seed_demo_employees())
    from app.policies.demo import seed_demo_policies  # after the employees, who acknowledge them

    added.extend(seed_demo_policies())
    from app.policies.cases.demo import seed_demo_cases

    added.extend(seed_demo_cases())
    added.extend(_seed_the_findings_in_date_order())
    from app.context.demo import seed_demo_context  # after the controls its requirements are met by

    added.extend(seed_demo_context())
    from app.suppliers.demo import seed_demo_suppliers  # after the risks and CMDB items they are linked to

    added.extend(seed_demo_suppliers())
    # After the risks, controls, CMDB and suppliers it links; before the reviews, whose packs report its tests.
    from app.continuity.demo import seed_demo_continuity

    added.extend(seed_demo_continuity())
    from app.incidents.demo import seed_demo_incidents  # after the risks, CMDB, controls, suppliers and findings

    added.extend(seed_demo_incidents())
    from app.awareness.demo import seed_demo_awareness  # after the employees, whose completions it loads

    added.extend(seed_demo_awareness())
    # After every register its computed metrics measure (the current period's value is what the
    # computation gives on the demo), before the reviews whose packs read the objectives and metrics.
    from app.objectives.demo import seed_demo_objectives

    added.extend(seed_demo_objectives())
    from app.reviews.demo import seed_demo_reviews  # last: its packs read every register above

    added.extend(seed_demo_reviews())
    for loader in DEMO_LOADERS:
        added.extend(loader() or [])
    db.session.commit()  # the whole demo is one unit of work: the loaders above only flush
    # The review packs' PDFs, which the scheduler's documents job would build: the demo starts with none queued.
    from app.reports.review_packs import build_queued

    build_queued()
    return added


def _seed_the_findings_in_date_order() -> list[str]:
    """Nonconformities are numbered in the order they are raised, so the register's own and those the
    internal audits raise when their reports are issued (audits of the controls and SoA above) are raised
    in date order, NC-0001 the oldest; last month's control tests raise theirs after them. Then the
    findings are taken up (owners, causes, actions), before the objectives' metrics count them."""
    from app.controls.demo import seed_demo_tests
    from app.internal_audits.demo import demo_audit_steps
    from app.nonconformities.demo import demo_raise_steps, seed_demo_follow_up

    added: list[str] = []
    for _, step in sorted(demo_raise_steps() + demo_audit_steps(), key=lambda dated: dated[0]):
        added.extend(step())
    added.extend(seed_demo_tests())
    added.extend(seed_demo_follow_up())
    return added
