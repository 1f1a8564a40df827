"""Which corrective action a policy violation calls for: a plain function over plain values, so the
rule can be read, tested and explained to the employee and, later, to a commissioner.

The municipal ICT policy's ladder, lightest first: a warning from management (verbal, counselling)
→ a written warning in the personnel file → revoking privileges for a limited period → training →
disciplinary action under the Code of Good Practice (Schedule 8 of the LRA until 4 September 2025).
The starting rung comes from the case's severity and security risk (a matrix kept as a setting);
each earlier warning still valid moves it one rung up — progressive discipline (Sch 8 item 3) —
and a final written warning still valid means the next step is disciplinary action. Expired
warnings do not count."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SecurityRisk(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Action(enum.StrEnum):
    """The corrective actions, in the order of the ladder."""

    MANAGEMENT_WARNING = "management_warning"
    WRITTEN_WARNING = "written_warning"
    REVOKE_PRIVILEGES = "revoke_privileges"
    TRAINING = "training"
    DISCIPLINARY = "disciplinary"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]

    @property
    def rung(self) -> int:
        return LADDER.index(self)


ACTION_LABELS = {
    Action.MANAGEMENT_WARNING: "Warning from management",
    Action.WRITTEN_WARNING: "Written warning in the personnel file",
    Action.REVOKE_PRIVILEGES: "Revoking privileges",
    Action.TRAINING: "Training",
    Action.DISCIPLINARY: "Disciplinary action",
}
LADDER = list(Action)


class WarningType(enum.StrEnum):
    MANAGEMENT = "management"  # verbal warning or counselling from the manager, recorded
    WRITTEN = "written"
    FINAL_WRITTEN = "final_written"

    @property
    def label(self) -> str:
        return {"management": "Warning from management", "written": "Written warning",
                "final_written": "Final written warning"}[self.value]


# The product default (DOMAIN.md §3): Schedule 8 sets no validity period; common practice is
# verbal 3 months, written 6, final written 6 to 12. An admin setting, per type, in months.
DEFAULT_VALIDITY_MONTHS = {WarningType.MANAGEMENT: 3, WarningType.WRITTEN: 6, WarningType.FINAL_WRITTEN: 12}

# severity → security risk → starting action. Rises with both; anything critical is disciplinary.
DEFAULT_MATRIX: dict[Severity, dict[SecurityRisk, Action]] = {
    Severity.LOW: {SecurityRisk.LOW: Action.MANAGEMENT_WARNING, SecurityRisk.MEDIUM: Action.MANAGEMENT_WARNING,
                   SecurityRisk.HIGH: Action.WRITTEN_WARNING},
    Severity.MEDIUM: {SecurityRisk.LOW: Action.MANAGEMENT_WARNING, SecurityRisk.MEDIUM: Action.WRITTEN_WARNING,
                      SecurityRisk.HIGH: Action.REVOKE_PRIVILEGES},
    Severity.HIGH: {SecurityRisk.LOW: Action.WRITTEN_WARNING, SecurityRisk.MEDIUM: Action.REVOKE_PRIVILEGES,
                    SecurityRisk.HIGH: Action.TRAINING},
    Severity.CRITICAL: {SecurityRisk.LOW: Action.DISCIPLINARY, SecurityRisk.MEDIUM: Action.DISCIPLINARY,
                        SecurityRisk.HIGH: Action.DISCIPLINARY},
}


def matrix_setting(matrix: Mapping[Severity, Mapping[SecurityRisk, Action]]) -> dict[str, dict[str, str]]:
    """The matrix as stored in the settings table (plain strings)."""
    return {s.value: {r.value: Action(matrix[s][r]).value for r in SecurityRisk} for s in Severity}


def matrix_from_setting(stored: Mapping[str, Mapping[str, str]]) -> dict[Severity, dict[SecurityRisk, Action]]:
    """The stored matrix, with the default for any cell missing or unreadable (an older setting)."""
    matrix: dict[Severity, dict[SecurityRisk, Action]] = {}
    for severity in Severity:
        row = stored.get(severity.value, {}) if isinstance(stored, Mapping) else {}
        matrix[severity] = {}
        for risk in SecurityRisk:
            value = row.get(risk.value)
            try:
                matrix[severity][risk] = Action(value) if value is not None else DEFAULT_MATRIX[severity][risk]
            except ValueError:
                matrix[severity][risk] = DEFAULT_MATRIX[severity][risk]
    return matrix


@dataclass(frozen=True)
class EarlierWarning:
    """A warning the employee was given before (in any case), and until when it counts."""

    warning_type: WarningType
    issued_on: date
    valid_until: date
    case_reference: str = ""

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day <= self.valid_until


@dataclass(frozen=True)
class Recommendation:
    action: Action
    warning_type: WarningType | None  # for a written warning: written or final written
    reasons: list[str] = field(default_factory=list)
    counted: list[EarlierWarning] = field(default_factory=list)  # the still-valid warnings that moved it


def recommend(severity: Severity, security_risk: SecurityRisk, earlier: Iterable[EarlierWarning], *, on: date,
              matrix: Mapping[Severity, Mapping[SecurityRisk, Action]] = DEFAULT_MATRIX) -> Recommendation:
    """The corrective action for a violation on `on`, given the employee's earlier warnings."""
    start = Action(matrix[severity][security_risk])
    reasons = [f"{severity.label} severity and {security_risk.label.lower()} security risk: "
               f"{start.label.lower()} (the organisation's matrix)."]
    valid = sorted((w for w in earlier if w.valid_on(on)), key=lambda w: w.issued_on)
    expired = [w for w in earlier if not w.valid_on(on) and w.issued_on <= on]
    if expired:
        reasons.append(f"{len(expired)} earlier warning{'s' if len(expired) != 1 else ''} expired and "
                       f"{'do' if len(expired) != 1 else 'does'} not count.")
    if any(w.warning_type == WarningType.FINAL_WRITTEN for w in valid):
        action = Action.DISCIPLINARY
        reasons.append("A final written warning is still valid: the next step is disciplinary action.")
    else:
        action = LADDER[min(start.rung + len(valid), Action.DISCIPLINARY.rung)]
        if valid:
            reasons.append(f"{len(valid)} earlier warning{'s' if len(valid) != 1 else ''} still valid: "
                           f"{len(valid)} step{'s' if len(valid) != 1 else ''} up the ladder, to "
                           f"{action.label.lower()}.")
    warning_type = None
    if action == Action.WRITTEN_WARNING:
        already_written = any(w.warning_type == WarningType.WRITTEN for w in valid)
        warning_type = WarningType.FINAL_WRITTEN if already_written else WarningType.WRITTEN
        if already_written:
            reasons.append("A written warning is still valid, so this one is a final written warning.")
    return Recommendation(action=action, warning_type=warning_type, reasons=reasons, counted=valid)
