"""Use cases of the risk register: create and edit risks, re-score, review, accept, treat, close.

Each function enforces its rules, writes, records the audit entry and flushes; the caller of the unit
of work commits once (a view through saving(), the import, a CLI command, a job). Rating
rules come from scoring.py; every change of a rating is also kept as a RatingChange for the
risk's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from flask import abort

from app.admin import settings
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import Department, Role, User
from app.auth.permissions import (
    RISK_ACCEPT,
    RISK_APPROVE_PLAN,
    RISK_EDIT,
    RISK_REQUEST_ACCEPTANCE,
    RISK_VIEW,
    role_has,
    user_can,
)
from app.common.models import RuleError
from app.common.timeutil import add_months, local_today, utcnow
from app.controls.models import Control
from app.extensions import db
from app.risks import authority, queries, scoring
from app.risks.matrices import current_matrix
from app.risks.models import (
    EXPIRED_REASON,
    AcceptanceRequest,
    ActionStatus,
    ContributingFactor,
    FactorRating,
    RatingChange,
    RatingKind,
    RequestStatus,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskMatrix,
    RiskReview,
    RiskStatus,
    TreatmentAction,
    TreatmentStrategy,
)

RISK_AUDIT_FIELDS = [
    "title", "description", "consequences", "category_id", "subcategory_id", "department_id", "owner_id",
    "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "target_likelihood",
    "target_impact", "tolerance", "status", "strategy", "review_frequency_months", "next_review_on", "matrix_id",
]
ACTION_AUDIT_FIELDS = ["title", "owner_id", "due_on", "status", "progress_note", "control_id", "completed_on"]
# Statuses an edit may set; "accepted" and "closed" have their own steps with their own rules.
EDITABLE_STATUSES = (RiskStatus.DRAFT, RiskStatus.OPEN, RiskStatus.IN_TREATMENT)


class RiskRuleError(RuleError):
    """A rule of the risk register was broken."""


@dataclass
class RiskInput:
    title: str
    category_id: int
    inherent: scoring.Rating | None  # None until rated: the checks name it missing
    description: str = ""
    consequences: str = ""
    subcategory_id: int | None = None
    department_id: int | None = None
    owner_id: int | None = None
    residual: scoring.Rating | None = None
    target: scoring.Rating | None = None
    tolerance: int | None = None
    status: str = RiskStatus.DRAFT.value
    strategy: str | None = None
    review_frequency_months: int = 12
    next_review_on: date | None = None
    factors: list[tuple[str, str]] = field(default_factory=list)
    # The controls in place that the residual rating assumes; None leaves the links as they are.
    control_ids: list[int] | None = None
    # Confirm the ratings on the current matrix version even when they do not change: a risk scored
    # on an older version moves to the current one and takes its bands there.
    on_current_matrix: bool = False


# --- reading ---------------------------------------------------------------------------------


def get_risk(risk_id: int) -> Risk | None:
    return db.session.get(Risk, risk_id)


def find_by_reference(reference: str) -> Risk | None:
    return db.session.scalar(sa.select(Risk).where(Risk.reference == reference.strip().upper()))


def input_of(risk: Risk) -> RiskInput:
    """The risk as it stands, as the input that would leave it unchanged."""
    ratings = _ratings(risk)
    return RiskInput(
        title=risk.title, category_id=risk.category_id, inherent=ratings[RatingKind.INHERENT],
        residual=ratings[RatingKind.RESIDUAL], target=ratings[RatingKind.TARGET], description=risk.description,
        consequences=risk.consequences, subcategory_id=risk.subcategory_id, department_id=risk.department_id,
        owner_id=risk.owner_id, tolerance=risk.tolerance, status=risk.status, strategy=risk.strategy,
        review_frequency_months=risk.review_frequency_months, next_review_on=risk.next_review_on,
        factors=[(factor.description, factor.rating) for factor in risk.factors],
        control_ids=[control.id for control in risk.controls],
    )


def matrix_of(risk: Risk) -> scoring.Matrix:
    return risk.matrix.to_scoring()


def band_of(risk: Risk, kind: RatingKind) -> scoring.Band | None:
    score = getattr(risk, f"{kind.value}_score")
    return None if score is None else matrix_of(risk).band_for(score)


def can_edit(user: User, risk: Risk) -> bool:
    """Security officers and admins edit any risk; a risk owner edits the risks they own."""
    if user.role in (Role.ADMIN, Role.SECURITY_OFFICER):
        return True
    return user.role == Role.RISK_OWNER and risk.owner_id == user.id


def can_accept(user: User, risk: Risk) -> bool:
    """Whether the user holds some acceptance authority over the risk (its owner, its department's
    head, an accounting officer: app.risks.authority), so may open its acceptance page; accept_risk
    then asks for the authority its residual band needs (ISO/IEC 27001 6.1.3 f)."""
    return authority.has_some_authority(user, risk)


def may_own_risks(user: User) -> bool:
    """A risk owner accepts the residual risk of what they own, so only a role that may accept risks
    (permissions.RISK_ACCEPT: risk owners, administrators) may own one; an auditor, a manager or an
    HR officer may not."""
    return role_has(user.role, RISK_ACCEPT)


def possible_owners(keep_id: int | None = None) -> list[User]:
    """Whom a risk may be given to: active accounts that may own risks (may_own_risks), risk owners
    first, then by name; `keep_id` keeps the current owner listed, whatever their role now."""
    roles = [role.value for role in Role if role_has(role, RISK_ACCEPT)]
    eligible = sa.and_(User.active.is_(True), User.role.in_(roles))
    clause = eligible if keep_id is None else sa.or_(eligible, User.id == keep_id)
    users = db.session.scalars(sa.select(User).where(clause).order_by(sa.func.lower(User.full_name), User.id))
    return sorted(users, key=lambda user: user.role != Role.RISK_OWNER)


def is_owner(user: User, risk: Risk) -> bool:
    """The risk's own owner: the one person who approves its treatment plan (ISO/IEC 27001 6.1.3 f)."""
    return risk.owner_id is not None and risk.owner_id == user.id


