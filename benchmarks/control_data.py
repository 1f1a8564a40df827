"""The controls side of the benchmark: 500 internal controls, a Statement of Applicability, risks
linked to controls, 20,000 evidence items and control tests, as the catalogue's services write them.

On top of the demo seed (its 12 internal controls, its 93 SoA decisions, its 8 evidence items and
4 tests), in this order:

- internal controls up to 500, each mapped to 1–3 Annex A controls, through
  services.create_internal_control() (which also times it on a growing catalogue);
- a new decision on each of the 93 Annex A controls through soa.save_entry() (owners handed to
  the generated security officers, implementation moved on);
- about 70% of the assessed risks linked to 1–4 controls in use, in bulk with the rows
  risks.services.update_risk() writes (risk_control rows, the version moved, an audit entry);
- evidence up to 20,000 items, spread over the controls with a few popular ones, some expired, some
  links rather than files, some files in two versions: in bulk with exactly the rows add_evidence()
  and replace_evidence_file() write (evidence, evidence_control, evidence_file, audit entries hashed
  and chained), the files themselves stored for real by content (a pool of small PDFs, CSVs and
  texts); the newest through add_evidence() itself, which also times it;
- control tests of about 40% of the internal controls and some Annex A ones through
  services.record_test().

check_controls() then verifies the result in SQL and on disk. The data is the same on every run
(fixed random seed); only the dates move with today's date.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.auth.models import Department, Role, User
from app.common import uploads
from app.common.timeutil import add_months, local_today, utcnow
from app.controls import services, soa
from app.controls.demo import demo_pdf
from app.controls.models import (
    INTERNAL_CATALOGUE,
    Control,
    ControlSource,
    ControlTest,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    Frequency,
    SoaEntry,
    TestResult,
    control_mapping,
    evidence_control,
    risk_control,
)
from app.extensions import db
from app.risks.models import Risk
from benchmarks.audit_chain import BulkAuditChain

CONTROL_SEED = 27093  # the same catalogue and evidence on every run
RISK_LINK_SHARE = 0.7  # of the risks with a residual rating: those whose rating assumes controls in place
FILE_VERSION_SHARE = 0.08  # of file evidence: replaced once, so the item has two file versions
LINK_SHARE = 0.12  # of evidence: a link to where it is kept rather than an uploaded file
RETIRED_SHARE = 0.03  # of generated internal controls: retired (not in use)
TESTED_SHARE = 0.4  # of internal controls in use: tested at least once
TESTED_ANNEX_A = 25  # Annex A controls tested directly
BULK_BATCH = 2_000  # evidence items per commit
# Annex A controls (applicable ones) kept without any evidence, and with only expired evidence, so the
# coverage page's gap lists have something in them, as in a real ISMS partway to certification.
WITHOUT_EVIDENCE = 4
ONLY_EXPIRED = 6

# --- what the catalogue talks about -----------------------------------------------------------------

# (title pattern, Annex A references it implements, type, frequency). {system} is an asset of the
# register, {place} a site, {department} a department's code.
CONTROL_PATTERNS = [
    ("Quarterly access review of {system}", ["5.18", "5.15", "8.2"], "Detective", "quarterly"),
    ("Multi-factor authentication on {system}", ["8.5", "5.17"], "Preventive", "continuous"),
    ("Nightly backup of {system} with restore tests", ["8.13"], "Corrective", "daily"),
    ("Monthly patching of {system}", ["8.8", "8.19"], "Corrective", "monthly"),
    ("Log collection and review for {system}", ["8.15", "8.16"], "Detective", "weekly"),
    ("Change approval for {system}", ["8.32", "8.9"], "Preventive", "ad_hoc"),
    ("Encryption of {system} data at rest and in transit", ["8.24"], "Preventive", "continuous"),
    ("Vulnerability scanning of {system}", ["8.8", "5.7"], "Detective", "monthly"),
    ("Privileged account vault for {system}", ["8.2", "8.18"], "Preventive", "continuous"),
    ("Capacity monitoring of {system}", ["8.6"], "Detective", "continuous"),
    ("Malware protection for {system}", ["8.7", "8.1"], "Preventive", "continuous"),
    ("Network segmentation of {system}", ["8.22", "8.20", "8.21"], "Preventive", "continuous"),
    ("Supplier access agreement for {system}", ["5.19", "5.20", "5.22"], "Preventive", "annually"),
    ("Continuity plan and failover test for {system}", ["5.30", "5.29", "8.14"], "Corrective", "semi_annually"),
    ("Retention and deletion schedule for {system}", ["8.10", "5.33"], "Preventive", "annually"),
    ("POPIA processing register entry for {system}", ["5.34", "5.31"], "Preventive", "annually"),
    ("Configuration baseline for {system}", ["8.9", "8.27"], "Preventive", "quarterly"),
    ("Data leakage rules for {system}", ["8.12", "5.14"], "Detective", "continuous"),
    ("Clock synchronisation of {system}", ["8.17"], "Preventive", "continuous"),
    ("Cloud service security review of {system}", ["5.23", "5.21"], "Preventive", "annually"),
    ("Security requirements in projects changing {system}", ["5.8", "8.26", "8.30"], "Preventive", "ad_hoc"),
    ("Physical access control {place}", ["7.2", "7.1", "7.3"], "Preventive", "continuous"),
    ("CCTV monitoring {place}", ["7.4"], "Detective", "continuous"),
    ("Visitor register {place}", ["7.2"], "Detective", "daily"),
    ("Clear desk and screen checks {place}", ["7.7"], "Detective", "monthly"),
    ("Fire suppression and environmental monitoring {place}", ["7.5", "7.8"], "Preventive", "continuous"),
    ("Equipment maintenance schedule {place}", ["7.13", "7.12"], "Preventive", "quarterly"),
    ("Secure disposal of media and equipment {place}", ["7.14", "7.10"], "Preventive", "ad_hoc"),
    ("Screening of new staff in {department}", ["6.1", "6.2"], "Preventive", "ad_hoc"),
    ("Security awareness briefing in {department}", ["6.3"], "Preventive", "annually"),
    ("Disciplinary procedure for security breaches in {department}", ["6.4"], "Corrective", "ad_hoc"),
    ("Leaver checklist and return of assets in {department}", ["6.5", "5.11"], "Preventive", "ad_hoc"),
    ("Non-disclosure agreements in {department}", ["6.6"], "Preventive", "annually"),
    ("Remote working agreements in {department}", ["6.7", "7.9"], "Preventive", "annually"),
    ("Security incident reporting in {department}", ["6.8", "5.24", "5.25"], "Detective", "continuous"),
    ("Asset ownership confirmation in {department}", ["5.9", "5.10"], "Detective", "annually"),
    ("Classification and labelling review in {department}", ["5.12", "5.13"], "Preventive", "annually"),
    ("Segregation of duties matrix in {department}", ["5.3", "5.2"], "Preventive", "annually"),
    ("Policy compliance review in {department}", ["5.36", "5.35", "5.4"], "Detective", "annually"),
    ("Documented operating procedures in {department}", ["5.37"], "Preventive", "annually"),
]
SYSTEMS = [
    "the e-mail service", "the payroll system (PERSAL)", "the document management system", "the provincial network",
    "the financial system (BAS)", "the intranet", "the identity directory", "the backup environment",
    "the citizen e-services portal", "the video-conferencing service", "staff laptops", "the supply chain system",
    "the hospital information system", "the learner management system", "the traffic fines system",
    "the ERP system", "the revenue management system", "the social grant applicants' records",
    "the provincial data centre", "the examinations system", "the vehicle licensing system",
    "the spatial planning GIS", "the library management system", "the disaster management centre systems",
]
PLACES = ["at head office", "at the data centre", "at the disaster recovery site", "in regional offices",
          "in district clinics", "at the records centre", "at the call centre"]
ARTEFACTS = {
    # (artefact, file suffix): what a control of that frequency leaves behind
    "continuous": [("Monitoring dashboard export", ".csv"), ("Configuration screenshot report", ".pdf"),
                   ("Exception report", ".csv")],
    "daily": [("Daily job log", ".txt"), ("Backup job report", ".csv"), ("Visitor log extract", ".csv")],
    "weekly": [("Weekly review record", ".txt"), ("Alert triage summary", ".csv")],
    "monthly": [("Monthly compliance report", ".pdf"), ("Patch compliance report", ".csv"),
                ("Scan results summary", ".csv")],
    "quarterly": [("Quarterly review sign-off", ".pdf"), ("Review worksheet", ".csv")],
    "semi_annually": [("Test report", ".pdf"), ("Exercise minutes", ".pdf")],
    "annually": [("Annual review minutes", ".pdf"), ("Signed approval", ".pdf"), ("Completion report", ".csv")],
    "ad_hoc": [("Change record", ".pdf"), ("Signed checklist", ".pdf"), ("Case file extract", ".txt")],
}
VALIDITY_MONTHS = {"continuous": 3, "daily": 1, "weekly": 1, "monthly": 2, "quarterly": 4, "semi_annually": 7,
                   "annually": 12, "ad_hoc": 12}
DESCRIPTIONS = [
    "", "", "Signed by the control owner.", "Extract from the system of record; the full report is on the intranet.",
    "Reviewed at the ISMS forum.", "Sample selected by the internal auditor.",
]
POOL_SIZES = {".pdf": 24, ".csv": 12, ".txt": 8}  # distinct file contents stored, reused by many items
TEST_METHODS = ["Inspection of the records for the period.", "Re-performance on a sample.",
                "Observation of the control operating.", "Enquiry and inspection of the system configuration."]
FINDINGS = ["Two of 25 samples were handled late.", "The review was not signed off for one quarter.",
            "The configuration differs from the baseline on 3 hosts."]
FOLLOW_UPS = ["Control owner to correct and retest next quarter.", "ICT director to assign a deputy reviewer.",
              "Reapply the baseline and add a drift alert; retest in 60 days."]


# --- planning ----------------------------------------------------------------------------------------


def _person(user) -> SimpleNamespace:
    return SimpleNamespace(id=user.id, email=user.email, role=user.role, department_id=user.department_id)


@dataclass
class EvidencePlan:
    title: str
    description: str
    control_ids: list[int]
    evidence_date: date
    valid_until: date | None
    actor: SimpleNamespace
    filename: str | None = None  # None for a link
    content_key: tuple[str, int] | None = None  # (suffix, index in the pool)
    url: str | None = None
    replacement: tuple[str, tuple[str, int]] | None = None  # (filename, content key) of a second version


@dataclass
class ControlReport:
    internal_controls: int
    generated_controls: int
    retired_controls: int
    control_mappings: int
    soa_decisions: int
    risks_linked: int
    risk_control_links: int
    evidence: int
    evidence_through_services: int
    evidence_files: int
    evidence_links: int
    evidence_expired: int
    distinct_file_contents: int
    control_tests: int
    audit_entries: int
    seconds: dict[str, float]
    create_samples_ms: list[float] = field(default_factory=list)
    evidence_samples_ms: list[float] = field(default_factory=list)
    test_samples_ms: list[float] = field(default_factory=list)


class Catalogue:
    """What the generator needs to know about the people and controls already in the database."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.departments = dict(db.session.execute(sa.select(Department.code, Department.id)).tuples().all())
        users = [_person(u) for u in db.session.scalars(sa.select(User).where(User.active.is_(True))
                                                         .order_by(User.id))]
        self.officers = [u for u in users if u.role == Role.SECURITY_OFFICER]
        self.owners_by_department: dict[int | None, list[SimpleNamespace]] = {}
        for user in users:
            if user.role in (Role.SECURITY_OFFICER, Role.RISK_OWNER):
                self.owners_by_department.setdefault(user.department_id, []).append(user)
        self.annex_a = dict(db.session.execute(
            sa.select(Control.reference, Control.id).where(Control.source == ControlSource.ANNEX_A)).tuples().all())
        excluded = db.session.scalars(sa.select(Control.reference).join(SoaEntry, SoaEntry.control_id == Control.id)
                                      .where(SoaEntry.applicable.is_(False)))
        self.excluded = set(excluded)  # the demo's "not applicable" ones: no internal control implements them

    def owner_in(self, department_id: int | None) -> SimpleNamespace:
        return self.rng.choice(self.owners_by_department.get(department_id) or self.officers)


