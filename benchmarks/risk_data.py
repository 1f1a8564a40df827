"""A large risk register for the benchmark: 10,000 risks as the register's own services would write them.

Each risk is first planned (title, category, department, owner, ratings, factors, treatment actions,
and whether it ends accepted or closed), then written one of two ways:

- most in bulk: the same rows create_risk(), add_action(), accept_risk() and close_risk() write
  (risk, contributing factors, the "Initial assessment" rating changes, actions, acceptances,
  version numbers and audit entries, hashed and chained), inserted a batch at a time;
- the newest through those services themselves, which also times create_risk() on a full register.

Every plan is checked with the scoring rules (scoring.rating_problems) before it is written, and
check_register() then checks the stored scores and statuses of every risk in SQL. The data is the
same on every run (fixed random seed). The oldest share is written while matrix version 1 is current;
then version 2 (recalibrated bands) is saved, so those risks are "to re-score", as after a real change.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.auth.models import Department, Role, User
from app.common.timeutil import add_months, local_today, utcnow
from app.extensions import db
from app.risks import authority, matrices, scoring, services
from app.risks.models import (
    ActionStatus,
    ContributingFactor,
    RatingChange,
    RatingKind,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskStatus,
    TreatmentAction,
    TreatmentStrategy,
)
from benchmarks.audit_chain import BulkAuditChain

RISK_SEED = 27005  # the same register on every run
OLDER_MATRIX_SHARE = 0.15  # of the generated risks, scored before matrix version 2 and not yet re-scored
BULK_BATCH = 1_000  # risks per commit while writing in bulk
INITIAL_ASSESSMENT = "Initial assessment"  # create_risk()'s default reason

# --- what the register talks about ---------------------------------------------------------------

# (title pattern, category, subcategory or None, an opening sentence of the description)
THREATS = [
    ("Ransomware on {asset}", "Information Security", "Cyber",
     "Criminals encrypt {asset} and demand payment for the key."),
    ("Phishing leading to compromise of {asset}", "Information Security", "Cyber",
     "Staff are tricked into handing over credentials that give access to {asset}."),
    ("Unpatched vulnerabilities in {asset}", "Information Security", "Cyber",
     "Known weaknesses in {asset} stay open for months after the vendor fixes them."),
    ("Weak access control on {asset}", "Information Security", "Cyber",
     "Shared, stale or excessive accounts give more people access to {asset} than need it."),
    ("Misconfiguration of {asset}", "Information Security", "Cyber",
     "A configuration change to {asset} is made without review and exposes it."),
    ("Denial of service on {asset}", "Information Security", "Cyber",
     "A flood of traffic makes {asset} unreachable for citizens and staff."),
    ("Data leakage from {asset}", "Information Security", "Data protection",
     "Personal or confidential information held in {asset} is disclosed to people not entitled to it."),
    ("Insider misuse of {asset}", "Information Security", "Data protection",
     "An employee with legitimate access to {asset} uses it for purposes it was not granted for."),
    ("Corruption of data in {asset}", "Information Security", "Data protection",
     "Records in {asset} are altered or lost without anyone noticing in time."),
    ("Outage of {asset}", "Business Continuity", "ICT service continuity",
     "{asset} is unavailable for longer than the business can tolerate."),
    ("Backups of {asset} that cannot be restored", "Business Continuity", "ICT service continuity",
     "Backups of {asset} are taken but never tested, and fail when they are needed."),
    ("Power failure affecting {asset}", "Business Continuity", "Facilities and utilities",
     "Load-shedding or grid failure outlasts the UPS and generator capacity that keeps {asset} running."),
    ("Loss of key staff supporting {asset}", "Business Continuity", None,
     "The few people who know how to run {asset} leave or are unavailable."),
    ("Supplier failure affecting {asset}", "Third Party", "Suppliers and outsourcing",
     "The company that supports {asset} fails, exits the market or ends the contract."),
    ("Unmonitored vendor access to {asset}", "Third Party", "Suppliers and outsourcing",
     "Vendors connect to {asset} remotely without the access being approved, logged or reviewed."),
    ("Non-compliance with POPIA in {asset}", "Compliance", "POPIA",
     "Personal information in {asset} is collected, kept or shared beyond what POPIA allows."),
    ("Non-compliance with MISS for {asset}", "Compliance", "Legislation and regulation",
     "{asset} does not meet the Minimum Information Security Standards."),
]
# How often each threat appears (ransomware and phishing dominate a real register; MISS is rare).
THREAT_WEIGHTS = [6, 8, 9, 7, 6, 3, 7, 4, 3, 8, 4, 5, 3, 5, 3, 5, 2]

SHARED_ASSETS = [
    "the e-mail service", "the payroll system (PERSAL)", "the document management system", "the provincial network",
    "the financial system (BAS)", "the intranet", "the identity directory", "the backup environment",
    "the citizen e-services portal", "the video-conferencing service", "staff laptops", "the supply chain system",
]
DEPARTMENT_ASSETS = {
    "DOTP": ["the provincial data centre", "the security operations tooling", "the Cabinet document system"],
    "DOA": ["the agricultural research database", "the veterinary laboratory system"],
    "DOCS": ["the oversight case files", "the community safety dashboards"],
    "DEA&DP": ["the environmental authorisation records", "the spatial planning GIS"],
    "DOI": ["the building management (OT) systems", "the property asset register"],
    "DCAS": ["the heritage digitisation archive", "the library management system"],
    "DEDAT": ["the tourism permits portal", "the business support grants system"],
    "DSD": ["the social grant applicants' records", "the child protection register"],
    "DOH": ["the hospital information system", "the clinic patient records", "the laboratory results interface"],
    "PT": ["the ERP system", "the revenue management system", "the procurement portal"],
    "WCED": ["the learner management system", "school administration data", "the examinations system"],
    "DTPW": ["the traffic fines system", "the vehicle licensing system", "the road asset management system"],
    "DLG": ["the municipal data exchange", "the disaster management centre systems"],
}
PLACES = ["at head office", "in regional offices", "in district clinics", "at schools", "at the disaster recovery site"]
CAUSES = [
    "Controls depend on a few people and are not documented.",
    "Monitoring covers office hours only.",
    "The system runs on hardware past its vendor support date.",
    "Changes are made directly in production.",
    "Third parties hold administrator accounts that are never reviewed.",
    "Security awareness training reaches fewer than half of the staff.",
    "Logs are kept for seven days only.",
    "The last recovery test was more than two years ago.",
]
CONSEQUENCES = [
    "Service delivery to citizens stops; reputational damage and possible legal claims.",
    "Personal information is disclosed; the Information Regulator may investigate and fine.",
    "Finance and payroll deadlines are missed; staff and suppliers are paid late.",
    "Patient care is delayed while staff fall back to paper.",
    "Recovery costs exceed the budget; other projects are postponed.",
    "Audit findings from the Auditor-General; loss of trust in the department.",
]
FACTORS = [
    "Attack by an external source", "Ageing, unsupported and unmanaged technology",
    "Attack or data leakage by an internal source", "Limited adherence to ICT policies",
    "Lack of third-party accountability", "Lack of ICT policies and standards",
    "Limited capacity to manage cyber security", "Limits of monitoring and response tools",
    "Multiple internet entry points", "Single points of failure in the network",
    "No tested continuity plan", "Budget cuts to ICT maintenance", "High turnover of ICT staff",
    "Shadow IT outside ICT's view", "Manual, paper-based fallback procedures",
]
# Treatment actions; none names a control from the catalogue (that link is optional).
ACTIONS = [
    "Deploy multi-factor authentication", "Patch internet-facing systems within 14 days",
    "Test restores of backups quarterly", "Run a phishing simulation and training",
    "Review privileged accounts monthly",
    "Encrypt data at rest", "Centralise logs in the SOC", "Add the system to SOC monitoring",
    "Sign a service-level agreement with the supplier", "Assess the supplier's security",
    "Document and test the continuity plan", "Install a second generator", "Classify and label the information",
    "Apply data loss prevention rules", "Segment the network", "Harden the configuration baseline",
    "Replace unsupported hardware", "Introduce change management", "Cross-train a second administrator",
    "Carry out a POPIA impact assessment",
]
ACCEPTANCE_JUSTIFICATIONS = [
    "Funding for treatment is only available in the next financial year.",
    "The system is being replaced within the year; treating it now would be wasted effort.",
    "Compensating manual controls are in place until the supplier delivers the fix.",
]
CLOSE_REASONS = [
    "The system was decommissioned.", "Merged into a broader risk.", "The service moved to a new supplier "
    "whose controls address the risk.", "Treatment completed and the residual rating is within tolerance.",
]
RECALIBRATED_BANDS = ((1, 3), (4, 8), (9, 14), (15, 25))  # matrix version 2: low, medium, high, critical


# --- planning ------------------------------------------------------------------------------------


@dataclass
class ActionPlan:
    title: str
    owner_id: int
    due_on: date
    status: str
    progress_note: str = ""


@dataclass
class RiskPlan:
    """One risk and what happens to it, as the services would be asked to do it."""

    title: str
    description: str
    consequences: str
    category_id: int
    subcategory_id: int | None
    department_id: int | None
    owner: SimpleNamespace
    creator: SimpleNamespace  # the security officer who records it
    inherent: scoring.Rating
    residual: scoring.Rating | None
    target: scoring.Rating | None
    tolerance: int
    status: str  # at creation: draft, open or in_treatment
    strategy: str | None
    review_frequency_months: int
    next_review_on: date
    factors: list[tuple[str, str]] = field(default_factory=list)
    actions: list[ActionPlan] = field(default_factory=list)
    acceptance_expires_on: date | None = None
    justification: str = ""
    close_reason: str | None = None

    def risk_input(self) -> services.RiskInput:
        return services.RiskInput(
            title=self.title, category_id=self.category_id, inherent=self.inherent, description=self.description,
            consequences=self.consequences, subcategory_id=self.subcategory_id, department_id=self.department_id,
            owner_id=self.owner.id, residual=self.residual, target=self.target, tolerance=self.tolerance,
            status=self.status, strategy=self.strategy, review_frequency_months=self.review_frequency_months,
            next_review_on=self.next_review_on, factors=list(self.factors),
        )


def _person(user) -> SimpleNamespace:
    return SimpleNamespace(id=user.id, email=user.email, role=user.role, department_id=user.department_id)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]  # not str.capitalize(): that would lower "POPIA" and "PERSAL"


def _reduce(rating: scoring.Rating, rng: random.Random) -> scoring.Rating:
    """A rating at most as high: controls lower likelihood, impact or both (as the demo register does)."""
    return scoring.Rating(max(1, rating.likelihood - rng.choice([0, 1, 1, 2])),
                          max(1, rating.impact - rng.choice([0, 0, 1])))


class RegisterPlanner:
    """Plans risks from the departments, categories and people already in the database."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.departments = {row.code: row.id for row in db.session.execute(sa.select(Department.code, Department.id))}
        categories = list(db.session.scalars(sa.select(RiskCategory)))
        top = {category.name: category.id for category in categories if category.parent_id is None}
        self.categories = {
            (name, sub.name if sub else None): (top_id, sub.id if sub else None)
            for name, top_id in top.items()
            for sub in [None, *(c for c in categories if c.parent_id == top_id)]
        }
        users = [_person(user) for user in db.session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.id))]
        self.officers = [user for user in users if user.role == Role.SECURITY_OFFICER]
        owners = [user for user in users if user.role == Role.RISK_OWNER]
        if not self.officers or not owners:
            raise RuntimeError("The risk generator needs at least one security officer and one risk owner.")
        self.owners_by_department: dict[int | None, list[SimpleNamespace]] = {}
        for owner in owners:
            self.owners_by_department.setdefault(owner.department_id, []).append(owner)
        self.all_owners = owners

    def plan(self) -> RiskPlan:
        rng = self.rng
        pattern, category, subcategory, opening = rng.choices(THREATS, weights=THREAT_WEIGHTS)[0]
        code = rng.choice(list(self.departments)) if rng.random() < 0.97 else None  # a few are province-wide
        asset = rng.choice(SHARED_ASSETS + DEPARTMENT_ASSETS.get(code, []) * 2)
        title = pattern.format(asset=asset)
        if rng.random() < 0.3:
            title = f"{title} {rng.choice(PLACES)}"
        category_id, subcategory_id = self.categories[(category, subcategory if rng.random() < 0.9 else None)]
        department_id = self.departments[code] if code else None
        owner = rng.choice(self.owners_by_department.get(department_id) or self.all_owners)
        inherent = scoring.Rating(rng.choices(range(1, 6), weights=[1, 3, 4, 3, 2])[0],
                                  rng.choices(range(1, 6), weights=[1, 2, 4, 4, 2])[0])
        plan = RiskPlan(
            title=title, description=_sentence_case(f"{opening.format(asset=asset)} {rng.choice(CAUSES)}"),
            consequences=rng.choice(CONSEQUENCES), category_id=category_id, subcategory_id=subcategory_id,
            department_id=department_id, owner=owner, creator=rng.choice(self.officers), inherent=inherent,
            residual=None, target=None, tolerance=rng.choice([4, 4, 4, 6, 8, 9, 10, 12]), status="open",
            strategy=None, review_frequency_months=rng.choice([3, 6, 12, 12, 12]),
            next_review_on=self.today + timedelta(days=rng.randint(-90, 365)),  # some reviews overdue
            factors=[(description, rng.choice("HHMMML")) for description in rng.sample(FACTORS, rng.randint(0, 5))],
        )
        self._lifecycle(plan)
        return plan

    def _lifecycle(self, plan: RiskPlan) -> None:
        """Where the risk stands now: draft, open, in treatment, accepted or closed."""
        rng = self.rng
        fate = rng.random()
        if fate < 0.06:
            plan.status = RiskStatus.DRAFT.value
            if rng.random() < 0.5:  # half the drafts are not assessed past the inherent rating yet
                return
        plan.residual = _reduce(plan.inherent, rng)
        plan.target = _reduce(plan.residual, rng) if rng.random() < 0.85 else None
        if fate < 0.36:
            plan.strategy = rng.choice([None, TreatmentStrategy.MODIFY.value])
            return
        accepting = fate < 0.42 and scoring.out_of_tolerance(plan.residual.score, plan.tolerance)
        if accepting:
            plan.strategy = TreatmentStrategy.RETAIN.value
            plan.acceptance_expires_on = self.today + timedelta(days=rng.randint(30, 330))
            plan.justification = rng.choice(ACCEPTANCE_JUSTIFICATIONS)
            plan.actions = self._actions(plan, rng.randint(0, 2), closed=False)
        elif fate >= 0.82:
            plan.strategy = rng.choice([TreatmentStrategy.MODIFY.value, TreatmentStrategy.AVOID.value])
            plan.close_reason = rng.choice(CLOSE_REASONS)
            plan.actions = self._actions(plan, rng.randint(0, 3), closed=True)
        else:
            plan.strategy = rng.choices([s.value for s in (TreatmentStrategy.MODIFY, TreatmentStrategy.SHARE,
                                                           TreatmentStrategy.AVOID)], weights=[8, 2, 1])[0]
            plan.status = rng.choice([RiskStatus.OPEN.value, RiskStatus.OPEN.value, RiskStatus.IN_TREATMENT.value])
            plan.actions = self._actions(plan, rng.randint(1, 4), closed=False)

    def _actions(self, plan: RiskPlan, count: int, *, closed: bool) -> list[ActionPlan]:
        rng = self.rng
        actions = []
        for title in rng.sample(ACTIONS, count):
            due_on = add_months(self.today, rng.randint(-8, 18))  # some already overdue
            if closed:
                status = rng.choice([ActionStatus.DONE.value, ActionStatus.DONE.value, ActionStatus.CANCELLED.value])
            else:
                status = rng.choice([ActionStatus.PLANNED.value, ActionStatus.IN_PROGRESS.value,
                                     ActionStatus.IN_PROGRESS.value, ActionStatus.DONE.value])
            note = "Quote received; waiting for the purchase order." if status == ActionStatus.IN_PROGRESS else ""
            owner = plan.owner if rng.random() < 0.7 else rng.choice(self.officers)
            actions.append(ActionPlan(title, owner.id, due_on, status, note))
        return actions


