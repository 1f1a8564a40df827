"""Builders of management reviews and of what their inputs read, through the services as the app does."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.nonconformities import services as nc_services
from app.reviews import services
from tests import factories


def review_of(chair, *, meeting_on: date = date(2026, 3, 10), title: str = "Management review 2026", attendees=()):
    review = services.create_review(services.ReviewInput(
        title=title, meeting_on=meeting_on, chair_id=chair.id, attendee_ids=[user.id for user in attendees]),
        actor=None)
    db.session.commit()
    return review


def held_review(chair, *, meeting_on: date, title: str, as_of: date | None = None, actions=()):
    """A review compiled, held (minutes recorded) and with these (title, owner, due_on) actions."""
    review = review_of(chair, meeting_on=meeting_on, title=title)
    services.compile_pack(review, as_of=as_of or meeting_on, actor=None, today=meeting_on)
    for action_title, owner, due_on in actions:
        services.add_action(review, services.ActionInput("Decided at the review.", action_title, owner.id, due_on),
                            actor=None)
    services.record_minutes(review, "Discussed the inputs.", expected_version=review.version, actor=chair,
                           today=meeting_on)
    db.session.commit()
    return review


def raise_nc(title: str, *, raised_on: date, source: str = "internal_audit", severity: str = "minor"):
    nc = nc_services.raise_nonconformity(nc_services.NonconformityInput(
        title=title, description="Found lacking.", source=source, severity=severity, raised_on=raised_on),
        actor=None, today=raised_on)
    db.session.commit()
    return nc


@pytest.fixture
def chair(app):
    return factories.make_user("risk_owner", full_name="Mandla Chair")


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Sipho Officer")
