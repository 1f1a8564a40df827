"""The hash-chained audit log: recording, verifying, and the database's refusal to change it."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import GENESIS_HASH, AuditEntry, AuditLogTampering
from app.auth.models import Role
from app.extensions import db
from tests import factories


def all_entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


# --- recording ---------------------------------------------------------------------------------


def test_entries_form_a_hash_chain(app, five_entries):
    entries = all_entries()
    assert len(entries) == 5
    assert entries[0].prev_hash == GENESIS_HASH == "0" * 64
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
    for entry in entries:
        assert re.fullmatch(r"[0-9a-f]{64}", entry.entry_hash)
        assert entry.entry_hash == audit.compute_hash(entry)
    assert len({entry.entry_hash for entry in entries}) == 5


def test_entries_in_one_transaction_chain_too(app):
    first = audit.record("a", "thing")
    second = audit.record("b", "thing")
    db.session.commit()
    assert second.prev_hash == first.entry_hash
    assert audit.verify_chain().ok


def test_rolled_back_entry_leaves_no_hole(app, five_entries):
    audit.record("never", "thing")
    db.session.rollback()
    after = audit.record("after", "thing")
    db.session.commit()
    assert after.prev_hash == all_entries()[-2].entry_hash
    assert audit.verify_chain().message == "audit log OK: 6 entries"


def test_entry_records_who_what_and_when(app):
    user = factories.make_user()
    before = datetime.now(UTC)
    entry = audit.record("update", "risk", 42, changes={"b": [1, 2], "a": [None, "x"]}, summary="s" * 400,
                         actor=user)
    db.session.commit()
    assert (entry.actor_id, entry.actor_email, entry.ip_address) == (user.id, user.email, None)
    assert (entry.action, entry.entity_type, entry.entity_id) == ("update", "risk", "42")
    assert entry.summary == "s" * 300
    assert entry.changes == '{"a":[null,"x"],"b":[1,2]}'
    assert before <= entry.occurred_at <= datetime.now(UTC)


def test_entry_without_an_account_keeps_the_typed_address(app):
    entry = audit.record("login_failed", "user", None, actor_email="nobody@example.org")
    assert (entry.actor_id, entry.actor_email, entry.entity_id) == (None, "nobody@example.org", None)


# Every action recorded before AuditAction existed: the log holds these strings, and each entry's
# hash covers its action, so none may be renamed or dropped.
ACTIONS_IN_THE_LOG = {
    "accept", "acceptance_expired", "account_locked", "acknowledge", "assign", "close", "complete", "create",
    "deactivate", "decide", "delete", "destroy", "download", "export", "generate", "import", "issue", "load",
    "login", "login_failed", "login_refused", "logout", "mfa_disabled", "mfa_enabled", "mfa_reset", "override",
    "password_changed", "password_reset", "reactivate", "read", "relate", "replace", "restore", "review",
    "revoke", "run", "test", "unlock", "unrelate", "update", "upload", "view", "warn",
}


def test_the_actions_keep_the_strings_already_in_the_log():
    values = [action.value for action in AuditAction]
    missing = ACTIONS_IN_THE_LOG - set(values)
    assert not missing, f"Actions the log holds but AuditAction lacks: {sorted(missing)}"
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", value) and len(value) <= 64 for value in values)  # String(64)


def test_an_action_is_stored_and_hashed_as_its_plain_string(app):
    by_member = audit.record(AuditAction.LOGIN_FAILED, "user", None, actor_email="nobody@example.org")
    by_string = audit.record("login_failed", "user", None, actor_email="nobody@example.org")
    db.session.commit()
    db.session.expire_all()
    assert type(by_member.action) is str and by_member.action == "login_failed"

    def content_but_time_and_link(entry: AuditEntry) -> dict:
        content = json.loads(audit.entry_content(entry))
        del content["occurred_at"], content["prev_hash"]
        return content

    assert content_but_time_and_link(by_member) == content_but_time_and_link(by_string)
    assert by_member.entry_hash == audit.compute_hash(by_member)
    assert audit.verify_chain().ok


def test_the_log_page_offers_every_action(app):
    assert audit.action_choices() == sorted(ACTIONS_IN_THE_LOG | {action.value for action in AuditAction})
    assert "destroy" in audit.action_choices()  # even before any entry has it


def test_canonical_json_of_plain_values():
    value = {"when": datetime(2026, 3, 31, 8, 0, tzinfo=UTC), "day": date(2026, 3, 31), "role": Role.AUDITOR,
             "amount": Decimal("1.50"), "tags": {"b", "a"}, "pair": (1, 2), 3: "three", "name": "Zoë"}
    assert json.loads(audit.canonical_json(value)) == {
        "when": "2026-03-31T08:00:00+00:00", "day": "2026-03-31", "role": "auditor", "amount": "1.50",
        "tags": ["a", "b"], "pair": [1, 2], "3": "three", "name": "Zoë"}
    assert audit.canonical_json({"b": 1, "a": 2}) == '{"a":2,"b":1}'


def test_diff_holds_only_what_changed():
    before = {"name": "Old", "active": True, "role": Role.MANAGER}
    after = {"name": "New", "active": True, "role": "manager", "extra": 1}
    assert audit.diff(before, after) == {"name": ["Old", "New"], "extra": [None, 1]}
    assert audit.diff(before, before) == {}


def test_entries_about_lists_the_newest_first(app):
    for n in range(4):
        audit.record("update", "risk", 7, summary=f"change {n}")
    audit.record("update", "risk", 8)
    db.session.commit()
    assert [e.summary for e in audit.entries_about("risk", 7, limit=3)] == ["change 3", "change 2", "change 1"]


def test_previous_sign_in_is_the_one_before_this_session(app, monkeypatch):
    user = factories.make_user()
    assert audit.previous_sign_in(user) is None
    moments = [datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 31, 7, 0, tzinfo=UTC)]
    for moment in moments:
        monkeypatch.setattr(audit, "utcnow", lambda moment=moment: moment)
        audit.record("login", "user", user.id, actor=user)
    db.session.commit()
    assert audit.previous_sign_in(user) == moments[0]


# --- verifying ----------------------------------------------------------------------------------


def test_verify_an_empty_log(app):
    result = audit.verify_chain()
    assert (result.ok, result.entries, result.message) == (True, 0, "audit log OK: 0 entries")


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_verify_an_intact_log(app, five_entries, batch_size):
    result = audit.verify_chain(batch_size=batch_size)
    assert (result.ok, result.entries, result.broken_entry_id) == (True, 5, None)
    assert result.message == "audit log OK: 5 entries"


# --- the database guards the log ----------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET summary = 'rewritten' WHERE id = :id",
    "DELETE FROM audit_entry WHERE id = :id",
])
def test_database_refuses_to_change_or_delete_entries(app, five_entries, statement):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": five_entries[2]})
        db.session.commit()
    db.session.rollback()
    assert [e.summary for e in all_entries()] == [f"thing {n}" for n in range(5)]
    assert audit.verify_chain().ok


def test_database_refuses_a_bulk_update_through_the_orm(app, five_entries):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.update(AuditEntry).values(summary="rewritten"))
    db.session.rollback()
    assert audit.verify_chain().ok


def test_orm_refuses_to_change_an_entry(app, five_entries):
    entry = db.session.get(AuditEntry, five_entries[1])
    entry.summary = "rewritten"
    with pytest.raises(AuditLogTampering, match="cannot be changed"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, five_entries[1]).summary == "thing 1"


def test_orm_refuses_to_delete_an_entry(app, five_entries):
    db.session.delete(db.session.get(AuditEntry, five_entries[1]))
    with pytest.raises(AuditLogTampering, match="cannot be deleted"):
        db.session.commit()
    db.session.rollback()
    assert len(all_entries()) == 5


# --- tampering behind the app's back is found ---------------------------------------------------


CONTENT_ALTERED = ("its content does not match its keyed hash: it was altered or forged, or the chain key "
                   "(AUDIT_CHAIN_KEY) is not the one it was written with")
LINK_BROKEN = "its link to the previous entry does not match: an entry before it was removed or altered"


@pytest.mark.parametrize(("statement", "position", "broken_at", "reason"), [
    pytest.param("UPDATE audit_entry SET summary = 'nothing to see' WHERE id = :id", 2, 2, CONTENT_ALTERED,
                 id="summary-altered"),
    pytest.param("UPDATE audit_entry SET changes = '{}' WHERE id = :id", 2, 2, CONTENT_ALTERED,
                 id="changes-altered"),
    pytest.param("UPDATE audit_entry SET actor_email = 'someone@else.org' WHERE id = :id", 0, 0, CONTENT_ALTERED,
                 id="first-entry-altered"),
    pytest.param("UPDATE audit_entry SET entry_hash = :fake WHERE id = :id", 2, 2, CONTENT_ALTERED,
                 id="hash-replaced"),
    pytest.param("DELETE FROM audit_entry WHERE id = :id", 2, 3, LINK_BROKEN, id="middle-entry-deleted"),
    pytest.param("DELETE FROM audit_entry WHERE id = :id", 0, 1, LINK_BROKEN, id="first-entry-deleted"),
])
def test_tampering_is_found_at_the_right_entry(app, five_entries, bypass_append_only, statement, position,
                                               broken_at, reason):
    bypass_append_only()
    db.session.execute(sa.text(statement), {"id": five_entries[position], "fake": "f" * 64})
    db.session.commit()
    for batch_size in (1, 5000):
        result = audit.verify_chain(batch_size=batch_size)
        assert (result.ok, result.broken_entry_id, result.reason) == (False, five_entries[broken_at], reason)
        assert result.message == f"audit log BROKEN at entry {five_entries[broken_at]}: {reason}"


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link(app, five_entries, bypass_append_only):
    bypass_append_only()
    entry = db.session.get(AuditEntry, five_entries[1])
    db.session.expunge(entry)
    entry.summary = "forged"
    db.session.execute(sa.text("UPDATE audit_entry SET summary = :summary, entry_hash = :hash WHERE id = :id"),
                       {"summary": "forged", "hash": audit.compute_hash(entry), "id": entry.id})
    db.session.commit()
    result = audit.verify_chain()
    assert (result.ok, result.broken_entry_id, result.reason) == (False, five_entries[2], LINK_BROKEN)