# --- writing in bulk -----------------------------------------------------------------------------


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _rating_columns(kind: RatingKind, value: scoring.Rating | None) -> dict:
    return {f"{kind.value}_likelihood": value.likelihood if value else None,
            f"{kind.value}_impact": value.impact if value else None,
            f"{kind.value}_score": value.score if value else None}


class BulkRegisterWriter:
    """Writes planned risks as rows, the same rows the services write, a batch per commit."""

    def __init__(self, today: date):
        self.today = today
        self.risk_id = _next_id(Risk)
        self.action_id = _next_id(TreatmentAction)
        self.reference_number = int(services.next_reference()[2:])
        self.chain = BulkAuditChain()
        self.rows: dict[sa.Table, list[dict]] = {}

    def _add(self, table: sa.Table, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def write(self, plans: list[RiskPlan], matrix_id: int, matrix: scoring.Matrix) -> None:
        for number, plan in enumerate(plans, start=1):
            self._write_one(plan, matrix_id, matrix)
            if number % BULK_BATCH == 0:
                self._flush()
        self._flush()

    def _flush(self) -> None:
        # Parents first: SQLite enforces the foreign keys.
        for model in (Risk, ContributingFactor, RatingChange, TreatmentAction, RiskAcceptance):
            rows = self.rows.pop(model.__table__, [])
            if rows:
                db.session.execute(sa.insert(model.__table__), rows)
        self.chain.flush()
        db.session.commit()

    def _write_one(self, plan: RiskPlan, matrix_id: int, matrix: scoring.Matrix) -> None:
        problems = scoring.rating_problems(matrix, plan.inherent, plan.residual, plan.target)
        if not 1 <= plan.tolerance <= matrix.size ** 2:
            problems.append(("tolerance", f"tolerance {plan.tolerance}"))
        if problems:
            raise RuntimeError(f"Planned risk {plan.title!r} breaks the scoring rules: {problems}")
        now = utcnow()
        risk_id, reference = self.risk_id, f"R-{self.reference_number:04d}"
        self.risk_id += 1
        self.reference_number += 1
        ratings = {RatingKind.INHERENT: plan.inherent, RatingKind.RESIDUAL: plan.residual,
                   RatingKind.TARGET: plan.target}
        risk = {
            "id": risk_id, "reference": reference, "title": plan.title.strip(), "description": plan.description.strip(),
            "consequences": plan.consequences.strip(), "category_id": plan.category_id,
            "subcategory_id": plan.subcategory_id, "department_id": plan.department_id, "owner_id": plan.owner.id,
            "matrix_id": matrix_id, "tolerance": plan.tolerance, "status": plan.status, "strategy": plan.strategy,
            "review_frequency_months": plan.review_frequency_months, "next_review_on": plan.next_review_on,
            "created_at": now, "updated_at": now, "created_by_id": None, "updated_by_id": None, "version": 1,
            **{key: value for kind, rating in ratings.items() for key, value in _rating_columns(kind, rating).items()},
        }
        for position, (description, rating) in enumerate(plan.factors):
            self._add(ContributingFactor.__table__, {"risk_id": risk_id, "description": description.strip(),
                                                     "rating": rating, "position": position})
        for kind, value in ratings.items():
            if value is not None:
                self._add(RatingChange.__table__, {
                    "risk_id": risk_id, "kind": kind.value, "from_likelihood": None, "from_impact": None,
                    "to_likelihood": value.likelihood, "to_impact": value.impact, "from_matrix_id": None,
                    "matrix_id": matrix_id, "changed_by_id": plan.creator.id, "changed_at": now,
                    "reason": INITIAL_ASSESSMENT,
                })
        # create_risk()'s audit entry: every field that has a value, and the factors.
        after = {name: risk[name] for name in services.RISK_AUDIT_FIELDS}
        after["factors"] = [f"{rating}: {description.strip()}" for description, rating in plan.factors]
        self.chain.add("create", "risk", risk_id, changes=audit.diff({}, after),
                       summary=f"Created risk {reference} {risk['title']}", actor=plan.creator)
        self._lifecycle(plan, risk, now)
        self._add(Risk.__table__, risk)

    def _lifecycle(self, plan: RiskPlan, risk: dict, now) -> None:
        """What add_action(), accept_risk() and close_risk() do to the risk row and the log."""
        for action in plan.actions:
            row = {
                "id": self.action_id, "risk_id": risk["id"], "title": action.title.strip(), "owner_id": action.owner_id,
                "due_on": action.due_on, "status": action.status, "progress_note": action.progress_note.strip(),
                "created_at": now, "updated_at": now, "created_by_id": None, "updated_by_id": None, "version": 1,
            }
            self.action_id += 1
            self._add(TreatmentAction.__table__, row)
            if risk["status"] in (RiskStatus.DRAFT, RiskStatus.OPEN):
                risk["status"] = RiskStatus.IN_TREATMENT.value
                risk["version"] += 1  # a status change moves the version (app.common.models.Versioned)
            self.chain.add("create", "risk_action", row["id"],
                           # Fields left out of the row (the control) stay empty, as add_action() leaves them.
                           changes=audit.diff({}, {name: row.get(name) for name in services.ACTION_AUDIT_FIELDS}),
                           summary=f"Added treatment action to {risk['reference']}: {row['title']}",
                           actor=plan.creator)
        if plan.acceptance_expires_on is not None:
            if not scoring.out_of_tolerance(risk["residual_score"], risk["tolerance"]):
                raise RuntimeError(f"{risk['reference']} is within tolerance; it cannot be accepted")
            before, risk["status"] = risk["status"], RiskStatus.ACCEPTED.value
            risk["version"] += 1
            self._add(RiskAcceptance.__table__, {
                "risk_id": risk["id"], "accepted_by_id": plan.owner.id, "justification": plan.justification.strip(),
                "accepted_on": self.today, "expires_on": plan.acceptance_expires_on,
                "residual_score": risk["residual_score"], "tolerance": risk["tolerance"], "ended_at": None,
                "end_reason": None, "created_at": now, "updated_at": now, "created_by_id": None, "updated_by_id": None,
            })
            self.chain.add("accept", "risk", risk["id"],
                           changes={"status": [before, risk["status"]],
                                    "acceptance_expires_on": [None, plan.acceptance_expires_on]},
                           summary=f"Accepted risk {risk['reference']} until {plan.acceptance_expires_on.isoformat()}",
                           actor=plan.owner)
        if plan.close_reason is not None:
            before, risk["status"] = risk["status"], RiskStatus.CLOSED.value
            risk["version"] += 1
            self.chain.add("close", "risk", risk["id"], changes={"status": [before, risk["status"]]},
                           summary=f"Closed risk {risk['reference']}: {plan.close_reason.strip()}", actor=plan.creator)


# --- writing through the services ----------------------------------------------------------------


def write_through_services(plans: list[RiskPlan], today: date) -> list[float]:
    """Each plan through the register's use cases; returns the milliseconds of each create_risk()."""
    samples = []
    for plan in plans:
        creator, owner = db.session.get(User, plan.creator.id), db.session.get(User, plan.owner.id)
        start = time.perf_counter()
        risk = services.create_risk(plan.risk_input(), actor=creator)
        db.session.commit()  # timed with its commit, as a form's save is
        samples.append((time.perf_counter() - start) * 1000)
        for action in plan.actions:
            services.add_action(risk, title=action.title, owner_id=action.owner_id, due_on=action.due_on,
                                actor=creator, status=action.status, progress_note=action.progress_note)
        if plan.acceptance_expires_on is not None:
            # Whoever holds the authority the risk's band needs (the demo's head of department or
            # accounting officer for High and Critical residuals), else its owner.
            holders = authority.acceptors(risk)[1]
            services.accept_risk(risk, actor=holders[0] if holders else owner, justification=plan.justification,
                                 expires_on=plan.acceptance_expires_on, today=today, expected_version=risk.version)
        if plan.close_reason is not None:
            services.close_risk(risk, expected_version=risk.version, reason=plan.close_reason, actor=creator)
        db.session.commit()
    db.session.expunge_all()
    return samples


# --- the whole register --------------------------------------------------------------------------


@dataclass
class RegisterReport:
    risks: int
    generated: int
    on_older_matrix: int
    through_services: int
    rows: dict[str, int]  # what hangs off the risks, the demo seed's included
    audit_entries: int
    seconds: float
    create_samples_ms: list[float]


def recalibrated_matrix() -> scoring.Matrix:
    """Version 2 of the 5×5 matrix: the same levels, the bands moved down (a stricter appetite)."""
    base = scoring.default_matrix(5)
    ordered = sorted(base.bands, key=lambda band: band.min_score)
    bands = tuple(replace(band, min_score=low, max_score=high)
                  for band, (low, high) in zip(ordered, RECALIBRATED_BANDS, strict=True))
    return replace(base, bands=bands)


def generate_register(total: int, through_services: int, *, seed: int = RISK_SEED) -> RegisterReport:
    """Fill the register up to `total` risks (the demo seed's count toward it); the newest
    `through_services` go through the services, the rest in bulk."""
    started = time.perf_counter()
    today = local_today()
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
    count = max(0, total - existing)
    through_services = min(through_services, count)
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    planner = RegisterPlanner(random.Random(seed), today)
    plans = [planner.plan() for _ in range(count)]
    older = int(count * OLDER_MATRIX_SHARE)
    bulk = plans[:count - through_services]

    writer = BulkRegisterWriter(today)
    version_1 = matrices.current_matrix()
    writer.write(bulk[:older], version_1.id, version_1.to_scoring())
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1))
    version_2 = matrices.save_new_version(recalibrated_matrix(), actor=admin,  # only admins edit the matrix
                                          change_note="Bands recalibrated by the risk committee")
    # save_new_version() appended to the log: the bulk chain continues after its entry.
    writer.chain = BulkAuditChain()
    writer.write(bulk[older:], version_2.id, version_2.to_scoring())
    samples = write_through_services(plans[count - through_services:], today)
    check_register(total)
    return RegisterReport(
        risks=db.session.scalar(sa.select(sa.func.count()).select_from(Risk)), generated=count,
        on_older_matrix=matrices.risks_to_rescore_count(), through_services=through_services,
        rows={name: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for name, model in (
            ("factors", ContributingFactor), ("rating_changes", RatingChange), ("actions", TreatmentAction),
            ("acceptances", RiskAcceptance))},
        audit_entries=db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) - audit_before,
        seconds=time.perf_counter() - started, create_samples_ms=samples,
    )


