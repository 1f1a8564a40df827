"""The demo's awareness register: monthly campaigns over the demo year with the deck's words, rates
consistent with its employees, and the demo's training case on that person's record."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.services import find_user_by_email
from app.awareness import queries
from app.awareness.demo import CAMPAIGNS
from app.awareness.models import Campaign, TrainingRecord
from app.common.timeutil import local_today
from app.core.demo import seed_demo
from app.extensions import db
from app.policies.cases import privileges
from app.policies.cases.models import CaseTraining, PolicyCase


def test_the_demo_runs_a_campaign_a_month_with_the_decks_words(app, demo_data):
    today = local_today()
    campaigns = list(db.session.scalars(sa.select(Campaign).order_by(Campaign.starts_on)))

    assert [c.topic for c in campaigns] == [topic for topic, *_ in CAMPAIGNS]
    assert "Attack by an external source (e.g., cyber attack)" in campaigns[0].topic
    assert campaigns[-1].starts_on <= today <= campaigns[-1].ends_on  # this month's is running
    assert all(later.starts_on > earlier.ends_on for earlier, later in zip(campaigns, campaigns[1:], strict=False))
    rates = queries.rates(campaigns)
    assert all(0 < rates[c.id].percent <= 100 for c in campaigns[:-1])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRecord)) > 2000


def test_the_demo_case_training_shows_on_the_persons_record(app, demo_data):
    hr = find_user_by_email("hr@example.org")
    trained = db.session.scalars(sa.select(CaseTraining).join(PolicyCase)).all()
    assert {t.course for t in trained} >= {"Phishing awareness (e-learning, 2 hours)"}
    for training in trained:
        shown = privileges.trainings_required_of(training.case.employee_id, hr)
        assert training.id in {t.id for t in shown}


def test_seeding_again_adds_no_campaign(app, demo_data):
    added = seed_demo(demo_data)
    assert not [line for line in added if line.startswith("awareness")]
