"""Two officers adding campaigns at the same moment get two campaign numbers, never an error page: the
next number is read under the audit chain's lock, as nonconformity numbers are."""

from __future__ import annotations

import sqlalchemy as sa

from app.awareness import services
from app.awareness.models import Campaign
from app.extensions import db
from tests import factories
from tests.awareness.test_views import campaign_form
from tests.threads import hold_after, post_at_once


def test_two_campaigns_added_at_once_get_two_numbers(app, today, monkeypatch):
    emails = [factories.make_user("security_officer").email, factories.make_user("admin").email]
    db.session.commit()
    db.session.close()
    forms = {email: campaign_form(today, topic=f"Topic of {email}") for email in emails}

    hold_after(monkeypatch, (services, "_next_reference"))
    _, responses = post_at_once(app, "/awareness/campaigns/new", forms, follow_redirects=True)

    assert [response.status_code for response in responses.values()] == [200, 200]
    assert sorted(db.session.scalars(sa.select(Campaign.reference))) == ["AW-0001", "AW-0002"]
