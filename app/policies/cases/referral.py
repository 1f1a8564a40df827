"""The employee's right to refer a dispute about a disciplinary sanction, and by when (LRA s191(1)(b)):
an unfair dismissal within 30 days of the dismissal or, if later, of the employer's final decision to
dismiss or to uphold the dismissal (an appeal's outcome); any other sanction (an unfair labour
practice, s186(2)(b)) within 90 days. One rule for the case page and every letter. Pure: plain
values in and out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.policies.cases.fairness import PUBLIC_HOLIDAYS

DISMISSAL = "dismissal"
NO_SANCTION = "none"


@dataclass(frozen=True)
class ReferralPeriod:
    days: int
    dispute: str  # what the employee would refer
    provision: str  # where the Labour Relations Act sets the period


UNFAIR_DISMISSAL = ReferralPeriod(30, "unfair dismissal", "s191(1)(b)(i)")
UNFAIR_LABOUR_PRACTICE = ReferralPeriod(90, "unfair labour practice", "s191(1)(b)(ii)")


def period_for(sanction: str | None) -> ReferralPeriod | None:
    """30 days for a dismissal, 90 for any other sanction; none when no sanction stands."""
    if not sanction or sanction == NO_SANCTION:
        return None
    return UNFAIR_DISMISSAL if sanction == DISMISSAL else UNFAIR_LABOUR_PRACTICE


def last_day(start: date, days: int) -> date:
    """Interpretation Act 33 of 1957 s4: the first day is left out and the last counted, unless the
    last is a Sunday or a public holiday (known for the years fairness.HOLIDAY_YEARS), when the
    period runs to the next day that is neither."""
    day = start + timedelta(days=days)
    while day.weekday() == 6 or day in PUBLIC_HOLIDAYS:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Referral:
    """The period the employee has to refer a dispute about `sanction`, counted from `starts_on`
    (`counted_from` says which decision that is)."""

    sanction: str
    period: ReferralPeriod
    starts_on: date
    counted_from: str

    @property
    def last_day(self) -> date:
        return last_day(self.starts_on, self.period.days)


def referral(sanction: str | None, starts_on: date, counted_from: str) -> Referral | None:
    period = period_for(sanction)
    if period is None or sanction is None:
        return None
    return Referral(sanction, period, starts_on, counted_from)
