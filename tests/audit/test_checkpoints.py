"""Signed checkpoints of the audit log: taken and published automatically, kept outside the database,
shown on /audit; and a keyed chain that still verifies the entries written before the key."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa
from flask import current_app

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.models import AuditCheckpoint, AuditEntry, CheckpointReason
from app.common import signing
from app.extensions import db
from app.scheduler import runner
from tests.pages import text_of
from tests.threads import run_together


def last_entry() -> AuditEntry:
    return db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


# --- taking and publishing ------------------------------------------------------------------------


def test_a_checkpoint_signs_the_head_and_is_kept_in_the_file_and_the_log(app, five_entries):
    checkpoint = checkpoints.publish(CheckpointReason.MANUAL)
    assert (checkpoint.entry_id, checkpoint.entry_count, checkpoint.previous_id) == (five_entries[-1], 5, None)
    assert checkpoint.entry_hash == db.session.get(AuditEntry, five_entries[-1]).entry_hash
    fields = checkpoints.fields_of(checkpoint)
    signed = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    assert signing.signature_valid(signed, bytes.fromhex(checkpoint.signature), signing.public_key())
    path = checkpoints.checkpoint_file()
    assert path == current_app.config["PACK_SIGNING_KEY"].rsplit("/", 1)[0] / path.relative_to(path.parent)
    assert json.loads(path.read_text()) == {**fields, "signature": checkpoint.signature}
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # written by rename
    entry = last_entry()
    assert (entry.action, entry.entity_type, entry.entity_id) == ("checkpoint", "audit_checkpoint", str(checkpoint.id))
    assert entry.summary == (f"Checkpoint #{checkpoint.id} of the audit log (manual) at entry {five_entries[-1]}, "
                             "5 entries")

    second = checkpoints.publish(CheckpointReason.DAILY)
    assert (second.previous_id, second.entry_id, second.entry_count) == (checkpoint.id, entry.id, 6)
    assert json.loads(path.read_text())["checkpoint"] == second.id


def test_the_file_never_goes_back_to_an_older_checkpoint(app, five_entries):
    newer = checkpoints.publish(CheckpointReason.MANUAL)
    older = {**checkpoints.fields_of(newer), "checkpoint": newer.id - 1, "signature": ""}
    checkpoints._write_file(checkpoints.checkpoint_file(), older, replace_newer=False)
    assert json.loads(checkpoints.checkpoint_file().read_text())["checkpoint"] == newer.id


def test_an_unwritable_file_is_a_message_naming_it(app, five_entries, monkeypatch):
    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoints.os, "replace", disk_full)
    with pytest.raises(checkpoints.CheckpointRefused,
                       match=r"is in the database, but its copy could not be written to .*No space left"):
        checkpoints.publish(CheckpointReason.MANUAL)
    assert [p.name for p in checkpoints.checkpoint_file().parent.iterdir() if p.name.endswith(".tmp")] == []


def test_the_nightly_job_takes_a_checkpoint(app, five_entries):
    run = runner.run_job("audit-checkpoint")
    assert run.status == "ok", run.error
    checkpoint = db.session.scalar(sa.select(AuditCheckpoint))
    assert checkpoint.reason == "daily"
    assert run.summary == f"Checkpoint #{checkpoint.id} at entry {five_entries[-1]} (5 entries)"


def test_the_nightly_job_on_an_empty_log(app):
    assert runner.run_job("audit-checkpoint").summary == "The audit log is empty: nothing to checkpoint"


def test_the_nightly_job_fails_when_the_log_was_cut_below_the_last_checkpoint(app, five_entries, bypass_append_only):
    checkpoints.publish(CheckpointReason.DAILY)
    bypass_append_only()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id >= five_entries[3]))
    db.session.commit()
    run = runner.run_job("audit-checkpoint")
    assert run.status == "error" and "The audit log no longer matches its latest checkpoint" in run.error


# --- the keyed chain after the plain one ------------------------------------------------------------


def test_a_row_from_before_the_column_is_a_sha256_entry(app):
    db.session.execute(sa.insert(AuditEntry.__table__).values(
        occurred_at=audit.utcnow(), action="create", entity_type="thing", summary="old", changes="{}",
        prev_hash="0" * 64, entry_hash="e" * 64))
    db.session.commit()
    assert last_entry().hash_scheme == "sha256"


def test_a_point_whose_count_differs_is_named(app, five_entries):
    entry = db.session.get(AuditEntry, five_entries[2])
    point = audit.ChainPoint(entry.id, entry.entry_hash, 4, "the test's point")
    result = audit.verify_chain(points=(point,))
    assert (result.ok, result.broken_entry_id) == (False, entry.id)
    assert result.reason == ("the test's point counted 4 entries up to it, the log now holds 3: "
                             "an entry before it was removed")


# --- /audit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_the_log_page_shows_the_head_and_the_latest_checkpoint(client, login_as, five_entries, role):
    checkpoint = checkpoints.publish(CheckpointReason.DAILY)
    login_as(role)  # its sign-in is one more entry
    head = last_entry()
    since = head.id - checkpoint.entry_id
    text = text_of(client.get("/audit/"))
    assert f"Current head entry #{head.id}, {head.entry_hash}" in text
    assert f"Latest signed checkpoint #{checkpoint.id} (daily)" in text
    assert (f"entry #{checkpoint.entry_id} of 5, {checkpoint.entry_hash} ; signature valid and the log still holds "
            f"its entry; {since} entries since") in text


def test_the_log_page_says_when_there_is_no_checkpoint_yet(client, login_as):
    login_as("admin")
    assert "none yet: one is taken every night" in text_of(client.get("/audit/"))


def test_the_log_page_warns_when_the_log_no_longer_holds_the_checkpoint(client, login_as, five_entries,
                                                                        bypass_append_only):
    checkpoint = checkpoints.publish(CheckpointReason.DAILY)
    bypass_append_only()
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == checkpoint.entry_id).values(entry_hash="f" * 64))
    db.session.commit()
    login_as("auditor")
    assert (f"The log no longer holds entry {checkpoint.entry_id} as the latest checkpoint #{checkpoint.id}"
            in text_of(client.get("/audit/")))


# --- at the same moment ----------------------------------------------------------------------------


def test_checkpoints_taken_while_others_append_each_see_one_consistent_head(app, five_entries):
    """Writers append while checkpoints are taken: each checkpoint's head and count must describe
    one moment (the tail lock), or verify would find a count or hash that never existed."""
    db.session.close()
    problems: list[str] = []
    flask_app = current_app._get_current_object()
    start = threading.Barrier(4)

    def work(who: str) -> None:
        try:
            with flask_app.app_context():
                start.wait(timeout=60)
                for round_ in range(8):
                    if who == "checkpointer":
                        checkpoints.publish(CheckpointReason.MANUAL)
                    else:
                        audit.record("update", "thing", round_, summary=f"{who} {round_}")
                        db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            start.abort()
            problems.append(f"{who}: {type(error).__name__}: {error}")

    run_together(work, ["checkpointer", "writer 1", "writer 2", "writer 3"], timeout=120)
    assert problems == []
    report = checkpoints.verify_log()
    assert report.ok, [report.chain.message, *report.problems]
    assert report.checkpoints == 8 and report.chain.entries == 5 + 3 * 8 + 8
