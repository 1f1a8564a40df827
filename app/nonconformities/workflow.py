"""Where a nonconformity stands, from its corrective actions: the rule every write applies, so no
page sets a status by hand (ISO/IEC 27001:2022 10.2 c-d). Plain values only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from app.nonconformities.models import CorrectiveActionStatus, NonconformityStatus

FINISHED = frozenset({CorrectiveActionStatus.DONE, CorrectiveActionStatus.CANCELLED})
# Open nonconformities by how long ago they were raised: (label, first day, last day or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30), ("31-90", 31, 90), ("91-180", 91, 180), (">180", 181, None))
AGE_BAND_LABELS = {key: (f"{key} days" if not key.startswith(">") else "More than 180 days")
                   for key, _, _ in AGE_BANDS}


def status_from_actions(action_statuses: Iterable[str], *, action_round: int) -> NonconformityStatus:
    """The status of a nonconformity that is not closed, from its current round's actions:

    - none yet: open (the first round), or actions in progress after a review found the last
      round not effective (a new action is needed before it can be verified again);
    - some not finished, or every one cancelled: actions in progress (a cancelled action removes
      no cause);
    - every one done or cancelled, at least one done: verifying (the effectiveness review is due).
    """
    statuses = [CorrectiveActionStatus(status) for status in action_statuses]
    if not statuses:
        return NonconformityStatus.OPEN if action_round == 1 else NonconformityStatus.ACTION_IN_PROGRESS
    if all(status in FINISHED for status in statuses) and CorrectiveActionStatus.DONE in statuses:
        return NonconformityStatus.VERIFYING
    return NonconformityStatus.ACTION_IN_PROGRESS


def age_in_days(raised_on: date, until: date) -> int:
    return max(0, (until - raised_on).days)


def age_band(days: int) -> str:
    for key, first, last in AGE_BANDS:
        if days >= first and (last is None or days <= last):
            return key
    raise ValueError(f"No age band holds {days} days.")


def quarter_of(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"
