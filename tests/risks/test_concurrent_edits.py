"""Two people save the same risk at the same moment, from forms opened on the same version: one
save wins, the other is told the risk changed meanwhile (never error 500).

Both requests are held right after their version check until the other has made it too (or a
moment has passed), so that both have read the same version before either writes. On PostgreSQL
both then reach the UPDATE, and the second finds no row with that version (SQLAlchemy's
StaleDataError); on SQLite the second waits for the write lock the first took at its first
statement and then sees the new version at its check. Either way: the stale-edit message."""

from __future__ import annotations

import contextlib
import threading

from app.extensions import db
from app.risks.models import Risk
from tests import factories
from tests.pages import page_text
from tests.risks.test_record_views import STALE_MESSAGE, edit_form
from tests.threads import post_at_once


def test_two_sessions_saving_one_risk_at_once_get_a_save_and_the_stale_message(app, make_risk, monkeypatch):
    risk = make_risk(title="Information Security")
    people = [factories.make_user("security_officer") for _ in range(2)]
    forms = {person.email: edit_form(risk, title=f"Renamed by {person.full_name}") for person in people}
    risk_id = risk.id
    db.session.commit()
    db.session.close()  # the test's own connection holds nothing while the two requests run

    both_checked = threading.Barrier(2)
    check_version = Risk.check_version

    def check_then_wait(self, expected_version, entity):
        check_version(self, expected_version, entity)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=2)  # on SQLite the other request waits for the lock instead

    monkeypatch.setattr(Risk, "check_version", check_then_wait)
    clients, responses = post_at_once(app, f"/risks/{risk_id}/edit", forms)
    assert sorted(response.status_code for response in responses.values()) == [302, 302]
    saved = [email for email, response in responses.items() if response.headers["Location"] == f"/risks/{risk_id}"]
    refused = [email for email, response in responses.items()
               if response.headers["Location"] == f"/risks/{risk_id}/edit"]
    assert len(saved) == 1 and len(refused) == 1
    assert STALE_MESSAGE in page_text(clients[refused[0]].get(f"/risks/{risk_id}/edit"))
    assert db.session.get(Risk, risk_id).title == forms[saved[0]]["title"]