def _next_reference_number() -> int:
    references = db.session.scalars(sa.select(Control.reference).where(Control.catalogue == INTERNAL_CATALOGUE))
    numbers = [int(ref[3:]) for ref in references if ref.startswith("IC-") and ref[3:].isdigit()]
    return max(numbers, default=0) + 1


def plan_control(catalogue: Catalogue, reference: str) -> services.ControlInput:
    rng = catalogue.rng
    pattern, references, kind, frequency = rng.choice(CONTROL_PATTERNS)
    code = rng.choice(sorted(catalogue.departments))
    title = pattern.format(system=rng.choice(SYSTEMS), place=rng.choice(PLACES), department=code)
    if "{department}" not in pattern:
        code = "DOTP" if rng.random() < 0.6 else code  # most technical and site controls are run centrally
    department_id = catalogue.departments[code]
    wanted = references[:rng.randint(1, min(3, len(references)))]
    if len(wanted) < 3 and rng.random() < 0.2:  # now and then one more, from anywhere in Annex A
        wanted.append(rng.choice(sorted(set(catalogue.annex_a) - catalogue.excluded - set(wanted))))
    return services.ControlInput(
        reference=reference, title=title[:1].upper() + title[1:], control_type=kind, frequency=frequency,
        description=f"Operated {Frequency(frequency).label.lower()} by {code}; evidence is kept in the "
                    "ISMS evidence log.",
        owner_id=catalogue.owner_in(department_id).id, department_id=department_id,
        active=rng.random() >= RETIRED_SHARE, annex_a_ids=[catalogue.annex_a[ref] for ref in wanted],
    )


