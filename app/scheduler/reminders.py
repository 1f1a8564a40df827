"""The reminder rules: what is coming due, who is told, and the daily and weekly jobs that tell them.

Each rule reads its package's queries and returns reminders: a message about one item and its due
date, and the users it goes to. A reminder is left once per user, item, stage and due date
(`services.notify`), so the daily job may run twice, or be run by hand, without repeating itself;
when a due date moves, the new date gets its own reminder. An item is reminded of `LEAD_DAYS` before
it falls due ("due") and once more when it is past ("overdue"), where the rule has an overdue stage.

Texts name items by reference and title; a case is named by its reference only, never by the
employee (POPIA)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from app.admin import settings
from app.assets import queries as asset_queries
from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.auth import services as accounts
from app.auth.models import Role, User
from app.awareness import queries as awareness_queries
from app.awareness import services as awareness_services
from app.common.timeutil import add_months, local_today, start_of_local_day, to_local
from app.common.wording import counted
from app.context import queries as context_queries
from app.context import scope as context_scope
from app.continuity import queries as continuity_queries
from app.continuity import services as continuity_services
from app.controls import queries as control_queries
from app.extensions import db
from app.incidents import queries as incident_queries
from app.incidents import services as incident_services
from app.internal_audits import queries as audit_queries
from app.internal_audits import services as audit_services
from app.nonconformities import queries as nonconformity_queries
from app.nonconformities import services as nonconformity_services
from app.objectives import periods as objective_periods
from app.objectives import queries as objective_queries
from app.policies import services as policy_services
from app.policies.cases import disciplinary as case_disciplinary
from app.policies.cases import privileges as case_privileges
from app.policies.cases import services as case_services
from app.reviews import services as review_services
from app.risks import authority as risk_authority
from app.risks import queries as risk_queries
from app.scheduler import mail, services
from app.scheduler.kinds import Kind
from app.scheduler.services import Message
from app.suppliers import queries as supplier_queries

# How many days ahead of its date an item is first reminded of.
LEAD_DAYS = {
    Kind.RISK_REVIEW: 14,
    Kind.TREATMENT_ACTION: 7,
    Kind.ACCEPTANCE_EXPIRING: 30,
    Kind.ACCEPTANCE_REQUESTED: 0,  # told at once (the job below), dated the day it was asked
    Kind.EVIDENCE_EXPIRING: 30,
    Kind.POLICY_REVIEW: 30,
    Kind.PRIVILEGES_RESTORE: 1,
    Kind.TRAINING_DUE: 7,
    Kind.WARNING_LAPSING: 30,
    Kind.SUSPENSION_WITHOUT_HEARING: 7,
    Kind.END_OF_SUPPORT: 90,
    Kind.MEASUREMENT_DUE: 7,  # the last week of the period measured
    Kind.CONTEXT_REVIEW: 14,
    Kind.SCOPE_REVIEW: 30,
    Kind.MANAGEMENT_REVIEW: 14,  # the rule reads its own setting (settings.MANAGEMENT_REVIEW_REMINDER_DAYS)
    Kind.REVIEW_ACTION: 7,
    Kind.REVIEW_NOT_HELD: 0,
    Kind.CORRECTIVE_ACTION: 7,
    Kind.EFFECTIVENESS_REVIEW: 0,  # due from the day the last action was finished
    Kind.NONCONFORMITY_OVERDUE: 0,  # overdue ones only
    Kind.AUDIT_STARTING: 14,  # the setting internal_audit_notice_days, read by the rule itself
    Kind.AUDIT_REPORT_OVERDUE: 0,  # told once the planned end has passed
    Kind.AUDIT_PROGRAMME_GAPS: 0,  # monthly, in the cycle's last months (the rule decides)
    Kind.CONTINUITY_TEST_DUE: 30,  # a month to plan and run the exercise
    Kind.CONTINUITY_PLAN_REVIEW: 30,
    Kind.SUPPLIER_CONTRACT_ENDING: 90,  # the rule reads its own setting (settings.SUPPLIER_CONTRACT_REMINDER_DAYS)
    Kind.SUPPLIER_ASSESSMENT: 30,
    Kind.SUPPLIER_REVIEW: 14,
    Kind.INCIDENT_UNTRIAGED: 0,  # an event still untriaged the day after it was reported
    Kind.POPIA_NOTIFICATION: 0,  # from the day the track opens, again once late (the rule's own dates)
    Kind.INCIDENT_ACTION: 2,
    Kind.CAMPAIGN_BELOW_TARGET: 7,  # the campaign's last week: time to chase its audience
}
# Evidence that expired long ago is history, not a task: only that which lapsed within this window
# gets the "expired" reminder.
EVIDENCE_EXPIRED_WINDOW_DAYS = 30
DIGEST_DAYS = 7
TAGS_LISTED = 20  # an end-of-support reminder names this many items, then "and N more"


@dataclass(frozen=True)
class Reminder:
    message: Message
    user_ids: tuple[int, ...]


def _officer_ids() -> list[int]:
    return [user.id for user in accounts.active_users_with_role(Role.SECURITY_OFFICER)]


def _recipients(*candidates: int | None) -> tuple[int, ...]:
    return tuple(dict.fromkeys(user_id for user_id in candidates if user_id is not None))


def _owner_else(owner_id: int | None, officers: list[int]) -> tuple[int, ...]:
    """The record's owner; the security officers when it has none (nothing falls due unseen)."""
    return _recipients(owner_id) if owner_id else _recipients(*officers)