def check_register(total: int) -> None:
    """Every stored score is likelihood × impact, controls only lower a rating, an accepted risk is
    out of tolerance with a current acceptance, and every risk's creation is in the audit log."""
    risk = Risk.__table__.c
    broken = [sa.and_(getattr(risk, f"{kind.value}_likelihood").is_not(None),
                      getattr(risk, f"{kind.value}_score") != getattr(risk, f"{kind.value}_likelihood")
                      * getattr(risk, f"{kind.value}_impact")) for kind in RatingKind]
    broken += [sa.and_(getattr(risk, f"{kind.value}_likelihood").is_(None),
                       getattr(risk, f"{kind.value}_score").is_not(None)) for kind in RatingKind]
    broken += [risk.residual_score > risk.inherent_score, risk.target_score > risk.residual_score,
               sa.and_(risk.status == RiskStatus.ACCEPTED.value, risk.residual_score <= risk.tolerance)]
    checks = {
        "risks": (sa.select(sa.func.count()).select_from(Risk), total),
        "risks breaking a scoring rule": (sa.select(sa.func.count()).select_from(Risk).where(sa.or_(*broken)), 0),
        "accepted risks without a current acceptance": (
            sa.select(sa.func.count()).select_from(Risk).where(
                risk.status == RiskStatus.ACCEPTED.value,
                ~sa.exists().where(RiskAcceptance.risk_id == risk.id, RiskAcceptance.ended_at.is_(None))), 0),
        "risks with a creation entry in the audit log": (
            sa.select(sa.func.count(sa.distinct(AuditEntry.entity_id)))
            .where(AuditEntry.entity_type == "risk", AuditEntry.action == "create"), total),
    }
    for name, (statement, expected) in checks.items():
        found = db.session.scalar(statement)
        if found != expected:
            raise RuntimeError(f"Generated register: {found} {name}, expected {expected}")
