"""The awareness section of a management review pack: the campaigns held since the previous review and
their completion rates on the review's date (completions recorded after it are not counted)."""

from __future__ import annotations

from datetime import timedelta

from app.awareness.review_inputs import campaigns_for_review
from app.reviews import inputs
from tests import factories


def test_nothing_held_gives_no_section(app, today):
    assert campaigns_for_review(today, today - timedelta(days=365)) is None


def test_campaigns_held_in_the_period_with_their_rates_on_the_date(make_campaign, record, health, treasury, today):
    as_of, since = today - timedelta(days=10), today - timedelta(days=200)
    nurses = [factories.make_employee(department=health) for _ in range(4)]
    accountant = factories.make_employee(department=treasury)
    before = make_campaign("Before the period", starts_on=since - timedelta(days=40), ends_on=since - timedelta(days=5))
    phishing = make_campaign("Phishing", starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=30))
    passwords = make_campaign("Passwords", starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=20),
                              departments=[health])
    running = make_campaign("Clean desk", starts_on=today - timedelta(days=15), ends_on=today + timedelta(days=10))
    for nurse in nurses:
        record(passwords, nurse, completed_on=passwords.starts_on)
    record(phishing, nurses[0], completed_on=phishing.starts_on)
    record(phishing, accountant, completed_on=today - timedelta(days=2))  # after the date: not counted
    assert before.id and running.id

    data = campaigns_for_review(as_of, since)

    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures == {"campaigns": 3, "campaigns_ended": 2, "completion_rate": 55.6, "below_target": 1}
    rows = {row[0]: row for row in data["tables"][0]["rows"]}
    assert list(rows) == [f"{c.reference} {c.topic}" for c in (phishing, passwords, running)]
    assert rows[f"{phishing.reference} Phishing"][4:] == [5, 1, 20.0, "below target"]
    assert rows[f"{passwords.reference} Passwords"][4:] == [4, 4, 100.0, "on target"]
    assert rows[f"{running.reference} Clean desk"][7] == "running on the date"
    assert data["tables"][1]["rows"] == [["DOH", 8, 5, 62.5], ["PT", 1, 0, 0.0]]
    # No employee is named: the pack is read by top management, the figures are enough.
    assert not any(nurse.full_name in str(data) for nurse in nurses)


def test_a_review_pack_holds_the_section(make_campaign, record, health, today):
    campaign = make_campaign(starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=10))
    record(campaign, factories.make_employee(department=health))

    sections = {s["key"]: s for s in inputs.compile(today)["sections"]}

    awareness = sections["awareness"]
    assert awareness["available"] and awareness["item"] == "9.3.2 d 2"
    assert {f["key"]: f["value"] for f in awareness["figures"]}["completion_rate"] == 100.0
