"""Use cases of the supplier register: adding and editing a supplier (with the CMDB items it touches
and the risks it bears on), recording a security assessment with its evidence file, recording a
review, and who may do which. Services flush and record their audit entries; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.assets.models import Asset
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Role, User
from app.auth.permissions import SUPPLIER_ASSESS, SUPPLIER_EDIT, SUPPLIER_VIEW, role_has, user_can
from app.common import uploads
from app.common.models import RuleError
from app.common.timeutil import local_today
from app.common.transactions import unique_or_refused
from app.extensions import db
from app.risks.models import Risk
from app.suppliers.models import (
    AssessmentResult,
    Criticality,
    SecurityClause,
    Supplier,
    SupplierAssessment,
    SupplierStatus,
)

AUDITED_FIELDS = ["name", "services", "information", "contact", "status", "criticality", "owner_id", "is_operator",
                  "operator_contract_on", "operator_contract_reference", "contract_reference", "contract_start",
                  "contract_end", "security_clauses", "is_cloud", "hosting_region", "exit_plan", "last_assessed_on",
                  "last_assessment_result", "assessment_due_on", "review_on", "notes"]
ASSESSMENT_AUDITED_FIELDS = ["assessed_on", "assessor_id", "result", "summary", "file_sha256", "file_name"]
MAX_LINKED_ITEMS = 200  # CMDB items on one supplier's record: more is a list to import, not to type


class SupplierRuleError(RuleError):
    pass


@dataclass
class SupplierInput:
    name: str
    services: str = ""
    information: str = ""
    contact: str = ""
    status: str = SupplierStatus.ACTIVE.value
    criticality: str = Criticality.MEDIUM.value
    owner_id: int | None = None
    is_operator: bool = False
    operator_contract_on: date | None = None
    operator_contract_reference: str = ""
    contract_reference: str = ""
    contract_start: date | None = None
    contract_end: date | None = None
    security_clauses: list[str] = field(default_factory=list)
    is_cloud: bool = False
    hosting_region: str = ""
    exit_plan: str = ""
    assessment_due_on: date | None = None
    review_on: date | None = None
    notes: str = ""
    asset_tags: list[str] = field(default_factory=list)  # the CMDB items (applications too) it touches
    risk_ids: list[int] = field(default_factory=list)


# --- who may do what ------------------------------------------------------------------------------


def may_edit(user: User) -> bool:
    """Security officers and administrators keep the register; everyone else who reads it, reads."""
    return user_can(user, SUPPLIER_EDIT)


def may_assess(user: User, supplier: Supplier) -> bool:
    """The register's editors, and the supplier's own owner, record its assessments and reviews."""
    return may_edit(user) or (user_can(user, SUPPLIER_ASSESS) and supplier.owner_id is not None
                              and supplier.owner_id == user.id)


def get_supplier_or_403(user: User, supplier_id: int, need: str) -> Supplier:
    """The supplier for a user who holds `need` (the route's permission) on it: every reader reads every
    supplier; supplier.assess is for the editors on any, and for its owner on their own. 404 when missing."""
    if need not in (SUPPLIER_VIEW, SUPPLIER_EDIT, SUPPLIER_ASSESS):
        raise KeyError(f"No per-supplier rule for {need!r}.")
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    allowed = {SUPPLIER_VIEW: lambda: user_can(user, SUPPLIER_VIEW), SUPPLIER_EDIT: lambda: may_edit(user),
               SUPPLIER_ASSESS: lambda: may_assess(user, supplier)}[need]()
    if not allowed:
        abort(403)
    return supplier


def assessment_of(supplier: Supplier, assessment_id: int) -> SupplierAssessment:
    """An assessment of this supplier; another supplier's is as good as missing (404)."""
    assessment = db.session.get(SupplierAssessment, assessment_id)
    if assessment is None or assessment.supplier_id != supplier.id:
        abort(404)
    return assessment


def possible_owners(keep_ids: tuple[int | None, ...] = ()) -> list[User]:
    """Who may own a supplier: active accounts whose role may record its assessments (not auditors,
    who write nothing). `keep_ids` keeps a current owner in the list."""
    roles = [role.value for role in Role if role_has(role, SUPPLIER_ASSESS)]
    eligible = sa.and_(User.active.is_(True), User.role.in_(roles))
    kept = [user_id for user_id in keep_ids if user_id is not None]
    clause = sa.or_(eligible, User.id.in_(kept)) if kept else eligible
    return list(db.session.scalars(sa.select(User).where(clause).order_by(sa.func.lower(User.full_name), User.id)))


# --- checking -------------------------------------------------------------------------------------


def _owner_problems(owner_id: int | None) -> list[tuple[str | None, str]]:
    if owner_id is None:
        return []
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        return [("owner_id", "Choose an active user as the owner.")]
    if not role_has(owner.role, SUPPLIER_ASSESS):
        return [("owner_id", f"{owner.full_name} cannot own a supplier: their role ({owner.role_enum.label}) cannot "
                             "record its assessments. Choose a security officer, risk owner, manager or "
                             "administrator.")]
    return []


def _linked_assets(tags: list[str]) -> tuple[list[Asset], list[tuple[str | None, str]]]:
    wanted = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    if len(wanted) > MAX_LINKED_ITEMS:
        return [], [("asset_tags", f"Link at most {MAX_LINKED_ITEMS} configuration items; link the service or "
                                   "application rather than each server.")]
    found = {asset.tag: asset for asset in db.session.scalars(sa.select(Asset).where(Asset.tag.in_(wanted)))} \
        if wanted else {}
    unknown = [tag for tag in wanted if tag not in found]
    if unknown:
        return [], [("asset_tags", "No configuration item has the tag " + ", ".join(unknown[:10])
                     + (" (and more)" if len(unknown) > 10 else "") + ": check the tags in the CMDB.")]
    return sorted(found.values(), key=lambda asset: asset.tag), []


def _linked_risks(risk_ids: list[int]) -> tuple[list[Risk], list[tuple[str | None, str]]]:
    wanted = set(risk_ids)
    chosen = list(db.session.scalars(sa.select(Risk).where(Risk.id.in_(wanted)))) if wanted else []
    if len(chosen) != len(wanted):
        return [], [("risk_ids", "Choose risks from the register: one of them was not found.")]
    return sorted(chosen, key=lambda risk: risk.reference), []


def _problems(data: SupplierInput, supplier: Supplier | None, today: date) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    name = " ".join(data.name.split())
    if not name:
        problems.append(("name", "Give the supplier's name."))
    else:
        clash = db.session.scalar(sa.select(Supplier.id).where(sa.func.lower(Supplier.name) == name.lower()))
        if clash is not None and (supplier is None or clash != supplier.id):
            problems.append(("name", f"{name} is already in the register: open its record instead."))
    if data.status not in set(SupplierStatus):
        problems.append(("status", "Choose the supplier's status."))
    if data.criticality not in set(Criticality):
        problems.append(("criticality", "Choose how critical the supplier is."))
    if data.owner_id != (supplier.owner_id if supplier else None):
        problems += _owner_problems(data.owner_id)
    unknown = [clause for clause in data.security_clauses if clause not in set(SecurityClause)]
    if unknown:
        problems.append(("security_clauses", "Tick clauses from the list only."))
    if data.contract_start and data.contract_end and data.contract_end < data.contract_start:
        problems.append(("contract_end", "The contract cannot end before it starts."))
    if not data.is_operator and (data.operator_contract_on or data.operator_contract_reference.strip()):
        problems.append(("operator_contract_on", "Only an operator (POPIA s20-21) has an operator contract: tick "
                                                 "“Operator under POPIA”, or clear its date and reference."))
    if data.operator_contract_on and data.operator_contract_on > today:
        problems.append(("operator_contract_on", "The operator contract's date cannot be in the future: record it "
                                                 "once it is signed."))
    if not data.is_cloud and (data.hosting_region.strip() or data.exit_plan.strip()):
        problems.append(("is_cloud", "A hosting region and an exit plan belong to a cloud service (A.5.23): tick "
                                     "“Cloud service”, or clear them."))
    if data.status == SupplierStatus.EXITED and supplier is None:
        problems.append(("status", "Add a supplier that delivers now or is being taken on; one that has left is "
                                   "recorded by editing its record."))
    return problems


def _apply(supplier: Supplier, data: SupplierInput, assets: list[Asset], risks: list[Risk]) -> None:
    supplier.name = " ".join(data.name.split())
    supplier.services, supplier.information = data.services.strip(), data.information.strip()
    supplier.contact, supplier.status, supplier.criticality = data.contact.strip(), data.status, data.criticality
    supplier.owner_id, supplier.is_operator = data.owner_id, data.is_operator
    supplier.operator_contract_on = data.operator_contract_on
    supplier.operator_contract_reference = data.operator_contract_reference.strip()
    supplier.contract_reference = data.contract_reference.strip()
    supplier.contract_start, supplier.contract_end = data.contract_start, data.contract_end
    supplier.security_clauses = [clause.value for clause in SecurityClause if clause.value in data.security_clauses]
    supplier.is_cloud, supplier.hosting_region = data.is_cloud, data.hosting_region.strip()
    supplier.exit_plan = data.exit_plan.strip()
    supplier.assessment_due_on, supplier.review_on = data.assessment_due_on, data.review_on
    supplier.notes = data.notes.strip()
    supplier.assets, supplier.risks = assets, risks


def _snapshot(supplier: Supplier) -> dict:
    return {**audit.snapshot(supplier, AUDITED_FIELDS), "assets": [asset.tag for asset in supplier.assets],
            "risks": [risk.reference for risk in supplier.risks]}


def _checked(data: SupplierInput, supplier: Supplier | None, today: date) -> tuple[list[Asset], list[Risk]]:
    problems = _problems(data, supplier, today)
    assets, asset_problems = _linked_assets(data.asset_tags)
    risks, risk_problems = _linked_risks(data.risk_ids)
    problems += asset_problems + risk_problems
    if problems:
        raise SupplierRuleError(problems)
    return assets, risks


# --- adding and editing ---------------------------------------------------------------------------


def create_supplier(data: SupplierInput, *, actor: User | None, today: date | None = None) -> Supplier:
    assets, risks = _checked(data, None, today or local_today())
    supplier = Supplier()
    # Another officer may have added the supplier since the check: the name's unique constraint decides.
    with unique_or_refused(lambda: SupplierRuleError(_problems(data, None, today or local_today()))):
        _apply(supplier, data, assets, risks)
        db.session.add(supplier)
        db.session.flush()
    audit.record(AuditAction.CREATE, "supplier", supplier.id, changes=audit.diff({}, _snapshot(supplier)),
                 summary=f"Added supplier {supplier.name}"[:300], actor=actor)
    return supplier


def input_of(supplier: Supplier) -> SupplierInput:
    """The record as it stands, as the input that would leave it unchanged (the edit form's start)."""
    return SupplierInput(
        name=supplier.name, services=supplier.services, information=supplier.information, contact=supplier.contact,
        status=supplier.status, criticality=supplier.criticality, owner_id=supplier.owner_id,
        is_operator=supplier.is_operator, operator_contract_on=supplier.operator_contract_on,
        operator_contract_reference=supplier.operator_contract_reference,
        contract_reference=supplier.contract_reference, contract_start=supplier.contract_start,
        contract_end=supplier.contract_end, security_clauses=list(supplier.security_clauses or []),
        is_cloud=supplier.is_cloud, hosting_region=supplier.hosting_region, exit_plan=supplier.exit_plan,
        assessment_due_on=supplier.assessment_due_on, review_on=supplier.review_on, notes=supplier.notes,
        asset_tags=[asset.tag for asset in supplier.assets], risk_ids=[risk.id for risk in supplier.risks])


def update_supplier(supplier: Supplier, data: SupplierInput, *, expected_version, actor: User,
                    today: date | None = None) -> dict:
    supplier.check_version(expected_version, "supplier")
    assets, risks = _checked(data, supplier, today or local_today())
    before, version = _snapshot(supplier), supplier.version
    # Another officer may have renamed a supplier to this name since the check: the constraint decides.
    with unique_or_refused(lambda: SupplierRuleError(_problems(data, supplier, today or local_today()))):
        _apply(supplier, data, assets, risks)
        db.session.flush()
    changes = audit.diff(before, _snapshot(supplier))
    supplier.bump_if_only_links_changed(version, changes)  # linked items and risks move no column
    if changes:
        audit.record(AuditAction.UPDATE, "supplier", supplier.id, changes=changes, actor=actor,
                     summary=f"Edited supplier {supplier.name}"[:300])
    db.session.flush()
    return changes


# --- assessments and reviews (A.5.22) -------------------------------------------------------------


@dataclass
class AssessmentInput:
    assessed_on: date | None
    result: str
    summary: str
    next_due_on: date | None = None  # when the next assessment falls due


def record_assessment(supplier: Supplier, data: AssessmentInput, *, evidence: uploads.CheckedUpload | None,
                      expected_version, actor: User, today: date | None = None) -> SupplierAssessment:
    """A security assessment with its evidence file (checked by the caller with uploads.check_evidence,
    stored here by its SHA-256). The newest assessment's date and result are the supplier's."""
    supplier.check_version(expected_version, "supplier")
    today = today or local_today()
    problems: list[tuple[str | None, str]] = []
    if data.assessed_on is None:
        problems.append(("assessed_on", "Enter the date of the assessment."))
    elif data.assessed_on > today:
        problems.append(("assessed_on", "An assessment cannot be recorded before it is made: the date is in the "
                                        "future."))
    if data.result not in set(AssessmentResult):
        problems.append(("result", "Choose the assessment's result."))
    if not data.summary.strip():
        problems.append(("summary", "Say what was assessed and what was found: the questionnaire, certificate or "
                                    "audit report, and any findings."))
    if data.next_due_on is not None and data.assessed_on is not None and data.next_due_on <= data.assessed_on:
        problems.append(("next_due_on", "The next assessment falls due after this one."))
    if problems:
        raise SupplierRuleError(problems)
    assert data.assessed_on is not None  # checked above
    assessment = SupplierAssessment(supplier_id=supplier.id, assessed_on=data.assessed_on, assessor_id=actor.id,
                                    result=data.result, summary=data.summary.strip())
    if evidence is not None:
        assessment.file_sha256, assessment.file_name = uploads.store(evidence), evidence.filename
        assessment.file_size, assessment.file_media_type = len(evidence.data), evidence.media_type
    db.session.add(assessment)
    db.session.flush()
    audit.record(AuditAction.CREATE, "supplier_assessment", assessment.id,
                 changes=audit.diff({}, audit.snapshot(assessment, ASSESSMENT_AUDITED_FIELDS)), actor=actor,
                 summary=f"Recorded a security assessment of {supplier.name} "
                         f"({AssessmentResult(data.result).label.lower()})"[:300])
    before = _snapshot(supplier)
    if supplier.last_assessed_on is None or data.assessed_on >= supplier.last_assessed_on:
        supplier.last_assessed_on, supplier.last_assessment_result = data.assessed_on, data.result
    if data.next_due_on is not None or supplier.last_assessed_on == data.assessed_on:
        supplier.assessment_due_on = data.next_due_on
    _audit_supplier(supplier, before, actor, "Assessment recorded for")
    db.session.expire(supplier, ["assessments"])
    return assessment


def record_review(supplier: Supplier, *, reviewed_on: date | None, next_review_on: date | None, note: str,
                  expected_version, actor: User, today: date | None = None) -> dict:
    """The supplier's record reviewed (its services, clauses, criticality still right), and the next
    review date set."""
    supplier.check_version(expected_version, "supplier")
    today = today or local_today()
    problems: list[tuple[str | None, str]] = []
    if reviewed_on is None:
        problems.append(("reviewed_on", "Enter the date of the review."))
    elif reviewed_on > today:
        problems.append(("reviewed_on", "A review cannot be dated in the future."))
    if next_review_on is None:
        problems.append(("next_review_on", "Set when the supplier is next reviewed."))
    elif reviewed_on is not None and next_review_on <= reviewed_on:
        problems.append(("next_review_on", "The next review falls after this one."))
    if not note.strip():
        problems.append(("note", "Say what the review found: still needed, clauses and criticality still right, "
                                 "any change."))
    if problems:
        raise SupplierRuleError(problems)
    assert reviewed_on is not None
    before = _snapshot(supplier)
    supplier.review_on = next_review_on
    changes = audit.diff(before, _snapshot(supplier))
    audit.record(AuditAction.REVIEW, "supplier", supplier.id, changes={**changes, "note": [None, note.strip()]},
                 actor=actor, summary=f"Reviewed supplier {supplier.name} on {reviewed_on.isoformat()}"[:300])
    db.session.flush()
    return changes


def _audit_supplier(supplier: Supplier, before: dict, actor: User | None, verb: str) -> dict:
    db.session.flush()
    changes = audit.diff(before, _snapshot(supplier))
    if changes:
        audit.record(AuditAction.UPDATE, "supplier", supplier.id, changes=changes, actor=actor,
                     summary=f"{verb} supplier {supplier.name}"[:300])
    db.session.flush()
    return changes


def record_download(assessment: SupplierAssessment, *, actor: User | None = None) -> None:
    audit.record(AuditAction.DOWNLOAD, "supplier_assessment", assessment.id, actor=actor,
                 summary=f"Downloaded {assessment.file_name} (SHA-256 {(assessment.file_sha256 or '')[:16]}…)"[:300])
