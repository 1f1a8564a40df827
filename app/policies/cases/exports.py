"""The cases step by step, as app.policies.cases.importing reads them: a row per step (reported, the
decision, each warning with its signature or refusal, each revocation and its restoration, each
training and its completion, the disciplinary procedure's steps, closing), each row with its case's
own columns. A file downloaded here imports back unchanged: the import compares a case already in
Khusela with these same rows.

The disciplinary procedure (Schedule 8 / the 2025 Code: app.policies.cases.disciplinary) is a row per
step: the investigation (with its completion and findings), each precautionary suspension, the union
question, each allegation (with its finding), each notice of the hearing, the hearing, the sanction,
the written outcome, the appeal and its outcome. A step that went on past a fairness check carries
the reason on record in its Reason column. Not in the file: evidence files (a notice's translation
among them), and the reasons for a case spanning both codes or a suspension past its limit, which
belong to no one step."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.common.export import Column
from app.policies.cases import fairness
from app.policies.cases.models import AppealOutcome, Finding, PolicyCase, Resource, Sanction
from app.policies.cases.recommendation import SecurityRisk, Severity, WarningType


class Step(enum.StrEnum):
    """The file's Step column: what a row records."""

    REPORTED = "reported"
    DECIDED = "decided"
    MANAGEMENT_WARNING = "management_warning"
    WRITTEN_WARNING = "written_warning"
    FINAL_WRITTEN_WARNING = "final_written_warning"
    REVOKE_PRIVILEGES = "revoke_privileges"
    TRAINING = "training"
    DISCIPLINARY = "disciplinary"
    # The disciplinary procedure, in the order its steps follow one another.
    INVESTIGATION = "investigation"
    SUSPENSION = "suspension"
    UNION = "union"
    ALLEGATION = "allegation"
    NOTICE = "notice"
    HEARING = "hearing"
    SANCTION = "sanction"
    WRITTEN_OUTCOME = "written_outcome"
    APPEAL = "appeal"
    APPEAL_OUTCOME = "appeal_outcome"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"reported": "Reported", "decided": "Decision", "management_warning": "Warning from management",
                "written_warning": "Written warning", "final_written_warning": "Final written warning",
                "revoke_privileges": "Revoking privileges", "training": "Training",
                "disciplinary": "Disciplinary action", "investigation": "Investigation",
                "suspension": "Precautionary suspension", "union": "Union question", "allegation": "Allegation",
                "notice": "Notice of the hearing", "hearing": "Hearing", "sanction": "Sanction",
                "written_outcome": "Written outcome", "appeal": "Appeal", "appeal_outcome": "Appeal outcome",
                "closed": "Closed"}[self.value]


PROCEDURE_STEPS = (Step.INVESTIGATION, Step.SUSPENSION, Step.UNION, Step.ALLEGATION, Step.NOTICE, Step.HEARING,
                   Step.SANCTION, Step.WRITTEN_OUTCOME, Step.APPEAL, Step.APPEAL_OUTCOME)


WARNING_STEPS = {WarningType.MANAGEMENT: Step.MANAGEMENT_WARNING, WarningType.WRITTEN: Step.WRITTEN_WARNING,
                 WarningType.FINAL_WRITTEN: Step.FINAL_WRITTEN_WARNING}
# On one day: reported, then decided, then the steps, the procedure's in its own order, then closed (the
# import's order too: app.policies.cases.importing.Kind).
DAY_ORDER = {Step.REPORTED: 0, Step.DECIDED: 1} | {step: 3 + index for index, step in enumerate(PROCEDURE_STEPS)} | {
    Step.INVESTIGATION: 2, Step.SUSPENSION: 2, Step.CLOSED: 20}

# What the file's "Confirmed" column lists for a step: the statements that hold, by these words.
NOTICE_CONFIRMS = {"allegations_included": "allegations stated", "representation_stated": "representation stated",
                   "interpreter_stated": "interpreter stated", "dismissal_possible": "dismissal possible"}
HEARING_CONFIRMS = {"employee_present": "employee present"}
SANCTION_CONFIRMS = {"rule_existed": "rule existed", "rule_valid": "rule valid", "rule_known": "rule known",
                     "consistently_applied": "consistently applied", "sanction_appropriate": "sanction appropriate",
                     "representations_on_sanction": "representations on sanction",
                     "wrongdoing_acknowledged": "wrongdoing acknowledged"}