def create_controls(catalogue: Catalogue, total: int) -> tuple[int, list[float]]:
    """Internal controls up to `total` through create_internal_control(); returns how many it made and
    the milliseconds of each call (its commit included)."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Control)
                                 .where(Control.source == ControlSource.INTERNAL))
    number = _next_reference_number()
    samples = []
    for _ in range(max(0, total - existing)):
        data = plan_control(catalogue, f"IC-{number:03d}")
        actor = db.session.get(User, catalogue.rng.choice(catalogue.officers).id)
        start = time.perf_counter()
        services.create_internal_control(data, actor=actor)
        db.session.commit()
        samples.append((time.perf_counter() - start) * 1000)
        number += 1
    db.session.expunge_all()
    return len(samples), samples


def decide_soa(catalogue: Catalogue) -> int:
    """A new decision on every Annex A control through save_entry(): the same applicability and
    reasons, owners handed to the security officers, implementation moved on."""
    rng = catalogue.rng
    statuses = [s.value for s in soa.INCLUDED_STATUSES]
    decided = 0
    for row in soa.soa_rows():
        entry = row.entry
        if entry is None or not entry.applicable:
            justification = entry.justification if entry else "Not relevant to the provincial ISMS scope."
            data = soa.SoaInput(applicable=False, justification=justification,
                                owner_id=rng.choice(catalogue.officers).id)
        else:
            data = soa.SoaInput(applicable=True, justification=entry.justification,
                                reasons=[reason.value for reason in entry.reasons],
                                status=rng.choices(statuses, weights=[1, 2, 3, 14])[0],
                                owner_id=rng.choice(catalogue.officers).id)
        actor = db.session.get(User, rng.choice(catalogue.officers).id)
        soa.save_entry(row.control, data, expected_version=entry.version if entry else None, actor=actor)
        decided += 1
    db.session.commit()
    db.session.expunge_all()
    return decided


def _popularity(rng: random.Random, ids: list[int]) -> list[float]:
    """A few controls carry much of the load (MFA, backups), most carry a little."""
    return [rng.lognormvariate(0, 1) for _ in ids]


def _pick(rng: random.Random, ids: list[int], weights: list[float], count: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        candidate = rng.choices(ids, weights=weights)[0]
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def link_risks(catalogue: Catalogue) -> tuple[int, int]:
    """About RISK_LINK_SHARE of the assessed risks linked to 1–4 controls in use, with the rows
    update_risk() writes for an edit that changes only the links: the risk_control rows, the version
    moved (bump_if_only_links_changed), and an "update" entry with the controls before and after."""
    rng = catalogue.rng
    controls = db.session.execute(sa.select(Control.id, Control.reference, Control.sort_key, Control.source)
                                  .where(Control.active.is_(True)).order_by(Control.id)).all()
    by_id = {row.id: row for row in controls}
    internal = [row.id for row in controls if row.source == ControlSource.INTERNAL]
    annex = [row.id for row in controls if row.source == ControlSource.ANNEX_A]
    internal_weights, annex_weights = _popularity(rng, internal), _popularity(rng, annex)
    linked_already = sa.select(risk_control.c.risk_id)
    risks = db.session.execute(sa.select(Risk.id, Risk.reference, Risk.version)
                               .where(Risk.residual_score.is_not(None), Risk.id.not_in(linked_already))
                               .order_by(Risk.id)).all()
    chain = BulkAuditChain()
    links, updates, now = [], [], utcnow()
    for risk in risks:
        if rng.random() >= RISK_LINK_SHARE:
            continue
        count = rng.choices([1, 2, 3, 4], weights=[3, 4, 2, 1])[0]
        direct = sum(rng.random() < 0.2 for _ in range(count))  # some link an Annex A control itself
        chosen = _pick(rng, internal, internal_weights, count - direct) + _pick(rng, annex, annex_weights, direct)
        links += [{"risk_id": risk.id, "control_id": control_id} for control_id in chosen]
        updates.append({"b_id": risk.id, "b_version": risk.version + 1, "b_updated_at": now})
        references = [by_id[c].reference for c in sorted(chosen, key=lambda c: by_id[c].sort_key)]
        chain.add("update", "risk", risk.id, changes=audit.diff({"controls": []}, {"controls": references}),
                  summary=f"Edited risk {risk.reference}", actor=rng.choice(catalogue.officers))
    table = Risk.__table__
    db.session.execute(sa.insert(risk_control), links)
    db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                       .values(version=sa.bindparam("b_version"), updated_at=sa.bindparam("b_updated_at")),
                       updates, execution_options={"synchronize_session": False})
    chain.flush()
    db.session.commit()
    return len(updates), len(links)


# --- evidence ----------------------------------------------------------------------------------------


def _pool_content(suffix: str, index: int) -> bytes:
    if suffix == ".pdf":
        return demo_pdf(f"ISMS evidence sample {index + 1}", [f"Reviewed and signed, sample {index + 1}.",
                                                               "Khusela benchmark data."])
    if suffix == ".csv":
        rows = "".join(f"item {row},{(row * 37 + index) % 100},ok\n" for row in range(1, 6 + index))
        return f"item,value,result\n{rows}".encode()
    return f"Review record {index + 1}: no exceptions found; signed by the control owner.\n".encode()


class FilePool:
    """A few distinct small files, checked and stored for real (by SHA-256), reused by many items."""

    def __init__(self) -> None:
        self.checked: dict[tuple[str, int], uploads.CheckedUpload] = {}
        self.stored: dict[tuple[str, int], str] = {}

    def upload(self, key: tuple[str, int], filename: str) -> uploads.CheckedUpload:
        if key not in self.checked:
            self.checked[key] = uploads.check_upload(f"sample{key[0]}", _pool_content(*key), max_bytes=1_048_576)
        content = self.checked[key]
        return uploads.CheckedUpload(filename, content.media_type, content.data)

    def sha256(self, key: tuple[str, int]) -> str:
        if key not in self.stored:
            self.stored[key] = uploads.store(self.upload(key, "x"))
        return self.stored[key]


class EvidencePlanner:
    def __init__(self, catalogue: Catalogue, today: date):
        self.catalogue, self.rng, self.today = catalogue, catalogue.rng, today
        controls = db.session.execute(sa.select(Control.id, Control.reference, Control.source, Control.frequency,
                                                Control.department_id, Control.active).order_by(Control.id)).all()
        self.controls = {row.id: row for row in controls}
        codes = {id_: code for code, id_ in catalogue.departments.items()}
        self.department_code = {row.id: codes.get(row.department_id, "DOTP") for row in controls}
        implementers: dict[int, list[int]] = {}
        for internal_id, annex_id in db.session.execute(sa.select(control_mapping.c.internal_control_id,
                                                                  control_mapping.c.annex_a_control_id)):
            implementers.setdefault(annex_id, []).append(internal_id)
        demo_evidence = set(db.session.scalars(sa.select(evidence_control.c.control_id)))
        # Gaps on purpose: applicable Annex A controls with few implementers and no demo evidence.
        candidates = sorted((len(implementers.get(id_, [])), ref, id_) for ref, id_ in catalogue.annex_a.items()
                            if ref not in catalogue.excluded and id_ not in demo_evidence
                            and not demo_evidence & set(implementers.get(id_, [])))
        few = [id_ for count, _, id_ in candidates if count <= 2]
        self.rng.shuffle(few)
        no_evidence = few[:WITHOUT_EVIDENCE]
        stale = few[WITHOUT_EVIDENCE:WITHOUT_EVIDENCE + ONLY_EXPIRED]
        self.no_evidence = set(no_evidence) | {i for a in no_evidence for i in implementers.get(a, [])}
        self.stale = (set(stale) | {i for a in stale for i in implementers.get(a, [])}) - self.no_evidence
        eligible = [row.id for row in controls if row.active and row.id not in self.no_evidence]
        self.internal = [i for i in eligible if self.controls[i].source == ControlSource.INTERNAL]
        self.annex = [i for i in eligible if self.controls[i].source == ControlSource.ANNEX_A]
        self.internal_weights = _popularity(self.rng, self.internal)
        self.annex_weights = _popularity(self.rng, self.annex)
        self.counter = 0

    def plan(self) -> EvidencePlan:
        rng = self.rng
        self.counter += 1
        count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        direct = sum(rng.random() < 0.25 for _ in range(count))
        control_ids = (_pick(rng, self.internal, self.internal_weights, count - direct)
                       + _pick(rng, self.annex, self.annex_weights, direct))
        first = self.controls[control_ids[0]]
        frequency = first.frequency or "annually"
        artefact, suffix = rng.choice(ARTEFACTS[frequency])
        evidence_date = self.today - timedelta(days=int(rng.triangular(0, 1095, 0)))
        if rng.random() < 0.15:
            valid_until = None  # a standing document, valid until replaced
        else:
            valid_until = add_months(evidence_date, VALIDITY_MONTHS[frequency] + rng.randint(0, 2))
        if any(c in self.stale for c in control_ids):
            evidence_date = min(evidence_date, self.today - timedelta(days=400))
            valid_until = add_months(evidence_date, 6)  # long expired: nobody has provided newer evidence
        title = f"{artefact}: {first.reference}, {evidence_date.strftime('%B %Y')}"
        code = self.department_code[first.id].replace("&", "and").lower()
        slug = f"{artefact.lower().replace(' ', '-')}-{first.reference.lower()}-{evidence_date.isoformat()}"
        plan = EvidencePlan(title=title, description=rng.choice(DESCRIPTIONS), control_ids=control_ids,
                            evidence_date=evidence_date, valid_until=valid_until, actor=rng.choice(
                                self.catalogue.officers))
        if rng.random() < LINK_SHARE:
            plan.url = f"https://intranet.example.gov.za/{code}/isms/evidence/{slug}-{self.counter}"
        else:
            plan.filename = f"{slug}{suffix}"
            plan.content_key = (suffix, rng.randrange(POOL_SIZES[suffix]))
            if rng.random() < FILE_VERSION_SHARE:
                plan.replacement = (f"{slug}-corrected{suffix}", (suffix, rng.randrange(POOL_SIZES[suffix])))
        return plan


def _evidence_changes(row: dict, references: list[str], sha256: str | None) -> dict:
    """add_evidence()'s audit changes: audit.diff({}, _evidence_snapshot(evidence))."""
    snapshot = {name: row[name] for name in services.EVIDENCE_AUDIT_FIELDS}
    return audit.diff({}, {**snapshot, "controls": references, "file": sha256})