def may_set_tolerance_and_owner(user: User) -> bool:
    """Tolerance and ownership decide whether a risk needs formal acceptance. A risk owner who could
    raise the tolerance of their own risk, or hand it to someone else, would take it off the
    out-of-tolerance list without the justification and end date an acceptance records
    (ISO/IEC 27001 6.1.3 f, 6.1.2 a): so only the security officer and administrators keep them."""
    return user.role in (Role.ADMIN, Role.SECURITY_OFFICER)


def _tolerance_and_owner_problems(risk: Risk, data: RiskInput, actor: User) -> list[tuple[str | None, str]]:
    if may_set_tolerance_and_owner(actor):
        return []
    problems: list[tuple[str | None, str]] = []
    if data.tolerance is not None and data.tolerance != risk.tolerance:
        problems.append(("tolerance", "Only a security officer or an administrator may change a risk's tolerance. "
                                      "If the risk must stay above its tolerance, accept it: the acceptance "
                                      "records why and until when."))
    if data.owner_id != risk.owner_id:
        problems.append(("owner_id", "Only a security officer or an administrator may hand a risk to another "
                                     "owner; ask them to."))
    return problems


def _may_read(user: User, risk: Risk) -> bool:
    """A manager reads their department's risks; every other role that reads the register reads
    every risk (risk owners see the others read-only). One rule: queries.register_scope()."""
    scope = queries.register_scope(user)
    return scope is None or db.session.scalar(sa.select(Risk.id).where(Risk.id == risk.id, scope)) is not None


# What each route permission asks of one risk, beyond holding the permission.
RISK_RULES = {RISK_VIEW: _may_read, RISK_EDIT: can_edit, RISK_ACCEPT: can_accept, RISK_APPROVE_PLAN: is_owner,
              RISK_REQUEST_ACCEPTANCE: _may_read}


def _risk_rule(need: str):
    if need not in RISK_RULES:
        raise KeyError(f"No per-risk rule for {need!r}: add it to RISK_RULES.")
    return RISK_RULES[need]


def may_act_on(user: User, risk: Risk, need: str) -> bool:
    """Whether `user` holds `need` (RISK_VIEW, RISK_EDIT, RISK_ACCEPT or RISK_APPROVE_PLAN) on this risk: the role has
    the permission and the per-risk rule allows it. Pages ask it to decide which buttons to show."""
    return user_can(user, need) and _risk_rule(need)(user, risk)


def get_risk_or_403(user: User, risk_id: int, need: str) -> Risk:
    """The risk, for a user who holds `need` (the permission the route declares) on it (may_act_on):
    404 when there is none, 403 when the user may not (a risk owner sees every risk, so knows it
    exists, but edits and accepts only their own)."""
    _risk_rule(need)  # an unknown need is a programming error, even for an id that does not exist
    risk = get_risk(risk_id)
    if risk is None:
        abort(404)
    if not may_act_on(user, risk, need):
        abort(403)
    return risk


def get_action_or_403(user: User, risk_id: int, action_id: int, need: str) -> TreatmentAction:
    """A treatment action of the risk, for a user who holds `need` on that risk (get_risk_or_403):
    404 when the action is missing or belongs to another risk, so a risk in scope cannot be used to
    reach the actions of one that is not."""
    risk = get_risk_or_403(user, risk_id, need)
    action = db.session.get(TreatmentAction, action_id)
    if action is None or action.risk_id != risk.id:
        abort(404)
    return action


