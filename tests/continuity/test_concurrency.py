"""Two officers starting the next version of a continuity plan at the same moment: one draft is started,
the other is told a draft is open, never an error page. Both are held after numbering the draft
(tests.threads.hold_after), so without the plan's row lock both would insert version 1.1 on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from app.continuity import services
from app.continuity.models import PlanVersion
from app.extensions import db
from app.policies import workflow
from tests import factories
from tests.pages import page_text
from tests.threads import hold_after, post_at_once


def test_two_officers_starting_a_new_plan_version_at_once_get_one_draft(app, officer, today, make_analysis,
                                                                       monkeypatch):
    emails = [officer.email, factories.make_user("admin").email]
    analysis = make_analysis()
    plan = services.create_plan(analysis, kind="drp", title="Disaster recovery plan", owner_id=None, actor=officer)
    services.update_draft(plan.draft, change="Original", body="# Recovery\n1. Fail over to the cloud region.",
                          expected_version=plan.draft.version, actor=officer)
    services.issue_version(plan.draft, approved_on=today, next_review_on=None, expected_version=plan.draft.version,
                           actor=officer, today=today)
    db.session.commit()
    url, plan_id = f"/continuity/{analysis.id}/plans/{plan.id}/versions", plan.id
    db.session.close()

    hold_after(monkeypatch, (workflow, "next_number"))
    _, responses = post_at_once(app, url, dict.fromkeys(emails, {}), follow_redirects=True)

    assert [response.status_code for response in responses.values()] == [200, 200]
    pages = [page_text(response) for response in responses.values()]
    assert sum("Started draft 1.1" in page for page in pages) == 1
    assert sum("Version 1.1 is still a draft" in page for page in pages) == 1
    numbers = db.session.scalars(sa.select(PlanVersion.number).where(PlanVersion.plan_id == plan_id))
    assert sorted(numbers) == ["1.0", "1.1"]