class BulkEvidenceWriter:
    """Writes planned evidence as the rows add_evidence() (and replace_evidence_file()) write."""

    def __init__(self, pool: FilePool):
        self.pool = pool
        self.evidence_id = (db.session.scalar(sa.select(sa.func.max(Evidence.id))) or 0) + 1
        self.file_id = (db.session.scalar(sa.select(sa.func.max(EvidenceFile.id))) or 0) + 1
        self.references = dict(db.session.execute(sa.select(Control.id, Control.reference)).all())
        self.chain = BulkAuditChain()
        self.rows: dict[sa.Table, list[dict]] = {}

    def write(self, plans: list[EvidencePlan]) -> None:
        for number, plan in enumerate(plans, start=1):
            self._write_one(plan)
            if number % BULK_BATCH == 0:
                self._flush()
        self._flush()

    def _flush(self) -> None:
        for table in (Evidence.__table__, evidence_control, EvidenceFile.__table__):
            rows = self.rows.pop(table, [])
            if rows:
                db.session.execute(sa.insert(table), rows)
        self.chain.flush()
        db.session.commit()

    def _file(self, evidence_id: int, filename: str, key: tuple[str, int], plan: EvidencePlan, now) -> dict:
        upload = self.pool.upload(key, filename)
        row = {"id": self.file_id, "evidence_id": evidence_id, "sha256": self.pool.sha256(key),
               "original_name": upload.filename, "size": len(upload.data), "media_type": upload.media_type,
               "uploaded_at": now, "uploaded_by_id": plan.actor.id}
        self.file_id += 1
        self.rows.setdefault(EvidenceFile.__table__, []).append(row)
        return row

    def _write_one(self, plan: EvidencePlan) -> None:
        now = utcnow()
        evidence_id = self.evidence_id
        self.evidence_id += 1
        is_link = plan.url is not None
        row = {"id": evidence_id, "title": plan.title.strip(), "description": plan.description.strip(),
               "kind": EvidenceKind.LINK.value if is_link else EvidenceKind.FILE.value,
               "url": plan.url.strip() if is_link else None, "evidence_date": plan.evidence_date,
               "valid_until": plan.valid_until, "created_at": now, "updated_at": now, "created_by_id": None,
               "updated_by_id": None, "version": 1}
        control_ids = sorted(set(plan.control_ids))  # the order _apply_evidence()'s SELECT returns them in
        self.rows.setdefault(evidence_control, []).extend(
            {"evidence_id": evidence_id, "control_id": control_id} for control_id in control_ids)
        stored = None if is_link else self._file(evidence_id, plan.filename, plan.content_key, plan, now)
        self.chain.add("create", "evidence", evidence_id,
                       changes=_evidence_changes(row, [self.references[c] for c in control_ids],
                                                 stored["sha256"] if stored else None),
                       summary=f"Added evidence “{row['title']}”"[:300], actor=plan.actor)
        if plan.replacement is not None:
            filename, key = plan.replacement
            newer = self._file(evidence_id, filename, key, plan, now)
            row["version"] += 1  # replace_evidence_file() moves the version
            self.chain.add("replace", "evidence", evidence_id,
                           changes={"file": [stored["sha256"], newer["sha256"]],
                                    "original_name": [stored["original_name"], newer["original_name"]]},
                           summary=f"New version of evidence “{row['title']}”: {newer['original_name']}"[:300],
                           actor=plan.actor)
        self.rows.setdefault(Evidence.__table__, []).append(row)