def _stage(due_on: date, today: date) -> str:
    return "overdue" if due_on < today else "due"


def _due_title(what: str, stage: str, due_on: date, after: str = "") -> str:
    """ "Review of risk R-0007 due on 09 Dec 2026", or "... overdue since ..." once the day has passed."""
    when = "overdue since" if stage == "overdue" else "due on"
    return f"{what} {when} {due_on:%d %b %Y}{after}"


def _path(endpoint: str, **values) -> str:
    return url_for(endpoint, **values)


@contextmanager
def _urls() -> Iterator[None]:
    """url_for() outside a request (the scheduler process) builds paths from a stand-in request."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/"):
        yield


# --- the rules (each: today, and the last due date to include) -----------------------------------


def _due(due_on: date | None, record: str) -> date:
    # The queries select by `date <= until`, which leaves out rows without a date; the column is nullable.
    if due_on is None:
        raise ValueError(f"{record} has no due date: the reminder query should have left it out.")
    return due_on


def risk_reviews(today: date, until: date) -> list[Reminder]:
    reminders = []
    for risk in risk_queries.reviews_due(until):
        due_on = _due(risk.next_review_on, f"Risk {risk.reference}")
        stage = _stage(due_on, today)
        title = _due_title(f"Review of risk {risk.reference}", stage, due_on)
        reminders.append(Reminder(Message(
            Kind.RISK_REVIEW, f"risk:{risk.id}:{stage}", due_on, title,
            f"{risk.reference} {risk.title}: review the ratings, treatment and tolerance and record the review.",
            _path("risks.detail", risk_id=risk.id)), _recipients(risk.owner_id)))
    return reminders


def treatment_actions(today: date, until: date) -> list[Reminder]:
    reminders = []
    for action in risk_queries.actions_due(until):
        due_on = _due(action.due_on, f"Treatment action {action.id}")
        stage = _stage(due_on, today)
        title = _due_title("Treatment action", stage, due_on, f": {action.title}")
        reminders.append(Reminder(Message(
            Kind.TREATMENT_ACTION, f"action:{action.id}:{stage}", due_on, title,
            f"For risk {action.risk.reference} {action.risk.title}. Record progress or mark it done.",
            _path("risks.detail", risk_id=action.risk_id)),
            _recipients(action.owner_id or action.risk.owner_id)))
    return reminders


def acceptances_expiring(today: date, until: date) -> list[Reminder]:
    reminders = []
    for acceptance, risk in risk_queries.acceptances_expiring(until):
        due_on = acceptance.expires_on
        stage = _stage(due_on, today)
        title = (f"Acceptance of risk {risk.reference} expired on {due_on:%d %b %Y}" if stage == "overdue"
                 else f"Acceptance of risk {risk.reference} expires on {due_on:%d %b %Y}")
        reminders.append(Reminder(Message(
            Kind.ACCEPTANCE_EXPIRING, f"acceptance:{acceptance.id}:{stage}", due_on, title,
            f"{risk.reference} {risk.title}: its residual rating is above tolerance. Treat it, or renew the "
            "acceptance with a justification.", _path("risks.detail", risk_id=risk.id)),
            _recipients(risk.owner_id, acceptance.accepted_by_id)))
    return reminders


def acceptance_requests(today: date, until: date) -> list[Reminder]:
    """Every request for acceptance still waiting, to whoever holds the authority its risk's band
    needs (risks.authority.acceptors), never to whoever asked: they may not accept it."""
    reminders = []
    for request in risk_queries.open_acceptance_requests():
        risk = request.risk
        _, people = risk_authority.acceptors(risk)
        note = f" Their note: {request.note}" if request.note else ""
        reminders.append(Reminder(Message(
            Kind.ACCEPTANCE_REQUESTED, f"acceptance-request:{request.id}", request.requested_on,
            f"Acceptance of risk {risk.reference} requested by {request.requested_by.full_name}",
            f"{risk.reference} {risk.title}: the residual rating {risk.residual_score} is above the tolerance "
            f"{risk.tolerance}. Accept it with a justification and an end date, or have it treated.{note}",
            _path("risks.accept", risk_id=risk.id)),
            _recipients(*(person.id for person in people if person.id != request.requested_by_id))))
    return reminders


def evidence_expiring(today: date, until: date) -> list[Reminder]:
    reminders = []
    start = today - timedelta(days=EVIDENCE_EXPIRED_WINDOW_DAYS)
    for evidence in control_queries.evidence_expiring(start, until):
        due_on = _due(evidence.valid_until, f"Evidence {evidence.id}")
        stage = _stage(due_on, today)
        controls = ", ".join(control.reference for control in evidence.controls) or "no control"
        title = (f"Evidence expired on {due_on:%d %b %Y}: {evidence.title}" if stage == "overdue"
                 else f"Evidence expires on {due_on:%d %b %Y}: {evidence.title}")
        owners = _recipients(*(control.owner_id for control in evidence.controls))
        reminders.append(Reminder(Message(
            Kind.EVIDENCE_EXPIRING, f"evidence:{evidence.id}:{stage}", due_on, title,
            f"Shows {controls}. Replace it with current evidence or extend its valid-until date.",
            _path("controls.evidence_detail", evidence_id=evidence.id)),
            owners or _recipients(evidence.created_by_id)))
    return reminders


def policy_reviews(today: date, until: date) -> list[Reminder]:
    reminders = []
    for version in policy_services.reviews_due(until):
        policy, due_on = version.policy, _due(version.next_review_on, f"Policy version {version.id}")
        stage = _stage(due_on, today)
        title = _due_title(f"Review of policy {policy.code}", stage, due_on)
        reminders.append(Reminder(Message(
            Kind.POLICY_REVIEW, f"policy-version:{version.id}:{stage}", due_on, title,
            f"{policy.code} {policy.title}, version {version.number}: review it and start a new version "
            "if it needs changes.", _path("policies.detail", policy_id=policy.id)), _recipients(policy.owner_id)))
    return reminders


def privileges_to_restore(today: date, until: date) -> list[Reminder]:
    reminders = []
    for revocation in case_privileges.revocations_due(until):
        case, due_on = revocation.case, revocation.ends_on
        stage = _stage(due_on, today)
        what = ", ".join(resource.label for resource in revocation.resources) or "privileges"
        title = (f"Restore privileges in case {case.reference}: the revocation ended on {due_on:%d %b %Y}"
                 if stage == "overdue" else
                 f"Restore privileges in case {case.reference}: the revocation ends on {due_on:%d %b %Y}")
        reminders.append(Reminder(Message(
            Kind.PRIVILEGES_RESTORE, f"revocation:{revocation.id}:{stage}", due_on, title,
            f"Revoked: {what}. Give them back and record the restoration in the case.",
            _path("cases.detail", case_id=case.id)), _recipients(revocation.created_by_id, case.created_by_id)))
    return reminders


def trainings_due(today: date, until: date) -> list[Reminder]:
    reminders = []
    for training in case_privileges.trainings_due(until):
        case, due_on = training.case, training.due_on
        stage = _stage(due_on, today)
        title = _due_title(f"Training in case {case.reference}", stage, due_on)
        reminders.append(Reminder(Message(
            Kind.TRAINING_DUE, f"training:{training.id}:{stage}", due_on, title,
            f"Course: {training.course}. Record its completion in the case.",
            _path("cases.detail", case_id=case.id)), _recipients(training.created_by_id, case.created_by_id)))
    return reminders


def warnings_lapsing(today: date, until: date) -> list[Reminder]:
    reminders = []
    for warning in case_services.warnings_lapsing(today, until):
        case, due_on = warning.case, warning.valid_until
        reminders.append(Reminder(Message(
            Kind.WARNING_LAPSING, f"warning:{warning.id}:due", due_on,
            f"Warning in case {case.reference} lapses on {due_on:%d %b %Y}",
            f"The {warning.type_enum.label.lower()} given in case {case.reference} stops counting towards the next "
            "recommendation after that day.", _path("cases.detail", case_id=case.id)),
            _recipients(warning.issued_by_id, case.created_by_id)))
    return reminders


def suspensions_without_hearing(today: date, until: date) -> list[Reminder]:
    """A precautionary suspension reaching the setting's limit without a hearing: hold it or lift the suspension."""
    reminders = []
    for suspension, reached in case_disciplinary.suspensions_without_hearing(today, until):
        case = suspension.case
        stage = _stage(reached, today)
        title = (f"Suspension in case {case.reference} past its limit since {reached:%d %b %Y}, no hearing held"
                 if stage == "overdue" else
                 f"Suspension in case {case.reference} reaches its limit on {reached:%d %b %Y}, no hearing held")
        reminders.append(Reminder(Message(
            Kind.SUSPENSION_WITHOUT_HEARING, f"suspension:{suspension.id}:{stage}", reached, title,
            f"The precautionary suspension began on {suspension.starts_on:%d %b %Y}. Hold the hearing, or lift the "
            "suspension and record it in the case: a long suspension may be an unfair labour practice.",
            _path("cases.detail", case_id=case.id)), _recipients(suspension.created_by_id, case.created_by_id)))
    return reminders


