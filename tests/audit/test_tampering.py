"""The tampering matrix of the review (issue 17, point 5): someone holding the database file, but not
the chain key nor the signing key kept outside it, changes the log behind the app's back. Every
change must fail `audit verify`, naming what was found where, and the untouched log must pass.

The log under test is an upgraded one: three plain SHA-256 entries from before the chain key, then
keyed entries, a signed checkpoint at entry 7 (written to the checkpoint file too), and three later
entries (the checkpoint's own entry among them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import current_app

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, CheckpointReason, HashScheme
from app.common.timeutil import utcnow
from app.extensions import db

SHA256, HMAC = HashScheme.SHA256.value, HashScheme.HMAC_SHA256.value
WRONG_KEY = b"a key the forger guessed"


def append_legacy(count: int) -> None:
    """Entries as Khusela wrote them before the chain was keyed: plain SHA-256 over the same content."""
    previous = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = previous or GENESIS_HASH
    for number in range(count):
        row = SimpleNamespace(occurred_at=utcnow(), actor_id=None, actor_email="old@example.org", ip_address=None,
                              action="create", entity_type="thing", entity_id=str(number),
                              summary=f"old thing {number}", changes="{}", prev_hash=previous)
        # Inserted without hash_scheme, as a row that was there before the column: the default says SHA-256.
        row.entry_hash = previous = audit.compute_hash(SimpleNamespace(**vars(row), hash_scheme=SHA256))
        db.session.execute(sa.insert(AuditEntry.__table__), [vars(row)])
    db.session.commit()


@pytest.fixture
def published_log(app) -> SimpleNamespace:
    append_legacy(3)
    for number in range(4):
        audit.record("update", "thing", number, summary=f"new thing {number}", changes={"n": [number, number + 1]})
    db.session.commit()
    checkpoint = checkpoints.publish(CheckpointReason.MANUAL)  # at entry 7; its own entry is 8
    for number in range(2):
        audit.record("update", "thing", 10 + number, summary=f"later thing {number}")
    db.session.commit()
    ids = list(db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)))
    assert len(ids) == 10 and checkpoint.entry_id == ids[6]
    return SimpleNamespace(ids=ids, checkpoint_id=checkpoint.id)


def rows_from(entry_id: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(**row._mapping) for row in db.session.execute(
        sa.select(AuditEntry.__table__).where(AuditEntry.id >= entry_id).order_by(AuditEntry.id))]


def rechain(from_id: int, scheme: str, key: bytes | None = None, alter: Callable | None = None) -> None:
    """Rewrite every entry from `from_id` on, altered by `alter`, each hash recomputed and each link
    remade: what a forger with the database does to hide a change."""
    previous = db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.id < from_id)
                                 .order_by(AuditEntry.id.desc()).limit(1)) or GENESIS_HASH
    for row in rows_from(from_id):
        if alter:
            alter(row)
        row.prev_hash, row.hash_scheme = previous, scheme
        row.entry_hash = previous = audit.compute_hash(row, key)
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == row.id).values(
            summary=row.summary, prev_hash=row.prev_hash, hash_scheme=scheme, entry_hash=row.entry_hash))
    db.session.commit()


def delete_entries(*ids: int) -> None:
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids)))
    db.session.commit()


def verify(*points) -> checkpoints.LogReport:
    db.session.expire_all()
    return checkpoints.verify_log(points=tuple(points))


def everything_said(report: checkpoints.LogReport) -> str:
    return " | ".join([report.chain.message, *report.problems])


# --- the untouched log ----------------------------------------------------------------------------


def test_the_untouched_log_passes_with_its_legacy_prefix_and_checkpoint(published_log):
    report = verify()
    assert report.ok, everything_said(report)
    assert report.chain.message == "audit log OK: 10 entries"
    assert (report.chain.legacy_entries, report.chain.keyed_from_entry_id) == (3, published_log.ids[3])
    assert report.checkpoints == 1 and report.file_checkpoint == published_log.checkpoint_id
    schemes = list(db.session.scalars(sa.select(AuditEntry.hash_scheme).order_by(AuditEntry.id)))
    assert schemes == [SHA256] * 3 + [HMAC] * 7


# --- the matrix -----------------------------------------------------------------------------------


def rewrite_from_a_point_with_sha256(ids):
    rechain(ids[4], SHA256, alter=lambda row: setattr(row, "summary", "nothing happened")
            if row.id == ids[4] else None)


def rewrite_the_keyed_part_in_the_old_scheme(ids):
    # Every keyed entry rewritten as a plain SHA-256 one: a chain that holds together by itself.
    rechain(ids[3], SHA256, alter=lambda row: setattr(row, "summary", "nothing happened")
            if row.id == ids[5] else None)


def rewrite_from_the_start_with_sha256(ids):
    rechain(ids[0], SHA256, alter=lambda row: setattr(row, "summary", "nothing happened")
            if row.id == ids[1] else None)


def truncate_below_the_checkpoint(ids):
    delete_entries(*ids[5:])


def delete_a_middle_entry(ids):
    delete_entries(ids[4])


def delete_a_middle_entry_and_rechain_with_the_key(ids):
    # Even someone holding the chain key (but not the signing key) is caught: every later hash changes.
    delete_entries(ids[4])
    rechain(ids[5], HMAC, key=audit.chain_key())


def forge_a_keyed_entry_at_the_end(ids):
    tail = rows_from(ids[-1])[0]
    forged = SimpleNamespace(**{**vars(tail), "id": tail.id + 1, "summary": "forged approval",
                                "prev_hash": tail.entry_hash, "hash_scheme": HMAC})
    forged.entry_hash = audit.compute_hash(forged, WRONG_KEY)
    db.session.execute(sa.insert(AuditEntry.__table__), [vars(forged)])
    db.session.commit()


def forge_a_sha256_entry_at_the_end(ids):
    tail = rows_from(ids[-1])[0]
    forged = SimpleNamespace(**{**vars(tail), "id": tail.id + 1, "summary": "forged approval",
                                "prev_hash": tail.entry_hash, "hash_scheme": SHA256})
    forged.entry_hash = audit.compute_hash(forged)
    db.session.execute(sa.insert(AuditEntry.__table__), [vars(forged)])
    db.session.commit()


def alter_a_field(ids):
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == ids[8]).values(actor_email="someone@else.org"))
    db.session.commit()


def downgrade_an_entrys_scheme(ids):
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == ids[9]).values(hash_scheme=SHA256))
    db.session.commit()


def delete_the_checkpoint_rows(ids):
    db.session.execute(sa.delete(AuditCheckpoint))
    db.session.commit()


def alter_the_checkpoint_to_match_a_rewrite(ids):
    rewrite_the_keyed_part_in_the_old_scheme(ids)
    new_hash = db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.id == ids[6]))
    db.session.execute(sa.update(AuditCheckpoint).values(entry_hash=new_hash))
    db.session.commit()


def alter_the_checkpoint_file(ids):
    path = checkpoints.checkpoint_file()
    data = json.loads(path.read_text())
    rewrite_the_keyed_part_in_the_old_scheme(ids)
    data["entry_hash"] = db.session.scalar(sa.select(AuditEntry.entry_hash).where(AuditEntry.id == ids[6]))
    path.write_text(json.dumps(data))
    db.session.execute(sa.delete(AuditCheckpoint))
    db.session.commit()


def remove_the_checkpoint_file(ids):
    checkpoints.checkpoint_file().unlink()


def swap_the_chain_key(ids):
    current_app.config["AUDIT_CHAIN_KEY"] = "another installation's key"


TAMPERING = [
    # (how, what `audit verify` must say, the entry it names: an index into the log's ids, or None)
    pytest.param(rewrite_from_a_point_with_sha256, "plain SHA-256 hash after keyed entries", 4,
                 id="rewrite-from-a-point-recomputed-sha256"),
    pytest.param(rewrite_the_keyed_part_in_the_old_scheme, "the log was rewritten from this entry or an earlier one",
                 6, id="rewrite-keyed-part-in-old-scheme"),
    pytest.param(rewrite_from_the_start_with_sha256, "the log was rewritten from this entry or an earlier one", 6,
                 id="rewrite-everything-recomputed-sha256"),
    pytest.param(truncate_below_the_checkpoint, "which is no longer in the log (it ends at entry", None,
                 id="truncated-tail"),
    pytest.param(delete_a_middle_entry, "its link to the previous entry does not match", 5, id="deleted-middle-entry"),
    pytest.param(delete_a_middle_entry_and_rechain_with_the_key, "the log was rewritten from this entry", 6,
                 id="deleted-middle-entry-rechained-with-key"),
    pytest.param(forge_a_keyed_entry_at_the_end, "does not match its keyed hash", 10, id="forged-keyed-entry"),
    pytest.param(forge_a_sha256_entry_at_the_end, "plain SHA-256 hash after keyed entries", 10,
                 id="forged-sha256-entry"),
    pytest.param(alter_a_field, "does not match its keyed hash", 8, id="altered-field"),
    pytest.param(downgrade_an_entrys_scheme, "plain SHA-256 hash after keyed entries", 9, id="downgraded-scheme"),
    pytest.param(delete_the_checkpoint_rows, "which is not in the database: checkpoint rows were deleted", None,
                 id="deleted-checkpoint-rows"),
    pytest.param(alter_the_checkpoint_to_match_a_rewrite, "its signature does not match its content", None,
                 id="altered-checkpoint"),
    pytest.param(alter_the_checkpoint_file, "does not carry a valid signature: the file was altered", None,
                 id="altered-checkpoint-file"),
    pytest.param(remove_the_checkpoint_file, "missing, though the database holds 1 checkpoint(s)", None,
                 id="removed-checkpoint-file"),
    pytest.param(swap_the_chain_key, "or the chain key (AUDIT_CHAIN_KEY) is not the one it was written with", 3,
                 id="swapped-key"),
]


@pytest.mark.parametrize(("tamper", "said", "at"), TAMPERING)
def test_tampering_is_caught(published_log, bypass_append_only, tamper, said, at):
    bypass_append_only()
    ids = published_log.ids
    tamper(ids)
    report = verify()
    assert not report.ok
    assert said in everything_said(report)
    if at is not None:
        entry_id = ids[at] if at < len(ids) else ids[-1] + 1
        assert report.chain.broken_entry_id == entry_id, everything_said(report)
        assert report.chain.message.startswith(f"audit log BROKEN at entry {entry_id}: ")


@pytest.mark.parametrize(("tamper", "said", "at"), TAMPERING[:10])
def test_audit_verify_fails_on_the_command_line_too(published_log, bypass_append_only, tamper, said, at):
    bypass_append_only()
    tamper(published_log.ids)
    db.session.expire_all()
    result = current_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert said in result.output and result.output.rstrip().endswith("audit verify FAILED")


def test_a_tail_cut_after_the_last_checkpoint_is_caught_by_a_later_published_one(published_log, bypass_append_only):
    """Entries after the newest checkpoint are only as safe as the next publication (at most a day
    with the nightly job): the reference a pack's manifest or a digest carried catches their removal."""
    ids = published_log.ids
    later = checkpoints.parse_reference(f"{ids[-1]}:{rows_from(ids[-1])[0].entry_hash}:{len(ids)}")
    bypass_append_only()
    delete_entries(ids[-1], ids[-2])
    assert verify().ok, "the checkpoint in the database and the file are at entry 7, before the cut"
    report = verify(later)
    assert not report.ok
    assert report.chain.reason == (f"the checkpoint given on the command line (entry {ids[-1]}) names entry {ids[-1]}, "
                                   f"which is no longer in the log (it ends at entry {ids[-3]}): entries at the end of "
                                   f"the log were removed")
