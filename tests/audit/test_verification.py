"""The chain's status on /audit (issue 18, point 11): when the whole log was last checked and what was
found, the nightly check, and the check on demand for administrators and auditors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit import services as audit
from app.audit import verification
from app.audit.models import AuditEntry
from app.extensions import db
from app.scheduler import runner
from tests.pages import audit_entries, text_of


def verify(client):
    return client.post("/audit/verify", follow_redirects=True)


def break_the_chain(bypass_append_only, entry_id: int) -> None:
    bypass_append_only()
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(summary="nothing happened"))
    db.session.commit()


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_the_page_says_the_log_was_not_checked_yet_and_offers_the_check(client, login_as, five_entries, role):
    login_as(role)
    text = text_of(client.get("/audit/"))
    assert "Chain status" in text and "Last full check not yet: the whole log is checked every night" in text
    assert "Verify the whole log now" in text and "verify_audit_extract.py" in text


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_a_check_on_demand_is_recorded_and_shown(client, login_as, five_entries, role):
    user = login_as(role)
    response = verify(client)
    assert response.status_code == 200
    text = text_of(response)
    # The five, the account made for the test and its sign-in.
    assert "The audit log is intact: 7 entries checked." in text
    [entry] = audit_entries(action="verify", entity_type="audit_log")
    assert entry.actor_id == user.id and entry.summary.startswith("Verified the audit log: intact, 7 entries")
    assert f"by {user.email}: intact , 7 entries up to entry #7" in text
    assert audit.verify_chain().ok


@pytest.mark.parametrize("role", ["security_officer", "risk_owner", "manager", "hr_officer"])
def test_other_roles_may_not_check_the_log(client, login_as, role):
    login_as(role)
    assert client.post("/audit/verify").status_code == 403
    assert not audit_entries(action="verify")


def test_a_broken_log_is_reported_on_the_page(client, login_as, five_entries, bypass_append_only):
    break_the_chain(bypass_append_only, five_entries[2])
    login_as("auditor")
    text = text_of(verify(client))
    assert f"Verified the audit log: BROKEN. audit log BROKEN at entry {five_entries[2]}" in text
    assert "found the log broken" in text_of(client.get("/audit/"))


def test_a_log_too_large_is_not_checked_on_demand(client, login_as, five_entries, monkeypatch):
    monkeypatch.setattr(verification, "ON_DEMAND_LIMIT", 3)
    login_as("admin")
    text = text_of(client.get("/audit/"))
    assert "too many to check while you wait (the limit is 3)" in text and "Verify the whole log now" not in text
    assert "too many to check while you wait" in text_of(verify(client))
    assert not audit_entries(action="verify")


def test_a_second_check_within_a_minute_is_refused(client, login_as, five_entries):
    login_as("auditor")
    verify(client)
    assert "The log was checked less than a minute ago" in text_of(verify(client))
    assert len(audit_entries(action="verify")) == 1
    later = verification.last_verification().at + verification.ON_DEMAND_INTERVAL + timedelta(seconds=1)
    assert verification.refusal_now(later) is None


def test_the_nightly_job_records_its_check(app, five_entries):
    run = runner.run_job("audit-verify")
    assert run.status == "ok" and run.summary == "Audit log intact: 5 entries, 0 signed checkpoint(s)"
    latest = verification.last_verification()
    assert latest.ok and latest.by is None and latest.entries == 5 and latest.up_to_entry == five_entries[-1]


def test_the_nightly_job_fails_and_records_a_broken_log(app, five_entries, bypass_append_only):
    break_the_chain(bypass_append_only, five_entries[1])
    run = runner.run_job("audit-verify")
    assert run.status == "error" and f"audit log BROKEN at entry {five_entries[1]}" in run.error
    latest = verification.last_verification()
    assert not latest.ok and latest.up_to_entry == five_entries[1]


def test_the_page_names_the_nightly_check_and_what_came_after(client, login_as, five_entries):
    runner.run_job("audit-verify")
    login_as("auditor")
    text = text_of(client.get("/audit/"))
    assert "by the nightly job: intact , 5 entries up to entry #5" in text
    assert "entries written since" in text
