"""Builders of the awareness tests: campaigns and training records made through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.awareness import services
from app.common.timeutil import local_today
from app.extensions import db
from tests import factories


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


@pytest.fixture
def health(app):
    return factories.make_department("DOH", "Department of Health and Wellness")


@pytest.fixture
def treasury(app):
    return factories.make_department("PT", "Provincial Treasury")


@pytest.fixture
def make_campaign(officer, today):
    def build(topic="Phishing: think before you click", *, starts_on=None, ends_on=None, departments=(), roles=(),
              channel="online", material_url=""):
        starts_on = starts_on or today - timedelta(days=20)
        campaign = services.create_campaign(services.CampaignInput(
            topic=topic, channel=channel, starts_on=starts_on, ends_on=ends_on or starts_on + timedelta(days=27),
            owner_id=officer.id, department_ids=[d.id for d in departments], roles=list(roles),
            material_url=material_url), actor=officer)
        db.session.commit()
        return campaign

    return build


@pytest.fixture
def record(officer, today):
    def build(campaign, employee, outcome="completed", completed_on=None):
        made, _ = services.record_training(campaign, employee, services.TrainingInput(
            outcome=outcome, completed_on=completed_on or (campaign.starts_on if outcome != "not_completed" else None)),
            actor=officer, today=today)
        db.session.commit()
        return made

    return build
