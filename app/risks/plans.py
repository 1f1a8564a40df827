"""A risk's treatment plan and its owner's approval (ISO/IEC 27001:2022 6.1.3 f: obtain the risk
owners' approval of the information security risk treatment plan).

What the owner approves is the plan's *material* content: the treatment strategy, the target rating
(what the treatment is meant to achieve), and each treatment action's title, owner, due date and
control (6.1.3 e and 6.2: what will be done, by whom, by when), with cancelled actions named as
cancelled. An approval holds while that content is unchanged: adding or cancelling an action, or
moving its owner, due date or control, or changing the strategy or target asks the owner again.
Carrying the plan out does not: an action moving from planned to in progress to done, its progress
notes and completion date record the plan being implemented (8.3), not a different plan.

The approval is compared by fingerprint (the SHA-256 of the content) rather than reset by each
write, so no path that changes a plan (the forms, the import, a review) can forget to reset it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.extensions import db
from app.risks.models import ActionStatus, PlanApproval, Risk, RiskStatus, TreatmentStrategy
from app.risks.services import RiskRuleError


def plan_of(risk: Risk) -> dict:
    """The plan's material content, in a stable order (actions by id)."""
    actions: list[dict[str, object]] = []
    for action in sorted(risk.actions, key=lambda a: a.id):
        if action.status == ActionStatus.CANCELLED:
            actions.append({"id": action.id, "cancelled": True})
            continue
        actions.append({"id": action.id, "title": action.title, "owner_id": action.owner_id,
                        "due_on": action.due_on.isoformat() if action.due_on else None,
                        "control_id": action.control_id})
    target = None if risk.target_likelihood is None else [risk.target_likelihood, risk.target_impact]
    return {"strategy": risk.strategy, "target": target, "actions": actions}


def fingerprint(plan: dict) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def plan_fingerprint(risk: Risk) -> str:
    return fingerprint(plan_of(risk))


@dataclass(frozen=True)
class ApprovalState:
    """Where the risk's plan stands: `latest` is the owner's last approval (None: never approved);
    `current` says whether it still covers the plan as it is now."""

    latest: PlanApproval | None
    current: bool

    @property
    def changed_since(self) -> bool:
        return self.latest is not None and not self.current

    @property
    def label(self) -> str:
        if self.latest is None:
            return "Not approved by the risk owner"
        when = f"{self.latest.approved_at:%Y-%m-%d}"
        if self.current:
            return f"Approved by {self.latest.approved_by.full_name} on {when}"
        return f"Changed since {self.latest.approved_by.full_name} approved it on {when}: not approved"


def latest_approval(risk: Risk) -> PlanApproval | None:
    return db.session.scalar(sa.select(PlanApproval).where(PlanApproval.risk_id == risk.id)
                             .order_by(PlanApproval.id.desc()).limit(1))


def _state(risk: Risk, latest: PlanApproval | None) -> ApprovalState:
    return ApprovalState(latest, latest is not None and latest.fingerprint == plan_fingerprint(risk))


def approval_state(risk: Risk) -> ApprovalState:
    return _state(risk, latest_approval(risk))


def approval_states(risks: list[Risk]) -> dict[int, ApprovalState]:
    """approval_state() of many risks with one query (the treatment plan report)."""
    ids = [risk.id for risk in risks]
    latest: dict[int, PlanApproval] = {}
    if ids:
        newest = (sa.select(sa.func.max(PlanApproval.id)).where(PlanApproval.risk_id.in_(ids))
                  .group_by(PlanApproval.risk_id))
        for approval in db.session.scalars(sa.select(PlanApproval).where(PlanApproval.id.in_(newest))):
            latest[approval.risk_id] = approval
    return {risk.id: _state(risk, latest.get(risk.id)) for risk in risks}


def approval_problems(risk: Risk, actor: User) -> list[tuple[str | None, str]]:
    """Why `actor` may not approve the plan now; empty when they may (the page shows the button then)."""
    problems: list[tuple[str | None, str]] = []
    if risk.owner_id is None:
        problems.append((None, f"{risk.reference} has no risk owner: a security officer names one, who then "
                               "approves the plan."))
    elif risk.owner_id != actor.id:
        owner = risk.owner.full_name if risk.owner else "someone else"
        problems.append((None, f"Only the risk's owner, {owner}, approves its treatment plan."))
    if risk.status == RiskStatus.CLOSED:
        problems.append((None, f"{risk.reference} is closed: its plan is no longer approved."))
    if risk.strategy is None:
        problems.append((None, "The plan has no treatment strategy yet: it is chosen on the risk's edit page."))
    elif risk.strategy != TreatmentStrategy.RETAIN and not any(
            action.status != ActionStatus.CANCELLED for action in risk.actions):
        problems.append((None, "The plan has no treatment action to approve: add the actions first (only a plan "
                               "to retain the risk needs none)."))
    return problems


def approve_plan(risk: Risk, *, actor: User, seen_fingerprint: str) -> PlanApproval:
    """The owner approves the plan they read (`seen_fingerprint`, sent back by the page): refused if
    it changed meanwhile, so an approval never covers actions its owner did not see."""
    problems = approval_problems(risk, actor)
    plan = plan_of(risk)
    now = fingerprint(plan)
    if not problems and seen_fingerprint != now:
        problems.append((None, "The treatment plan changed while you were reading it. Nothing was approved: read "
                               "it again, then approve."))
    state = approval_state(risk)
    if not problems and state.current and state.latest is not None:
        problems.append((None, f"You approved this plan already, on {state.latest.approved_at:%Y-%m-%d}; it has not "
                               "changed since."))
    if problems:
        raise RiskRuleError(problems)
    approval = PlanApproval(risk_id=risk.id, approved_by_id=actor.id, fingerprint=now,
                            plan_json=json.dumps(plan, sort_keys=True))
    db.session.add(approval)
    db.session.flush()
    audit.record(AuditAction.PLAN_APPROVED, "risk", risk.id,
                 changes={"plan_approved": [state.latest.fingerprint[:12] if state.latest else None, now[:12]]},
                 summary=f"Approved the treatment plan of {risk.reference}: strategy {risk.strategy}, "
                         f"{sum(1 for a in plan['actions'] if not a.get('cancelled'))} action(s)"[:300],
                 actor=actor)
    return approval


@dataclass(frozen=True)
class PlanPanel:
    """The risk page's "Treatment plan approval" box for one reader."""

    state: ApprovalState
    fingerprint: str
    may_approve: bool  # the reader is the owner and the plan can be approved now
    problems: list[str]  # why the owner cannot approve now (shown to the owner only)


def panel(risk: Risk, reader: User) -> PlanPanel:
    state = approval_state(risk)
    problems = [message for _, message in approval_problems(risk, reader)]
    return PlanPanel(state, plan_fingerprint(risk), may_approve=not problems and not state.current,
                     problems=problems if risk.owner_id == reader.id else [])
