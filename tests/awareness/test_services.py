"""The awareness register's rules: the audience, a campaign's checks, a training record's checks,
the completion rates counted in SQL, and a person's record (campaigns completed, open and missed)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.awareness import queries, services
from app.awareness.models import Campaign
from app.common.models import StaleEditError
from app.extensions import db
from tests import factories
from tests.pages import audit_entries


def test_the_audience_is_the_employed_staff_of_its_departments_and_roles(make_campaign, health, treasury):
    nurse = factories.make_employee(department=health, position="Professional Nurse")
    clerk = factories.make_employee(department=health, position="Data Capturer")
    accountant = factories.make_employee(department=treasury, position="Accountant")
    gone = factories.make_employee(department=health, position="professional  nurse", status="left")
    everyone = make_campaign()
    health_only = make_campaign("Clinics", departments=[health])
    nurses = make_campaign("Nurses", roles=["PROFESSIONAL NURSE"])

    assert [services.in_audience(everyone, e) for e in (nurse, clerk, accountant, gone)] == [True, True, True, False]
    assert [services.in_audience(health_only, e) for e in (nurse, clerk, accountant)] == [True, True, False]
    assert [services.in_audience(nurses, e) for e in (nurse, clerk, accountant)] == [True, False, False]
    # The SQL condition says the same as the Python one.
    for campaign in (everyone, health_only, nurses):
        counted = queries.rates([campaign])[campaign.id].audience
        assert counted == sum(services.in_audience(campaign, e) for e in (nurse, clerk, accountant, gone))


def test_a_campaign_needs_a_topic_a_channel_and_an_end_after_its_start(officer, today):
    with pytest.raises(services.AwarenessRuleError) as refused:
        services.create_campaign(services.CampaignInput(topic=" ", channel="carrier pigeon", starts_on=today,
                                                        ends_on=today - timedelta(days=1),
                                                        material_url="javascript:alert(1)"), actor=officer)

    fields = [field for field, _ in refused.value.problems]
    assert fields == ["topic", "channel", "ends_on", "material_url"]
    assert db.session.query(Campaign).count() == 0


def test_campaigns_are_numbered_and_audited_and_a_stale_edit_is_refused(make_campaign, officer, health):
    first, second = make_campaign(), make_campaign("Passwords")
    assert (first.reference, second.reference) == ("AW-0001", "AW-0002")
    assert [e.summary for e in audit_entries("create", "awareness_campaign")][0].startswith("Added awareness")
    data = services.CampaignInput(topic="Phishing", channel="webinar", starts_on=first.starts_on,
                                  ends_on=first.ends_on, department_ids=[health.id])
    version = first.version

    changes = services.update_campaign(first, data, expected_version=version, actor=officer)
    db.session.commit()

    assert changes["departments"] == [[], ["DOH"]] and first.version > version
    with pytest.raises(StaleEditError):
        services.update_campaign(first, data, expected_version=version, actor=officer)


@pytest.mark.parametrize(("outcome", "day", "field"), [
    ("completed", None, "completed_on"),  # a completion has its day
    ("completed", -30, "completed_on"),  # ... not before the campaign starts
    ("attended", +400, "completed_on"),  # ... nor after today
    ("not_completed", 0, "completed_on"),  # not completed has none
    ("passed", 0, "outcome"),  # an outcome Khusela knows
])
def test_a_training_record_is_checked(make_campaign, today, outcome, day, field):
    campaign = make_campaign(starts_on=today - timedelta(days=10))
    completed_on = None if day is None else (today + timedelta(days=day) if day > 0 else
                                             campaign.starts_on + timedelta(days=day))
    problems = services.check_training(services.TrainingInput(outcome=outcome, completed_on=completed_on),
                                       campaign, today)
    assert [name for name, _ in problems] == [field]


def test_a_score_is_a_percentage(make_campaign, today):
    campaign = make_campaign()
    problems = services.check_training(services.TrainingInput("completed", campaign.starts_on, score=101), campaign,
                                       today)
    assert problems == [("score", "A score is a percentage from 0 to 100, not 101.")]


def test_recording_again_corrects_the_one_record(make_campaign, record, health, today):
    campaign, nurse = make_campaign(), factories.make_employee(department=health)
    record(campaign, nurse, "not_completed")
    corrected = record(campaign, nurse, "completed")

    assert corrected.outcome == "completed" and corrected.department_id == health.id and corrected.in_audience
    assert db.session.query(services.TrainingRecord).count() == 1
    assert [e.action for e in audit_entries(entity_type="training_record")] == ["create", "update"]


def test_the_rate_counts_completions_of_the_audience_per_department(make_campaign, record, health, treasury):
    campaign = make_campaign(departments=[health])
    nurses = [factories.make_employee(department=health) for _ in range(4)]
    outsider = factories.make_employee(department=treasury)
    record(campaign, nurses[0])
    record(campaign, nurses[1], "attended")
    record(campaign, nurses[2], "not_completed")
    record(campaign, outsider)  # outside the audience: shown, not counted

    per_department = queries.rates_by_department([campaign])[campaign.id]

    assert per_department == {health.id: queries.Rate(audience=4, done=2)}
    assert queries.rates([campaign])[campaign.id].percent == 50.0


def test_changing_the_audience_marks_the_records_again(make_campaign, record, officer, health, treasury):
    campaign = make_campaign(departments=[health])
    outsider = factories.make_employee(department=treasury)
    record(campaign, outsider)
    assert queries.rates([campaign])[campaign.id] == queries.Rate(0, 0)

    services.update_campaign(campaign, services.CampaignInput(
        topic=campaign.topic, channel=campaign.channel, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        department_ids=[health.id, treasury.id]), expected_version=campaign.version, actor=officer)
    db.session.commit()

    assert queries.rates([campaign])[campaign.id] == queries.Rate(1, 1)


@pytest.mark.parametrize("written", ["Professional  Nurse", "  professional nurse ", "Ingénieur  Réseau"])
def test_editing_the_roles_marks_the_records_by_the_rule_the_rates_count_by(make_campaign, record, officer, health,
                                                                           written):
    """The SQL that marks the records again (refresh_audience) and the Python that counts and records
    (in_audience, the rates) compare positions by one rule: inner spaces collapsed, case ignored, also
    for letters SQLite's lower() leaves alone."""
    role = "INGÉNIEUR RÉSEAU" if "Réseau" in written else "Professional Nurse"
    nurse = factories.make_employee(department=health, position=written)
    campaign = make_campaign(departments=[health])
    made = record(campaign, nurse)

    services.update_campaign(campaign, services.CampaignInput(
        topic=campaign.topic, channel=campaign.channel, starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        department_ids=[health.id], roles=[role]), expected_version=campaign.version, actor=officer)
    db.session.commit()
    db.session.refresh(made)

    assert services.in_audience(campaign, nurse)
    assert made.in_audience  # marked by the SQL
    assert queries.rates([campaign])[campaign.id] == queries.Rate(1, 1)


