"""The rules of business continuity, as plain functions over plain values (tested alone):
recovery objectives that make sense together, the overall impact, what a test's outcome may say
given the time it took, and when a service is due a test."""

from __future__ import annotations

from datetime import date

from app.common.timeutil import add_months

Problems = list[tuple[str | None, str]]

HOURS_IN_A_YEAR = 8760
IMPACT_SCALE = range(1, 6)


def _hours(value: int | None) -> str:
    if value is None:
        return "?"
    if value >= 24 and value % 24 == 0:
        days = value // 24
        return f"{value} hours ({days} day{'s' if days != 1 else ''})"
    return f"{value} hour{'s' if value != 1 else ''}"


def objective_problems(rto_hours: int | None, rpo_hours: int | None, mtd_hours: int | None) -> Problems:
    """RTO, RPO and maximum tolerable downtime (MTD), in hours. ISO 22301's rule: the service must be
    restored (RTO) before the organisation can no longer bear its loss (MTD), so RTO <= MTD."""
    problems: Problems = []
    for field, label, value, least in (("rto_hours", "recovery time objective", rto_hours, 0),
                                       ("rpo_hours", "recovery point objective", rpo_hours, 0),
                                       ("mtd_hours", "maximum tolerable downtime", mtd_hours, 1)):
        if value is None:
            problems.append((field, f"Enter the {label} in hours."))
        elif value < least or value > HOURS_IN_A_YEAR:
            problems.append((field, f"Give the {label} as a whole number of hours from {least} to "
                                    f"{HOURS_IN_A_YEAR:,} (a year); {value} is outside that."))
    if not problems and rto_hours is not None and mtd_hours is not None and rto_hours > mtd_hours:
        problems.append(("rto_hours", f"The recovery time objective ({_hours(rto_hours)}) is longer than the maximum "
                                      f"tolerable downtime ({_hours(mtd_hours)}): the service would come back after "
                                      "the organisation can no longer bear its loss. Shorten the RTO to at most "
                                      f"{mtd_hours} hours, or revisit the MTD with the service's owner."))
    return problems


def impact_problems(ratings: dict[str, int | None], labels: dict[str, str]) -> Problems:
    return [(field, f"Rate the {labels[field].lower()} impact from 1 (insignificant) to 5 (catastrophic).")
            for field, value in ratings.items() if value not in IMPACT_SCALE]


def overall_impact(ratings: list[int]) -> int:
    """An outage is as bad as its worst consequence: the highest of the areas' ratings."""
    return max(ratings)


def test_problems(*, technical: bool, passed: bool, recovery_minutes: int | None, rto_hours: int,
                  tested_on: date | None, today: date) -> Problems:
    """A failover or restore test measures how long recovery took; one that took longer than the RTO
    did not pass (A.5.30: ICT readiness is shown against the recovery objectives)."""
    problems: Problems = []
    if tested_on is None:
        problems.append(("tested_on", "Enter the date of the test."))
    elif tested_on > today:
        problems.append(("tested_on", "A test cannot be recorded before it happened: the date is after today."))
    if technical and recovery_minutes is None:
        problems.append(("recovery_minutes", "Enter how many minutes the restore or failover took: it is compared "
                                             "with the service's recovery time objective."))
    elif recovery_minutes is not None and recovery_minutes < 0:
        problems.append(("recovery_minutes", "The recovery time cannot be negative."))
    elif technical and passed and recovery_minutes is not None and recovery_minutes > rto_hours * 60:
        problems.append(("outcome", f"Recovery took {recovery_minutes} minutes, longer than the recovery time "
                                    f"objective of {_hours(rto_hours)}: record the test as passed with findings "
                                    "or failed, and say what went wrong."))
    return problems


def rto_met(recovery_minutes: int | None, rto_hours: int) -> bool | None:
    return None if recovery_minutes is None else recovery_minutes <= rto_hours * 60


def test_due_since(last_tested_on: date | None, months: int) -> date | None:
    """The day a service became due a test again (None: never tested, due now)."""
    return None if last_tested_on is None else add_months(last_tested_on, months)


def is_test_due(last_tested_on: date | None, today: date, months: int) -> bool:
    due = test_due_since(last_tested_on, months)
    return due is None or due <= today