CLEAN_RECORD, RECORD_NOT_CLEAN = "clean record", "record not clean"
OUTCOME_CONFIRMS = {"referral_notice_given": "referral notice given"}
APPEAL_CONFIRMS = {"chair_senior": "chair senior"}
NOT_A_REPRESENTATIVE = "None"  # the union question's Details: the employee holds no union office

# The fairness checks each step's service may go on past with a reason (app.policies.cases.fairness):
# the reasons on record are put back on the row of the step that gave them.
STEP_CHECKS = {
    Step.INVESTIGATION: {fairness.DATED_BEFORE_REPORT}, Step.SUSPENSION: {fairness.DATED_BEFORE_REPORT},
    Step.NOTICE: {fairness.NOTICE_PERIOD, fairness.NOTICE_ALLEGATIONS, fairness.NOTICE_REPRESENTATION,
                  fairness.DATED_BEFORE_DECISION},
    Step.HEARING: {fairness.NOTICE_PERIOD},
    Step.SANCTION: {fairness.SUBSTANTIVE_FAIRNESS, fairness.SANCTION_REPRESENTATIONS, fairness.DISMISSAL_REASONS,
                    fairness.NOTICE_DISMISSAL, fairness.POLICY_NOT_ACKNOWLEDGED, fairness.LIGHTER_SIMILAR_SANCTIONS},
    Step.WRITTEN_OUTCOME: {fairness.DISMISSAL_REFERRAL},
    # Steps before the procedure that may be dated before the decision: their reasons are not in the file,
    # but they are told apart from the notice's.
    Step.MANAGEMENT_WARNING: {fairness.DATED_BEFORE_DECISION}, Step.WRITTEN_WARNING: {fairness.DATED_BEFORE_DECISION},
    Step.FINAL_WRITTEN_WARNING: {fairness.DATED_BEFORE_DECISION},
    Step.REVOKE_PRIVILEGES: {fairness.DATED_BEFORE_DECISION}, Step.TRAINING: {fairness.DATED_BEFORE_DECISION},
}


@dataclass(frozen=True)
class StepRow:
    """One row of the file: a step of `case` (the case itself, or as a redacted reader sees it)."""

    case: Any
    step: Step
    on: date | None
    until: date | None = None
    completed_on: date | None = None
    signed_on: date | None = None
    witness: str = ""
    details: str = ""
    note: str = ""
    reason: str = ""
    # The disciplinary procedure's cells (app.policies.cases.importing.COLUMNS says what each holds).
    person: str = ""
    position: str = ""
    review_on: date | None = None
    hearing_on: date | None = None
    time: str = ""
    venue: str = ""
    language: str = ""
    issued_by: str = ""
    attendees: str = ""
    representative: str = ""
    interpreter: str = ""
    result: str = ""
    sanction: str = ""
    confirmed: str = ""
    service_years: int | None = None
    rule_importance: str = ""
    harm_caused: str = ""
    business_impact: str = ""


def resources_cell(revocation) -> str:
    """The resources revoked by their labels, "; " between them; an application with its CMDB tag and
    another resource with what it is, after a colon (as the import reads them)."""
    parts = []
    for resource in revocation.resources:
        if resource == Resource.APPLICATION and revocation.asset is not None:
            parts.append(f"{resource.label}: {revocation.asset.tag}")
        elif resource == Resource.OTHER:
            parts.append(f"{resource.label}: {revocation.other_resource}")
        else:
            parts.append(resource.label)
    return "; ".join(parts)