def end_of_support(today: date, until: date) -> list[Reminder]:
    """One reminder per owner and support-end date (an estate may have thousands of PCs on one
    operating system), naming the items."""
    grouped: dict[tuple[int, date], list[str]] = defaultdict(list)
    for _asset_id, tag, owner_id, ends_on in asset_queries.support_ending(today, until):
        grouped[(owner_id, ends_on)].append(tag)
    reminders = []
    for (owner_id, ends_on), tags in grouped.items():
        listed = ", ".join(tags[:TAGS_LISTED])
        if len(tags) > TAGS_LISTED:
            listed += f" and {len(tags) - TAGS_LISTED} more"
        noun = "item" if len(tags) == 1 else "items"
        reminders.append(Reminder(Message(
            Kind.END_OF_SUPPORT, f"support-end:owner-{owner_id}", ends_on,
            f"{len(tags)} {noun} you own reach vendor end of support on {ends_on:%d %b %Y}",
            f"{listed}. Plan their replacement or upgrade, or record the risk of running them unsupported.",
            _path("assets.index", owner=owner_id, support="ending")), (owner_id,)))
    return reminders


def measurements_due(today: date, until: date) -> list[Reminder]:
    """A hand-measured metric's value for a period, due by the period's last day."""
    reminders = []
    for due in objective_queries.manual_measurements_due(today, until):
        metric, stage = due.metric, _stage(due.due_on, today)
        label = objective_periods.period_label(due.period_start, metric.frequency_enum)
        title = (f"Measurement of {metric.title} for {label} overdue since {due.due_on:%d %b %Y}" if stage == "overdue"
                 else f"Measurement of {metric.title} for {label} due by {due.due_on:%d %b %Y}")
        reminders.append(Reminder(Message(
            Kind.MEASUREMENT_DUE, f"measurement:{metric.id}:{due.period_start.isoformat()}:{stage}", due.due_on, title,
            f"Measure {metric.title} as its method says and record the value on the metric's page.",
            _path("objectives.metric", metric_id=metric.id)), _recipients(metric.measurer_id)))
    return reminders


