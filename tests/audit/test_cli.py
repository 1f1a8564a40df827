"""`flask audit verify`: what an operator runs from cron or by hand."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db


def verify(app, *options):
    return app.test_cli_runner().invoke(args=["audit", "verify", *options])


def latest_hash() -> str:
    return db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))


def test_verify_reports_an_intact_log_and_its_latest_hash(app, five_entries):
    result = verify(app)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "audit log OK: 5 entries"
    assert lines[1] == f"latest entry {five_entries[-1]}: {latest_hash()}"


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
        "entries at the end of the log were removed\n"
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