def add_through_services(plans: list[EvidencePlan], pool: FilePool) -> tuple[list[int], list[float]]:
    """Each plan through add_evidence() (and replace_evidence_file()); returns the items' ids and the
    milliseconds of each add_evidence(), its file check, store and commit included."""
    ids, samples = [], []
    for plan in plans:
        actor = db.session.get(User, plan.actor.id)
        data = services.EvidenceInput(title=plan.title, evidence_date=plan.evidence_date,
                                      description=plan.description, valid_until=plan.valid_until,
                                      control_ids=list(plan.control_ids), url=plan.url)
        content = None if plan.url else pool.upload(plan.content_key, plan.filename)
        start = time.perf_counter()
        evidence = services.add_evidence(data, actor=actor, filename=plan.filename,
                                         content=content.data if content else None)
        db.session.commit()
        samples.append((time.perf_counter() - start) * 1000)
        ids.append(evidence.id)
        if plan.replacement is not None:
            filename, key = plan.replacement
            services.replace_evidence_file(evidence, filename=filename, content=pool.upload(key, filename).data,
                                           expected_version=evidence.version, actor=actor)
            db.session.commit()
    db.session.expunge_all()
    return ids, samples


def check_bulk_matches_services(evidence_ids: list[int]) -> None:
    """The bulk writer's audit changes, recomputed for items add_evidence() wrote, must be exactly the
    changes add_evidence() recorded: otherwise the bulk rows are not what the service writes."""
    references = dict(db.session.execute(sa.select(Control.id, Control.reference)).all())
    for evidence_id in evidence_ids:
        row = db.session.execute(sa.select(Evidence.__table__).where(Evidence.id == evidence_id)).mappings().one()
        control_ids = sorted(db.session.scalars(sa.select(evidence_control.c.control_id)
                                                .where(evidence_control.c.evidence_id == evidence_id)))
        first_file = db.session.scalar(sa.select(EvidenceFile.sha256).where(EvidenceFile.evidence_id == evidence_id)
                                       .order_by(EvidenceFile.id).limit(1))
        recorded = db.session.scalar(sa.select(AuditEntry.changes).where(
            AuditEntry.entity_type == "evidence", AuditEntry.action == "create",
            AuditEntry.entity_id == str(evidence_id)))
        expected = audit.canonical_json(_evidence_changes(dict(row), [references[c] for c in control_ids],
                                                          first_file))
        if recorded != expected:
            raise RuntimeError(f"Generated evidence: the bulk writer would record {expected} for evidence "
                               f"{evidence_id}; add_evidence() recorded {recorded}")