def test_monthly_rates_and_the_metric(make_campaign, record, health, today):
    ended = make_campaign(starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=1))
    staff = [factories.make_employee(department=health) for _ in range(4)]
    for employee in staff[:3]:
        record(ended, employee)

    months = queries.monthly_rates(today)

    with_campaigns = [month for month in months if month.campaigns]
    assert [month.overall for month in with_campaigns] == [queries.Rate(4, 3)]
    assert with_campaigns[0].by_department == {health.id: queries.Rate(4, 3)}
    assert queries.completion_rate(today) == 75.0


def test_a_persons_record_shows_completed_open_and_missed_campaigns(make_campaign, record, health, treasury, today):
    nurse = factories.make_employee(department=health)
    done = make_campaign("Passwords", starts_on=today - timedelta(days=90), ends_on=today - timedelta(days=60))
    missed = make_campaign("Phishing", starts_on=today - timedelta(days=50), ends_on=today - timedelta(days=30))
    make_campaign("Clean desk", starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=5))
    make_campaign("Treasury only", departments=[treasury])
    record(done, nurse)

    lines = queries.person_lines(nurse)

    assert [(line.campaign.topic, line.state(today)) for line in lines] == [
        ("Clean desk", "Open"), ("Phishing", "Missed"), ("Passwords", "Completed")]
    assert missed.id in {line.campaign.id for line in lines}
