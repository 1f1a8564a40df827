"""Two owners completing the last two actions of one nonconformity at the same moment: both are seen,
so it moves to verifying; two editors saving the same record: the second gets the conflict message."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from app.extensions import db
from app.nonconformities.models import CorrectiveAction, Nonconformity
from tests import factories
from tests.nonconformities.helpers import action, raised
from tests.threads import run_together


def test_two_owners_finishing_at_once_leave_it_verifying(app):
    officer = factories.make_user("security_officer")
    first_owner, second_owner = factories.make_user("manager"), factories.make_user("risk_owner")
    nc = raised(officer)
    ids = {"a": (action(nc, first_owner, officer).id, first_owner), "b": (action(nc, second_owner, officer).id,
                                                                           second_owner)}
    db.session.commit()
    emails = {person: (action_id, owner.email) for person, (action_id, owner) in ids.items()}
    nc_id = nc.id
    db.session.close()
    started, statuses = threading.Barrier(2), []

    def finish(person: str) -> None:
        with app.app_context():
            _finish(person)

    def _finish(person: str) -> None:
        action_id, email = emails[person]
        client = app.test_client()
        login = client.post("/login", data={"email": email, "password": factories.PASSWORD})
        assert login.status_code == 302
        version = db.session.get(CorrectiveAction, action_id).version
        db.session.remove()
        started.wait(timeout=10)
        response = client.post(f"/nonconformities/{nc_id}/actions/{action_id}/progress",
                               data={"version": version, "status": "done", "progress_note": f"Done by {person}."})
        statuses.append(response.status_code)
        db.session.remove()

    run_together(finish, ["a", "b"], timeout=60)
    assert sorted(statuses) == [302, 302]  # a lost race would be the conflict message (also 302), never a 500
    assert db.session.scalar(sa.select(Nonconformity.status).where(Nonconformity.id == nc_id)) == "verifying"
    done = db.session.scalars(sa.select(CorrectiveAction.status)).all()
    assert sorted(done) == ["done", "done"]


def test_two_editors_saving_at_once_one_gets_the_conflict_message(app):
    officer, admin = factories.make_user("security_officer"), factories.make_user("admin")
    nc = raised(officer)
    db.session.commit()
    nc_id, version, raised_on = nc.id, nc.version, nc.raised_on.isoformat()
    emails = {"a": officer.email, "b": admin.email}
    db.session.close()
    started, pages = threading.Barrier(2), []

    def edit(person: str) -> None:
        with app.app_context():
            _edit(person)

    def _edit(person: str) -> None:
        client = app.test_client()
        assert client.post("/login", data={"email": emails[person], "password": factories.PASSWORD}).status_code == 302
        db.session.remove()
        started.wait(timeout=10)
        response = client.post(f"/nonconformities/{nc_id}/edit", follow_redirects=True, data={
            "version": version, "title": f"Title by {person}", "description": "d", "source": "complaint",
            "severity": "minor", "raised_on": raised_on})
        pages.append((response.status_code, response.get_data(as_text=True)))
        db.session.remove()

    run_together(edit, ["a", "b"], timeout=60)
    assert [status for status, _ in pages] == [200, 200]
    assert sum("changed by someone else" in page for _, page in pages) == 1
