"""The municipality's demo against its source: each table of
../shared/reference/seeds/municipal-ict-strategy-and-policy.txt transcribed here (line numbers in
comments) and compared cell for cell with what the demo loads; the whole profile on an empty
database, with nothing of the province in it; and the two profiles kept apart."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin import settings
from app.assets.models import Asset
from app.audit.models import AuditEntry
from app.auth.models import Department, User
from app.auth.services import find_user_by_email
from app.common.timeutil import local_today
from app.core.demo import DEMO_ACCOUNTS, DEMO_ORGANISATION, DEPARTMENTS, seed_demo, seed_organisation
from app.extensions import db
from app.municipality_demo import assets, organisation, policies, risks, strategy
from app.municipality_demo import objectives as objective_demo
from app.objectives.models import Objective
from app.policies import services as policy_services
from app.policies.cases.models import PolicyCase
from app.policies.cases.recommendation import LADDER, Action
from app.policies.models import PolicyAcknowledgement, PolicyVersion
from app.risks.models import Risk, TreatmentAction
from app.suppliers.models import Supplier

# Version Control and Author (lines 287-296); Review (298-300) and Approval (302-304) have no rows.
SEED_VERSIONS = [("1.0", "Original", "Sbusiso Langa", ""), ("1.1", "Changes", "Sbusiso Langa", "")]
SEED_AUTHOR = ("Sbusiso Langa", "Security Officer", "", "+27 13 235 7367")

# Key Milestones (lines 245-259): activity, delivery, status, comments.
SEED_MILESTONES = [
    ("Develop Strategy and Resource plan", "End Nov - mid Dec 2015", "In Progress",
     "Work has started to save time and effort following initial approval from CFO"),
    ("Finalise the Draft Business Cases", "Dec 2015", "In Progress",
     "Through discussion with CFO and with the Portfolio Holder"),
    ("Procure support for ICT Governance and ICT Service Improvement activity (In-house work).", "Dec 2015",
     "In Progress", "The document production has begun, then we are required to issue a briefing note to market "
     "asap and documents if/once Council approve the ICT strategy."),
    ("Procure support for server maintenance and piloting phases.", "Dec 2015", "In Progress",
     "The document production has begun, then we are required to issue a briefing note to market asap and documents "
     "if/once Cabinet approve the ICT strategy."),
    ("Implement ICT Governance approach - to improve internal/in-house ways of working", "31/06/2015", "Not Started",
     "Includes ISO9003 implementation and audit, resource management software and architect support."),
    ("Implement ICT Service Improvement - to improve internal/in-house ways of working", "31/06/2015", "In Progress",
     "Includes costs for monitoring and diagnostic tools, cloud pilot and external support"),
    ("Undertake Server Virtualization test solutions for the Business Cases – approach the market", "31/05/2015",
     "Not Started", "External support will be required for the market tests"),
    ("Close Circuit Television", "", "", ""),
    ("Access Control", "", "", ""),
    ("Website", "", "", ""),
    ("ICT Peripherals Contract Management", "", "", ""),
    ("Pilot solutions for the Business Cases", "31/05/2015", "Not Started", "External support for pilots"),
    ("Procure technology solutions and support to implement", "31/07/2015", "Not Started",
     "Technology and implementation support, migration, training etc"),
    ("Full implementation", "31/05/2015", "Not Started", ""),
]

# The Difference: Outcomes of the ICT Strategy (lines 226-237): activity, outcomes.
SEED_OUTCOMES = [
    ("Through the use of ICT competences, training and support we will ensure that the Council's workforce has the "
     "skills to make the best use of technology", "Maximising productivity and changing the way we work."),
    ("Continuation of a rolling desktop refresh programme",
     "More modern PCs and laptops will improve reliability and productivity."),
    ("Deployment of the latest operating systems and desktop applications", "Ensure the Council has modern, flexible "
     "collaborative systems to optimise performance and productivity and underpin modern flexible working."),
    ("Further data centre rationalisation/collaboration including continued virtualisation.",
     "Improved reliability of servers and Reduced running costs."),
    ("Develop a modern transactional website or portal integrated with corporate customer records management.",
     "Improved self-service for citizens with reduced transaction costs for the Authority."),
    ("Implementation of a modern Intranet with Electronic Document and Records Management plus digital mail "
     "handling.", "Improved records management, access to data and information, and collaboration"),
    ("Removal or replacement of remaining legacy systems.", "Improved management of systems and reduced risk of "
                                                            "failure"),
    ("Continue annual review of Information Security requirements in the light of changes in processes and "
     "practices.", "Ensure data and information is managed securely and that Business Continuity and Disaster "
                   "Recovery Plans are effective."),
    ("Improve Service Desk responsiveness by encouraging self-service, e-forms and, in the longer term, a new service "
     "desk application.", "Improve productivity by improving the response to problems and encouraging users to "
                          "resolve common issues themselves."),
    ("Review service performance, and benchmark our performance internally and externally.",
     "Ensure we balance value for money with performance and demonstrate value for money."),
    ("Leverage the benefits of emerging Cloud solutions, Sebata etc.",
     "Leverage the benefits of emerging Cloud solutions, Sebata etc."),
]

# Key initiatives (lines 185-191, 197).
SEED_INITIATIVES = [
    "Technical standards will be developed to ensure consistent and appropriate use of ICT throughout the Council",
    "Standard applications and data sets are in the process of development to assure conformance to the Council's "
    "generic data model.",
    "The Design Framework is defining a series of business cases for major projects in the areas of departmental and "
    "infrastructure and application consolidation, delivery mechanisms (including cloud deployment), customer "
    "focussed activities, the \"information hub\", effective document management and mobile working.",
    "Server infrastructure consolidation and rationalisation – SQL server rationalisation and ongoing "
    "virtualisation, also review of delivery methods (e.g. cloud)",
    "Compliance with ISO27001 via the ISMS (Information Security Management System) project, to achieve compliance "
    "and accreditation to the international standard",
    "Skills audit and services support rationalisation is being progressed, along with medium term resource "
    "planning.",
    "ICT Business Partnering is being rolled out to directorate management teams, ensuring closer day to day links "
    "and understanding.",
    "Corporate Applications Integration – rationalisation and consolidation of the application architecture will "
    "form part of the outputs of the Design Framework project.",
]

# Corrective actions for non-policy compliance (lines 269-277): the steps, lightest first.
SEED_LADDER = ["Warning from Management", "Written Warning in Personnel File", "Revoking Privileges", "Training",
               "Disciplinary action"]


def _organisation(app) -> tuple[User, User]:
    seed_organisation(organisation.NAME, organisation.DEPARTMENTS, organisation.ACCOUNTS, app.config["DEMO_PASSWORD"])
    officer = find_user_by_email("officer@municipality.example.org")
    owner = find_user_by_email("owner@municipality.example.org")
    assert officer is not None and owner is not None
    return officer, owner


def test_both_documents_have_the_seeds_document_control_tables_as_they_stand(app):
    officer, _ = _organisation(app)
    policies.seed_policies(officer, local_today())

    for code in (policies.STRATEGY_CODE, policies.POLICY_CODE):
        policy = policy_services.find_by_code(code)
        assert [(v.number, v.change, v.author_name, v.history_date.isoformat() if v.history_date else "")
                for v in policy.versions] == SEED_VERSIONS
        latest = policy.latest
        assert (latest.author_name, latest.author_designation, "", latest.author_contact) == SEED_AUTHOR
        assert not latest.signatures  # the signature cell is empty
        for version in policy.versions:  # review and approval not yet done: nothing pretends otherwise
            assert version.state == "recorded" and version.reviewers == [] and version.approved_on is None
            assert version.approver_name == "" and version.submitted_on is None
        assert policy.current is None


def test_the_milestones_are_the_risks_treatment_actions_cell_for_cell(app):
    officer, owner = _organisation(app)
    risks.seed_risks(officer, owner, local_today())

    actions = list(db.session.scalars(sa.select(TreatmentAction).order_by(TreatmentAction.id)))
    shown = []
    for action in actions:
        cells = dict(line.split(": ", 1) for line in action.progress_note.splitlines())
        shown.append((action.title, cells.get("Delivery", ""), cells.get("Status", ""), cells.get("Comments", "")))
    assert shown == SEED_MILESTONES
    assert [a.status for a in actions] == [{"In Progress": "in_progress"}.get(row[2], "planned")
                                           for row in SEED_MILESTONES]
    assert all(action.due_on is None for action in actions)  # "31/06/2015" is no date: the delivery stays in words


def test_each_key_initiative_is_a_risk_in_its_own_words(app):
    officer, owner = _organisation(app)
    risks.seed_risks(officer, owner, local_today())

    descriptions = list(db.session.scalars(sa.select(Risk.description).order_by(Risk.id)))
    assert descriptions == [f"Key initiative of the ICT Strategy: {text}" for text in SEED_INITIATIVES]


def test_the_outcomes_are_objectives_cell_for_cell(app):
    _, owner = _organisation(app)
    objective_demo.seed_objectives(owner, local_today())

    rows = db.session.execute(sa.select(Objective.plan, Objective.title).order_by(Objective.id)).all()
    assert [tuple(row) for row in rows] == SEED_OUTCOMES


def test_the_policys_corrective_actions_are_the_ladder_in_order(app):
    officer, _ = _organisation(app)
    policies.seed_policies(officer, local_today())

    version = policy_services.find_by_code(policies.POLICY_CODE).latest
    steps = [clause.title for clause in version.clauses if clause.reference.startswith("1.")]
    assert steps == SEED_LADDER
    # Khusela's ladder has the same five steps in the same order (its labels are its own sentence case).
    assert [action.label for action in LADDER] == [
        "Warning from management", "Written warning in the personnel file", "Revoking privileges", "Training",
        "Disciplinary action"]
    assert LADDER[0] == Action.MANAGEMENT_WARNING and LADDER[-1] == Action.DISCIPLINARY
    disciplinary = next(clause for clause in version.clauses if clause.reference == "1.5")
    assert disciplinary.text == ("Disciplinary action will be determined in compliance to Schedule 8 of the Labour "
                                 "Relations Act 66 of 1995 or other related Public Service Regulations.")  # line 277


def test_the_cmdb_has_the_financial_system_servers_and_desktops_in_refresh(app):
    from app.assets.queries import refresh_candidates

    officer, _ = _organisation(app)
    today = local_today()
    assets.seed_assets(officer, today)

    sebata = db.session.scalar(sa.select(Asset).where(Asset.tag == assets.SEBATA_TAG))
    assert sebata.name == "Sebata" and sebata.kind == "application"
    assert db.session.scalar(sa.select(sa.func.count(Asset.id)).where(Asset.kind == "server")) == 3
    due = {asset.tag for asset in db.session.scalars(refresh_candidates(today, 8))}
    assert {"TLM-PC-0101", "TLM-PC-0102", "TLM-PC-0103", "TLM-PC-0104"} <= due and "TLM-PC-0105" not in due


def test_the_whole_municipality_loads_on_an_empty_database_with_nothing_of_the_province(app):
    added = seed_demo(app.config["DEMO_PASSWORD"], "municipality")

    assert added
    assert db.session.scalar(sa.select(Supplier.name)) == "Sebata"
    assert db.session.scalar(sa.select(sa.func.count(PolicyCase.id))) == 3
    assert settings.get(settings.GOVERNING_DISCIPLINARY_CODE) == settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE
    assert {d.name for d in db.session.scalars(sa.select(Department))} == {name for _, name in organisation.DEPARTMENTS}
    provincial = {name for _, name in DEPARTMENTS} | {DEMO_ORGANISATION, "Western Cape", "Province", "Provincial",
                                                      "@example.org"}
    # Every write is in the audit log, with what it wrote; the policies' text besides.
    stored = " ".join(f"{entry.summary} {entry.changes}" for entry in db.session.scalars(sa.select(AuditEntry)))
    stored += " ".join(db.session.scalars(sa.select(PolicyVersion.body)))
    stored += " ".join(user.email for user in db.session.scalars(sa.select(User)))
    assert [name for name in provincial if name in stored.replace("@municipality.example.org", "")] == []
    assert not any(account.email in stored for account in DEMO_ACCOUNTS)
    assert seed_demo(app.config["DEMO_PASSWORD"], "municipality") == []  # idempotent


def test_every_case_cites_a_policy_in_force_its_employee_acknowledged(app):
    seed_demo(app.config["DEMO_PASSWORD"], "municipality")
    today = local_today()

    cases = list(db.session.scalars(sa.select(PolicyCase)))
    acknowledged = set(db.session.execute(sa.select(PolicyAcknowledgement.version_id,
                                                    PolicyAcknowledgement.employee_id)))
    assert cases and all((case.clause.version_id, case.employee_id) in acknowledged for case in cases)
    cited = {case.clause.version for case in cases}
    assert all(version.state == "approved" and not version.review_overdue(today) for version in cited)


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_municipality_is_refused_in_the_provinces_database_and_the_other_way(app):
    seed_organisation(DEMO_ORGANISATION, DEPARTMENTS[:1], DEMO_ACCOUNTS[:1], app.config["DEMO_PASSWORD"])
    db.session.commit()
    users = db.session.scalar(sa.select(sa.func.count(User.id)))

    refused = run(app, "seed-demo", "--organisation", "municipality")

    assert refused.exit_code == 2
    assert "This database holds the province's demo (Western Cape Government)" in refused.output
    assert "make run ORGANISATION=municipality uses instance/municipality.db" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users
    assert run(app, "seed-demo", "--if-empty", "--organisation", "municipality").exit_code == 2


def test_the_province_is_refused_in_the_municipalitys_database(app):
    _organisation(app)
    db.session.commit()

    refused = run(app, "seed-demo")

    assert refused.exit_code == 2 and "holds the municipality's demo (Thabachweu Local Municipality)" in refused.output
    logins = run(app, "demo-logins").output
    assert logins.startswith("Demo logins for Thabachweu Local Municipality")
    assert "officer@municipality.example.org" in logins and "@example.org" not in logins.replace(
        "@municipality.example.org", "")


def test_the_seed_values_are_written_once_in_the_demo(app):
    """The demo's own copy of the seed (strategy.py) is the one transcribed above."""
    assert strategy.VERSIONS == SEED_VERSIONS and strategy.AUTHOR == SEED_AUTHOR
    assert [tuple(m.__dict__.values()) for m in strategy.MILESTONES] == SEED_MILESTONES
    assert strategy.OUTCOMES == SEED_OUTCOMES and strategy.KEY_INITIATIVES == SEED_INITIATIVES