def context_reviews(today: date, until: date) -> list[Reminder]:
    reminders = []
    for issue in context_queries.issue_reviews_due(until):
        due_on = _due(issue.review_on, f"Issue {issue.id}")
        stage = _stage(due_on, today)
        title = _due_title(f"Review of the issue “{issue.title}”", stage, due_on)
        reminders.append(Reminder(Message(
            Kind.CONTEXT_REVIEW, f"context-issue:{issue.id}:{stage}", due_on, title[:200],
            "Check that the issue and what it means for information security still hold, then set the next "
            "review date (or retire the issue).", _path("context.issue", issue_id=issue.id)),
            _recipients(issue.owner_id)))
    for party in context_queries.party_reviews_due(until):
        due_on = _due(party.review_on, f"Interested party {party.id}")
        stage = _stage(due_on, today)
        title = _due_title(f"Review of {party.name} as an interested party", stage, due_on)
        reminders.append(Reminder(Message(
            Kind.CONTEXT_REVIEW, f"interested-party:{party.id}:{stage}", due_on, title[:200],
            "Check their requirements and whether the ISMS still addresses them, then set the next review date.",
            _path("context.party", party_id=party.id)), _recipients(party.owner_id)))
    return reminders


def scope_review(today: date, until: date) -> list[Reminder]:
    """The scope statement in force is reviewed SCOPE_REVIEW_MONTHS after its approval (27001 4.3)."""
    latest = context_scope.latest_issued()
    due_on = context_scope.review_due_on(latest, settings.get(settings.SCOPE_REVIEW_MONTHS))
    if latest is None or due_on is None or due_on > until:
        return []
    stage = _stage(due_on, today)
    title = _due_title("Review of the ISMS scope statement", stage, due_on)
    approver = latest.approved_by_id if latest.approved_by and latest.approved_by.active else None
    officers = [] if approver else _officer_ids()
    return [Reminder(Message(
        Kind.SCOPE_REVIEW, f"scope-statement:{latest.number}:{stage}", due_on, title,
        f"Version {latest.number} was approved on {latest.approved_on:%d %b %Y}. Review it: draft a new version "
        "and approve it (unchanged, if the scope still holds).", _path("context.scope_page")),
        _recipients(approver, *officers))]
# --- management review (issue 19, part 5) ----------------------------------------------------------


def management_reviews(today: date, until: date) -> list[Reminder]:
    """A review planned within the setting's days: its chair prepares, the security officers compile the inputs."""
    days = settings.get(settings.MANAGEMENT_REVIEW_REMINDER_DAYS)
    officers = _officer_ids()
    reminders = []
    for review in review_services.reviews_planned_within(today, today + timedelta(days=days)):
        compiled = "Its inputs are compiled" if review.pack else "Its inputs are not compiled yet"
        reminders.append(Reminder(Message(
            Kind.MANAGEMENT_REVIEW, f"management-review:{review.id}:due", review.meeting_on,
            f"Management review on {review.meeting_on:%d %b %Y}: {review.title}",
            f"{compiled}. Compile them as of a date shortly before the meeting, and share the pack with the attendees.",
            _path("reviews.detail", review_id=review.id)), _recipients(review.chair_id, *officers)))
    return reminders


def review_actions(today: date, until: date) -> list[Reminder]:
    reminders = []
    for action in review_services.actions_due(until):
        stage = _stage(action.due_on, today)
        title = _due_title(f"Management review action {action.reference}", stage, action.due_on)
        reminders.append(Reminder(Message(
            Kind.REVIEW_ACTION, f"review-action:{action.id}:{stage}", action.due_on, title,
            f"{action.title} (decided at {action.review.title}). Record its progress, or mark it done.",
            _path("reviews.action_progress", review_id=action.review_id, action_id=action.id)),
            _recipients(action.owner_id)))
    return reminders


def review_not_held(today: date, until: date) -> list[Reminder]:
    due_on = review_services.review_overdue_since(today)
    if due_on is None:
        return []
    months = settings.get(settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS)
    officers = accounts.active_users_with_role(Role.SECURITY_OFFICER)
    return [Reminder(Message(
        Kind.REVIEW_NOT_HELD, "management-review:not-held", due_on,
        f"No management review held for {months} months: one was due on {due_on:%d %b %Y}",
        "ISO/IEC 27001:2022 9.3.1: top management reviews the ISMS at planned intervals. Plan the next review.",
        _path("reviews.index")), _recipients(*(user.id for user in officers)))]


