"""record_many(): many entries in one INSERT, chained exactly as record() chains them one by one."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.models import GENESIS_HASH, AuditEntry
from app.audit.services import PendingEntry
from app.extensions import db
from tests import factories


def all_entries() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def things(count: int) -> list[PendingEntry]:
    return [PendingEntry(AuditAction.CREATE, "thing", number, changes={"n": [None, number]}, summary=f"thing {number}")
            for number in range(count)]


def test_entries_link_to_the_tail_and_to_each_other_in_order(app, five_entries):
    appended = audit.record_many(things(3))
    db.session.commit()

    entries = all_entries()
    assert appended == 3 and len(entries) == 8
    assert [entry.summary for entry in entries[5:]] == ["thing 0", "thing 1", "thing 2"]
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
    assert all(entry.entry_hash == audit.compute_hash(entry) for entry in entries)


def test_the_first_entries_of_an_empty_log_start_from_the_genesis_hash(app):
    audit.record_many(things(2))
    db.session.commit()

    assert all_entries()[0].prev_hash == GENESIS_HASH
    assert audit.verify_chain().message == "audit log OK: 2 entries"


def test_an_entry_reads_as_record_would_write_it(app):
    user = factories.make_user()
    audit.record_many([PendingEntry("update", "asset", 42, changes={"b": [1, 2], "a": [None, "x"]},
                                    summary="s" * 400)], actor=user)
    db.session.commit()

    entry = all_entries()[-1]
    assert (entry.action, entry.entity_type, entry.entity_id) == ("update", "asset", "42")
    assert (entry.actor_id, entry.actor_email) == (user.id, user.email)
    assert entry.changes == '{"a":[null,"x"],"b":[1,2]}' and json.loads(entry.changes) == {"a": [None, "x"],
                                                                                        "b": [1, 2]}
    assert len(entry.summary) == 300
    assert entry.occurred_at.tzinfo is not None


def test_record_after_record_many_continues_the_chain_and_the_cli_accepts_it(app, five_entries):
    audit.record_many(things(250))
    audit.record("import", "thing", None, summary="Imported things.csv")
    db.session.commit()

    assert audit.verify_chain(batch_size=100).message == "audit log OK: 256 entries"
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output.startswith("audit log OK: 256 entries")


def test_entries_roll_back_with_the_transaction(app, five_entries):
    audit.record_many(things(4))
    db.session.rollback()

    assert len(all_entries()) == 5
    audit.record_many(things(1))
    db.session.commit()
    assert audit.verify_chain().ok


def test_nothing_to_record_touches_nothing(app, five_entries):
    assert audit.record_many([]) == 0
    assert len(all_entries()) == 5


def test_an_actor_without_an_account_is_named_by_e_mail(app):
    audit.record_many(things(1), actor_email="cron@example.gov.za")
    db.session.commit()

    entry = all_entries()[0]
    assert (entry.actor_id, entry.actor_email) == (None, "cron@example.gov.za")
