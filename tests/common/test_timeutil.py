"""Calendar arithmetic used for review and acceptance dates."""

from datetime import date

import pytest

from app.common.timeutil import add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 11, 25), 12, date(2027, 11, 25)),
        (date(2026, 11, 25), 2, date(2027, 1, 25)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
        (date(2100, 1, 31), 1, date(2100, 2, 28)),
        (date(2000, 1, 31), 1, date(2000, 2, 29)),
    ],
)
def test_add_months_keeps_the_day_or_ends_the_month(start, months, expected):
    assert add_months(start, months) == expected