def case_steps(case: PolicyCase) -> list[StepRow]:
    """The case's rows, by date (the training's is the decision's: Khusela keeps no date of its own for
    assigning it)."""
    rows = [StepRow(case, Step.REPORTED, case.reported_on)]
    if case.decided is not None:
        rows.append(StepRow(case, Step.DECIDED, case.decided_on, details=case.decided.label,
                            reason=case.decision_reason))
    rows += [StepRow(case, WARNING_STEPS[warning.type_enum], warning.issued_on, signed_on=warning.acknowledged_on,
                     witness=warning.witness_name if warning.refused_to_sign else "", details=warning.wording)
             for warning in case.warnings]
    rows += [StepRow(case, Step.REVOKE_PRIVILEGES, revocation.starts_on, until=revocation.ends_on,
                     completed_on=revocation.restored_on, details=resources_cell(revocation),
                     note=revocation.no_harm_note) for revocation in case.revocations]
    rows += [StepRow(case, Step.TRAINING, case.decided_on, until=training.due_on, completed_on=training.completed_on,
                     details=training.course, note=training.provider) for training in case.trainings]
    rows += procedure_steps(case)
    if case.closed_on is not None:
        rows.append(StepRow(case, Step.CLOSED, case.closed_on, details=case.outcome))
    return with_reasons(case, sorted(rows, key=lambda row: (row.on or date.min, DAY_ORDER.get(row.step, 2))))


def confirmed(record, statements: dict[str, str]) -> str:
    """The statements that hold for `record`, "; " between them (the file's Confirmed column)."""
    return "; ".join(words for name, words in statements.items() if getattr(record, name))


def _label(enum_type, value: str | None) -> str:
    return enum_type(value).label if value else ""


def procedure_steps(case: PolicyCase) -> list[StepRow]:
    """The disciplinary procedure's rows. Khusela keeps no date of the union question's answer (unless
    the union was informed) nor of an allegation: their rows take the day of the step they had to come
    before (the first notice, else the investigation's)."""
    investigation, union, sanction, appeal = case.investigation, case.union_consultation, case.sanction, case.appeal
    rows: list[StepRow] = []
    if investigation is not None:
        rows.append(StepRow(case, Step.INVESTIGATION, investigation.started_on, completed_on=investigation.completed_on,
                            person=investigation.investigator, details=investigation.findings))
    rows += [StepRow(case, Step.SUSPENSION, suspension.starts_on, until=suspension.ends_on,
                     review_on=suspension.review_on, details=suspension.reasons) for suspension in case.suspensions]
    by_then = (case.notices[0].issued_on if case.notices else None) or (
        investigation.completed_on or investigation.started_on if investigation else case.decided_on)
    if union is not None:
        rows.append(StepRow(case, Step.UNION, union.informed_on or by_then,
                            details=union.union_name if union.union_representative else NOT_A_REPRESENTATIVE,
                            person=union.informed_whom, note=union.notes))
    rows += [StepRow(case, Step.ALLEGATION, by_then, details=allegation.text,
                     result=_label(Finding, allegation.finding), note=allegation.finding_reasons)
             for allegation in case.allegations]
    rows += [StepRow(case, Step.NOTICE, notice.issued_on, hearing_on=notice.hearing_on, time=notice.hearing_time,
                     venue=notice.venue, language=notice.language, person=notice.chair, issued_by=notice.issued_by_name,
                     position=notice.issued_by_position, confirmed=confirmed(notice, NOTICE_CONFIRMS))
             for notice in case.notices]
    if (hearing := case.hearing) is not None:
        rows.append(StepRow(case, Step.HEARING, hearing.held_on, person=hearing.chair, attendees=hearing.attendees,
                            representative=hearing.representative, interpreter=hearing.interpreter,
                            details=hearing.employee_response, note=hearing.evidence_summary,
                            confirmed=confirmed(hearing, HEARING_CONFIRMS)))
    if sanction is not None:
        record = {None: [], True: [CLEAN_RECORD], False: [RECORD_NOT_CLEAN]}[sanction.clean_record]
        rows.append(StepRow(case, Step.SANCTION, sanction.decided_on, sanction=_label(Sanction, sanction.sanction),
                            details=sanction.reasons, note=sanction.record_weighed,
                            confirmed="; ".join([*filter(None, [confirmed(sanction, SANCTION_CONFIRMS)]), *record]),
                            service_years=sanction.service_years, rule_importance=sanction.rule_importance,
                            harm_caused=sanction.harm_caused, business_impact=sanction.business_impact))
        if sanction.outcome_issued_on is not None:
            rows.append(StepRow(case, Step.WRITTEN_OUTCOME, sanction.outcome_issued_on,
                                confirmed=confirmed(sanction, OUTCOME_CONFIRMS)))
    if appeal is not None:
        rows.append(StepRow(case, Step.APPEAL, appeal.lodged_on, details=appeal.grounds))
        if appeal.outcome is not None:
            rows.append(StepRow(case, Step.APPEAL_OUTCOME, appeal.outcome_on,
                                result=_label(AppealOutcome, appeal.outcome),
                                sanction=_label(Sanction, appeal.varied_sanction), details=appeal.outcome_reasons,
                                person=appeal.chair, position=appeal.chair_position,
                                confirmed=confirmed(appeal, APPEAL_CONFIRMS)))
    return rows