def corrective_actions(today: date, until: date) -> list[Reminder]:
    reminders = []
    for action in nonconformity_queries.actions_due(until):
        nonconformity, stage = action.nonconformity, _stage(action.due_on, today)
        title = _due_title("Corrective action", stage, action.due_on, f": {action.title}")
        reminders.append(Reminder(Message(
            Kind.CORRECTIVE_ACTION, f"corrective-action:{action.id}:{stage}", action.due_on, title,
            f"For nonconformity {nonconformity.reference} {nonconformity.title}. Record its progress, or mark it "
            "done saying what was done.", _path("nonconformities.detail", nonconformity_id=nonconformity.id)),
            _recipients(action.owner_id or nonconformity.owner_id)))
    return reminders


def effectiveness_reviews(today: date, until: date) -> list[Reminder]:
    """Nonconformities whose actions are all finished: the security officers review their effectiveness,
    except one who owns the nonconformity or an action (they may not review it)."""
    officers = None
    reminders = []
    for nonconformity in nonconformity_queries.awaiting_review():
        officers = accounts.active_users_with_role(Role.SECURITY_OFFICER) if officers is None else officers
        due_on = nonconformity.verifying_since or nonconformity.raised_on
        reviewers = [officer.id for officer in officers
                     if nonconformity_services.independence_problem(nonconformity, officer) is None]
        reminders.append(Reminder(Message(
            Kind.EFFECTIVENESS_REVIEW, f"nonconformity-review:{nonconformity.id}:{nonconformity.action_round}",
            due_on, f"Effectiveness review due: {nonconformity.reference}",
            f"{nonconformity.reference} {nonconformity.title}: every corrective action is finished. Check whether "
            "they removed the cause, and record the review: effective closes it.",
            _path("nonconformities.review", nonconformity_id=nonconformity.id)), _recipients(*reviewers)))
    return reminders


def nonconformities_overdue(today: date, until: date) -> list[Reminder]:
    """Once a week while overdue (the key holds the ISO week), to the nonconformity's owner."""
    year, week, _ = today.isocalendar()
    reminders = []
    for nonconformity in nonconformity_queries.overdue(today):
        late = [action for action in nonconformity.actions if action.is_overdue(today)]
        what = (f"past its due date {nonconformity.due_on:%d %b %Y}"
                if nonconformity.due_on and nonconformity.due_on < today
                else f"{counted(len(late), 'corrective action')} past due")
        due_on = nonconformity.due_on if nonconformity.due_on and nonconformity.due_on < today \
            else min(action.due_on for action in late)
        reminders.append(Reminder(Message(
            Kind.NONCONFORMITY_OVERDUE, f"nonconformity-overdue:{nonconformity.id}:{year}-W{week:02d}", due_on,
            f"Nonconformity {nonconformity.reference} is overdue",
            f"{nonconformity.reference} {nonconformity.title}: {what}. Bring the actions up to date or agree a new "
            "date with the security officer.", _path("nonconformities.detail", nonconformity_id=nonconformity.id)),
            _recipients(nonconformity.owner_id)))
    return reminders


def audits_starting(today: date, until: date) -> list[Reminder]:
    """An audit starting within the setting's notice days, to its lead auditor and team."""
    notice_until = max(until, today + timedelta(days=audit_services.setting(audit_services.NOTICE_DAYS)))
    reminders = []
    for internal_audit in audit_queries.audits_starting(today, notice_until):
        starts = internal_audit.planned_start
        reminders.append(Reminder(Message(
            Kind.AUDIT_STARTING, f"internal-audit:{internal_audit.id}:starting", starts,
            f"Internal audit {internal_audit.reference} starts on {starts:%d %b %Y}",
            f"{internal_audit.reference} {internal_audit.title}: you are on its audit team. Read its scope and "
            "criteria and the evidence held for it before fieldwork.",
            _path("internal_audits.detail", audit_id=internal_audit.id)),
            _recipients(internal_audit.lead_auditor_id, *(member.id for member in internal_audit.team))))
    return reminders


def audit_reports_overdue(today: date, until: date) -> list[Reminder]:
    """An audit past its planned end without an issued report, to its lead auditor and the security officers."""
    officers = _officer_ids()
    reminders = []
    for internal_audit in audit_queries.reports_overdue(today):
        ended = internal_audit.planned_end
        reminders.append(Reminder(Message(
            Kind.AUDIT_REPORT_OVERDUE, f"internal-audit:{internal_audit.id}:report", ended,
            f"Report of internal audit {internal_audit.reference} overdue since {ended:%d %b %Y}",
            f"{internal_audit.reference} {internal_audit.title} was planned to end on {ended:%d %b %Y} and its report "
            "is not issued. Finish the checklist and issue the report, or move the planned dates.",
            _path("internal_audits.detail", audit_id=internal_audit.id)),
            _recipients(internal_audit.lead_auditor_id, *officers)))
    return reminders


def audit_programme_gaps(today: date, until: date) -> list[Reminder]:
    """Clauses and applicable controls no audit of the cycle covers, when fewer than six months are left:
    to the security officers, once a month (the key names the month)."""
    last_months = add_months(today, audit_services.GAP_WARNING_MONTHS)
    reminders = []
    for programme in audit_queries.programmes_ending(today, last_months):
        gaps = audit_services.coverage(programme).gaps
        if not gaps:
            continue
        listed = ", ".join(row.subject for row in gaps[:TAGS_LISTED])
        if len(gaps) > TAGS_LISTED:
            listed += f" and {len(gaps) - TAGS_LISTED} more"
        month = today.replace(day=1)
        officers = accounts.active_users_with_role(Role.SECURITY_OFFICER)
        reminders.append(Reminder(Message(
            Kind.AUDIT_PROGRAMME_GAPS, f"audit-programme:{programme.id}:gaps:{month:%Y-%m}", month,
            f"{len(gaps)} clauses and controls not planned for audit; the cycle ends on {programme.ends_on:%d %b %Y}",
            f"Not yet in any audit's scope: {listed}. Plan audits covering them before the cycle ends (9.2.2).",
            _path("internal_audits.programme")), _recipients(*(user.id for user in officers))))
    return reminders


