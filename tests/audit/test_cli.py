"""`flask audit verify`: what an operator runs from cron or by hand."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.audit import checkpoints
from app.audit.models import AuditCheckpoint, AuditEntry, CheckpointReason
from app.extensions import db


def verify(app, *options):
    return app.test_cli_runner().invoke(args=["audit", "verify", *options])


def latest_hash() -> str:
    return db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))


def test_verify_reports_an_intact_log_and_its_latest_hash(app, five_entries):
    result = verify(app)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "audit log OK: 5 entries",
        "every entry is keyed (HMAC-SHA256 under the chain key)",
        f"latest entry {five_entries[-1]}: {latest_hash()}",
    ]


def test_verify_names_the_checkpoints_and_the_file_it_checked(app, five_entries):
    checkpoint = checkpoints.publish(CheckpointReason.MANUAL)
    result = verify(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "audit log OK: 6 entries"
    assert lines[2] == (f"1 signed checkpoint(s) checked; the latest is {checkpoints.describe(checkpoint)} at entry "
                        f"{five_entries[-1]}")
    assert lines[3] == f"checkpoint file {checkpoints.checkpoint_file()}: checkpoint #{checkpoint.id}"


def test_verify_against_a_checkpoint_copied_from_a_manifest(app, five_entries, bypass_append_only):
    reference = checkpoints.reference(checkpoints.publish(CheckpointReason.PACK))
    assert verify(app, "--checkpoint", reference).exit_code == 0
    bypass_append_only()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id >= five_entries[3]))
    db.session.execute(sa.delete(AuditCheckpoint))
    db.session.commit()
    checkpoints.checkpoint_file().unlink()  # everything on the server that knew the head is gone...
    assert verify(app).exit_code == 0
    result = verify(app, "--checkpoint", reference)  # ...but the manifest still knows it
    assert result.exit_code == 1
    assert (f"BROKEN at the end of the log: the checkpoint given on the command line (entry {five_entries[-1]}) "
            f"names entry {five_entries[-1]}, which is no longer in the log") in result.output


@pytest.mark.parametrize("value", ["12", "12:abc:3", "x:" + "a" * 64, "1:" + "g" * 64 + ":1", "1:" + "a" * 64 + ":x"])
def test_verify_refuses_a_checkpoint_that_is_not_one(app, value):
    result = verify(app, "--checkpoint", value)
    assert result.exit_code == 2
    assert "is not a checkpoint: write ENTRY:HASH:COUNT" in result.output


def test_checkpoint_command_publishes_the_head(app, five_entries):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    checkpoint = db.session.scalar(sa.select(AuditCheckpoint))
    assert (checkpoint.reason, checkpoint.entry_id, checkpoint.entry_count) == ("manual", five_entries[-1], 5)
    assert f"reference: {five_entries[-1]}:{checkpoint.entry_hash}:5" in result.output
    assert json.loads(checkpoints.checkpoint_file().read_text())["checkpoint"] == checkpoint.id
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert (entry.action, entry.actor_email, entry.entity_id) == ("checkpoint", "cli", str(checkpoint.id))


def test_checkpoint_command_refuses_to_re_anchor_a_cut_log_until_told_it_was_restored(app, five_entries,
                                                                                        bypass_append_only):
    checkpoints.publish(CheckpointReason.DAILY)
    before = checkpoints.checkpoint_file().read_text()
    bypass_append_only()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id >= five_entries[2]))
    db.session.commit()
    refused = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert refused.exit_code == 1
    assert "The audit log no longer matches its latest checkpoint" in refused.output
    assert f"names entry {five_entries[-1]}, which is no longer in the log" in refused.output
    assert checkpoints.checkpoint_file().read_text() == before
    restored = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--after-restore"])
    assert restored.exit_code == 0, restored.output
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert json.loads(entry.changes)["checkpoint_file"][0].startswith(f"#1 at entry {five_entries[-1]}")
    assert json.loads(checkpoints.checkpoint_file().read_text())["entry_id"] == five_entries[1]


def test_verify_with_an_anchor_still_in_the_log_passes(app, five_entries):
    anchor = latest_hash()
    result = verify(app, "--anchor", anchor.upper())
    assert result.exit_code == 0
    assert result.output.startswith("audit log OK: 5 entries")


def test_cutting_off_the_newest_entries_is_caught_by_the_anchor(app, five_entries, bypass_append_only):
    anchor = latest_hash()
    bypass_append_only()
    db.session.execute(sa.text("DELETE FROM audit_entry WHERE id >= :id"), {"id": five_entries[3]})
    db.session.commit()
    assert verify(app).exit_code == 0, "the chain alone cannot see a cut-off end"
    result = verify(app, "--anchor", anchor)
    assert result.exit_code == 1
    assert result.output == (
        f"audit log BROKEN at the end of the log: no entry has the anchored hash {anchor}: "
        "entries at the end of the log were removed\naudit verify FAILED\n"
    )


def test_verify_reports_an_empty_log(app):
    result = verify(app)
    assert (result.exit_code, result.output) == (0, "audit log OK: 0 entries\n")


def test_verify_names_the_altered_entry_and_fails(app, five_entries, bypass_append_only):
    bypass_append_only()
    db.session.execute(sa.text("UPDATE audit_entry SET summary = 'harmless' WHERE id = :id"), {"id": five_entries[3]})
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"audit log BROKEN at entry {five_entries[3]}: ")


def test_verify_names_the_entry_after_a_deleted_one_and_fails(app, five_entries, bypass_append_only):
    bypass_append_only()
    db.session.execute(sa.text("DELETE FROM audit_entry WHERE id = :id"), {"id": five_entries[1]})
    db.session.commit()
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at entry {five_entries[2]}" in result.output
