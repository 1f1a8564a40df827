"""POPIA section 22, notification of security compromises, as plain rules (no Flask, no database).

s22(1): where there are reasonable grounds to believe that personal information has been accessed or
acquired by an unauthorised person, the responsible party notifies the Information Regulator and the
data subjects (unless their identity cannot be established) "as soon as reasonably possible after the
discovery of the compromise". s22(3): only a law-enforcement body or the Regulator may ask for a delay
(notice would impede a criminal investigation). s22(5): the notice gives enough detail for the data
subjects to protect themselves: the possible consequences, the measures taken, recommendations, and
the identity of the unauthorised person if known. Since 1 April 2025 the Regulator takes the
notification through its eServices portal, which gives each submission a reference.

The Act sets no number of days. The organisation sets how many days it holds "as soon as reasonably
possible" to be (a setting, 3 days by default: its own yardstick, not the Act's; 72 hours is what
the EU's GDPR sets); a notification later than that needs a recorded reason for the delay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Problems = list[tuple[str | None, str]]


def track_opens(*, is_incident: bool, personal_information_compromised: bool) -> bool:
    """The notification track opens for an incident where personal information may have been accessed
    or acquired by an unauthorised person (s22(1)); involvement alone (a server down that holds
    personal information) does not open it."""
    return is_incident and personal_information_compromised


@dataclass(frozen=True)
class Notification:
    regulator_notified_on: date | None = None
    regulator_reference: str = ""
    subjects_notified_on: date | None = None
    subjects_count: int | None = None
    subjects_unidentifiable: bool = False
    notice_method: str | None = None
    notice_text: str = ""
    measures_taken: str = ""
    recommendations: str = ""
    intruder_identity: str = ""
    delay_reason: str = ""


def completed_on(notification: Notification) -> date | None:
    """The day the last of the two notices went out; None while one is still to be given. Subjects
    whose identity cannot be established (s22(2)) are not notified one by one."""
    if notification.regulator_notified_on is None:
        return None
    if notification.subjects_unidentifiable:
        return notification.regulator_notified_on
    if notification.subjects_notified_on is None:
        return None
    return max(notification.regulator_notified_on, notification.subjects_notified_on)


def clock_days(discovered_on: date, today: date, done_on: date | None = None) -> int:
    """Days from discovery to the last notice, or to today while a notice is outstanding."""
    return max(0, ((done_on or today) - discovered_on).days)


def is_late(discovered_on: date, today: date, done_on: date | None, expected_days: int) -> bool:
    """Later than the organisation's "as soon as reasonably possible": notified (or, still not
    notified, today) more than `expected_days` after discovery."""
    return clock_days(discovered_on, today, done_on) > expected_days


def _late_notices(notification: Notification, discovered_on: date, today: date, expected_days: int) -> bool:
    """A notice given late, or one still to be given with the time already past."""
    given = [day for day in (notification.regulator_notified_on, notification.subjects_notified_on) if day]
    if any(clock_days(discovered_on, day) > expected_days for day in given):
        return True
    return completed_on(notification) is None and is_late(discovered_on, today, None, expected_days)


def notification_problems(notification: Notification, *, discovered_on: date, today: date,
                          expected_days: int) -> Problems:
    """What a recorded notification still lacks or gets wrong, as (field, message) pairs."""
    problems: Problems = []
    for field, day, whom in (("regulator_notified_on", notification.regulator_notified_on, "the Regulator"),
                             ("subjects_notified_on", notification.subjects_notified_on, "the data subjects")):
        if day is not None and day < discovered_on:
            problems.append((field, f"{whom.capitalize()} cannot have been notified before the compromise was "
                                    f"discovered ({discovered_on:%d %b %Y})."))
        if day is not None and day > today:
            problems.append((field, f"Record the day {whom} were notified once it is done, not a day ahead."))
    if notification.regulator_notified_on and not notification.regulator_reference.strip():
        problems.append(("regulator_reference", "Enter the reference the Regulator's eServices portal gave the "
                                                "submission: it is the proof the Regulator was notified."))
    if notification.subjects_notified_on:
        if notification.subjects_unidentifiable:
            problems.append(("subjects_unidentifiable", "Either the data subjects were notified or their "
                                                        "identity cannot be established, not both."))
        if not notification.subjects_count or notification.subjects_count < 1:
            problems.append(("subjects_count", "Enter how many data subjects were notified."))
        if not notification.notice_method:
            problems.append(("notice_method", "Choose how the data subjects were notified (s22(4))."))
        for field, text, what in (("notice_text", notification.notice_text, "the notice, with the possible "
                                   "consequences of the compromise (s22(5)(a))"),
                                  ("measures_taken", notification.measures_taken, "the measures taken or to be "
                                   "taken to address the compromise (s22(5)(b))"),
                                  ("recommendations", notification.recommendations, "what the data subjects "
                                   "can do to protect themselves (s22(5)(c))")):
            if not text.strip():
                problems.append((field, f"Record {what}."))
    if notification.subjects_count is not None and notification.subjects_count < 0:
        problems.append(("subjects_count", "The number of data subjects cannot be negative."))
    if (_late_notices(notification, discovered_on, today, expected_days)
            and not notification.delay_reason.strip()):
        problems.append(("delay_reason", f"More than {expected_days} days have passed since discovery: record "
                                         "the reason for the delay (s22(3): for example a law-enforcement body's "
                                         "request that notice wait for a criminal investigation)."))
    return problems