# --- control tests -----------------------------------------------------------------------------------


def _nonconformity_follow_up(control: Control, tester, ago: int, today: date) -> dict:
    """What the test form asks for a result that raises a nonconformity: its owner (the control's, when
    that person may own one, else the tester) and when its corrective actions are due."""
    owner = db.session.get(User, control.owner_id) if control.owner_id else None
    fit = owner is not None and owner.active and owner.role in (Role.SECURITY_OFFICER, Role.RISK_OWNER, Role.MANAGER)
    return {"nonconformity_owner_id": owner.id if fit else tester.id,
            "nonconformity_due_on": today - timedelta(days=ago) + timedelta(days=60)}


def record_tests(catalogue: Catalogue, today: date) -> list[float]:
    """Tests of about TESTED_SHARE of the internal controls in use and of some Annex A controls,
    oldest first, through record_test(); returns the milliseconds of each."""
    rng = catalogue.rng
    tested = set(db.session.scalars(sa.select(ControlTest.control_id)))
    internal = list(db.session.scalars(sa.select(Control.id).where(Control.source == ControlSource.INTERNAL,
                                                                  Control.active.is_(True)).order_by(Control.id)))
    annex = sorted(catalogue.annex_a[ref] for ref in catalogue.annex_a if ref not in catalogue.excluded)
    chosen = [c for c in internal if rng.random() < TESTED_SHARE] + rng.sample(annex, TESTED_ANNEX_A)
    samples = []
    for control_id in chosen:
        if control_id in tested:
            continue
        days = sorted(rng.sample(range(0, 730), rng.choices([1, 2, 3], weights=[5, 3, 2])[0]), reverse=True)
        control = db.session.get(Control, control_id)
        for ago in days:
            result = rng.choices([r.value for r in TestResult], weights=[7, 2, 1])[0]
            effective = result == TestResult.EFFECTIVE
            tester = rng.choice(catalogue.officers)
            data = services.ControlTestInput(
                what_is_checked=f"{control.title} operates as designed.", method=rng.choice(TEST_METHODS),
                tested_on=today - timedelta(days=ago), result=result, sample=f"{rng.randint(5, 40)} items",
                findings="" if effective else f"{rng.choice(FINDINGS)} {rng.choice(FOLLOW_UPS)}",
                tester_id=tester.id, **({} if effective else _nonconformity_follow_up(control, tester, ago, today)))
            start = time.perf_counter()
            services.record_test(control, data, actor=db.session.get(User, tester.id), today=today)
            db.session.commit()
            samples.append((time.perf_counter() - start) * 1000)
    db.session.expunge_all()
    return samples