# --- validation --------------------------------------------------------------------------------


def _ratings(risk: Risk) -> dict[RatingKind, scoring.Rating | None]:
    def pair(kind: RatingKind) -> scoring.Rating | None:
        likelihood = getattr(risk, f"{kind.value}_likelihood")
        impact = getattr(risk, f"{kind.value}_impact")
        return None if likelihood is None else scoring.Rating(likelihood, impact)

    return {kind: pair(kind) for kind in RatingKind}


def _check_references(data: RiskInput, current_status: str | None = None,
                      current_control_ids: frozenset[int] = frozenset(),
                      current_owner_id: int | None = None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not data.title or not data.title.strip():
        problems.append(("title", "Give the risk a title."))
    if data.inherent is None:
        problems.append(("inherent_likelihood", "Rate the inherent likelihood and impact: every risk needs them."))
    category = db.session.get(RiskCategory, data.category_id) if data.category_id else None
    if category is None or category.parent_id is not None or not category.active:
        problems.append(("category_id", "Choose one of the active categories."))
    if data.subcategory_id is not None:
        subcategory = db.session.get(RiskCategory, data.subcategory_id)
        if subcategory is None or subcategory.parent_id != data.category_id:
            problems.append(("subcategory_id", "Choose a subcategory of the chosen category, or none."))
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        problems.append(("department_id", "Choose a department from the list."))
    if data.owner_id is not None and data.owner_id != current_owner_id:
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The risk owner must be an active user."))
        elif not may_own_risks(owner):
            problems.append(("owner_id", f"{owner.full_name}'s role ({owner.role_enum.label}) cannot accept risks, so "
                                         "cannot own one: choose a risk owner or an administrator."))
    if data.status != current_status and data.status not in {status.value for status in EDITABLE_STATUSES}:
        problems.append(("status", "A risk is accepted or closed with its own step, not by editing it."))
    if data.strategy is not None and data.strategy not in {s.value for s in TreatmentStrategy}:
        problems.append(("strategy", f"Unknown treatment strategy {data.strategy!r}."))
    if not 1 <= data.review_frequency_months <= 36:
        problems.append(("review_frequency_months", "Review the risk at least every 36 months (1 to 36)."))
    if data.control_ids:
        wanted = set(data.control_ids)
        usable = set(db.session.scalars(sa.select(Control.id).where(
            Control.id.in_(wanted), sa.or_(Control.active.is_(True), Control.id.in_(current_control_ids)))))
        if usable != wanted:
            problems.append(("control_ids", "Choose controls in use from the catalogue."))
    for position, (description, rating) in enumerate(data.factors, start=1):
        if not description.strip():
            problems.append(("factors", f"Contributing factor {position} has no description."))
        if rating not in {r.value for r in FactorRating}:
            problems.append(("factors", f"Contributing factor {position}: rate it H, M or L (got {rating!r})."))
    return problems


def _check_tolerance(tolerance: int, matrix: scoring.Matrix) -> list[tuple[str | None, str]]:
    highest = matrix.size * matrix.size
    if not 1 <= tolerance <= highest:
        return [("tolerance", f"The tolerance level must be a score from 1 to {highest}.")]
    return []


# --- creating and editing ----------------------------------------------------------------------


def next_reference() -> str:
    """R-0001, R-0002, ... one more than the highest in use. The longest references sort first
    (R-10000 after R-9999), so only the top few rows are read, however large the register."""
    ordered = (sa.select(Risk.reference).where(Risk.reference.like("R-%"))
               .order_by(sa.func.length(Risk.reference).desc(), Risk.reference.desc()))
    batch, offset = 100, 0
    while True:
        references = list(db.session.scalars(ordered.limit(batch).offset(offset)))
        # In this order the first all-digit one is the highest (imported ones like R-OLD-7 come earlier).
        highest = next((int(ref[2:]) for ref in references if ref[2:].isascii() and ref[2:].isdigit()), None)
        if highest is not None or len(references) < batch:
            return f"R-{(highest or 0) + 1:04d}"
        offset += batch


def _apply(risk: Risk, data: RiskInput) -> None:
    risk.title = data.title.strip()
    risk.description = (data.description or "").strip()
    risk.consequences = (data.consequences or "").strip()
    risk.category_id, risk.subcategory_id = data.category_id, data.subcategory_id
    risk.department_id, risk.owner_id = data.department_id, data.owner_id
    risk.status, risk.strategy = data.status, data.strategy
    risk.review_frequency_months = data.review_frequency_months
    risk.next_review_on = data.next_review_on


def _set_ratings(risk: Risk, ratings: dict[RatingKind, scoring.Rating | None]) -> None:
    for kind, value in ratings.items():
        setattr(risk, f"{kind.value}_likelihood", value.likelihood if value else None)
        setattr(risk, f"{kind.value}_impact", value.impact if value else None)
        setattr(risk, f"{kind.value}_score", value.score if value else None)


def _replace_factors(risk: Risk, factors: list[tuple[str, str]]) -> None:
    wanted = [(description.strip(), rating) for description, rating in factors]
    if wanted == [(factor.description, factor.rating) for factor in risk.factors]:
        return  # the same causes: saving the risk again (or importing its export) rewrites no row
    risk.factors[:] = [
        ContributingFactor(description=description.strip(), rating=rating, position=position)
        for position, (description, rating) in enumerate(factors)
    ]


def _record_rating_changes(risk: Risk, before: dict, after: dict, from_matrix_id: int | None, actor: User | None,
                           reason: str) -> None:
    for kind in RatingKind:
        old, new = before.get(kind), after[kind]
        # Unchanged ratings are recorded only when the risk moves to another matrix version.
        if (old is None and new is None) or (old == new and from_matrix_id == risk.matrix_id):
            continue
        db.session.add(RatingChange(
            risk_id=risk.id, kind=kind.value,
            from_likelihood=old.likelihood if old else None, from_impact=old.impact if old else None,
            to_likelihood=new.likelihood if new else None, to_impact=new.impact if new else None,
            from_matrix_id=from_matrix_id, matrix_id=risk.matrix_id, changed_by_id=actor.id if actor else None,
            changed_at=utcnow(), reason=reason.strip(),
        ))


def _factor_lines(risk: Risk) -> list[str]:
    return [f"{factor.rating}: {factor.description}" for factor in risk.factors]


def _snapshot(risk: Risk) -> dict:
    return {**audit.snapshot(risk, RISK_AUDIT_FIELDS), "factors": _factor_lines(risk),
            "controls": [control.reference for control in risk.controls]}


def _link_controls(risk: Risk, control_ids: list[int] | None) -> None:
    # The same controls in another order are no change (the links are loaded ordered by reference,
    # set ordered by sort key: "8.20" before "8.7", then "8.7" before "8.20").
    if control_ids is not None and set(control_ids) != {control.id for control in risk.controls}:
        risk.controls = list(db.session.scalars(sa.select(Control).where(Control.id.in_(set(control_ids)))
                                                .order_by(Control.sort_key)))


def create_risk(data: RiskInput, *, actor: User, reason: str = "Initial assessment",
                reference: str | None = None, today: date | None = None) -> Risk:
    """A new risk; `reference` is the one to give it, else the next R-number. Without a next
    review date, the first review is `today` (the organisation's) plus the review interval."""
    matrix_row = current_matrix()
    matrix = matrix_row.to_scoring()
    tolerance = data.tolerance if data.tolerance is not None else settings.get(settings.RISK_DEFAULT_TOLERANCE)
    problems = _check_references(data) + scoring.rating_problems(matrix, data.inherent, data.residual, data.target)
    problems += _check_tolerance(tolerance, matrix)
    if problems:
        raise RiskRuleError(problems)
    risk = Risk(reference=reference or next_reference(), matrix_id=matrix_row.id, tolerance=tolerance)
    _apply(risk, data)
    if risk.next_review_on is None:
        # ISO/IEC 27001 8.2: risks are assessed at planned intervals; a new risk's first review is
        # planned from its interval, so no risk starts outside the review cycle.
        risk.next_review_on = add_months(today or local_today(), data.review_frequency_months)
    ratings = {RatingKind.INHERENT: data.inherent, RatingKind.RESIDUAL: data.residual,
               RatingKind.TARGET: data.target}
    _set_ratings(risk, ratings)
    _replace_factors(risk, data.factors)
    _link_controls(risk, data.control_ids)
    db.session.add(risk)
    db.session.flush()
    _record_rating_changes(risk, {}, ratings, None, actor, reason)
    audit.record(AuditAction.CREATE, "risk", risk.id, changes=audit.diff({}, _snapshot(risk)),
                 summary=f"Created risk {risk.reference} {risk.title}"[:300], actor=actor)
    return risk


def update_risk(risk: Risk, data: RiskInput, *, expected_version, actor: User, reason: str = "") -> dict:
    """Changed ratings are scored on the current matrix (the risk moves to it and
    the timeline records why); unchanged ratings stay on the version they were scored on."""
    risk.check_version(expected_version, "risk")
    before_ratings = _ratings(risk)
    after_ratings = {RatingKind.INHERENT: data.inherent, RatingKind.RESIDUAL: data.residual,
                     RatingKind.TARGET: data.target}
    ratings_changed = before_ratings != after_ratings
    current = current_matrix()
    rescoring = ratings_changed or (data.on_current_matrix and risk.matrix_id != current.id)
    matrix_row = current if rescoring else risk.matrix
    matrix = matrix_row.to_scoring()
    tolerance = data.tolerance if data.tolerance is not None else risk.tolerance
    problems = _check_references(data, current_status=risk.status,
                                 current_control_ids=frozenset(control.id for control in risk.controls),
                                 current_owner_id=risk.owner_id)
    problems += _tolerance_and_owner_problems(risk, data, actor)
    problems += scoring.rating_problems(matrix, data.inherent, data.residual, data.target)
    problems += _check_tolerance(tolerance, matrix)
    if rescoring and not reason.strip():
        problems.append(("reason", "Say why the ratings change; the reason is kept in the risk's history."
                         if ratings_changed else
                         f"Say why these ratings hold on matrix version {current.version_number}; the reason "
                         "is kept in the risk's history."))
    if problems:
        raise RiskRuleError(problems)
    before = _snapshot(risk)
    from_matrix_id = risk.matrix_id
    if risk.status == RiskStatus.ACCEPTED and (ratings_changed or data.status != risk.status):
        # The owner accepted the risk as it was rated then; a new rating or status ends that. The
        # same ratings confirmed on a new matrix version keep the acceptance: its scores are unchanged.
        _end_acceptance(risk, "Risk re-scored" if ratings_changed else f"Status changed to {data.status}")
        if data.status == RiskStatus.ACCEPTED:
            data.status = RiskStatus.OPEN.value
    _apply(risk, data)
    risk.tolerance = tolerance
    if rescoring:
        risk.matrix_id = matrix_row.id
        _set_ratings(risk, after_ratings)
        _record_rating_changes(risk, before_ratings, after_ratings, from_matrix_id, actor, reason)
    _replace_factors(risk, data.factors)
    if not risk.out_of_tolerance:
        _end_request(risk, RequestStatus.WITHDRAWN, "No longer needed: the risk is within tolerance")
    version = risk.version
    _link_controls(risk, data.control_ids)
    db.session.flush()
    changes = audit.diff(before, _snapshot(risk))
    risk.bump_if_only_links_changed(version, changes)
    if changes:
        audit.record(AuditAction.UPDATE, "risk", risk.id, changes=changes, summary=f"Edited risk {risk.reference}",
                     actor=actor)
    return changes


def close_risk(risk: Risk, *, expected_version, reason: str, actor: User) -> None:
    risk.check_version(expected_version, "risk")
    if not reason or not reason.strip():
        raise RiskRuleError("Say why the risk is closed (for example: the system was decommissioned).", "reason")
    if risk.status == RiskStatus.CLOSED:
        raise RiskRuleError(f"{risk.reference} is already closed.")
    before = risk.status
    risk.status = RiskStatus.CLOSED.value
    _end_acceptance(risk, "Risk closed")
    _end_request(risk, RequestStatus.WITHDRAWN, "Risk closed")
    audit.record(AuditAction.CLOSE, "risk", risk.id, changes={"status": [before, risk.status]},
                 summary=f"Closed risk {risk.reference}: {reason.strip()}"[:300], actor=actor)
    db.session.flush()


# --- reviews -----------------------------------------------------------------------------------


def record_review(risk: Risk, *, reviewed_on: date, today: date, reviewer: User, notes: str, expected_version,
                  rescored: RiskInput | None = None, reason: str = "") -> RiskReview:
    """A periodic review (ISO/IEC 27001 8.2): optionally re-scores, and moves the next review date."""
    risk.check_version(expected_version, "risk")
    if reviewed_on > today:
        raise RiskRuleError("A review cannot be dated in the future.", "reviewed_on")
    if rescored is not None:
        update_risk(risk, rescored, expected_version=risk.version, actor=reviewer,
                     reason=reason or f"Review of {reviewed_on.isoformat()}")
    next_review = add_months(reviewed_on, risk.review_frequency_months)
    review = RiskReview(risk_id=risk.id, reviewed_on=reviewed_on, reviewer_id=reviewer.id, notes=notes.strip(),
                        next_review_on=next_review)
    previous = risk.next_review_on
    risk.next_review_on = next_review
    db.session.add(review)
    db.session.flush()
    audit.record(AuditAction.REVIEW, "risk", risk.id, changes={"next_review_on": [previous, next_review]},
                 summary=f"Reviewed risk {risk.reference}", actor=reviewer)
    db.session.flush()
    return review


def review_overdue(risk: Risk, today: date) -> bool:
    return (risk.next_review_on is not None and risk.next_review_on < today
            and risk.status != RiskStatus.CLOSED)


# --- acceptance --------------------------------------------------------------------------------


def current_acceptance(risk: Risk) -> RiskAcceptance | None:
    return db.session.scalar(
        sa.select(RiskAcceptance)
        .where(RiskAcceptance.risk_id == risk.id, RiskAcceptance.ended_at.is_(None))
        .order_by(RiskAcceptance.id.desc()).limit(1)
    )


def open_request(risk: Risk) -> AcceptanceRequest | None:
    """The risk's request for acceptance still waiting, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(AcceptanceRequest)
        .where(AcceptanceRequest.risk_id == risk.id, AcceptanceRequest.status == RequestStatus.OPEN.value)
        .order_by(AcceptanceRequest.id.desc()).limit(1))


def _needs_acceptance_problems(risk: Risk) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if risk.status == RiskStatus.CLOSED:
        problems.append((None, f"{risk.reference} is closed."))
    elif not risk.out_of_tolerance:
        problems.append((None, f"{risk.reference} is within tolerance (residual {risk.residual_score or 'not rated'}"
                               f" ≤ {risk.tolerance}); only a risk out of tolerance needs acceptance."))
    return problems


def accept_risk(risk: Risk, *, actor: User, justification: str, expires_on: date, today: date,
                expected_version) -> RiskAcceptance:
    """Formal acceptance of residual risk above tolerance until a date, by someone who holds the
    authority its residual band needs (app.risks.authority) and did not ask for it themselves."""
    risk.check_version(expected_version, "risk")
    problems = _needs_acceptance_problems(risk)
    if not authority.may_accept(actor, risk):
        problems.append((None, f"You may not accept {risk.reference}. {authority.who_may_accept(risk)}"))
    request = open_request(risk)
    if request is not None and request.requested_by_id == actor.id:
        problems.append((None, f"You asked for {risk.reference} to be accepted, so you may not accept it yourself: "
                               "the acceptance must come from someone else who holds the authority."))
    if not justification or not justification.strip():
        problems.append(("justification", "Give the justification for accepting this risk."))
    longest = settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS)
    latest = add_months(today, longest)
    if expires_on <= today:
        problems.append(("expires_on", "The acceptance must expire after today."))
    elif expires_on > latest:
        problems.append(("expires_on", f"An acceptance may last at most {longest} months: choose a date on or "
                                       f"before {latest.isoformat()}."))
    if problems:
        raise RiskRuleError(problems)
    _end_acceptance(risk, "Replaced by a new acceptance")
    band = authority.residual_band(risk)
    held = authority.highest_held(actor, risk)
    assert held is not None  # may_accept() above
    acceptance = RiskAcceptance(
        risk_id=risk.id, accepted_by_id=actor.id, justification=justification.strip(), accepted_on=today,
        expires_on=expires_on, residual_score=risk.residual_score, tolerance=risk.tolerance,
        residual_band=band.name if band else "", authority=held.value,
    )
    before = risk.status
    risk.status = RiskStatus.ACCEPTED.value
    db.session.add(acceptance)
    db.session.flush()
    _end_request(risk, RequestStatus.ACCEPTED, f"Accepted by {actor.full_name}", acceptance=acceptance)
    audit.record(AuditAction.ACCEPT, "risk", risk.id,
                 changes={"status": [before, risk.status], "acceptance_expires_on": [None, expires_on],
                          "acceptance_authority": [None, held.value]},
                 summary=f"Accepted risk {risk.reference} until {expires_on.isoformat()} "
                         f"({held.label.lower()})", actor=actor)
    db.session.flush()
    return acceptance


def request_acceptance(risk: Risk, *, actor: User, note: str, today: date) -> AcceptanceRequest:
    """Ask whoever holds the authority the risk's band needs to accept it (the scheduler tells them:
    app.scheduler.reminders, and their dashboard lists it). One open request per risk."""
    problems = _needs_acceptance_problems(risk)
    if not problems and risk.status == RiskStatus.ACCEPTED and current_acceptance(risk) is not None:
        acceptance = current_acceptance(risk)
        assert acceptance is not None
        problems.append((None, f"{risk.reference} is accepted until {acceptance.expires_on.isoformat()}; ask again "
                               "nearer that date, or when its ratings change."))
    existing = open_request(risk)
    if existing is not None:
        problems.append((None, f"Acceptance of {risk.reference} was already asked for on "
                               f"{existing.requested_on.isoformat()} by {existing.requested_by.full_name}; withdraw "
                               "that request first to ask again."))
    if not problems:
        _, people = authority.acceptors(risk)
        if not people:
            problems.append((None, authority.who_may_accept(risk)))
        elif [person.id for person in people] == [actor.id]:
            problems.append((None, f"You hold the authority to accept {risk.reference} yourself, and whoever asks "
                                   "may not accept: accept it on its acceptance page instead of asking."))
    if problems:
        raise RiskRuleError(problems)
    band = authority.residual_band(risk)
    request = AcceptanceRequest(
        risk_id=risk.id, requested_by_id=actor.id, requested_on=today, note=(note or "").strip(),
        residual_score=risk.residual_score, residual_band=band.name if band else "",
        authority=authority.required_authority(risk).value, status=RequestStatus.OPEN.value)
    db.session.add(request)
    db.session.flush()
    audit.record(AuditAction.REQUEST_ACCEPTANCE, "risk", risk.id,
                 changes={"acceptance_request": [None, request.id]},
                 summary=f"Asked for acceptance of risk {risk.reference} "
                         f"({request.authority_enum.label.lower()})", actor=actor)
    return request


def requested_from(user: User) -> list[AcceptanceRequest]:
    """Open requests the user is asked to answer: they are among the risk's acceptors (those
    holding the authority its band needs, authority.acceptors), oldest first."""
    if not user_can(user, RISK_ACCEPT):
        return []
    return [request for request in queries.open_acceptance_requests(user, authority.within_reach(user))
            if any(person.id == user.id for person in authority.acceptors(request.risk)[1])]


def withdraw_request(request: AcceptanceRequest, *, actor: User, reason: str) -> None:
    if request.status != RequestStatus.OPEN:
        raise RiskRuleError(f"This request is already {request.status_enum.label.lower()}.")
    if not reason or not reason.strip():
        raise RiskRuleError("Say why the request is withdrawn (for example: treatment is now funded).", "reason")
    _end_request(request.risk, RequestStatus.WITHDRAWN, reason.strip()[:200])
    audit.record(AuditAction.WITHDRAW, "risk", request.risk_id,
                 changes={"acceptance_request": [request.id, None]},
                 summary=f"Withdrew the request for acceptance of {request.risk.reference}: {reason.strip()}"[:300],
                 actor=actor)
    db.session.flush()


def _end_request(risk: Risk, status: RequestStatus, reason: str,
                 acceptance: RiskAcceptance | None = None) -> None:
    request = open_request(risk)
    if request is not None:
        request.status, request.ended_at, request.end_reason = status.value, utcnow(), reason[:200]
        request.acceptance_id = acceptance.id if acceptance else None


def _end_acceptance(risk: Risk, reason: str) -> None:
    acceptance = current_acceptance(risk)
    if acceptance is not None:
        acceptance.ended_at = utcnow()
        acceptance.end_reason = reason


def expire_acceptances(today: date) -> list[Risk]:
    """Acceptances past their date end; their risks return to "open". Run daily (and safe to repeat)."""
    due = db.session.scalars(
        sa.select(RiskAcceptance).where(RiskAcceptance.ended_at.is_(None), RiskAcceptance.expires_on < today)
    ).all()
    reopened: list[Risk] = []
    for acceptance in due:
        acceptance.ended_at = utcnow()
        acceptance.end_reason = EXPIRED_REASON
        risk = db.session.get_one(Risk, acceptance.risk_id)  # an acceptance goes with its risk (ON DELETE CASCADE)
        if risk.status == RiskStatus.ACCEPTED:
            risk.status = RiskStatus.OPEN.value
            reopened.append(risk)
            audit.record(AuditAction.ACCEPTANCE_EXPIRED, "risk", risk.id,
                         changes={"status": [RiskStatus.ACCEPTED.value, RiskStatus.OPEN.value]},
                         summary=f"Acceptance of {risk.reference} expired on {acceptance.expires_on.isoformat()}")
    db.session.flush()
    return reopened


def expire_acceptances_today() -> str:
    """The scheduler's daily job: expire_acceptances() for the organisation's today, as a summary."""
    reopened = expire_acceptances(local_today())
    listed = f": {', '.join(risk.reference for risk in reopened)}" if reopened else ""
    return f"{len(reopened)} acceptance(s) expired{listed}"


# --- treatment actions -------------------------------------------------------------------------


def _check_action(title: str, owner_id: int | None, status: str, control_id: int | None,
                  current_control_id: int | None = None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    if not title or not title.strip():
        problems.append(("title", "Give the action a title."))
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active:
            problems.append(("owner_id", "The action owner must be an active user."))
    if status not in {s.value for s in ActionStatus}:
        problems.append(("status", f"Unknown status {status!r}."))
    if control_id is not None and control_id != current_control_id:
        control = db.session.get(Control, control_id)
        if control is None or not control.active:
            problems.append(("control_id", "Choose an active control of the catalogue, or none."))
    return problems


def _stamp_completion(action: TreatmentAction, previous_status: str | None) -> None:
    """The date an action was done, kept for the treatment plan's results: set when its status
    becomes done, cleared when it is reopened (planned, in progress or cancelled)."""
    if action.status == ActionStatus.DONE and previous_status != ActionStatus.DONE:
        action.completed_on = local_today()
    elif action.status != ActionStatus.DONE:
        action.completed_on = None


def add_action(risk: Risk, *, title: str, owner_id: int | None, due_on: date | None, actor: User,
               status: str = ActionStatus.PLANNED.value, progress_note: str = "",
               control_id: int | None = None) -> TreatmentAction:
    problems = _check_action(title, owner_id, status, control_id)
    if problems:
        raise RiskRuleError(problems)
    action = TreatmentAction(risk_id=risk.id, title=title.strip(), owner_id=owner_id, due_on=due_on, status=status,
                             progress_note=(progress_note or "").strip(), control_id=control_id)
    _stamp_completion(action, None)
    db.session.add(action)
    if risk.status in (RiskStatus.DRAFT, RiskStatus.OPEN):
        risk.status = RiskStatus.IN_TREATMENT.value
    db.session.flush()
    audit.record(AuditAction.CREATE, "risk_action", action.id,
                 changes=audit.diff({}, audit.snapshot(action, ACTION_AUDIT_FIELDS)),
                 summary=f"Added treatment action to {risk.reference}: {action.title}"[:300], actor=actor)
    db.session.flush()
    return action


def update_action(action: TreatmentAction, *, expected_version, title: str, owner_id: int | None,
                  due_on: date | None, status: str, progress_note: str, control_id: int | None, actor: User) -> dict:
    action.check_version(expected_version, "treatment action")
    problems = _check_action(title, owner_id, status, control_id, current_control_id=action.control_id)
    if problems:
        raise RiskRuleError(problems)
    before = audit.snapshot(action, ACTION_AUDIT_FIELDS)
    previous_status = action.status
    action.title, action.owner_id, action.due_on = title.strip(), owner_id, due_on
    action.status, action.progress_note = status, (progress_note or "").strip()
    action.control_id = control_id
    _stamp_completion(action, previous_status)
    changes = audit.diff(before, audit.snapshot(action, ACTION_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "risk_action", action.id, changes=changes,
                     summary=f"Updated treatment action of {action.risk.reference}: {action.title}"[:300],
                     actor=actor)
    db.session.flush()
    return changes


# --- history -----------------------------------------------------------------------------------


def rating_history(risk: Risk) -> list[RatingChange]:
    return list(db.session.scalars(
        sa.select(RatingChange).where(RatingChange.risk_id == risk.id)
        .order_by(RatingChange.changed_at.desc(), RatingChange.id.desc())
    ))


def is_rebandable(risk: Risk, current: RiskMatrix) -> bool:
    """Scored on an older matrix version of the current one's size: the levels keep their meaning,
    so its ratings can be confirmed on the current version as they are (RiskInput.on_current_matrix)."""
    return risk.matrix_id != current.id and risk.matrix.size == current.size


def rebandable_risks() -> list[Risk]:
    """Risks not closed, scored on an older matrix version of the current one's size: their levels
    keep their meaning, so their ratings can be confirmed on the current version as they are."""
    current = current_matrix()
    same_scale = sa.select(RiskMatrix.id).where(RiskMatrix.size == current.size, RiskMatrix.id != current.id)
    return list(db.session.scalars(
        sa.select(Risk).where(Risk.matrix_id.in_(same_scale), Risk.status != RiskStatus.CLOSED.value)
        .order_by(Risk.reference)))


def reband_on_current_matrix(*, actor: User, reason: str) -> list[Risk]:
    """Confirm the unchanged ratings of every rebandable risk on the current matrix version: each
    moves with its rating history and its own audit entry, all in the caller's one transaction."""
    if not reason.strip():
        raise RiskRuleError("Say why the ratings hold on the new matrix version; the reason is kept in each "
                            "risk's history.", "reason")
    moved = rebandable_risks()
    for risk in moved:
        update_risk(risk, replace(input_of(risk), on_current_matrix=True), expected_version=risk.version,
                    actor=actor, reason=reason)
    return moved