# --- business continuity (issue 20, part 3) ------------------------------------------------------------


def continuity_tests_due(today: date, until: date) -> list[Reminder]:
    """A.5.30 / 8.13: each analysed service is tested at least every CONTINUITY_TEST_MONTHS; one never
    tested is due from its analysis."""
    months = continuity_services.test_months()
    officers = _officer_ids()
    reminders = []
    for analysis in continuity_queries.services_due_a_test(until, months):
        due_on = add_months(analysis.last_tested_on, months) if analysis.last_tested_on else analysis.analysed_on
        stage = _stage(due_on, today)
        title = _due_title(f"Continuity test of {analysis.asset.name}", stage, due_on)
        last = f"last tested on {analysis.last_tested_on:%d %b %Y}" if analysis.last_tested_on else "never tested"
        reminders.append(Reminder(Message(
            Kind.CONTINUITY_TEST_DUE, f"continuity-test:{analysis.id}:{due_on.isoformat()}:{stage}", due_on,
            title[:200], f"{analysis.reference} was {last}. Run a tabletop, walkthrough, failover or restore test "
            "and record it with its findings.", _path("continuity.analysis", analysis_id=analysis.id)),
            _recipients(analysis.owner_id, *officers)))
    return reminders


def continuity_plan_reviews(today: date, until: date) -> list[Reminder]:
    officers = _officer_ids()
    reminders = []
    for version in continuity_queries.plan_versions_due_review(until):
        due_on = _due(version.next_review_on, f"Plan version {version.id}")
        stage = _stage(due_on, today)
        plan = version.plan
        owner = plan.owner_id if plan.owner and plan.owner.active else None
        reminders.append(Reminder(Message(
            Kind.CONTINUITY_PLAN_REVIEW, f"continuity-plan:{version.id}:{stage}", due_on,
            _due_title(f"Review of {plan}", stage, due_on)[:200],
            f"Version {version.number} was approved on {version.approved_on:%d %b %Y}. Review it: start a new "
            "version and issue it (unchanged, if the plan still holds).",
            _path("continuity.plan", analysis_id=plan.analysis_id, plan_id=plan.id)),
            _owner_else(owner, officers)))
    return reminders


# --- suppliers (issue 20, part 2) ----------------------------------------------------------------------


def supplier_contracts_ending(today: date, until: date) -> list[Reminder]:
    """A current supplier's contract ending within the setting's days: time to renew, re-tender or exit."""
    days = supplier_queries.contract_reminder_days()
    officers = _officer_ids()
    reminders = []
    for supplier in supplier_queries.contracts_ending(today, today + timedelta(days=days)):
        ends_on = _due(supplier.contract_end, f"Supplier {supplier.id}")
        reminders.append(Reminder(Message(
            Kind.SUPPLIER_CONTRACT_ENDING, f"supplier-contract:{supplier.id}:due", ends_on,
            f"The contract with {supplier.name} ends on {ends_on:%d %b %Y}"[:200],
            "Renew it (with its security clauses), re-tender, or plan the exit: the information it holds returned "
            "or destroyed, and the services it supplies moved.", _path("suppliers.detail", supplier_id=supplier.id)),
            _owner_else(supplier.owner_id, officers)))
    return reminders


def supplier_assessments(today: date, until: date) -> list[Reminder]:
    officers = _officer_ids()
    reminders = []
    for supplier in supplier_queries.assessments_due(until):
        due_on = _due(supplier.assessment_due_on, f"Supplier {supplier.id}")
        stage = _stage(due_on, today)
        reminders.append(Reminder(Message(
            Kind.SUPPLIER_ASSESSMENT, f"supplier-assessment:{supplier.id}:{stage}", due_on,
            _due_title(f"Security assessment of {supplier.name}", stage, due_on)[:200],
            "Assess the supplier's security (a questionnaire, its certificate, an audit) and record the result "
            "with its evidence on the supplier's page (A.5.22).", _path("suppliers.detail", supplier_id=supplier.id)),
            _owner_else(supplier.owner_id, officers)))
    return reminders


def supplier_reviews(today: date, until: date) -> list[Reminder]:
    officers = _officer_ids()
    reminders = []
    for supplier in supplier_queries.reviews_due(until):
        due_on = _due(supplier.review_on, f"Supplier {supplier.id}")
        stage = _stage(due_on, today)
        reminders.append(Reminder(Message(
            Kind.SUPPLIER_REVIEW, f"supplier-review:{supplier.id}:{stage}", due_on,
            _due_title(f"Review of supplier {supplier.name}", stage, due_on)[:200],
            "Check the supplier is still needed and its services, criticality and clauses are right, then record "
            "the review and set the next one.", _path("suppliers.detail", supplier_id=supplier.id)),
            _owner_else(supplier.owner_id, officers)))
    return reminders


# --- security incidents (issue 20, part 1) ----------------------------------------------------------


