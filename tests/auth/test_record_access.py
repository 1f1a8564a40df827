"""Every route that takes a record's id checks that record, not only the role.

test_route_permissions.py proves each route declares a permission. This walker goes one level
down: for every rule in app.url_map with an id argument, RECORDS says whether that kind of record
has a per-record scope (a manager sees the cases and employees of their own department, a risk
owner edits only their own risks, a notification is its recipient's) and how to make one OUTSIDE
a given user's scope. Each role that holds the route's permission but is limited to some records
then asks for such a record, by GET and POST, and must be refused with nothing changed. Every
such route must also go through its domain's helper (get_case_or_403 ...) with the permission it
declares (this guards routes no limited role holds yet), and a child record named under another
parent (a warning of another case, an action of another risk) is 404 even to an administrator.

A new route whose id arguments are not in RECORDS fails test_every_route_with_an_id_is_classified:
add it to RECORDS, as PerRecord or as NoPerRecordScope with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from flask import abort

from app import create_app
from app.auth.models import Role, User
from app.auth.permissions import (
    CONTINUITY_UPDATE,
    INCIDENT_REPORT,
    INTERNAL_AUDIT_CONDUCT,
    MEASUREMENT_RECORD,
    NONCONFORMITY_VIEW,
    OBJECTIVE_STATUS,
    REVIEW_ACTION_UPDATE,
    REVIEW_APPROVE,
    RISK_ACCEPT,
    RISK_APPROVE_PLAN,
    RISK_EDIT,
    ROLE_PERMISSIONS,
    SUPPLIER_ASSESS,
)
from app.common.uploads import CheckedUpload, store
from app.continuity import services as continuity_services
from app.employees import services as employee_services
from app.extensions import db
from app.incidents import services as incident_services
from app.internal_audits import services as internal_audit_services
from app.nonconformities import services as nonconformity_services
from app.objectives import services as objective_services
from app.policies.cases import services as case_services
from app.policies.cases.models import (
    CaseAllegation,
    CaseEvidence,
    CaseHearingNotice,
    CaseRevocation,
    CaseSanction,
    CaseTraining,
    CaseWarning,
    PolicyCase,
)
from app.reports import prepared
from app.reports.models import PreparedDocument
from app.reviews import services as review_services
from app.reviews.models import ReviewAction
from app.risks import services as risk_services
from app.scheduler import services as notification_services
from app.suppliers import services as supplier_services
from tests import factories

_APP = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
TESTED_METHODS = ("GET", "POST")


# --- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outside:
    """A record outside the signed-in user's scope: the URL's values, and the rows that must not change."""

    values: dict[str, int]
    rows: tuple[object, ...]


@dataclass(frozen=True)
class PerRecord:
    """Some roles reach only some records of this kind."""

    limited_roles: Callable[[str], frozenset[Role]]  # the route's permission -> roles limited to some records
    outside: Callable[[User], Outside]  # make a record the signed-in user may not reach
    refused_with: int  # 403 where the user may know the record exists (DESIGN.md), 404 where not
    helper: tuple[object, str]  # (module, function) every such route must call
    helper_arguments: Callable[[dict[str, int]], tuple]  # what the route must pass it, between user and need
    # For a record under a parent (a warning of a case): the parent in the URL with a child of another
    # parent, which must be 404 even to a user who sees both parents.
    under_another_parent: Callable[[], Outside] | None = None


@dataclass(frozen=True)
class NoPerRecordScope:
    """Whoever holds the route's permission reaches every record of this kind: the route permission
    (test_route_permissions.py) is the whole check."""

    why: str


def limited_to(*roles: Role) -> Callable[[str], frozenset[Role]]:
    return lambda permission: frozenset(roles)


def limited_for(permissions: dict[str, frozenset[Role]]) -> Callable[[str], frozenset[Role]]:
    return lambda permission: permissions.get(permission, frozenset())


def _other_department_case() -> PolicyCase:
    """A case of another department, far enough along (a sanction) that every case page, the
    outcome letter included, has something to show: only the scope check may refuse it."""
    case = factories.make_case(factories.make_department())
    db.session.add(CaseSanction(case_id=case.id, sanction="final_written_warning", decided_on=date(2026, 11, 25)))
    db.session.commit()
    return case


def case_elsewhere(user: User) -> Outside:
    case = _other_department_case()
    return Outside({"case_id": case.id}, (case,))


def _evidence_of(case: PolicyCase) -> CaseEvidence:
    # The file is really there, so that only the scope check stands between the user and it.
    upload = CheckedUpload(filename="statement.txt", media_type="text/plain", data=b"Signed statement")
    return CaseEvidence(case_id=case.id, sha256=store(upload), original_name=upload.filename, size=len(upload.data),
                        media_type=upload.media_type)


def _warning_of(case: PolicyCase) -> CaseWarning:
    return CaseWarning(case_id=case.id, employee_id=case.employee_id, warning_type="written",
                       wording="You shared your password.", issued_on=date(2026, 11, 5), valid_until=date(2027, 5, 5))


def _notice_of(case: PolicyCase) -> CaseHearingNotice:
    return CaseHearingNotice(case_id=case.id, issued_on=date(2026, 11, 10), hearing_on=date(2026, 11, 20),
                             venue="Boardroom 2", language="English")


def _revocation_of(case: PolicyCase) -> CaseRevocation:
    return CaseRevocation(case_id=case.id, resources_json='["internet"]', starts_on=date(2026, 11, 10),
                          ends_on=date(2026, 11, 24), no_harm_confirmed=True)


def _training_of(case: PolicyCase) -> CaseTraining:
    return CaseTraining(case_id=case.id, course="Password hygiene", due_on=date(2026, 12, 31))


def _allegation_of(case: PolicyCase) -> CaseAllegation:
    return CaseAllegation(case_id=case.id, text="Shared a password with a contractor.")


def part_elsewhere(argument: str, build: Callable[[PolicyCase], object]) -> Callable[[User], Outside]:
    def make(user: User) -> Outside:
        case = _other_department_case()
        part = build(case)
        db.session.add(part)
        db.session.commit()
        return Outside({"case_id": case.id, argument: part.id}, (case, part))

    return make


def part_of_another_case(argument: str, build: Callable[[PolicyCase], object]) -> Callable[[], Outside]:
    def make() -> Outside:
        department = factories.make_department()
        case, other_case = factories.make_case(department), factories.make_case(department)
        part = build(other_case)
        db.session.add(part)
        db.session.commit()
        return Outside({"case_id": case.id, argument: part.id}, (case, other_case, part))

    return make


def employee_elsewhere(user: User) -> Outside:
    employee = factories.make_employee(department=factories.make_department())
    return Outside({"employee_id": employee.id}, (employee,))


def someone_elses_report(user: User) -> Outside:
    from tests.incidents.helpers import reported
    incident = reported(factories.make_user("manager"))
    db.session.commit()
    return Outside({"report_id": incident.id}, (incident,))


def someone_elses_risk(user: User) -> Outside:
    risk = factories.make_risk(owner=factories.make_user("risk_owner"))
    return Outside({"risk_id": risk.id}, (risk,))


def someone_elses_action(user: User) -> Outside:
    risk = factories.make_risk(owner=factories.make_user("risk_owner"))
    action = factories.make_treatment_action(risk)
    return Outside({"risk_id": risk.id, "action_id": action.id}, (risk, action))


def action_of_another_risk() -> Outside:
    owner = factories.make_user("risk_owner")
    risk, other_risk = factories.make_risk(owner=owner), factories.make_risk(owner=owner, title="Phishing")
    action = factories.make_treatment_action(other_risk)
    return Outside({"risk_id": risk.id, "action_id": action.id}, (risk, other_risk, action))


def _nonconformity_with_action(title: str = "Access reviews not done"):
    officer = factories.make_user("security_officer")
    nonconformity = nonconformity_services.raise_nonconformity(nonconformity_services.NonconformityInput(
        title=title, description="None in 2026.", source="self_identified", severity="minor"), actor=officer)
    action = nonconformity_services.add_action(nonconformity, title="Review quarterly", actor=officer,
                                               owner_id=factories.make_user("risk_owner").id, due_on=date(2027, 1, 31))
    db.session.commit()
    return nonconformity, action


def someone_elses_corrective_action(user: User) -> Outside:
    nonconformity, action = _nonconformity_with_action()
    return Outside({"nonconformity_id": nonconformity.id, "action_id": action.id}, (nonconformity, action))


def corrective_action_of_another_nonconformity() -> Outside:
    nonconformity, _ = _nonconformity_with_action()
    other, action = _nonconformity_with_action("Backups not tested")
    return Outside({"nonconformity_id": nonconformity.id, "action_id": action.id}, (nonconformity, other, action))


def someone_elses_notification(user: User) -> Outside:
    notification = factories.make_notification(factories.make_user("auditor"))
    return Outside({"notification_id": notification.id}, (notification,))


def someone_elses_document(user: User) -> Outside:
    document = PreparedDocument(report="treatment_plan", params_json="{}", title="Risk treatment plan",
                                scope_label="All departments", requested_by_id=factories.make_user("auditor").id)
    db.session.add(document)
    db.session.commit()
    return Outside({"document_id": document.id}, (document,))


def someone_elses_objective(user: User) -> Outside:
    objective = objective_services.create_objective(objective_services.ObjectiveInput(
        title="Raise staff security awareness", due_on=date(2027, 3, 31), owner_id=factories.make_user("risk_owner").id,
        plan="Campaigns.", evaluation="Click rate."), actor=None)
    db.session.commit()
    return Outside({"objective_id": objective.id}, (objective,))


def metric_someone_else_measures(user: User | None, title: str = "Phishing click rate") -> Outside:
    metric = objective_services.create_metric(objective_services.MetricInput(
        title=title, target=5, description="Clicks.", method="Clicks over e-mails.",
        measurer_id=factories.make_user("risk_owner").id, evaluator_id=factories.make_user("security_officer").id),
        actor=None)
    db.session.commit()
    return Outside({"metric_id": metric.id}, (metric,))


def measurement_someone_else_records(user: User) -> Outside:
    outside = metric_someone_else_measures(user)
    [metric] = outside.rows
    measurement = objective_services.record_measurement(metric, on=date(2026, 11, 3), value=7, note="",
                                                        actor=metric.measurer, today=date(2026, 11, 30))
    db.session.commit()
    return Outside({"metric_id": metric.id, "measurement_id": measurement.id}, (metric, measurement))


def measurement_of_another_metric() -> Outside:
    first, second = (metric_someone_else_measures(None, title).rows[0] for title in ("Click rate", "Patch rate"))
    measurement = objective_services.record_measurement(second, on=date(2026, 11, 3), value=7, note="",
                                                        actor=second.measurer, today=date(2026, 11, 30))
    db.session.commit()
    return Outside({"metric_id": first.id, "measurement_id": measurement.id}, (first, second, measurement))


def _review_chaired_by_someone_else() -> object:
    chair = factories.make_user("risk_owner")
    review = review_services.create_review(review_services.ReviewInput(
        title="Management review 2026", meeting_on=date(2026, 3, 10), chair_id=chair.id, attendee_ids=[]), actor=None)
    db.session.commit()
    return review


def someone_elses_review(user: User) -> Outside:
    review = _review_chaired_by_someone_else()
    return Outside({"review_id": review.id}, (review,))


def _action_of(review, owner: User) -> ReviewAction:
    action = review_services.add_action(review, review_services.ActionInput(
        "Fund a SOC.", "Write the business case", owner.id, date(2026, 6, 30)), actor=None)
    db.session.commit()
    return action


def someone_elses_review_action(user: User) -> Outside:
    review = _review_chaired_by_someone_else()
    action = _action_of(review, factories.make_user("manager"))
    return Outside({"review_id": review.id, "action_id": action.id}, (review, action))


def review_action_of_another_review() -> Outside:
    review, other = _review_chaired_by_someone_else(), _review_chaired_by_someone_else()
    action = _action_of(other, factories.make_user("manager"))
    return Outside({"review_id": review.id, "action_id": action.id}, (review, other, action))


# A management review is read whole by every holder of review.view; approving it needs its own chair
# (or review.manage), and an action's progress its own owner (or review.manage).
REVIEW_CHAIR_OR_OWNER_ONLY = limited_for({REVIEW_APPROVE: frozenset({Role.RISK_OWNER, Role.MANAGER}),
                                          REVIEW_ACTION_UPDATE: frozenset({Role.RISK_OWNER, Role.MANAGER})})

def _audit_in_progress(lead: User):
    """An internal audit in progress, its lead `lead`, with one checklist line (clause 9.2)."""
    from app.internal_audits import services as audit_services

    officer = factories.make_user("security_officer")
    programme = audit_services.save_programme(None, audit_services.ProgrammeInput(
        starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31)), expected_version=None, actor=officer)
    internal_audit = audit_services.plan_audit(audit_services.AuditInput(
        title="ISMS clauses", criteria="ISO/IEC 27001:2022", planned_start=date(2026, 11, 2),
        planned_end=date(2026, 11, 6), lead_auditor_id=lead.id, clauses=["9.2"]), actor=officer,
        today=date(2026, 11, 1))
    audit_services.start_audit(internal_audit, expected_version=internal_audit.version, actor=lead,
                               today=date(2026, 11, 2))
    db.session.commit()
    return programme, internal_audit


def someone_elses_audit(user: User) -> Outside:
    programme, internal_audit = _audit_in_progress(factories.make_user("manager"))
    return Outside({"audit_id": internal_audit.id}, (programme, internal_audit))


def someone_elses_audit_line(user: User) -> Outside:
    programme, internal_audit = _audit_in_progress(factories.make_user("manager"))
    return Outside({"audit_id": internal_audit.id, "line_id": internal_audit.lines[0].id},
                   (programme, internal_audit, internal_audit.lines[0]))


def line_of_another_audit() -> Outside:
    lead = factories.make_user("manager")
    programme, internal_audit = _audit_in_progress(lead)
    from app.internal_audits import services as audit_services

    other = audit_services.plan_audit(audit_services.AuditInput(
        title="Another", criteria="ISO/IEC 27001:2022", planned_start=date(2026, 11, 9),
        planned_end=date(2026, 11, 13), lead_auditor_id=lead.id, clauses=["4.1"]), actor=lead,
        today=date(2026, 11, 1))
    db.session.commit()
    return Outside({"audit_id": internal_audit.id, "line_id": other.lines[0].id},
                   (programme, internal_audit, other, other.lines[0]))


def someone_elses_service(user: User) -> Outside:
    """A business impact analysis owned by another user (issue 20, part 3)."""
    from app.assets.models import Asset
    from app.continuity.models import ImpactArea

    item = Asset(tag="APP-OTHER", name="DOI - Enquiry Logging System", kind="application", status="in_use")
    db.session.add(item)
    db.session.flush()
    analysis = continuity_services.create_analysis(continuity_services.AnalysisInput(
        asset_id=item.id, rto_hours=24, rpo_hours=24, mtd_hours=72, impacts={a.column: 3 for a in ImpactArea},
        analysed_on=date(2026, 1, 5), review_on=date(2027, 1, 5), owner_id=factories.make_user("risk_owner").id),
        actor=None, today=date(2026, 1, 5))
    db.session.commit()
    return Outside({"analysis_id": analysis.id}, (analysis, item))


# Everyone who reads internal audits reads them all; conducting one (its checklist, raising its findings,
# issuing its report) is for its lead auditor and team only, whatever the role.
AUDIT_TEAM_ONLY = limited_for({INTERNAL_AUDIT_CONDUCT: ROLE_PERMISSIONS[INTERNAL_AUDIT_CONDUCT]})
INTERNAL_AUDIT = {"limited_roles": AUDIT_TEAM_ONLY, "refused_with": 403}


def someone_elses_supplier(user: User) -> Outside:
    supplier = supplier_services.create_supplier(supplier_services.SupplierInput(
        name="Major cloud service provider 1", owner_id=factories.make_user("risk_owner").id), actor=None)
    db.session.commit()
    return Outside({"supplier_id": supplier.id}, (supplier,))


# A manager sees the cases of their own department only (cases.services.visibility); the other
# case roles see every case.
CASE = {"limited_roles": limited_to(Role.MANAGER), "refused_with": 403,
        "helper": (case_services, "get_case_or_403")}


def case_part(argument: str, part_type: type, build: Callable[[PolicyCase], object]) -> PerRecord:
    return PerRecord(**{**CASE, "helper": (case_services, "get_case_part_or_403")},
                     outside=part_elsewhere(argument, build),
                     helper_arguments=lambda values: (values["case_id"], part_type, values[argument]),
                     under_another_parent=part_of_another_case(argument, build))


# A risk owner edits only their own risks; accepting needs an authority over the risk (risks.authority):
# its owner's, its department head's, an accounting officer's, so an administrator without one is refused
# like a risk owner of another risk; only a risk's own owner (an administrator too) approves its plan.
RISK_OWNER_OWN_ONLY = limited_for({RISK_EDIT: frozenset({Role.RISK_OWNER}),
                                   RISK_ACCEPT: frozenset({Role.RISK_OWNER, Role.ADMIN}),
                                   RISK_APPROVE_PLAN: frozenset({Role.RISK_OWNER, Role.ADMIN})})

OWNERS_AND_MEASURERS = frozenset({Role.RISK_OWNER, Role.MANAGER})

# Keyed by a rule's arguments in URL order (the same argument can name a different record under
# another parent: cases' evidence_id is not controls' evidence_id).
RECORDS: dict[tuple[str, ...], PerRecord | NoPerRecordScope] = {
    ("case_id",): PerRecord(**CASE, outside=case_elsewhere, helper_arguments=lambda values: (values["case_id"],)),
    ("case_id", "evidence_id"): case_part("evidence_id", CaseEvidence, _evidence_of),
    ("case_id", "warning_id"): case_part("warning_id", CaseWarning, _warning_of),
    ("case_id", "notice_id"): case_part("notice_id", CaseHearingNotice, _notice_of),
    ("case_id", "revocation_id"): case_part("revocation_id", CaseRevocation, _revocation_of),
    ("case_id", "training_id"): case_part("training_id", CaseTraining, _training_of),
    ("case_id", "allegation_id"): case_part("allegation_id", CaseAllegation, _allegation_of),
    # A manager sees the employees of their own department (employees.services.may_see).
    ("employee_id",): PerRecord(limited_roles=limited_to(Role.MANAGER), outside=employee_elsewhere, refused_with=403,
                                helper=(employee_services, "get_employee_or_403"),
                                helper_arguments=lambda values: (values["employee_id"],)),
    # Everyone who reads the register reads every risk; a risk owner edits and accepts only their own.
    ("risk_id",): PerRecord(limited_roles=RISK_OWNER_OWN_ONLY, outside=someone_elses_risk, refused_with=403,
                            helper=(risk_services, "get_risk_or_403"),
                            helper_arguments=lambda values: (values["risk_id"],)),
    ("risk_id", "action_id"): PerRecord(limited_roles=RISK_OWNER_OWN_ONLY, outside=someone_elses_action,
                                        refused_with=403, helper=(risk_services, "get_action_or_403"),
                                        helper_arguments=lambda values: (values["risk_id"], values["action_id"]),
                                        under_another_parent=action_of_another_risk),
    # Every user has notifications, and sees only their own: someone else's is as good as missing.
    ("notification_id",): PerRecord(limited_roles=limited_to(*Role), outside=someone_elses_notification,
                                    refused_with=404, helper=(notification_services, "get_notification_or_404"),
                                    helper_arguments=lambda values: (values["notification_id"],)),
    # A PDF report asked for is its requester's alone: someone else's is as good as missing.
    ("document_id",): PerRecord(limited_roles=limited_to(*Role), outside=someone_elses_document, refused_with=404,
                                helper=(prepared, "get_document_or_404"),
                                helper_arguments=lambda values: (values["document_id"],)),
    # Every reader reads every objective and metric; a risk owner or manager updates the status of the
    # objectives they own and records the metrics they are named to measure (objective.edit: every one).
    ("objective_id",): PerRecord(limited_roles=limited_for({OBJECTIVE_STATUS: OWNERS_AND_MEASURERS}),
                                 outside=someone_elses_objective, refused_with=403,
                                 helper=(objective_services, "get_objective_or_403"),
                                 helper_arguments=lambda values: (values["objective_id"],)),
    ("metric_id",): PerRecord(limited_roles=limited_for({MEASUREMENT_RECORD: OWNERS_AND_MEASURERS}),
                              outside=metric_someone_else_measures, refused_with=403,
                              helper=(objective_services, "get_metric_or_403"),
                              helper_arguments=lambda values: (values["metric_id"],)),
    ("metric_id", "measurement_id"): PerRecord(
        limited_roles=limited_for({MEASUREMENT_RECORD: OWNERS_AND_MEASURERS}),
        outside=measurement_someone_else_records, refused_with=403,
        helper=(objective_services, "get_measurement_or_403"),
        helper_arguments=lambda values: (values["metric_id"], values["measurement_id"]),
        under_another_parent=measurement_of_another_metric),
    ("review_id",): PerRecord(limited_roles=REVIEW_CHAIR_OR_OWNER_ONLY, outside=someone_elses_review, refused_with=403,
                              helper=(review_services, "get_review_or_403"),
                              helper_arguments=lambda values: (values["review_id"],)),
    ("review_id", "action_id"): PerRecord(limited_roles=REVIEW_CHAIR_OR_OWNER_ONLY, outside=someone_elses_review_action,
                                          refused_with=403, helper=(review_services, "get_action_or_403"),
                                          helper_arguments=lambda values: (values["review_id"], values["action_id"]),
                                          under_another_parent=review_action_of_another_review),
    # Every role that reads the register reads every nonconformity (ISMS records, not personal ones); only
    # an action's owner, besides the register's editors, records its progress.
    # Security incidents (issue 20, part 1): a reporter reads their own reports only (/incidents/mine); the
    # register's readers read every incident, its handlers handle every one.
    ("report_id",): PerRecord(limited_roles=limited_for({INCIDENT_REPORT: ROLE_PERMISSIONS[INCIDENT_REPORT]}),
                              outside=someone_elses_report, refused_with=404,
                              helper=(incident_services, "get_own_report_or_404"),
                              helper_arguments=lambda values: (values["report_id"],)),
    ("incident_id",): NoPerRecordScope("Every holder of incident.view reads every incident; incident.handle "
                                       "(security officers, administrators) handles every one."),
    ("incident_id", "action_id"): NoPerRecordScope("A line of an incident's timeline: as incidents; one of "
                                                   "another incident is 404."),
    ("incident_id", "evidence_id"): NoPerRecordScope("An evidence item of an incident: as incidents; one of "
                                                     "another incident is 404."),
    ("nonconformity_id",): NoPerRecordScope("Every holder of nonconformity.view reads every nonconformity; the "
                                            "register's editors (nonconformity.edit) keep them all."),
    ("nonconformity_id", "action_id"): PerRecord(
        limited_roles=limited_for({NONCONFORMITY_VIEW: frozenset({Role.RISK_OWNER, Role.MANAGER, Role.AUDITOR})}),
        outside=someone_elses_corrective_action, refused_with=403,
        helper=(nonconformity_services, "get_action_or_403"),
        helper_arguments=lambda values: (values["nonconformity_id"], values["action_id"]),
        under_another_parent=corrective_action_of_another_nonconformity),
    ("nonconformity_id", "change_id"): NoPerRecordScope("A change to the ISMS a nonconformity caused: removed by the "
                                                        "register's editors only; another's is 404."),
    ("test_id",): NoPerRecordScope("A control test is part of the catalogue, read as a whole; raising its "
                                   "nonconformity is for the register's editors."),
    ("audit_id",): PerRecord(**INTERNAL_AUDIT, outside=someone_elses_audit,
                             helper=(internal_audit_services, "get_audit_or_403"),
                             helper_arguments=lambda values: (values["audit_id"],)),
    ("audit_id", "line_id"): PerRecord(**INTERNAL_AUDIT, outside=someone_elses_audit_line,
                                       helper=(internal_audit_services, "get_line_or_403"),
                                       helper_arguments=lambda values: (values["audit_id"], values["line_id"]),
                                       under_another_parent=line_of_another_audit),
    # Every reader reads every business impact analysis; a risk owner or manager updates, and records the tests
    # of, only the services they own (continuity.edit: all of them).
    ("analysis_id",): PerRecord(limited_roles=limited_for({CONTINUITY_UPDATE: frozenset({Role.RISK_OWNER,
                                                                                       Role.MANAGER})}),
                                outside=someone_elses_service, refused_with=403,
                                helper=(continuity_services, "get_analysis_or_403"),
                                helper_arguments=lambda values: (values["analysis_id"],)),
    ("analysis_id", "plan_id"): NoPerRecordScope("A service's plan: read by every reader, written by holders of "
                                                 "continuity.edit, all of them; another service's plan is 404."),
    ("analysis_id", "plan_id", "version_id"): NoPerRecordScope("A version of a plan: as plans."),
    ("analysis_id", "finding_id"): NoPerRecordScope("A test's finding, raised by holders of continuity.edit, all of "
                                                    "them; another service's finding is 404."),
    # Every reader reads every supplier; a risk owner or manager records the assessments and reviews of the
    # suppliers they own (supplier.edit: the register's editors, on every one).
    ("supplier_id",): PerRecord(limited_roles=limited_for({SUPPLIER_ASSESS: OWNERS_AND_MEASURERS}),
                                outside=someone_elses_supplier, refused_with=403,
                                helper=(supplier_services, "get_supplier_or_403"),
                                helper_arguments=lambda values: (values["supplier_id"],)),
    ("supplier_id", "assessment_id"): NoPerRecordScope("An assessment's evidence file: read by every holder of "
                                                       "supplier.view; another supplier's is 404 "
                                                       "(suppliers.services.assessment_of)."),
    ("pack_id",): NoPerRecordScope("Evidence packs are one shared list: every holder of pack.build (admin, "
                                   "security officer, auditor) sees the whole ISMS, and the list shows each pack "
                                   "with who asked for it."),
    ("asset_id",): NoPerRecordScope("The CMDB is read and kept as a whole by the holders of asset.view/asset.edit."),
    ("asset_id", "relation_id"): NoPerRecordScope("A relation of a configuration item: as the CMDB."),
    ("product_id",): NoPerRecordScope("The product list is reference data of the CMDB."),
    ("reported_id",): NoPerRecordScope("A year's portfolio as reported: organisation-wide, read on the portfolio "
                                       "page by every holder of asset.view, corrected by holders of asset.edit."),
    ("control_id",): NoPerRecordScope("The controls catalogue and the SoA are read as a whole."),
    ("evidence_id",): NoPerRecordScope("Control evidence is part of the catalogue, read as a whole."),
    ("file_id",): NoPerRecordScope("A file of control evidence: as the catalogue."),
    ("number",): NoPerRecordScope("An issued SoA version: read as a whole by holders of soa.view."),
    ("issue_id",): NoPerRecordScope("The ISMS's issues are read whole by every holder of context.view; only "
                                   "context.edit (admin, security officer) writes, to any of them."),
    ("party_id",): NoPerRecordScope("Interested parties: as the issues of the ISMS's context."),
    ("party_id", "requirement_id"): NoPerRecordScope("A requirement of an interested party: as parties; one of "
                                                     "another party is 404 (context.services.requirement_of)."),
    ("scope_number",): NoPerRecordScope("An issued version of the ISMS scope statement: read whole by holders of "
                                        "context.view."),
    ("role_id",): NoPerRecordScope("An ISMS role: as the context; only context.edit changes it."),
    ("role_id", "assignment_id"): NoPerRecordScope("Who holds an ISMS role: as roles; an appointment to another "
                                                   "role is 404 (context.services.assignment_of)."),
    ("policy_id",): NoPerRecordScope("Every role reads the policies in force; editors keep them all."),
    ("policy_id", "version_id"): NoPerRecordScope("A version of a policy: as policies."),
    ("policy_id", "version_id", "clause_id"): NoPerRecordScope("A clause of a policy version: as policies."),
    ("policy_id", "version_id", "reviewer_id"): NoPerRecordScope("A reviewer of a policy version: as policies."),
    ("policy_id", "version_id", "signature_id"): NoPerRecordScope("A signed scan of a policy's document-control row: "
                                                                  "as the signed document; another version's is 404."),
    ("policy_id", "sheet_id"): NoPerRecordScope("A signed acknowledgement sheet: only the roles that see every name "
                                                "may open it, and a sheet of another policy is 404."),
    ("user_id",): NoPerRecordScope("Accounts are administered by administrators only, all of them."),
    ("department_id",): NoPerRecordScope("Departments are administered by administrators only."),
    ("category_id",): NoPerRecordScope("Risk categories are settings, administered by administrators only."),
    ("job_id",): NoPerRecordScope("A scheduled job of the whole installation, run by administrators only."),
    ("campaign_id",): NoPerRecordScope("Awareness campaigns and their counts are read whole by every holder of "
                                       "awareness.view; the names on a campaign's page go through the employee "
                                       "register's scope (employees.services.visibility)."),
    ("campaign_id", "record_id"): NoPerRecordScope("A training record of a campaign: removed by holders of "
                                                   "awareness.edit, who see every employee; one of another "
                                                   "campaign is 404."),
    ("fmt",): NoPerRecordScope("Not a record: the file format of an import template."),
    ("filename",): NoPerRecordScope("Not a record: a static file of the application."),
}


# --- the walk ------------------------------------------------------------------------------------


def _arguments(rule) -> tuple[str, ...]:
    return tuple(ARGUMENT.findall(rule.rule))


def _url(rule, values: dict[str, object]) -> str:
    return ARGUMENT.sub(lambda match: str(values[match.group(1)]), rule.rule)


def _permission(rule) -> str | None:
    return getattr(_APP.view_functions[rule.endpoint], "required_permission", None)


RULES_WITH_IDS = sorted((rule for rule in _APP.url_map.iter_rules() if rule.arguments), key=lambda rule: rule.rule)
PER_RECORD_ROUTES = [
    (rule, method) for rule in RULES_WITH_IDS if isinstance(RECORDS.get(_arguments(rule)), PerRecord)
    for method in TESTED_METHODS if method in rule.methods
]
OUT_OF_SCOPE = [
    (rule, method, role)
    for rule, method in PER_RECORD_ROUTES
    for role in sorted(RECORDS[_arguments(rule)].limited_roles(_permission(rule)) & ROLE_PERMISSIONS[_permission(rule)])
]


def test_every_route_with_an_id_is_classified():
    unknown = [f"{rule.rule} (arguments {_arguments(rule)})" for rule in RULES_WITH_IDS
               if _arguments(rule) not in RECORDS]
    assert not unknown, (
        "Routes whose id arguments tests/auth/test_record_access.py RECORDS does not know: "
        + "; ".join(unknown) + ". Classify each: PerRecord (with a builder of a record outside a limited role's "
        "scope, and the services helper the route calls) or NoPerRecordScope(why)."
    )


def test_the_walk_covers_every_kind_of_per_record_scope():
    """A registry entry whose routes produce no case would protect nothing: keep them honest."""
    walked = {_arguments(rule) for rule, _, _ in OUT_OF_SCOPE}
    per_record = {key for key, entry in RECORDS.items() if isinstance(entry, PerRecord)}
    assert per_record <= walked, f"per-record kinds with no route walked: {per_record - walked}"


def _signed_in_user(role: Role) -> User:
    """A user of `role` with a department (a manager without one would see nothing, proving little)."""
    return factories.make_user(role.value, department=factories.make_department())


def _row_keys(outside: Outside) -> list[tuple[sa.Table, int]]:
    return [(type(row).__table__, row.id) for row in outside.rows]


def _database_state(keys: list[tuple[sa.Table, int]]) -> tuple:
    """Every table's row count (the audit log's too) and the rows of the record as they are stored."""
    db.session.expire_all()
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    rows = [db.session.execute(sa.select(table).where(table.c.id == row_id)).mappings().first()
            for table, row_id in keys]
    return counts, [dict(row) if row is not None else None for row in rows]


@pytest.mark.parametrize(("rule", "method", "role"), OUT_OF_SCOPE,
                         ids=[f"{rule.endpoint}-{method}-{role.value}" for rule, method, role in OUT_OF_SCOPE])
def test_a_record_outside_the_users_scope_is_refused_and_unchanged(client, login_as, rule, method, role):
    entry = RECORDS[_arguments(rule)]
    user = login_as(_signed_in_user(role))
    outside = entry.outside(user)
    keys = _row_keys(outside)
    before = _database_state(keys)

    response = client.open(_url(rule, outside.values), method=method, data={})

    expected = entry.refused_with
    assert response.status_code == expected, (
        f"{method} {rule.rule} as {role.value} reached a record outside their scope ({outside.values}): "
        f"status {response.status_code}, expected {expected}. The view must get the record through "
        f"{entry.helper[1]}(user, ..., need).")
    # Nothing written: no new row anywhere (the audit log included), the record itself as it was.
    assert _database_state(keys) == before, f"{method} {rule.rule} as {role.value} changed the database"


# --- every such route goes through its domain's helper ----------------------------------------


SPIED = [(rule, method) for rule, method in PER_RECORD_ROUTES]


@pytest.mark.parametrize(("rule", "method"), SPIED, ids=[f"{rule.endpoint}-{method}" for rule, method in SPIED])
def test_the_route_gets_its_record_through_the_domain_helper(client, login_as, monkeypatch, rule, method):
    """Also guards routes no limited role holds today (destroying a case, editing an employee): the
    check is in place before a role gains the permission. The helper must be asked for exactly the
    permission the route declares, and with the ids of the URL."""
    entry = RECORDS[_arguments(rule)]
    module, name = entry.helper
    calls = []

    def spy(user, *arguments):
        calls.append(arguments)
        abort(403)

    monkeypatch.setattr(module, name, spy)
    permission = _permission(rule)
    login_as(_role_holding(permission).value)
    values = {argument: 1000 + position for position, argument in enumerate(_arguments(rule))}

    response = client.open(_url(rule, values), method=method, data={})

    assert calls, f"{method} {rule.rule} never called {module.__name__}.{name}: every route taking this id must."
    assert calls[0] == (*entry.helper_arguments(values), permission), (
        f"{method} {rule.rule} called {name}{calls[0]}; expected the URL's ids and its permission {permission!r}.")
    assert response.status_code == 403


# --- a child record reached through another parent -------------------------------------------


def _role_holding(permission: str) -> Role:
    """Administrators hold every permission and see every record: only the rule under test can refuse."""
    return Role.ADMIN if Role.ADMIN in ROLE_PERMISSIONS[permission] else sorted(ROLE_PERMISSIONS[permission])[0]


UNDER_ANOTHER_PARENT = [(rule, method) for rule, method in PER_RECORD_ROUTES
                        if RECORDS[_arguments(rule)].under_another_parent is not None]


@pytest.mark.parametrize(("rule", "method"), UNDER_ANOTHER_PARENT,
                         ids=[f"{rule.endpoint}-{method}" for rule, method in UNDER_ANOTHER_PARENT])
def test_a_record_of_another_parent_is_404_and_unchanged(client, login_as, rule, method):
    """A case in scope must not open a door to another case's warning (nor a risk to another's action)."""
    login_as(_role_holding(_permission(rule)).value)
    crossed = RECORDS[_arguments(rule)].under_another_parent()
    keys = _row_keys(crossed)
    before = _database_state(keys)

    response = client.open(_url(rule, crossed.values), method=method, data={})

    status = response.status_code
    assert status == 404, f"{method} {rule.rule} with {crossed.values} (a child of another parent): {status}, not 404"
    assert _database_state(keys) == before, f"{method} {rule.rule} changed the database"