# --- the whole controls side -------------------------------------------------------------------------


def generate_controls(internal_total: int, evidence_total: int, evidence_through_services: int, *,
                      seed: int = CONTROL_SEED) -> ControlReport:
    """Fill the catalogue up to `internal_total` internal controls and the evidence log up to
    `evidence_total` items (the demo seed's count toward both); decide the SoA, link risks, test."""
    rng = random.Random(seed)
    today = local_today()
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    seconds: dict[str, float] = {}
    catalogue = Catalogue(rng)

    step = time.perf_counter()
    generated, create_samples = create_controls(catalogue, internal_total)
    decisions = decide_soa(catalogue)
    risks_linked, links = link_risks(catalogue)
    test_samples = record_tests(catalogue, today)
    seconds["controls"] = time.perf_counter() - step

    step = time.perf_counter()
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))
    count = max(0, evidence_total - existing)
    through_services = min(evidence_through_services, count)
    planner = EvidencePlanner(catalogue, today)
    plans = [planner.plan() for _ in range(count)]
    pool = FilePool()
    BulkEvidenceWriter(pool).write(plans[:count - through_services])
    service_ids, evidence_samples = add_through_services(plans[count - through_services:], pool)
    check_bulk_matches_services(service_ids)
    seconds["evidence"] = time.perf_counter() - step

    check_controls(internal_total, evidence_total, today)
    scalar = db.session.scalar

    def count_of(model, *where) -> int:
        return scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return ControlReport(
        internal_controls=count_of(Control, Control.source == ControlSource.INTERNAL), generated_controls=generated,
        retired_controls=count_of(Control, Control.active.is_(False)),
        control_mappings=count_of(control_mapping), soa_decisions=decisions, risks_linked=risks_linked,
        risk_control_links=count_of(risk_control), evidence=count_of(Evidence),
        evidence_through_services=through_services, evidence_files=count_of(EvidenceFile),
        evidence_links=count_of(Evidence, Evidence.kind == EvidenceKind.LINK),
        evidence_expired=count_of(Evidence, Evidence.valid_until < today),
        distinct_file_contents=scalar(sa.select(sa.func.count(sa.distinct(EvidenceFile.sha256)))),
        control_tests=count_of(ControlTest),
        audit_entries=count_of(AuditEntry) - audit_before, seconds=seconds, create_samples_ms=create_samples,
        evidence_samples_ms=evidence_samples, test_samples_ms=test_samples,
    )


