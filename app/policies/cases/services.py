"""Use cases of policy-violation cases: who may see which case (and whether with the employee's
personal details), opening a case with its recommendation, deciding the corrective action,
evidence, warnings and their acknowledgement, closing. Each write is audited without personal
details in the audit summary (auditors read the audit log) and flushes; the caller of the unit of
work commits once."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.assets.models import Asset
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Role, User
from app.auth.permissions import CASE_VIEW, user_can
from app.common.listing import contains_text
from app.common.models import RuleError
from app.common.privacy import pseudonym
from app.common.timeutil import add_months, local_today
from app.common.uploads import CheckedUpload, store
from app.employees.models import EMPLOYED, Employee
from app.extensions import db
from app.policies.cases import fairness, timeline
from app.policies.cases import recommendation as rules
from app.policies.cases.codes import GoverningCode, code_in_force
from app.policies.cases.fairness import FairnessWarning
from app.policies.cases.models import (
    CaseAllegation,
    CaseEvidence,
    CaseFairnessOverride,
    CaseHearingNotice,
    CaseRevocation,
    CaseStatus,
    CaseTraining,
    CaseWarning,
    PolicyCase,
    SpecialCategory,
)
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType
from app.policies.models import PolicyClause, PolicyState, PolicyVersion
from app.risks.models import Risk

# Roles that see every case; a manager sees their own department's. Security officers and auditors
# see cases without the employee's personal details (POPIA: need to know).
SEES_EVERY_CASE = frozenset({Role.ADMIN, Role.SECURITY_OFFICER, Role.HR_OFFICER, Role.AUDITOR})
SEES_PERSONAL_DETAILS = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.MANAGER})
WARNING_ACTIONS = {WarningType.MANAGEMENT: Action.MANAGEMENT_WARNING, WarningType.WRITTEN: Action.WRITTEN_WARNING,
                   WarningType.FINAL_WRITTEN: Action.WRITTEN_WARNING}
CASE_AUDIT_FIELDS = ["reference", "employee_id", "department_id", "policy_version_id", "clause_id", "incident_on",
                     "reported_on", "severity", "security_risk", "risk_id", "asset_id", "code", "recommended_action",
                     "recommended_warning_type", "classification", "special_categories_json"]


class CaseRuleError(RuleError):
    pass


OVERRIDE_REASON_MIN_CHARS = 20


class FairnessError(CaseRuleError):
    """A fairness check warned and no reason to go on was given: the warnings are shown next to the
    reason field (`override_reason`)."""

    def __init__(self, warnings: list[FairnessWarning]):
        self.warnings = warnings
        super().__init__([("override_reason", f"{w.label}: {w.message}") for w in warnings] + [
            ("override_reason", f"To go on anyway, give the reason (at least {OVERRIDE_REASON_MIN_CHARS} characters); "
                                "it is kept on the case's record.")])


def go_on_or_refuse(case: PolicyCase, warnings: list[FairnessWarning], override_reason: str, *,
                    actor: User | None) -> None:
    """Refuse the step while a check warns and no reason to go on is given; keep the reason otherwise
    (a CaseFairnessOverride per check, and an audit entry naming the checks, not the reason's text)."""
    if not warnings:
        return
    reason = override_reason.strip()
    if len(reason) < OVERRIDE_REASON_MIN_CHARS:
        raise FairnessError(warnings)
    for warning in warnings:
        db.session.add(CaseFairnessOverride(case_id=case.id, check=warning.check, reason=reason,
                                            recorded_by_id=actor.id if actor else None))
    audit.record(AuditAction.OVERRIDE, "case", case.id,
                 changes={"fairness_override": [None, [w.check for w in warnings]]},
                 summary=f"Went on despite fairness checks in case {case.reference}: "
                         f"{', '.join(w.check for w in warnings)}"[:300], actor=actor)
    db.session.flush()
    db.session.expire(case, ["fairness_overrides"])


def overridden(case: PolicyCase, check: str) -> bool:
    return any(o.check == check for o in case.fairness_overrides)


# --- who sees what -------------------------------------------------------------------------------


def visibility(user: User) -> sa.ColumnElement:
    if not user_can(user, CASE_VIEW):
        return sa.false()
    if user.role in SEES_EVERY_CASE:
        return sa.true()
    if user.role == Role.MANAGER and user.department_id is not None:
        return PolicyCase.department_id == user.department_id
    return sa.false()


def visible_cases(user: User) -> sa.Select:
    """Every case page and export starts from this: only what `user` may see."""
    return sa.select(PolicyCase).where(visibility(user))


def get_case_or_403(user: User, case_id: int, need: str) -> PolicyCase:
    """The case, for a user who holds `need` (the permission the route declares) on it: 404 when there
    is no such case, 403 when it is outside the user's scope. A manager may know that other
    departments' cases exist (the references run on), so out of scope is 403, not a pretend 404."""
    case = db.session.get(PolicyCase, case_id, options=[selectinload(PolicyCase.warnings),
                                                        selectinload(PolicyCase.evidence)])
    if case is None:
        abort(404)
    if not user_can(user, need) or not _in_scope(user, case_id):
        abort(403)
    return case


def _in_scope(user: User, case_id: int) -> bool:
    """The same rule as visible_cases(): one place decides who sees which case."""
    return db.session.scalar(sa.select(PolicyCase.id).where(PolicyCase.id == case_id, visibility(user))) is not None


# The records a case page addresses by their own id; each belongs to exactly one case.
CasePart = TypeVar("CasePart", CaseEvidence, CaseWarning, CaseHearingNotice, CaseRevocation, CaseTraining,
                   CaseAllegation)


def get_case_part_or_403(user: User, case_id: int, part_type: type[CasePart], part_id: int,
                         need: str) -> tuple[PolicyCase, CasePart]:
    """The case (as get_case_or_403) and one of its records: 404 when the record is missing or belongs
    to another case, so a case in scope cannot be used to reach into one that is not."""
    case = get_case_or_403(user, case_id, need)
    part = db.session.get(part_type, part_id)
    if part is None or part.case_id != case.id:
        abort(404)
    return case, part


def sees_personal_details(user: User) -> bool:
    return user.role in SEES_PERSONAL_DETAILS


@dataclass(frozen=True)
class Person:
    """How an employee is shown to a reader: themselves, or a stable pseudonym with nothing else."""

    name: str
    number: str
    email: str
    phone: str
    redacted: bool


def person(employee: Employee, user: User) -> Person:
    if sees_personal_details(user):
        return Person(employee.full_name, employee.number, employee.email or "", employee.phone, False)
    return Person(pseudonym(employee.id), "", "", "", True)


def record_view(case: PolicyCase, *, actor: User) -> None:
    """A reader saw the employee's personal details in this case: POPIA, logged every time."""
    audit.record(AuditAction.VIEW, "case", case.id, actor=actor,
                 summary=f"Viewed case {case.reference} with personal details")
    db.session.flush()


def record_list_view(cases: list[PolicyCase], what: str, *, actor: User) -> None:
    """Names were shown in a list or export of cases: one entry naming the cases (POPIA)."""
    audit.record(AuditAction.VIEW, "case", None, actor=actor,
                 summary=f"{what} with personal details: {', '.join(c.reference for c in cases)}"[:300])


def record_evidence_download(case: PolicyCase, evidence: CaseEvidence, *, actor: User) -> None:
    audit.record(AuditAction.DOWNLOAD, "case", case.id, actor=actor,
                 summary=f"Downloaded evidence of case {case.reference} (SHA-256 {evidence.sha256[:16]}…)")


def record_document(case: PolicyCase, what: str, *, actor: User) -> None:
    """A PDF of the case was made: downloads are audited, and say whether personal details were in it."""
    detail = "with personal details" if sees_personal_details(actor) else "pseudonymised"
    audit.record(AuditAction.DOWNLOAD, "case", case.id, actor=actor,
                 summary=f"Downloaded {what} of case {case.reference} ({detail})"[:300])
    db.session.flush()


OPENS_FOR_ANYONE = frozenset({Role.ADMIN, Role.HR_OFFICER, Role.SECURITY_OFFICER})


def may_open_for(user: User, employee: Employee) -> bool:
    """A manager opens cases for their own department's staff; HR, security officers and admins for anyone."""
    if user.role == Role.MANAGER:
        return user.department_id is not None and employee.department_id == user.department_id
    return user.role in OPENS_FOR_ANYONE


EMPLOYEE_SEARCH_LIMIT = 20


def employees_to_open_for(user: User, text: str) -> list[Employee]:
    """The current employees `user` may open a case for whose name or number holds `text` (the case
    form's search): a manager finds their own department's staff only, as may_open_for() allows."""
    text = text.replace("\x00", "").strip()[:100]
    if len(text) < 2:
        return []
    if user.role == Role.MANAGER:
        if user.department_id is None:
            return []
        scope: sa.ColumnElement = Employee.department_id == user.department_id
    elif user.role in OPENS_FOR_ANYONE:
        scope = sa.true()
    else:
        return []
    statement = (sa.select(Employee).options(selectinload(Employee.department))
                 .where(scope, Employee.status.in_(sorted(EMPLOYED)),
                        sa.or_(contains_text(Employee.number, text), contains_text(Employee.full_name, text)))
                 .order_by(sa.func.lower(Employee.full_name), Employee.number).limit(EMPLOYEE_SEARCH_LIMIT))
    return list(db.session.scalars(statement))


# --- settings ------------------------------------------------------------------------------------


# The organisation's settings cases own (app.admin.settings stores them; their defaults are here).
CASE_ACTION_MATRIX = "case_action_matrix"
WARNING_VALIDITY_MONTHS = "warning_validity_months"
CASE_CLASSIFICATION = "case_classification"  # the marking a new case file gets
CASE_SETTINGS = (CASE_ACTION_MATRIX, WARNING_VALIDITY_MONTHS, CASE_CLASSIFICATION)
# Personnel and disciplinary files are commonly graded Confidential (MISS): the default marking.
DEFAULT_CASE_CLASSIFICATION = "CONFIDENTIAL"


def _setting_defaults() -> dict:
    return {CASE_ACTION_MATRIX: rules.matrix_setting(rules.DEFAULT_MATRIX),
            WARNING_VALIDITY_MONTHS: {kind.value: months for kind, months in rules.DEFAULT_VALIDITY_MONTHS.items()},
            CASE_CLASSIFICATION: DEFAULT_CASE_CLASSIFICATION}


def _setting(key: str):
    return settings.get(key, _setting_defaults()[key])


def action_matrix() -> dict[Severity, dict[SecurityRisk, Action]]:
    return rules.matrix_from_setting(_setting(CASE_ACTION_MATRIX))


def validity_setting() -> dict[WarningType, int]:
    """How many months each kind of warning counts."""
    stored = _setting(WARNING_VALIDITY_MONTHS)
    return {kind: int(stored.get(kind.value, rules.DEFAULT_VALIDITY_MONTHS[kind])) for kind in WarningType}


def validity_months(warning_type: WarningType | str) -> int:
    return validity_setting()[WarningType(warning_type)]


def classification_labels() -> list[str]:
    """The organisation's classification labels (a setting), lowest first, as markings are written."""
    return [label.strip().upper() for label in settings.get(settings.ASSET_CLASSIFICATIONS) if label.strip()]


def default_classification() -> str:
    return str(_setting(CASE_CLASSIFICATION)).strip().upper() or DEFAULT_CASE_CLASSIFICATION


def classification_choices() -> list[str]:
    """The markings a case may carry: the default for cases and those above it. Lowering a case file
    below the organisation's default for cases takes a change of that setting, not a case edit."""
    labels, default = classification_labels(), default_classification()
    return labels[labels.index(default):] if default in labels else [default, *labels]


def save_case_settings(matrix: dict[Severity, dict[SecurityRisk, Action]], validity: dict[WarningType, int],
                       others: dict, *, actor: User | None, seen: str | None = None) -> dict:
    """The corrective-actions page's settings, saved as one change: the matrix, each warning's
    validity, and `others` (the organisation's settings shown beside them). `seen`: as settings.save()."""
    return settings.save({CASE_ACTION_MATRIX: rules.matrix_setting(matrix),
                          WARNING_VALIDITY_MONTHS: {kind.value: months for kind, months in validity.items()},
                          **others}, actor=actor, defaults=_setting_defaults(), seen=seen)


# --- choices -------------------------------------------------------------------------------------


def citable_clauses() -> list[PolicyClause]:
    """Clauses of the versions in force (and of superseded versions, for an incident before the
    latest approval), policy by policy in clause order."""
    statement = (sa.select(PolicyClause).join(PolicyVersion).where(
        PolicyVersion.state.in_([PolicyState.APPROVED.value, PolicyState.SUPERSEDED.value]))
        .options(selectinload(PolicyClause.version).selectinload(PolicyVersion.policy))
        .order_by(PolicyVersion.policy_id, PolicyVersion.id.desc(), PolicyClause.position))
    return list(db.session.scalars(statement))


def _version_in_force(version: PolicyVersion, on: date) -> bool:
    """Was `version` the one in force on `on`? (approved by then, not yet superseded)."""
    if version.approved_on is None or version.approved_on > on:
        return False
    return version.superseded_on is None or version.superseded_on > on


# --- opening a case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseInput:
    employee_id: int
    clause_id: int | None
    incident_on: date | None
    description: str
    severity: str
    security_risk: str
    risk_reference: str = ""
    asset_tag: str = ""
    special_categories: tuple[str, ...] = ()  # SpecialCategory values (POPIA s26)
    reported_on: date | None = None  # when the breach was reported; None: today


def earlier_warnings(employee_id: int, *, exclude_case_id: int | None = None) -> list[rules.EarlierWarning]:
    statement = (sa.select(CaseWarning, PolicyCase.reference).join(PolicyCase)
                 .where(CaseWarning.employee_id == employee_id).order_by(CaseWarning.issued_on))
    if exclude_case_id is not None:
        statement = statement.where(CaseWarning.case_id != exclude_case_id)
    return [rules.EarlierWarning(WarningType(w.warning_type), w.issued_on, w.valid_until, reference)
            for w, reference in db.session.execute(statement)]


@dataclass(frozen=True)
class _Checked:
    clause: PolicyClause | None
    risk: Risk | None
    asset: Asset | None


def _check(data: CaseInput, today: date) -> tuple[list[tuple[str | None, str]], _Checked]:
    problems: list[tuple[str | None, str]] = []
    employee = db.session.get(Employee, data.employee_id)
    if employee is None:
        problems.append(("employee_number", "Choose the employee from the register."))
    elif employee.status not in {status.value for status in EMPLOYED}:
        problems.append(("employee_number", "This employee has left: a case is opened only for a current employee."))
    if data.incident_on is None:
        problems.append(("incident_on", "Give the date of the incident."))
    elif data.incident_on > today:
        problems.append(("incident_on", "The incident cannot be after today."))
    reported_on = data.reported_on or today
    if reported_on > today:
        problems.append(("reported_on", f"The breach cannot be reported after today ({today.isoformat()})."))
    elif data.incident_on and reported_on < data.incident_on:
        problems.append(("reported_on", f"The breach cannot be reported ({reported_on.isoformat()}) before the "
                                        f"incident ({data.incident_on.isoformat()})."))
    clause = db.session.get(PolicyClause, data.clause_id) if data.clause_id else None
    if clause is None:
        problems.append(("clause_id", "Choose the policy clause that was breached."))
    elif data.incident_on and data.incident_on <= today and not _version_in_force(clause.version, data.incident_on):
        problems.append(("clause_id", f"{clause.version} was not in force on {data.incident_on.isoformat()}: cite the "
                                      f"version in force on the day of the incident."))
    if not data.description.strip():
        problems.append(("description", "Describe what happened: when, where, what the employee did."))
    if data.severity not in {s.value for s in Severity}:
        problems.append(("severity", "Choose the severity."))
    if data.security_risk not in {r.value for r in SecurityRisk}:
        problems.append(("security_risk", "Choose the security-risk level."))
    risk = asset = None
    if data.risk_reference.strip():
        wanted = data.risk_reference.strip().upper()
        risk = db.session.scalar(sa.select(Risk).where(sa.func.upper(Risk.reference) == wanted))
        if risk is None:
            problems.append(("risk_reference", f"No risk in the register has the reference {data.risk_reference}."))
    if data.asset_tag.strip():
        asset = db.session.scalar(sa.select(Asset).where(sa.func.upper(Asset.tag) == data.asset_tag.strip().upper()))
        if asset is None:
            problems.append(("asset_tag", f"No item in the CMDB has the tag {data.asset_tag}."))
    if set(data.special_categories) - {category.value for category in SpecialCategory}:
        problems.append(("special_categories", "Choose from the special categories listed."))
    return problems, _Checked(clause, risk, asset)


def find_by_reference(reference: str) -> PolicyCase | None:
    return db.session.scalar(sa.select(PolicyCase).where(sa.func.upper(PolicyCase.reference) == reference.upper()))


def _next_reference(year: int) -> str:
    prefix = f"CASE-{year}-"
    last = db.session.scalar(sa.select(sa.func.max(PolicyCase.reference))
                             .where(PolicyCase.reference.like(f"{prefix}%")))
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def recommendation_for(data: CaseInput) -> rules.Recommendation:
    if data.incident_on is None:  # the earlier warnings that count are those valid on the day
        raise CaseRuleError([("incident_on", "Give the date of the incident.")])
    return rules.recommend(Severity(data.severity), SecurityRisk(data.security_risk),
                           earlier_warnings(data.employee_id), on=data.incident_on, matrix=action_matrix())


def open_case(data: CaseInput, *, actor: User | None, today: date | None = None, evidence: CheckedUpload | None = None,
              evidence_description: str = "", reference: str | None = None) -> PolicyCase:
    """Open the case with its recommendation (and its first evidence file, in the same transaction).
    `reference`: the organisation's own, for a case its history brings (imported); else the next CASE-year-n."""
    today = today or local_today()
    problems, checked = _check(data, today)
    if reference is not None and find_by_reference(reference) is not None:
        problems.append(("reference", f"Case {reference} is already in Khusela."))
    clause, employee = checked.clause, db.session.get(Employee, data.employee_id)
    if problems or clause is None or employee is None or data.incident_on is None:  # _check() named what is missing
        raise CaseRuleError(problems)
    advice = recommendation_for(data)
    case = PolicyCase(
        reference=reference or _next_reference(today.year), employee_id=employee.id,
        department_id=employee.department_id,
        policy_version_id=clause.version_id, clause_id=clause.id, incident_on=data.incident_on,
        reported_on=data.reported_on or today, opened_on=today,
        description=data.description.strip(), severity=data.severity, security_risk=data.security_risk,
        risk_id=checked.risk.id if checked.risk else None, asset_id=checked.asset.id if checked.asset else None,
        code=code_in_force(data.incident_on).value,
        status=CaseStatus.OPEN.value, recommended_action=advice.action.value,
        recommended_warning_type=advice.warning_type.value if advice.warning_type else None,
        recommendation_json=json.dumps(advice.reasons), classification=default_classification(),
        special_categories_json=json.dumps([c.value for c in SpecialCategory if c.value in data.special_categories]))
    db.session.add(case)
    db.session.flush()
    audit.record(AuditAction.CREATE, "case", case.id, changes=audit.diff({}, audit.snapshot(case, CASE_AUDIT_FIELDS)),
                 summary=f"Opened case {case.reference}: {clause.version.policy.code} clause {clause.reference}, "
                         f"recommended {advice.action.label.lower()}"[:300], actor=actor)
    if evidence is not None:
        add_evidence(case, evidence, evidence_description, actor=actor)
    db.session.flush()
    return case


# --- deciding ------------------------------------------------------------------------------------


def decide(case: PolicyCase, action: str, reason: str, *, expected_version, actor: User | None,
           decided_on: date | None = None, today: date | None = None) -> None:
    """The decision-maker's corrective action, on `decided_on` (None: today), after the report and
    not after a step that carries it out. Another action than the recommended one needs the reason
    on record (consistency: it is what a commissioner will ask about)."""
    today = today or local_today()
    decided_on = decided_on or today
    case.check_version(expected_version, "case")
    _require_open(case)
    if case.warnings:
        raise CaseRuleError("A warning was given in this case already: the decision stands.")
    try:
        chosen = Action(action)
    except ValueError:
        raise CaseRuleError("Choose the corrective action.", field="action") from None
    reason = reason.strip()
    problems: list[tuple[str | None, str]] = []
    if chosen != case.recommended and len(reason) < 20:
        problems.append(("reason", f"Khusela recommended {case.recommended.label.lower()}: say why "
                                   f"{chosen.label.lower()} is the right action here (at least 20 characters)."))
    if decided_on > today:
        problems.append(("decided_on", f"The decision cannot be dated after today ({today.isoformat()})."))
    elif decided_on < case.reported_on:
        problems.append(("decided_on", f"The decision ({decided_on.isoformat()}) cannot be before the breach was "
                                       f"reported ({case.reported_on.isoformat()})."))
    elif (first := _first_step_carrying_out(case)) and decided_on > first[1]:
        problems.append(("decided_on", f"{first[0]} of {first[1].isoformat()} carries out the decision: date the "
                                       "decision on or before it."))
    if problems:
        raise CaseRuleError(problems)
    before = {"decided_action": case.decided_action, "decision_reason": case.decision_reason,
              "decided_on": case.decided_on}
    case.decided_action, case.decision_reason = chosen.value, reason
    case.decided_on, case.decided_by_id = decided_on, actor.id if actor else None
    audit.record(AuditAction.DECIDE, "case", case.id,
                 changes=audit.diff(before, {"decided_action": chosen.value, "decision_reason": reason,
                                             "decided_on": decided_on}),
                 summary=f"Decided {chosen.label.lower()} in case {case.reference}"
                         f"{' (not the recommended action)' if chosen != case.recommended else ''}"[:300], actor=actor)
    db.session.flush()


def _first_step_carrying_out(case: PolicyCase) -> tuple[str, date] | None:
    """The earliest step on record that carries out the decision (a re-decision may not come after it)."""
    dated = ([("The revocation", r.starts_on) for r in case.revocations]
             + [("The training's completion", t.completed_on) for t in case.trainings if t.completed_on]
             + [("The notice of the hearing", n.issued_on) for n in case.notices])
    return min(dated, key=lambda step: step[1]) if dated else None


def _require_open(case: PolicyCase) -> None:
    if case.status_enum == CaseStatus.CLOSED:
        raise CaseRuleError(f"Case {case.reference} is closed: nothing more can be recorded in it.")


# --- evidence ------------------------------------------------------------------------------------


def add_evidence(case: PolicyCase, upload: CheckedUpload, description: str, *, actor: User | None) -> CaseEvidence:
    _require_open(case)
    evidence = CaseEvidence(description=description.strip()[:300], sha256=store(upload),
                            original_name=upload.filename, size=len(upload.data), media_type=upload.media_type,
                            uploaded_by_id=actor.id if actor else None)
    case.evidence.append(evidence)
    db.session.flush()
    audit.record(AuditAction.UPLOAD, "case", case.id,
                 changes={"evidence": [None, f"{upload.filename} ({upload.sha256})"]},
                 summary=f"Added evidence to case {case.reference} (SHA-256 {upload.sha256[:16]}…)", actor=actor)
    return evidence


# --- warnings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningInput:
    warning_type: str
    wording: str
    issued_on: date | None


def give_warning(case: PolicyCase, data: WarningInput, *, override_reason: str = "", actor: User | None,
                 today: date | None = None) -> CaseWarning:
    """A warning from management or a written (or final written) warning, as decided in the case; dated
    before the decision it carries out only with a reason on record."""
    today = today or local_today()
    _require_open(case)
    problems: list[tuple[str | None, str]] = []
    try:
        kind = WarningType(data.warning_type)
    except ValueError:
        kind = None
        problems.append(("warning_type", "Choose the kind of warning."))
    if case.decided is None:
        problems.append((None, "Decide the corrective action first: a warning follows the decision."))
    elif kind and case.decided != WARNING_ACTIONS[kind]:
        problems.append(("warning_type", f"The decision in this case is {case.decided.label.lower()}, not "
                                         f"{kind.label.lower()}."))
    if not data.wording.strip():
        problems.append(("wording", "Give the wording of the warning: what the employee did, which clause it "
                                    "breaches, and what is expected from now on."))
    if data.issued_on is None:
        problems.append(("issued_on", "Give the date the warning was given."))
    elif data.issued_on > today:
        problems.append(("issued_on", "The warning cannot be dated after today."))
    elif data.issued_on < case.incident_on:
        problems.append(("issued_on", f"The warning cannot be before the incident ({case.incident_on.isoformat()})."))
    if case.warnings:
        problems.append(("warning_type", f"This case has its {case.warnings[0].type_enum.label.lower()} already."))
    if problems or kind is None or data.issued_on is None:  # a missing kind or date is among the problems
        raise CaseRuleError(problems)
    go_on_or_refuse(case, fairness.dated_before_decision(f"The {kind.label.lower()}", data.issued_on,
                                                         case.decided_on), override_reason, actor=actor)
    warning = CaseWarning(employee_id=case.employee_id, warning_type=kind.value, wording=data.wording.strip(),
                          issued_on=data.issued_on, valid_until=add_months(data.issued_on, validity_months(kind)),
                          issued_by_id=actor.id if actor else None)
    case.warnings.append(warning)
    db.session.flush()
    audit.record(AuditAction.WARN, "case", case.id,
                 changes={"warning": [None, {"type": kind.value, "issued_on": data.issued_on,
                                             "valid_until": warning.valid_until}]},
                 summary=f"{kind.label} given in case {case.reference}, valid until "
                         f"{warning.valid_until.isoformat()}", actor=actor)
    db.session.flush()
    return warning


def record_signature(case: PolicyCase, warning_id: int, *, acknowledged_on: date | None, refused: bool,
                     witness_name: str, actor: User | None, today: date | None = None) -> CaseWarning:
    """The employee signed the warning on a date, or refused to sign in front of a witness."""
    today = today or local_today()
    _require_open(case)
    warning = next((w for w in case.warnings if w.id == warning_id), None)
    if warning is None:
        raise CaseRuleError("That warning is not part of this case.")
    if warning.acknowledged_on or warning.refused_to_sign:
        raise CaseRuleError("The employee's signature (or refusal) is on record already.")
    problems: list[tuple[str | None, str]] = []
    if refused:
        if not witness_name.strip():
            problems.append(("witness_name", "Name the witness who saw the employee refuse to sign."))
    elif acknowledged_on is None:
        problems.append(("acknowledged_on", "Give the date the employee signed, or record that they refused."))
    if acknowledged_on and acknowledged_on < warning.issued_on:
        problems.append(("acknowledged_on", f"The warning was given on {warning.issued_on.isoformat()}: it cannot "
                                            "be signed before."))
    elif acknowledged_on and acknowledged_on > today:
        problems.append(("acknowledged_on", "The date signed cannot be after today."))
    if problems:
        raise CaseRuleError(problems)
    warning.refused_to_sign = refused
    warning.witness_name = witness_name.strip() if refused else ""
    warning.acknowledged_on = None if refused else acknowledged_on
    # Not refused: the date was required above.
    what = ("refused to sign (witness on record)" if refused or acknowledged_on is None
            else f"signed on {acknowledged_on.isoformat()}")
    audit.record(AuditAction.UPDATE, "case", case.id, changes={"warning_signature": [None, what]},
                 summary=f"{warning.type_enum.label} in case {case.reference}: employee {what}", actor=actor)
    db.session.flush()
    return warning


# --- closing -------------------------------------------------------------------------------------


def _warning_recorded(case: PolicyCase) -> str | None:
    decided = case.decided
    if decided is not None and decided in WARNING_ACTIONS.values() and not case.warnings:
        return f"The decision is {decided.label.lower()}: record the warning before closing."
    return None


# What must be done before a decided case can close: each returns why not, or None. A module adding
# a step (revoking privileges, training, the disciplinary procedure) adds its own check here.
CLOSE_CHECKS: list[Callable[[PolicyCase], str | None]] = [_warning_recorded]


def close_case(case: PolicyCase, outcome: str, *, expected_version, actor: User | None,
               today: date | None = None) -> None:
    case.check_version(expected_version, "case")
    _require_open(case)
    problems: list[tuple[str | None, str]] = []
    if case.decided is None:
        problems.append((None, "Decide the corrective action before closing the case."))
    else:
        problems += [(None, message) for check in CLOSE_CHECKS if (message := check(case))]
    if not outcome.strip():
        problems.append(("outcome", "Summarise the outcome for the record."))
    if problems:
        raise CaseRuleError(problems)
    case.status, case.closed_on, case.outcome = CaseStatus.CLOSED.value, today or local_today(), outcome.strip()
    audit.record(AuditAction.CLOSE, "case", case.id,
                 changes={"status": [CaseStatus.OPEN.value, CaseStatus.CLOSED.value]},
                 summary=f"Closed case {case.reference}", actor=actor)
    db.session.flush()


# --- the code that governs each step --------------------------------------------------------------


@dataclass(frozen=True)
class CodeSummary:
    """Which code the case's steps follow: the incident's, today's, and the warning (with its reason on
    record, when given) when the case spans 4 September 2025."""

    incident: GoverningCode
    latest: GoverningCode  # the code of the latest step, or today's for an open case
    warning: FairnessWarning | None
    reason: CaseFairnessOverride | None
    agreement: str  # the organisation's own disciplinary code (governing_agreement()), shown beside the code


def governing_agreement() -> str:
    """The collective agreement or regulations that govern discipline in this organisation (a setting):
    letters and the case file cite it beside Schedule 8 or the 2025 Code."""
    return str(settings.get(settings.GOVERNING_DISCIPLINARY_CODE))


def code_summary(case: PolicyCase, *, today: date | None = None) -> CodeSummary:
    today = today or local_today()
    dated = [(event.title, event.on) for event in timeline.events(case) if event.step]
    still_open = today if case.status_enum == CaseStatus.OPEN else None
    warnings = fairness.code_transition(dated, open_on=still_open)
    latest = still_open or max(on for _, on in dated)
    reason = next((o for o in case.fairness_overrides if o.check == fairness.CODE_TRANSITION), None)
    return CodeSummary(code_in_force(case.incident_on), code_in_force(latest), warnings[0] if warnings else None,
                       reason, governing_agreement())


def record_code_transition(case: PolicyCase, reason: str, *, actor: User | None, today: date | None = None) -> None:
    """HR's reason why a case spanning Schedule 8 and the 2025 Code is fair under both (a closed case's
    too: it explains the record, it adds no step)."""
    summary = code_summary(case, today=today)
    if summary.warning is None:
        raise CaseRuleError("Every date of this case falls under one code: there is nothing to explain.")
    if summary.reason is not None:
        raise CaseRuleError("The reason for this case spanning both codes is on record already.")
    go_on_or_refuse(case, [summary.warning], reason, actor=actor)


def similar_cases(case: PolicyCase, user: User) -> list[PolicyCase]:
    """Earlier cases (by incident date) for the same clause reference of the same policy and what was
    decided in them (consistency, Schedule 8 item 3(6) / 2025 Code item 8): only those the reader may see."""
    if case.clause is None:
        return []
    statement = (visible_cases(user).join(PolicyClause, PolicyCase.clause_id == PolicyClause.id)
                 .join(PolicyVersion, PolicyClause.version_id == PolicyVersion.id)
                 .where(PolicyVersion.policy_id == case.policy_version.policy_id,
                        PolicyClause.reference == case.clause.reference, PolicyCase.id != case.id,
                        PolicyCase.incident_on <= case.incident_on)
                 .order_by(PolicyCase.incident_on.desc()).limit(20))
    return list(db.session.scalars(statement))


def warnings_lapsing(start: date, end: date) -> list[CaseWarning]:
    """Warnings whose validity ends between `start` and `end` (both included): the scheduler tells
    whoever gave them that they stop counting towards the next recommendation."""
    return list(db.session.scalars(
        sa.select(CaseWarning).options(selectinload(CaseWarning.case))
        .where(CaseWarning.valid_until.between(start, end))
        .order_by(CaseWarning.valid_until, CaseWarning.id)))
