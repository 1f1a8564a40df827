"""The fairness checks of the disciplinary procedure: where going on would make the procedure or
the sanction open to challenge at the CCMA or bargaining council. Pure rules: plain values in, a
list of FairnessWarning(check, message) out; the services refuse a step that warns unless the person
gives a reason to go on (kept as a CaseFairnessOverride).

Each check has a stable key (stored with an override, so never rename one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.policies.cases.codes import CODE_2025_STARTS, code_in_force, spans_both_codes

NOTICE_PERIOD = "notice_period"
NOTICE_ALLEGATIONS = "notice_allegations"
NOTICE_REPRESENTATION = "notice_representation"
DISMISSAL_REASONS = "dismissal_reasons"
DISMISSAL_REFERRAL = "dismissal_referral"
POLICY_NOT_ACKNOWLEDGED = "policy_not_acknowledged"
LIGHTER_SIMILAR_SANCTIONS = "lighter_similar_sanctions"
SUBSTANTIVE_FAIRNESS = "substantive_fairness"
SANCTION_REPRESENTATIONS = "sanction_representations"
NOTICE_DISMISSAL = "notice_dismissal"
SUSPENSION_WITHOUT_HEARING = "suspension_without_hearing"

CHECK_LABELS = {
    NOTICE_PERIOD: "Time to prepare for the hearing",
    NOTICE_ALLEGATIONS: "Allegations in the notice",
    NOTICE_REPRESENTATION: "Right to representation in the notice",
    DISMISSAL_REASONS: "Reasons for the dismissal",
    DISMISSAL_REFERRAL: "Notice of the right to refer a dismissal dispute",
    POLICY_NOT_ACKNOWLEDGED: "The employee's acknowledgement of the policy",
    LIGHTER_SIMILAR_SANCTIONS: "Consistency with earlier cases",
    SUBSTANTIVE_FAIRNESS: "Substantive fairness (rule, validity, awareness, consistency, sanction)",
    SANCTION_REPRESENTATIONS: "Representations on the sanction (2025 Code)",
    NOTICE_DISMISSAL: "Dismissal as a possible outcome in the notice",
    SUSPENSION_WITHOUT_HEARING: "Precautionary suspension without a hearing",
}

# The case's own dates (app.policies.cases.services) and the code that governs each step
# (app.policies.cases.codes): a step dated out of order, or a case spanning two codes, goes on
# only with a reason on record.
DATED_BEFORE_DECISION = "dated_before_decision"
DATED_BEFORE_REPORT = "dated_before_report"
CODE_TRANSITION = "code_transition"
CHECK_LABELS.update({
    DATED_BEFORE_DECISION: "A step dated before the decision",
    DATED_BEFORE_REPORT: "A step dated before the breach was reported",
    CODE_TRANSITION: "A case spanning Schedule 8 and the 2025 Code",
})

# Reasons shorter than this do not explain a dismissal (Sch 8 item 4(3): give the reasons).
DISMISSAL_REASONS_MIN_CHARS = 50

DISMISSAL = "dismissal"
# How heavy an outcome is, for the consistency check: an earlier case's sanction or, for a case
# decided without the disciplinary procedure, its corrective action.
OUTCOME_WEIGHT = {
    "none": 0,
    "management_warning": 1,
    "training": 1,
    "revoke_privileges": 2,
    "written_warning": 2,
    "final_written_warning": 3,
    "suspension_without_pay": 4,
    "demotion": 5,
    "dismissal": 6,
}


@dataclass(frozen=True)
class FairnessWarning:
    check: str
    message: str

    @property
    def label(self) -> str:
        return CHECK_LABELS.get(self.check, self.check)


# --- working days ---------------------------------------------------------------------------------

# Public Holidays Act 36 of 1994: the fixed days, and Good Friday and Family Day (Easter Monday),
# for the years the app is used in; a holiday on a Sunday moves to the Monday (s2(1)).
_FIXED = [(1, 1), (3, 21), (4, 27), (5, 1), (6, 16), (8, 9), (9, 24), (12, 16), (12, 25), (12, 26)]
_EASTER_SUNDAY = {2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5), 2027: date(2027, 3, 28)}
# Days declared public holidays for an election.
_DECLARED = [date(2024, 5, 29)]


def _holidays() -> frozenset[date]:
    days: set[date] = set(_DECLARED)
    for year, easter in _EASTER_SUNDAY.items():
        days |= {easter - timedelta(days=2), easter + timedelta(days=1)}
        for month, day in _FIXED:
            holiday = date(year, month, day)
            days.add(holiday + timedelta(days=1) if holiday.weekday() == 6 else holiday)
    return frozenset(days)


PUBLIC_HOLIDAYS = _holidays()
HOLIDAY_YEARS = range(min(_EASTER_SUNDAY), max(_EASTER_SUNDAY) + 1)


def is_working_day(day: date) -> bool:
    """Monday to Friday, not a South African public holiday (known for 2024–2027 only)."""
    return day.weekday() < 5 and day not in PUBLIC_HOLIDAYS


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`: a notice given on a Monday for a
    hearing on the next Monday gives 5. Zero when `end` is not after `start`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (working_days_between(start, result) == days)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day)
    return day


# --- the checks -----------------------------------------------------------------------------------


def notice_period(issued_on: date, hearing_on: date, required_days: int) -> list[FairnessWarning]:
    """Sch 8 item 4(1) / 2025 Code item 11: reasonable time to prepare (the setting's working days)."""
    days = working_days_between(issued_on, hearing_on)
    if days >= required_days:
        return []
    return [FairnessWarning(NOTICE_PERIOD, f"The hearing on {hearing_on.isoformat()} is {days} working day"
                                           f"{'' if days == 1 else 's'} after the notice of {issued_on.isoformat()}: "
                                           f"the employee should have at least {required_days} to prepare.")]


def notice_content(*, allegations_included: bool, representation_stated: bool) -> list[FairnessWarning]:
    """Sch 8 item 4(1): the allegations in a form the employee understands, and the right to the
    assistance of a shop steward or fellow employee."""
    found = []
    if not allegations_included:
        found.append(FairnessWarning(NOTICE_ALLEGATIONS, "The notice does not set out the allegations in writing: "
                                                         "the employee cannot prepare a response to them."))
    if not representation_stated:
        found.append(FairnessWarning(NOTICE_REPRESENTATION, "The notice does not state the right to be "
                                                            "represented by a shop steward or fellow employee."))
    return found


def dismissal_reasons(sanction: str, reasons: str) -> list[FairnessWarning]:
    """Sch 8 item 4(3) / 2025 Code: a dismissed employee is given the reasons for the dismissal."""
    if sanction != DISMISSAL or len(reasons.strip()) >= DISMISSAL_REASONS_MIN_CHARS:
        return []
    return [FairnessWarning(DISMISSAL_REASONS, "A dismissal needs its reasons on record: why the misconduct makes "
                                               "continued employment intolerable (at least "
                                               f"{DISMISSAL_REASONS_MIN_CHARS} characters).")]


def dismissal_referral(sanction: str, referral_notice_given: bool) -> list[FairnessWarning]:
    """Sch 8 item 4(3): remind a dismissed employee of the right to refer the dispute (LRA s191: 30 days)."""
    if sanction != DISMISSAL or referral_notice_given:
        return []
    return [FairnessWarning(DISMISSAL_REFERRAL, "The written outcome of a dismissal must tell the employee of the "
                                                "right to refer a dispute to the bargaining council or the CCMA "
                                                "within 30 days.")]


def dismissal_in_notice(sanction: str, dismissal_possible: bool) -> list[FairnessWarning]:
    """Sch 8 item 4(1) / 2025 Code item 11: the employee prepares (and speaks to the sanction) knowing
    what is at stake; a dismissal after a notice that said it was not possible takes them by surprise."""
    if sanction != DISMISSAL or dismissal_possible:
        return []
    return [FairnessWarning(NOTICE_DISMISSAL, "The notice of the hearing did not say that dismissal was a possible "
                                              "outcome: the employee prepared for a lesser sanction.")]


def suspension_without_hearing(starts_on: date, ends_on: date | None, *, hearing_held: bool, today: date,
                               limit_days: int) -> list[FairnessWarning]:
    """A precautionary suspension is for a short while (collective agreements cap it: the PSCBC's 60 days
    is the default setting); one that goes on without a hearing may be an unfair labour practice
    (LRA s186(2)(b)). Only a suspension still in force warns: one ending (or lifted) today is over."""
    if hearing_held or starts_on > today or (ends_on is not None and ends_on <= today):
        return []
    days = (today - starts_on).days
    if days <= limit_days:
        return []
    return [FairnessWarning(SUSPENSION_WITHOUT_HEARING,
                            f"The precautionary suspension since {starts_on.isoformat()} has lasted {days} days "
                            f"without a hearing (the limit is {limit_days} days, a setting): hold the hearing or "
                            "lift the suspension. A long suspension may be an unfair labour practice "
                            "(LRA s186(2)(b)).")]


def policy_acknowledged(acknowledged: bool, policy: str) -> list[FairnessWarning]:
    """Sch 8 item 7(a)(ii) / 2025 Code item 8: was the employee aware of the rule?"""
    if acknowledged:
        return []
    return [FairnessWarning(POLICY_NOT_ACKNOWLEDGED, f"The employee has no acknowledgement on record of {policy}: "
                                                     "show how they knew of the rule, or that they could reasonably "
                                                     "be expected to.")]


def substantive_fairness(*, rule_existed: bool, rule_valid: bool, rule_known: bool, consistently_applied: bool,
                         sanction_appropriate: bool) -> list[FairnessWarning]:
    """Sch 8 item 7 / 2025 Code item 8: the questions a commissioner asks of the sanction."""
    unanswered = [question for question, confirmed in [
        ("a rule existed", rule_existed), ("the rule is valid and reasonable", rule_valid),
        ("the employee knew the rule", rule_known), ("the rule has been applied consistently", consistently_applied),
        ("the sanction is appropriate", sanction_appropriate)] if not confirmed]
    if not unanswered:
        return []
    return [FairnessWarning(SUBSTANTIVE_FAIRNESS, f"Not confirmed: {'; '.join(unanswered)}.")]


def sanction_representations(made: bool) -> list[FairnessWarning]:
    """2025 Code item 11: the employee may make representations on the sanction, not only the allegations."""
    if made:
        return []
    return [FairnessWarning(SANCTION_REPRESENTATIONS, "The employee has not had the chance to make representations "
                                                      "on the sanction (2025 Code item 11).")]


@dataclass(frozen=True)
class EarlierOutcome:
    """What an earlier case for the same clause ended with: its sanction, or its corrective action."""

    reference: str
    outcome: str  # a key of OUTCOME_WEIGHT


def _label(outcome: str) -> str:
    return outcome.replace("_", " ")


def lighter_similar_sanctions(sanction: str, earlier: Iterable[EarlierOutcome]) -> list[FairnessWarning]:
    """Sch 8 item 3(6) / 2025 Code item 8: like cases, like sanctions — or the difference explained."""
    weight = OUTCOME_WEIGHT.get(sanction)
    if weight is None:
        return []
    lighter = [e for e in earlier if OUTCOME_WEIGHT.get(e.outcome, weight) < weight]
    if not lighter:
        return []
    listed = ", ".join(f"{e.reference} ({_label(e.outcome)})" for e in lighter)
    return [FairnessWarning(LIGHTER_SIMILAR_SANCTIONS, f"Earlier cases for the same clause ended lighter than "
                                                       f"{_label(sanction)}: {listed}. Say what sets this case apart.")]


# --- the case's dates and the code of each step -----------------------------------------------------


def dated_before_decision(what: str, on: date, decided_on: date | None) -> list[FairnessWarning]:
    """A step that carries out the decision (a warning, a revocation, a completed training, the
    notice of the hearing) follows it: dated before, it needs the reason on record."""
    if decided_on is None or on >= decided_on:
        return []
    return [FairnessWarning(DATED_BEFORE_DECISION, f"{what} is dated {on.isoformat()}, before the decision of "
                                                   f"{decided_on.isoformat()} it carries out. Check the date, or say "
                                                   "why it came first.")]


def dated_before_report(what: str, on: date, reported_on: date) -> list[FairnessWarning]:
    """A step that may come before the decision (the investigation, a precautionary suspension)
    still follows the report of the breach: dated before, it needs the reason on record."""
    if on >= reported_on:
        return []
    return [FairnessWarning(DATED_BEFORE_REPORT, f"{what} is dated {on.isoformat()}, before the breach was reported "
                                                 f"on {reported_on.isoformat()}. Check the date, or say why it came "
                                                 "first (e.g. the investigation found the breach).")]


def _listed(steps: list[str], most: int = 6) -> str:
    shown = ", ".join(steps[:most])
    return shown + (f" and {len(steps) - most} more" if len(steps) > most else "")


def code_transition(dated: Sequence[tuple[str, date]], *, open_on: date | None) -> list[FairnessWarning]:
    """A case whose steps fall on both sides of 4 September 2025 (or an open one begun before it,
    whose next steps fall after): each step follows the code in force on its date, and the reader
    should know which, and why the procedure as a whole is fair."""
    days = [on for _, on in dated] + ([open_on] if open_on else [])
    if not spans_both_codes(days):
        return []
    before = [f"{what} ({on.isoformat()})" for what, on in dated if on < CODE_2025_STARTS]
    after = [f"{what} ({on.isoformat()})" for what, on in dated if on >= CODE_2025_STARTS]
    later = "steps from now on" if open_on and code_in_force(open_on) != code_in_force(min(days)) else ""
    after_text = _listed(after) + (f", and {later}" if after and later else later)
    return [FairnessWarning(CODE_TRANSITION, f"This case spans 4 September 2025, when the Code of Good Practice: "
                                             f"Dismissal (2025) replaced Schedule 8. Under Schedule 8: "
                                             f"{_listed(before)}. Under the 2025 Code: {after_text}. Each step "
                                             "follows the code in force on its date; record why the procedure as a "
                                             "whole is fair to the employee.")]
