"""POPIA s22 as plain rules: when the track opens, the clock, late notice needs a reason, and what
a notice to data subjects must hold."""

from __future__ import annotations

from datetime import date

import pytest

from app.incidents import popia

FOUND = date(2026, 3, 2)


def _fields(problems):
    return {field for field, _ in problems}


@pytest.mark.parametrize(("is_incident", "compromised", "opens"), [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False)])
def test_the_track_opens_only_for_an_incident_that_compromised_personal_information(is_incident, compromised, opens):
    assert popia.track_opens(is_incident=is_incident, personal_information_compromised=compromised) is opens


def test_the_clock_runs_from_discovery_until_both_notices_are_given():
    pending = popia.Notification(regulator_notified_on=date(2026, 3, 4), regulator_reference="ES-1")
    assert popia.completed_on(pending) is None
    assert popia.clock_days(FOUND, date(2026, 3, 9), popia.completed_on(pending)) == 7
    done = popia.Notification(regulator_notified_on=date(2026, 3, 4), subjects_notified_on=date(2026, 3, 5))
    assert popia.completed_on(done) == date(2026, 3, 5)
    assert popia.clock_days(FOUND, date(2026, 12, 1), popia.completed_on(done)) == 3


def test_subjects_who_cannot_be_identified_need_only_the_regulator():
    notification = popia.Notification(regulator_notified_on=date(2026, 3, 3), subjects_unidentifiable=True)
    assert popia.completed_on(notification) == date(2026, 3, 3)


def test_late_is_past_the_expected_days():
    assert not popia.is_late(FOUND, date(2026, 3, 5), None, 3)
    assert popia.is_late(FOUND, date(2026, 3, 6), None, 3)
    assert not popia.is_late(FOUND, date(2026, 12, 1), date(2026, 3, 4), 3)


def _complete(**overrides) -> popia.Notification:
    values = {"regulator_notified_on": date(2026, 3, 3), "regulator_reference": "IR-ES-2026-0113",
                  "subjects_notified_on": date(2026, 3, 4), "subjects_count": 412, "notice_method": "email",
                  "notice_text": "Your ID number and address may have been read.", "measures_taken": "Account locked.",
                  "recommendations": "Watch for mail asking for your details."}
    return popia.Notification(**(values | overrides))


def test_a_timely_complete_notification_has_no_problems():
    assert popia.notification_problems(_complete(), discovered_on=FOUND, today=date(2026, 3, 20),
                                       expected_days=3) == []


def test_a_late_notification_needs_the_reason_for_the_delay():
    late = _complete(regulator_notified_on=date(2026, 3, 12), subjects_notified_on=date(2026, 3, 12))
    problems = popia.notification_problems(late, discovered_on=FOUND, today=date(2026, 3, 20), expected_days=3)
    assert _fields(problems) == {"delay_reason"}
    explained = _complete(regulator_notified_on=date(2026, 3, 12), subjects_notified_on=date(2026, 3, 12),
                          delay_reason="SAPS asked us to wait: case 113/03/2026.")
    assert popia.notification_problems(explained, discovered_on=FOUND, today=date(2026, 3, 20), expected_days=3) == []


def test_nothing_notified_yet_and_past_the_days_needs_a_reason_too():
    problems = popia.notification_problems(popia.Notification(), discovered_on=FOUND, today=date(2026, 3, 9),
                                           expected_days=3)
    assert _fields(problems) == {"delay_reason"}
    assert popia.notification_problems(popia.Notification(), discovered_on=FOUND, today=date(2026, 3, 4),
                                       expected_days=3) == []


def test_the_regulator_notice_needs_its_eservices_reference():
    problems = popia.notification_problems(_complete(regulator_reference=" "), discovered_on=FOUND,
                                           today=date(2026, 3, 20), expected_days=3)
    assert _fields(problems) == {"regulator_reference"}


def test_the_subjects_notice_holds_what_s22_5_asks():
    problems = popia.notification_problems(
        _complete(subjects_count=None, notice_method=None, notice_text="", measures_taken="", recommendations=""),
        discovered_on=FOUND, today=date(2026, 3, 20), expected_days=3)
    assert _fields(problems) == {"subjects_count", "notice_method", "notice_text", "measures_taken",
                                 "recommendations"}


def test_notices_cannot_come_before_discovery_or_in_the_future():
    problems = popia.notification_problems(
        _complete(regulator_notified_on=date(2026, 3, 1), subjects_notified_on=date(2026, 3, 30)),
        discovered_on=FOUND, today=date(2026, 3, 20), expected_days=30)
    assert _fields(problems) == {"regulator_notified_on", "subjects_notified_on"}