def incidents_untriaged(today: date, until: date) -> list[Reminder]:
    """Events reported before today and still awaiting triage (A.5.25: assess events promptly)."""
    officers = _officer_ids()
    reminders = []
    for incident in incident_queries.untriaged(start_of_local_day(today)):
        reported_on = to_local(incident.reported_at).date()
        reminders.append(Reminder(Message(
            Kind.INCIDENT_UNTRIAGED, f"incident-triage:{incident.id}", reported_on,
            f"Security event {incident.reference} awaits triage",
            f"{incident.reference} {incident.title}, reported {reported_on:%d %b %Y}: decide whether it is an "
            "incident.", _path("incidents.triage", incident_id=incident.id)), _recipients(*officers)))
    return reminders


def popia_notifications(today: date, until: date) -> list[Reminder]:
    """Open POPIA s22 tracks: told when the track opens ("due" by the organisation's days after
    discovery) and once more when that day has passed ("overdue")."""
    officers = _officer_ids()
    days = incident_services.expected_days()
    reminders = []
    for incident in incident_queries.pending_notifications(limit=None):
        due_on = incident_services.discovered_on(incident) + timedelta(days=days)
        stage = _stage(due_on, today)
        reminders.append(Reminder(Message(
            Kind.POPIA_NOTIFICATION, f"popia:{incident.id}:{stage}", due_on,
            _due_title(f"POPIA notification of {incident.reference}", stage, due_on),
            f"{incident.reference} {incident.title}: personal information may have been compromised. Notify the "
            "Information Regulator (eServices) and the data subjects as soon as reasonably possible, or record the "
            "reason for the delay.", _path("incidents.notification", incident_id=incident.id)),
            _recipients(incident.handler_id, *officers)))
    return reminders


def incident_actions(today: date, until: date) -> list[Reminder]:
    actions = incident_queries.actions_due(until)
    officers = _officer_ids() if any(action.incident.handler_id is None for action in actions) else []
    reminders = []
    for action in actions:
        incident, due_on = action.incident, _due(action.due_on, "An incident follow-up")
        stage = _stage(due_on, today)
        reminders.append(Reminder(Message(
            Kind.INCIDENT_ACTION, f"incident-action:{action.id}:{stage}", due_on,
            _due_title(f"Follow-up of {incident.reference}", stage, due_on, f": {action.description[:120]}"),
            f"{incident.reference} {incident.title}. Mark it done on the timeline once it is.",
            _path("incidents.detail", incident_id=incident.id)), _owner_else(incident.handler_id, officers)))
    return reminders


# --- awareness and training (issue 20, part 4) -------------------------------------------------------


def campaigns_below_target(today: date, until: date) -> list[Reminder]:
    """A campaign ending within LEAD_DAYS whose completion is below the target (setting
    awareness_target_rate): its owner and the security officers chase the rest of its audience."""
    target = awareness_services.target_rate()
    ending = awareness_queries.ending_below_target(today, until, target)
    officers = _officer_ids() if ending else []
    reminders = []
    for campaign, rate in ending:
        stage = _stage(campaign.ends_on, today)
        title = _due_title(f"End of awareness campaign {campaign.reference}", stage, campaign.ends_on,
                           f": {rate.percent:g}% completed, the target is {target}%")
        reminders.append(Reminder(Message(
            Kind.CAMPAIGN_BELOW_TARGET, f"awareness-campaign:{campaign.id}:{stage}", campaign.ends_on, title,
            f"{campaign.reference} {campaign.topic}: {rate.done} of {counted(rate.audience, 'employee')} in its "
            "audience completed or attended it. Remind the rest, and record the completions the training system "
            "holds (import its extract).", _path("awareness.campaign", campaign_id=campaign.id)),
            _recipients(campaign.owner_id, *officers)))
    return reminders


RULES: dict[Kind, Callable[[date, date], list[Reminder]]] = {
    Kind.RISK_REVIEW: risk_reviews,
    Kind.TREATMENT_ACTION: treatment_actions,
    Kind.ACCEPTANCE_EXPIRING: acceptances_expiring,
    Kind.ACCEPTANCE_REQUESTED: acceptance_requests,
    Kind.EVIDENCE_EXPIRING: evidence_expiring,
    Kind.POLICY_REVIEW: policy_reviews,
    Kind.PRIVILEGES_RESTORE: privileges_to_restore,
    Kind.TRAINING_DUE: trainings_due,
    Kind.WARNING_LAPSING: warnings_lapsing,
    Kind.SUSPENSION_WITHOUT_HEARING: suspensions_without_hearing,
    Kind.END_OF_SUPPORT: end_of_support,
    Kind.MEASUREMENT_DUE: measurements_due,
    Kind.CONTEXT_REVIEW: context_reviews,
    Kind.SCOPE_REVIEW: scope_review,
    Kind.MANAGEMENT_REVIEW: management_reviews,
    Kind.REVIEW_ACTION: review_actions,
    Kind.REVIEW_NOT_HELD: review_not_held,
    Kind.CORRECTIVE_ACTION: corrective_actions,
    Kind.EFFECTIVENESS_REVIEW: effectiveness_reviews,
    Kind.NONCONFORMITY_OVERDUE: nonconformities_overdue,
    Kind.AUDIT_STARTING: audits_starting,
    Kind.AUDIT_REPORT_OVERDUE: audit_reports_overdue,
    Kind.AUDIT_PROGRAMME_GAPS: audit_programme_gaps,
    Kind.CONTINUITY_TEST_DUE: continuity_tests_due,
    Kind.CONTINUITY_PLAN_REVIEW: continuity_plan_reviews,
    Kind.SUPPLIER_CONTRACT_ENDING: supplier_contracts_ending,
    Kind.SUPPLIER_ASSESSMENT: supplier_assessments,
    Kind.SUPPLIER_REVIEW: supplier_reviews,
    Kind.INCIDENT_UNTRIAGED: incidents_untriaged,
    Kind.POPIA_NOTIFICATION: popia_notifications,
    Kind.INCIDENT_ACTION: incident_actions,
    Kind.CAMPAIGN_BELOW_TARGET: campaigns_below_target,
}
# Case reminders go to HR when nobody who handled the case can still sign in.
_HR_FALLBACK = {Kind.PRIVILEGES_RESTORE, Kind.TRAINING_DUE, Kind.WARNING_LAPSING, Kind.SUSPENSION_WITHOUT_HEARING}


