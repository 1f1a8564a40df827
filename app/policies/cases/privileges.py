"""Two steps of a case: revoking privileges for a limited period (never harming the employee's job
functions, the municipal policy) and giving them back when the period ends; and training, with its
due date, completion and evidence. Each step follows a decision for that action; each write is
audited under the case reference only (no personal details: auditors read the audit log) and
flushes (the caller commits once). The scheduler asks revocations_due() and trainings_due() whom to remind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.admin import settings
from app.assets.models import Asset, AssetKind
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.timeutil import local_today
from app.common.uploads import CheckedUpload
from app.extensions import db
from app.policies.cases import fairness, services
from app.policies.cases.models import CaseRevocation, CaseStatus, CaseTraining, PolicyCase, Resource
from app.policies.cases.recommendation import Action
from app.policies.cases.services import CaseRuleError

Problems = list[tuple[str | None, str]]


def _decided_for(case: PolicyCase, action: Action, step: str) -> Problems:
    """A step follows the decision for it: say what was decided when it is something else."""
    if case.decided is None:
        return [(None, f"Decide the corrective action first: {step} follows the decision.")]
    if case.decided != action:
        return [(None, f"The decision in this case is {case.decided.label.lower()}, not "
                       f"{action.label.lower()}: {step} does not apply.")]
    return []


def max_revocation_days() -> int:
    return int(settings.get(settings.REVOCATION_MAX_DAYS))


# --- revoking privileges -------------------------------------------------------------------------


@dataclass(frozen=True)
class RevocationInput:
    resources: list[str]
    starts_on: date | None
    ends_on: date | None
    no_harm_confirmed: bool
    no_harm_note: str
    application_tag: str = ""  # the CMDB tag of the application, when "application" is one of the resources
    other: str = ""  # what else is revoked, when "other" is one of the resources


def _check_resources(data: RevocationInput) -> tuple[Problems, Asset | None]:
    problems: Problems = []
    known = {r.value for r in Resource}
    unknown = [value for value in data.resources if value not in known]
    chosen = [value for value in data.resources if value in known]
    if unknown:
        problems.append(("resources", f"Not a resource Khusela knows: {', '.join(unknown)}. Choose from "
                                      f"{', '.join(r.label.lower() for r in Resource)}."))
    elif not chosen:
        problems.append(("resources", "Choose at least one resource to revoke."))
    application = None
    tag = data.application_tag.strip()
    if Resource.APPLICATION.value in chosen:
        if not tag:
            problems.append(("application_tag", "Give the CMDB tag of the application whose access is revoked."))
        else:
            application = db.session.scalar(sa.select(Asset).where(sa.func.upper(Asset.tag) == tag.upper()))
            if application is None:
                problems.append(("application_tag", f"No item in the CMDB has the tag {tag}."))
            elif application.kind != AssetKind.APPLICATION.value:
                problems.append(("application_tag", f"{application.tag} is a {application.kind_enum.label.lower()}, "
                                                    "not an application: give the tag of an application."))
    elif tag:
        problems.append(("application_tag", f"You gave the application {tag}: tick “An application” among the "
                                            "resources too, or clear the tag."))
    other = data.other.strip()
    if Resource.OTHER.value in chosen and not other:
        problems.append(("other", "Say what else is revoked (you ticked “Other”)."))
    elif other and Resource.OTHER.value not in chosen:
        problems.append(("other", "You described another resource: tick “Other” among the resources too, or "
                                  "clear the text."))
    return problems, application


def _check_period(case: PolicyCase, data: RevocationInput) -> Problems:
    problems: Problems = []
    if data.starts_on is None:
        problems.append(("starts_on", "Give the date the revocation starts."))
    elif data.starts_on < case.incident_on:
        problems.append(("starts_on", f"The revocation cannot start before the incident "
                                      f"({case.incident_on.isoformat()})."))
    if data.ends_on is None:
        problems.append(("ends_on", "Give the date the privileges are given back: a revocation is for a limited "
                                    "period."))
    elif data.starts_on is not None:
        days, limit = (data.ends_on - data.starts_on).days, max_revocation_days()
        if days <= 0:
            problems.append(("ends_on", f"The end ({data.ends_on.isoformat()}) must be after the start "
                                        f"({data.starts_on.isoformat()})."))
        elif days > limit:
            problems.append(("ends_on", f"{days} days is longer than allowed: a revocation lasts at most {limit} "
                                        "days (the setting under Administration → Corrective actions)."))
    return problems


def revoke_privileges(case: PolicyCase, data: RevocationInput, *, override_reason: str = "", actor: User | None,
                      today: date | None = None) -> CaseRevocation:
    """Revoke the chosen resources from `starts_on` until `ends_on`, once someone has confirmed (and
    said how) the employee can still do their job without them. The revocation carries out the
    decision: starting before it only with a reason (e.g. access cut off at once when the breach was
    found)."""
    today = today or local_today()
    services._require_open(case)
    problems = _decided_for(case, Action.REVOKE_PRIVILEGES, "revoking privileges")
    if problems:
        raise CaseRuleError(problems)
    active = next((r for r in case.revocations if r.restored_on is None), None)
    if active is not None:
        raise CaseRuleError(f"Privileges revoked in this case until {active.ends_on.isoformat()} are not restored "
                            "yet: record their restoration before revoking again.")
    resource_problems, application = _check_resources(data)
    problems = resource_problems + _check_period(case, data)
    if not data.no_harm_confirmed:
        problems.append(("no_harm_confirmed", "Confirm that the revocation does not harm the employee's job "
                                              "functions: the policy allows no revocation that does."))
    if not data.no_harm_note.strip():
        problems.append(("no_harm_note", "Say how the employee's job functions are kept (e.g. who copies files "
                                         "for them, which access stays)."))
    if problems:
        raise CaseRuleError(problems)
    if data.starts_on is None or data.ends_on is None:  # _check_period has already refused a missing date
        raise CaseRuleError("Give the dates the revocation starts and ends.")
    services.go_on_or_refuse(case, fairness.dated_before_decision("The revocation", data.starts_on, case.decided_on),
                             override_reason, actor=actor)
    resources = [r.value for r in Resource if r.value in data.resources]  # in the register's order
    revocation = CaseRevocation(
        case_id=case.id, resources_json=json.dumps(resources), asset_id=application.id if application else None,
        other_resource=data.other.strip() if Resource.OTHER.value in resources else "", starts_on=data.starts_on,
        ends_on=data.ends_on, no_harm_confirmed=True, no_harm_note=data.no_harm_note.strip())
    db.session.add(revocation)
    db.session.flush()
    db.session.expire(case, ["revocations"])
    audit.record(AuditAction.REVOKE, "case", case.id,
                 changes={"revocation": [None, {"resources": resources,
                                                "application": application.tag if application else None,
                                                "starts_on": data.starts_on, "ends_on": data.ends_on}]},
                 summary=f"Revoked privileges in case {case.reference} ({', '.join(resources)}) from "
                         f"{data.starts_on.isoformat()} until {data.ends_on.isoformat()}", actor=actor)
    db.session.flush()
    return revocation


def record_restoration(case: PolicyCase, revocation_id: int, restored_on: date | None, *, actor: User | None,
                       today: date | None = None) -> CaseRevocation:
    today = today or local_today()
    services._require_open(case)
    revocation = next((r for r in case.revocations if r.id == revocation_id), None)
    if revocation is None:
        raise CaseRuleError("That revocation is not part of this case.")
    if revocation.restored_on is not None:
        raise CaseRuleError(f"These privileges were restored on {revocation.restored_on.isoformat()} already.")
    if restored_on is None:
        raise CaseRuleError("Give the date the privileges were given back.", field="restored_on")
    if restored_on < revocation.starts_on:
        raise CaseRuleError(f"The revocation started on {revocation.starts_on.isoformat()}: privileges cannot be "
                            "restored before.", field="restored_on")
    if restored_on > today:
        raise CaseRuleError("The restoration cannot be dated after today: record it when it is done.",
                            field="restored_on")
    revocation.restored_on, revocation.restored_by_id = restored_on, actor.id if actor else None
    audit.record(AuditAction.RESTORE, "case", case.id, changes={"restored_on": [None, restored_on]},
                 summary=f"Privileges revoked in case {case.reference} restored on {restored_on.isoformat()}"
                         f"{' (after the end date)' if restored_on > revocation.ends_on else ''}", actor=actor)
    db.session.flush()
    return revocation


def restore_overdue(revocation: CaseRevocation, today: date) -> bool:
    return revocation.restored_on is None and revocation.ends_on < today


def revocations_due(on: date) -> list[CaseRevocation]:
    """Revocations not restored that end on or before `on`: whom the scheduler reminds."""
    return list(db.session.scalars(
        sa.select(CaseRevocation).join(PolicyCase, CaseRevocation.case_id == PolicyCase.id)
        .where(CaseRevocation.restored_on.is_(None), CaseRevocation.ends_on <= on,
               PolicyCase.status == CaseStatus.OPEN.value)
        .order_by(CaseRevocation.ends_on, CaseRevocation.id)))


# --- training ------------------------------------------------------------------------------------


def assign_training(case: PolicyCase, course: str, provider: str, due_on: date | None, *, actor: User | None,
                    today: date | None = None) -> CaseTraining:
    today = today or local_today()
    services._require_open(case)
    problems = _decided_for(case, Action.TRAINING, "assigning training")
    if problems:
        raise CaseRuleError(problems)
    if not course.strip():
        problems.append(("course", "Name the course the employee must attend."))
    if due_on is None:
        problems.append(("due_on", "Give the date by which the training must be completed."))
    elif due_on < max(today, case.incident_on):
        problems.append(("due_on", f"The due date ({due_on.isoformat()}) cannot be in the past: give "
                                   f"{today.isoformat()} or later."))
    if problems or due_on is None:  # a missing due date is one of the problems
        raise CaseRuleError(problems)
    training = CaseTraining(case_id=case.id, course=course.strip()[:200], provider=provider.strip()[:200],
                            due_on=due_on)
    db.session.add(training)
    db.session.flush()
    db.session.expire(case, ["trainings"])
    audit.record(AuditAction.ASSIGN, "case", case.id,
                 changes={"training": [None, {"course": training.course, "provider": training.provider,
                                              "due_on": due_on}]},
                 summary=f"Training assigned in case {case.reference}, due {due_on.isoformat()}", actor=actor)
    db.session.flush()
    return training


def record_training_completion(case: PolicyCase, training_id: int, completed_on: date | None, *,
                               evidence: CheckedUpload | None = None, evidence_description: str = "",
                               override_reason: str = "", actor: User | None,
                               today: date | None = None) -> CaseTraining:
    """The employee completed the training on a day; the attendance register or certificate may
    go with it as case evidence. Completed before the decision to train only with a reason (e.g. the
    employee took the course of their own accord)."""
    today = today or local_today()
    services._require_open(case)
    training = next((t for t in case.trainings if t.id == training_id), None)
    if training is None:
        raise CaseRuleError("That training is not part of this case.")
    if training.completed_on is not None:
        raise CaseRuleError(f"This training was completed on {training.completed_on.isoformat()} already.")
    if completed_on is None:
        raise CaseRuleError("Give the date the employee completed the training.", field="completed_on")
    if completed_on < case.incident_on:
        raise CaseRuleError(f"The incident was on {case.incident_on.isoformat()}: training for it cannot have been "
                            "completed before.", field="completed_on")
    if completed_on > today:
        raise CaseRuleError("The completion cannot be dated after today.", field="completed_on")
    # The training follows the decision to train (CaseTraining keeps no assignment date of its own).
    services.go_on_or_refuse(case, fairness.dated_before_decision("The training's completion", completed_on,
                                                                  case.decided_on), override_reason, actor=actor)
    if evidence is not None:
        stored = services.add_evidence(case, evidence, evidence_description or f"Training completed: "
                                       f"{training.course}", actor=actor)
        training.evidence_id = stored.id
    training.completed_on = completed_on
    audit.record(AuditAction.COMPLETE, "case", case.id,
                 changes={"training_completed_on": [None, completed_on],
                          **({"training_evidence": [None, evidence.sha256]} if evidence else {})},
                 summary=f"Training in case {case.reference} completed on {completed_on.isoformat()}"
                         f"{' (evidence added)' if evidence else ''}", actor=actor)
    db.session.flush()
    return training


def trainings_due(on: date) -> list[CaseTraining]:
    """Trainings not completed that are due on or before `on`, in open cases: whom the scheduler reminds
    (training_state() says the same of one training: "overdue" once the day has passed)."""
    return list(db.session.scalars(
        sa.select(CaseTraining).join(PolicyCase, CaseTraining.case_id == PolicyCase.id)
        .where(CaseTraining.completed_on.is_(None), CaseTraining.due_on <= on,
               PolicyCase.status == CaseStatus.OPEN.value)
        .order_by(CaseTraining.due_on, CaseTraining.id)))


def training_state(training: CaseTraining, today: date) -> str:
    """"completed"; "overdue" (past its day in an open case: the reminder's overdue stage); "required"
    (not yet due); "not_completed" (its case closed without it, after a new decision: nobody is reminded)."""
    if training.completed_on is not None:
        return "completed"
    if training.case.status_enum == CaseStatus.CLOSED:
        return "not_completed"
    return "overdue" if training.due_on < today else "required"


def training_overdue(training: CaseTraining, today: date) -> bool:
    return training_state(training, today) == "overdue"


def trainings_required_of(employee_id: int, viewer: User) -> list[CaseTraining]:
    """The training the cases of an employee require, for a person's training record: only the cases
    `viewer` may see, and only to a viewer who sees cases with their personal details (to a reader who
    sees cases under a pseudonym, a training on a named person's record would give the pseudonym away).
    A training is completed when its completion is recorded on the case (record_training_completion)."""
    if not services.sees_personal_details(viewer):
        return []
    return list(db.session.scalars(
        sa.select(CaseTraining).join(PolicyCase, CaseTraining.case_id == PolicyCase.id)
        .where(PolicyCase.employee_id == employee_id, services.visibility(viewer))
        .options(selectinload(CaseTraining.case)).order_by(CaseTraining.due_on.desc(), CaseTraining.id.desc())))


# --- closing -------------------------------------------------------------------------------------


def _revocation_done(case: PolicyCase) -> str | None:
    if case.decided != Action.REVOKE_PRIVILEGES:
        return None
    if not case.revocations:
        return "The decision is revoking privileges: record the revocation before closing."
    waiting = [r for r in case.revocations if r.restored_on is None]
    if waiting:
        return (f"The privileges revoked until {waiting[0].ends_on.isoformat()} are not restored yet: record the "
                "restoration before closing.")
    return None


def _training_done(case: PolicyCase) -> str | None:
    if case.decided != Action.TRAINING:
        return None
    if not case.trainings:
        return "The decision is training: assign the training before closing."
    waiting = [t for t in case.trainings if t.completed_on is None]
    if waiting:
        return (f"The training “{waiting[0].course}” (due {waiting[0].due_on.isoformat()}) is not completed yet: "
                "record its completion before closing.")
    return None


services.CLOSE_CHECKS.extend([_revocation_done, _training_done])
