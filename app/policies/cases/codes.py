"""Which labour code governs a step of a case: the one in force on the step's own date.

The Code of Good Practice: Dismissal of 2025 (LRA s203(2A)) took effect on publication, on
4 September 2025, and repealed Schedule 8 of the Labour Relations Act 66 of 1995. A code of good
practice is a guideline for how an employer acts, so each act is measured against the code in
force when it is done, not when the misconduct happened: a notice of a hearing issued on
18 September 2025 follows the 2025 Code (item 11) even for an incident in August 2025, and the
sanction is weighed with the factors of the code in force on the day it is decided (Schedule 8
item 7, or the 2025 Code item 8, which adds the importance of the rule, the harm caused, the
employee's acknowledgement of wrongdoing, the impact on the business and, item 11, the
employee's representations on the sanction). What counted as misconduct stays the employer's rule
in force on the day of the incident (the policy version a case cites).

A case whose dates fall on both sides of 4 September 2025 straddles the two codes: the case page
warns, and HR records why the procedure is fair under both (kept as a fairness override).

Pure rules: plain values in and out."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

CODE_2025_STARTS = date(2025, 9, 4)


class GoverningCode(enum.StrEnum):
    SCHEDULE_8 = "schedule_8"
    CODE_2025 = "code_2025"

    @property
    def label(self) -> str:
        if self == GoverningCode.SCHEDULE_8:
            return "Schedule 8 of the Labour Relations Act 66 of 1995 (Code of Good Practice: Dismissal)"
        return "the Code of Good Practice: Dismissal, 2025 (LRA s203(2A))"

    @property
    def short_label(self) -> str:
        """How a letter names the code it follows."""
        if self == GoverningCode.SCHEDULE_8:
            return "Schedule 8 of the Labour Relations Act 66 of 1995"
        return "the Code of Good Practice: Dismissal (2025)"

    @property
    def sanction_item(self) -> str:
        return "Schedule 8 item 7" if self == GoverningCode.SCHEDULE_8 else "the 2025 Code item 8"


def code_in_force(on: date) -> GoverningCode:
    """The code in force on `on`: Schedule 8 until 3 September 2025, the 2025 Code from 4 September 2025."""
    return GoverningCode.CODE_2025 if on >= CODE_2025_STARTS else GoverningCode.SCHEDULE_8


def spans_both_codes(dates: Iterable[date]) -> bool:
    """Do the dates fall on both sides of 4 September 2025?"""
    found = {code_in_force(day) for day in dates}
    return len(found) == 2


# The sanction factors each code asks about (the fields of a CaseSanction). Schedule 8 item 7: the
# rule existed, was valid and reasonable, was known, applied consistently, and dismissal (the
# sanction) is appropriate. The 2025 Code item 8 keeps these and adds the importance of the rule,
# the actual or potential harm, the employee's acknowledgement of wrongdoing and the impact on the
# business; item 11 adds representations on the sanction as well as on the allegations.
SUBSTANTIVE_QUESTIONS = ("rule_existed", "rule_valid", "rule_known", "consistently_applied", "sanction_appropriate")
CODE_2025_FACTORS = ("rule_importance", "harm_caused", "wrongdoing_acknowledged", "business_impact",
                     "representations_on_sanction")
# The 2025 factors a sanction must describe in words (the others are yes/no).
CODE_2025_DESCRIBED = ("rule_importance", "harm_caused", "business_impact")


def sanction_factors(code: GoverningCode) -> tuple[str, ...]:
    """The factors weighed for a sanction decided under `code`."""
    if code == GoverningCode.CODE_2025:
        return SUBSTANTIVE_QUESTIONS + CODE_2025_FACTORS
    return SUBSTANTIVE_QUESTIONS
