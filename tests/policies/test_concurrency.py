"""Two editors starting the next version of a policy at the same moment: one draft is started, the other
is told a draft is open, never an error page. Both are held after numbering the draft
(tests.threads.hold_after), so without the policy's row lock both would insert version 1.1 on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.policies import workflow
from app.policies.models import PolicyVersion
from tests import factories
from tests.pages import page_text
from tests.policies.conftest import make_approved
from tests.threads import hold_after, post_at_once


def test_two_editors_starting_a_new_version_at_once_get_one_draft(app, monkeypatch):
    emails = [factories.make_user("security_officer").email, factories.make_user("admin").email]
    policy = make_approved()
    policy_id = policy.id
    db.session.close()

    hold_after(monkeypatch, (workflow, "next_number"))
    _, responses = post_at_once(app, f"/policies/{policy_id}/versions/new", dict.fromkeys(emails, {}),
                                follow_redirects=True)

    assert [response.status_code for response in responses.values()] == [200, 200]
    pages = [page_text(response) for response in responses.values()]
    assert sum("Started draft 1.1" in page for page in pages) == 1
    assert sum("Version 1.1 is still" in page for page in pages) == 1
    numbers = db.session.scalars(sa.select(PolicyVersion.number).where(PolicyVersion.policy_id == policy_id))
    assert sorted(numbers) == ["1.0", "1.1"]
