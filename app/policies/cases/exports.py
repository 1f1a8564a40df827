"""The cases step by step, as app.policies.cases.importing reads them: a row per step (reported, the
decision, each warning with its signature or refusal, each revocation and its restoration, each
training and its completion, closing), each row with its case's own columns. A file downloaded here
imports back unchanged: the import compares a case already in Khusela with these same rows.

The disciplinary procedure (investigation, notice, hearing, sanction, appeal) is not in the file:
the import records the decision to take disciplinary action, and the procedure is recorded on the
case's page (README, "Importing cases")."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.common.export import Column
from app.policies.cases.models import PolicyCase, Resource
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
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"reported": "Reported", "decided": "Decision", "management_warning": "Warning from management",
                "written_warning": "Written warning", "final_written_warning": "Final written warning",
                "revoke_privileges": "Revoking privileges", "training": "Training",
                "disciplinary": "Disciplinary action", "closed": "Closed"}[self.value]


WARNING_STEPS = {WarningType.MANAGEMENT: Step.MANAGEMENT_WARNING, WarningType.WRITTEN: Step.WRITTEN_WARNING,
                 WarningType.FINAL_WRITTEN: Step.FINAL_WRITTEN_WARNING}
# On one day: reported, then decided, then the steps, then closed (the import's order too).
_DAY_ORDER = {Step.REPORTED: 0, Step.DECIDED: 1, Step.CLOSED: 3}


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
    if case.closed_on is not None:
        rows.append(StepRow(case, Step.CLOSED, case.closed_on, details=case.outcome))
    return sorted(rows, key=lambda row: (row.on or date.min, _DAY_ORDER.get(row.step, 2)))


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
    ]


# As Khusela holds them: what the import compares a case already in Khusela with.
STEP_COLUMNS = step_columns(lambda case: case.employee.number)