def check_controls(internal_total: int, evidence_total: int, today: date) -> None:
    """Every internal control implements 1–3 Annex A controls, every Annex A control is decided, every
    evidence item supports a control and has its file (on disk, the right size) or its link, and
    every control, evidence item and link change is in the audit log the way the services write it."""
    count = sa.func.count
    mapped = sa.select(control_mapping.c.internal_control_id, count().label("n")).group_by(
        control_mapping.c.internal_control_id).subquery()
    file_evidence = sa.select(EvidenceFile.evidence_id)
    checks = {
        "internal controls": (sa.select(count()).select_from(Control).where(
            Control.source == ControlSource.INTERNAL), internal_total),
        "internal controls implementing 1 to 3 Annex A controls": (
            sa.select(count()).select_from(mapped).where(mapped.c.n.between(1, 3)), internal_total),
        "Annex A controls decided in the SoA": (sa.select(count()).select_from(SoaEntry), 93),
        "evidence items": (sa.select(count()).select_from(Evidence), evidence_total),
        "evidence items supporting no control": (sa.select(count()).select_from(Evidence).where(
            ~Evidence.id.in_(sa.select(evidence_control.c.evidence_id))), 0),
        "file evidence without a file, or links with one or without an address": (
            sa.select(count()).select_from(Evidence).where(sa.or_(
                sa.and_(Evidence.kind == EvidenceKind.FILE, ~Evidence.id.in_(file_evidence)),
                sa.and_(Evidence.kind == EvidenceKind.LINK, sa.or_(Evidence.id.in_(file_evidence),
                                                                    Evidence.url.is_(None))))), 0),
        "evidence valid until before its own date": (sa.select(count()).select_from(Evidence).where(
            Evidence.valid_until < Evidence.evidence_date), 0),
        "evidence items with a creation entry in the audit log": (
            sa.select(count(sa.distinct(AuditEntry.entity_id))).where(
                AuditEntry.entity_type == "evidence", AuditEntry.action == "create"), evidence_total),
        "internal controls with a creation entry in the audit log": (
            sa.select(count(sa.distinct(AuditEntry.entity_id))).where(
                AuditEntry.entity_type == "control", AuditEntry.action == "create"), internal_total),
        "control tests in the future": (sa.select(count()).select_from(ControlTest).where(
            ControlTest.tested_on > today), 0),
    }
    for name, (statement, expected) in checks.items():
        found = db.session.scalar(statement)
        if found != expected:
            raise RuntimeError(f"Generated controls: {found} {name}, expected {expected}")
    for sha256, size in db.session.execute(sa.select(EvidenceFile.sha256, EvidenceFile.size).distinct()):
        path = uploads.stored_path(sha256)
        if not path.is_file() or path.stat().st_size != size:
            raise RuntimeError(f"Generated evidence: the stored file {sha256} is missing or has the wrong size")
    if db.session.scalar(sa.select(count()).select_from(Risk).where(
            Risk.id.in_(sa.select(risk_control.c.risk_id)), Risk.version < 2)):
        raise RuntimeError("Generated links: a risk linked to controls kept its version")