def _active_users(user_ids: Iterable[int]) -> dict[int, User]:
    ids = set(user_ids)
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_(ids), User.active.is_(True)))}


@dataclass
class Outcome:
    left: int = 0
    already: int = 0
    nobody: int = 0  # items with no owner who can sign in

    def summary(self) -> str:
        text = f"{self.left} reminders left"
        if self.already:
            text += f", {self.already} already sent before"
        if self.nobody:
            text += f", {self.nobody} items with nobody to tell (no active owner)"
        return text


def collect(today: date, *, kinds: Iterable[Kind] | None = None, horizon_days: int | None = None) -> list[Reminder]:
    """Every reminder due by the rules on `today` (each rule looks LEAD_DAYS ahead, or
    `horizon_days` when given)."""
    reminders: list[Reminder] = []
    with _urls():
        for kind in kinds or RULES:
            days = LEAD_DAYS[kind] if horizon_days is None else horizon_days
            reminders.extend(RULES[kind](today, today + timedelta(days=days)))
    return reminders


def leave(reminders: list[Reminder]) -> Outcome:
    """Leave each reminder for its recipients who can sign in, once (the job's runner commits)."""
    outcome = Outcome()
    users = _active_users(user_id for reminder in reminders for user_id in reminder.user_ids)
    hr = None
    for reminder in reminders:
        recipients = [users[user_id] for user_id in reminder.user_ids if user_id in users]
        if not recipients and reminder.message.kind in _HR_FALLBACK:
            hr = accounts.active_users_with_role(Role.HR_OFFICER) if hr is None else hr
            recipients = hr
        if not recipients:
            outcome.nobody += 1
            continue
        for user in recipients:
            if services.notify(user, reminder.message) is None:
                outcome.already += 1
            else:
                outcome.left += 1
    db.session.flush()
    return outcome


def send_reminders(today: date | None = None) -> str:
    """The daily job."""
    outcome = leave(collect(today or local_today()))
    summary = outcome.summary()
    if services.mail_configured():
        summary += "; " + mail.send_pending()
    return summary


def send_acceptance_requests(today: date | None = None) -> str:
    """The quiet job a minute after a request for acceptance: those asked are told at once, not at
    the next daily run. Says nothing when nobody new was told (app.scheduler.jobs: Job.quiet)."""
    outcome = leave(collect(today or local_today(), kinds=[Kind.ACCEPTANCE_REQUESTED]))
    return outcome.summary() if outcome.left else ""


# --- the weekly digest ---------------------------------------------------------------------------


def digest_key(today: date) -> tuple[str, date]:
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}", today - timedelta(days=today.weekday())


def _audit_checkpoint_line() -> str:
    """The audit log's signed head, in every digest: copies kept in many mailboxes, outside the server,
    show later whether the log was cut off or re-chained (app.audit.checkpoints)."""
    try:
        return checkpoints.digest_line(checkpoints.publish(CheckpointReason.DIGEST))
    except checkpoints.CheckpointRefused as error:
        return f"Audit log: no checkpoint this week. {error}"


def send_weekly_digest(today: date | None = None) -> str:
    """One notification per user listing what falls due for them (or is overdue) in the coming week."""
    today = today or local_today()
    reminders = collect(today, horizon_days=DIGEST_DAYS)
    by_user: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        for user_id in reminder.user_ids:
            by_user[user_id].append(reminder)
    users = _active_users(by_user)
    key, monday = digest_key(today)
    audit_line = _audit_checkpoint_line() if users else ""
    left = 0
    with _urls():
        link = _path("scheduler.notifications")
    for user_id, items in sorted(by_user.items()):
        user = users.get(user_id)
        if user is None:
            continue
        items.sort(key=lambda reminder: reminder.message.due_on)
        overdue = sum(1 for reminder in items if reminder.message.due_on < today)
        lines = [f"- {reminder.message.title}" for reminder in items]
        title = (f"Your week from {monday:%d %b %Y}: {len(items)} items due"
                 + (f", {overdue} of them overdue" if overdue else ""))
        body = "\n".join([*lines, "", audit_line])
        if services.notify(user, Message(Kind.DIGEST, key, monday, title, body, link)) is not None:
            left += 1
    db.session.flush()
    summary = f"{left} digests left"
    if services.mail_configured():
        summary += "; " + mail.send_pending()
    return summary
