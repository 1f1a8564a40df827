"""`flask audit verify`: what an operator runs from cron or by hand."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_verify_reports_an_intact_log(app, five_entries):
    result = verify(app)
    assert result.exit_code == 0
    assert result.output == "audit log OK: 5 entries\n"


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