def with_reasons(case: PolicyCase, rows: list[StepRow]) -> list[StepRow]:
    """The rows with the reasons to go on past a fairness check on the procedure's steps that gave them.
    One step's service keeps one reason for all the checks it went past (consecutive overrides of one
    reason): each such group goes to the first step from the last one matched on that could raise its
    checks."""
    groups: list[tuple[str, set[str]]] = []
    for override in case.fairness_overrides:
        if groups and groups[-1][0] == override.reason and override.check not in groups[-1][1]:
            groups[-1][1].add(override.check)
        else:
            groups.append((override.reason, {override.check}))
    rows, start = list(rows), 0
    for reason, checks in groups:
        found = next((index for index in [*range(start, len(rows)), *range(start)]
                      if checks <= STEP_CHECKS.get(rows[index].step, set()) and not rows[index].reason), None)
        if found is None:
            continue  # a reason of the whole case (both codes), or of a suspension past its limit
        if rows[found].step in PROCEDURE_STEPS:
            rows[found] = replace(rows[found], reason=reason)
        start = found + 1
    return rows


def step_columns(employee_number: Callable[[Any], str]) -> list[Column]:
    """The import's columns (app.policies.cases.importing.COLUMNS), in its order; `employee_number` gives
    the number as the reader may see it (none for a reader who sees the case under a pseudonym)."""
    return [
        Column("Case", lambda r: r.case.reference, 16),
        Column("Employee number", lambda r: employee_number(r.case), 16),
        Column("Policy", lambda r: r.case.policy_version.policy.code, 14),
        Column("Clause", lambda r: r.case.clause.reference if r.case.clause else "", 8),
        Column("Incident date", lambda r: r.case.incident_on, 12),
        Column("Reported on", lambda r: r.case.reported_on, 12),
        Column("Description", lambda r: r.case.description, 40),
        Column("Severity", lambda r: Severity(r.case.severity).label, 10),
        Column("Security risk", lambda r: SecurityRisk(r.case.security_risk).label, 10),
        Column("Step", lambda r: r.step.label, 22),
        Column("Date", lambda r: r.on, 12),
        Column("Until", lambda r: r.until, 12),
        Column("Completed on", lambda r: r.completed_on, 12),
        Column("Signed on", lambda r: r.signed_on, 12),
        Column("Witness", lambda r: r.witness, 20),
        Column("Details", lambda r: r.details, 40),
        Column("Note", lambda r: r.note, 30),
        Column("Reason", lambda r: r.reason, 30),
        Column("Person", lambda r: r.person, 24),
        Column("Position", lambda r: r.position, 20),
        Column("Review on", lambda r: r.review_on, 12),
        Column("Hearing on", lambda r: r.hearing_on, 12),
        Column("Time", lambda r: r.time, 6),
        Column("Venue", lambda r: r.venue, 24),
        Column("Language", lambda r: r.language, 12),
        Column("Issued by", lambda r: r.issued_by, 20),
        Column("Attendees", lambda r: r.attendees, 30),
        Column("Representative", lambda r: r.representative, 20),
        Column("Interpreter", lambda r: r.interpreter, 20),
        Column("Result", lambda r: r.result, 12),
        Column("Sanction", lambda r: r.sanction, 20),
        Column("Confirmed", lambda r: r.confirmed, 40),
        Column("Service years", lambda r: r.service_years, 8),
        Column("Rule importance", lambda r: r.rule_importance, 30),
        Column("Harm caused", lambda r: r.harm_caused, 30),
        Column("Business impact", lambda r: r.business_impact, 30),
    ]


# As Khusela holds them: what the import compares a case already in Khusela with.
STEP_COLUMNS = step_columns(lambda case: case.employee.number)
