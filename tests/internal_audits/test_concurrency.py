"""Auditors acting on the same internal audit at the same moment: the report is issued once (one PDF
kept, the audit frozen, each finding raised once), a finding is raised once, and a checklist line or
the report draft saved while someone raises or issues waits its turn (every write to an audit takes its
row first) and is then saved or refused in words; never an error page (PostgreSQL found a deadlock
before) and never a second nonconformity for one finding.

Each race holds both requests right after the read their write depends on (tests.threads.hold_after),
so on PostgreSQL both have read before either writes, on every run."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.internal_audits import report
from app.internal_audits.models import ChecklistLine, InternalAudit
from app.nonconformities.models import Nonconformity
from tests.internal_audits.conftest import fake_pdf, fill
from tests.pages import page_text
from tests.threads import hold_after, post_each_at_once

STALE = "changed by someone else"
FINDING = ("minor_nc", "The programme omits A.8.8.")


def _issue_form(internal_audit: InternalAudit, **values) -> dict:
    return {"version": str(internal_audit.version), "summary": "Two clauses.", "conclusion": "Conforms but for 9.2.",
            "actual_end": "2026-11-13", "action": "issue", **values}


def _pages(responses: dict) -> dict[str, tuple[int, str]]:
    return {label: (response.status_code, page_text(response)) for label, response in responses.items()}


def _nonconformities() -> list[str]:
    return list(db.session.scalars(sa.select(Nonconformity.source_reference)))


def _finding_line(internal_audit: InternalAudit) -> ChecklistLine:
    return next(line for line in internal_audit.lines if line.subject == "9.2")


def test_the_lead_issuing_the_report_from_two_tabs_at_once_issues_it_once(app, started, lead, member, monkeypatch):
    audited = started(lead, team=(member,))
    fill(audited, member, {"9.2": FINDING})
    form, audit_id, reference, email = _issue_form(audited), audited.id, audited.reference, lead.email
    db.session.close()

    monkeypatch.setattr(report, "render_report", lambda audited, draft, generated_by=None: fake_pdf(audited))
    hold_after(monkeypatch, (InternalAudit, "check_version"))
    url = f"/internal-audits/{audit_id}/issue"
    _, responses = post_each_at_once(app, dict.fromkeys(("first tab", "second tab"), (email, url, form)),
                                     follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    assert sum(f"Issued the report of {reference}" in page for _, page in pages.values()) == 1
    assert sum(f"The report of {reference} was issued on" in page for _, page in pages.values()) == 1
    issued = db.session.get(InternalAudit, audit_id)
    assert issued.frozen and issued.report_sha256
    assert _nonconformities() == [f"{reference} / 9.2"]
    issues = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "issue", AuditEntry.entity_type == "internal_audit"))
    assert issues == 1


def test_the_lead_and_a_team_member_raising_one_finding_at_once_raise_it_once(app, started, lead, member,
                                                                              monkeypatch):
    audited = started(lead, team=(member,))
    fill(audited, member, {"9.2": FINDING})
    line = _finding_line(audited)
    url = f"/internal-audits/{audited.id}/lines/{line.id}/raise"
    form, line_id, emails = {"version": str(line.version)}, line.id, [lead.email, member.email]
    db.session.close()

    hold_after(monkeypatch, (ChecklistLine, "check_version"))
    _, responses = post_each_at_once(app, {email: (email, url, form) for email in emails},
                                     follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    assert sum("Raised 9.2 as nonconformity NC-0001" in page for _, page in pages.values()) == 1
    assert sum("9.2 was already raised as NC-0001" in page for _, page in pages.values()) == 1
    assert len(_nonconformities()) == 1
    assert db.session.get(ChecklistLine, line_id).nonconformity.reference == "NC-0001"


def test_a_line_saved_while_its_finding_is_raised_is_saved_or_refused_never_an_error_page(app, started, lead, member,
                                                                                        monkeypatch):
    audited = started(lead, team=(member,))
    fill(audited, member, {"9.2": FINDING})
    line = _finding_line(audited)
    base = f"/internal-audits/{audited.id}/lines/{line.id}"
    posts = {"raise": (lead.email, f"{base}/raise", {"version": str(line.version)}),
             "save": (member.email, base, {"version": str(line.version), "result": "minor_nc",
                                           "notes": "The programme omits A.8.8 and A.8.9."})}
    line_id = line.id
    db.session.close()

    hold_after(monkeypatch, (ChecklistLine, "check_version"))
    _, responses = post_each_at_once(app, posts, follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    line = db.session.get(ChecklistLine, line_id)
    if line.nonconformity_id is None:  # the save went first: the raise was of a line changed since
        assert STALE in pages["raise"][1] and "Nothing was raised" in pages["raise"][1]
        assert _nonconformities() == []
    else:  # the raise went first: the notes are saved after it, the result stays as raised
        assert "Raised 9.2 as nonconformity NC-0001" in pages["raise"][1]
        assert len(_nonconformities()) == 1 and line.result == "minor_nc"


def test_a_report_draft_saved_while_the_lead_issues_is_saved_or_refused_never_an_error_page(app, started, lead, member,
                                                                                      monkeypatch):
    audited = started(lead, team=(member,))
    fill(audited, member, {"9.2": FINDING})
    url, audit_id = f"/internal-audits/{audited.id}/issue", audited.id
    posts = {"issue": (lead.email, url, _issue_form(audited)),
             "draft": (member.email, url, _issue_form(audited, summary="Two clauses, one finding.", action="save"))}
    db.session.close()

    monkeypatch.setattr(report, "render_report", lambda audited, draft, generated_by=None: fake_pdf(audited))
    hold_after(monkeypatch, (InternalAudit, "check_version"))
    _, responses = post_each_at_once(app, posts, follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    issued = db.session.get(InternalAudit, audit_id)
    if issued.frozen:  # the issue went first: the draft is refused, its page says the report is out
        assert STALE in pages["draft"][1] or "was issued on" in pages["draft"][1]
        assert len(_nonconformities()) == 1
    else:  # the draft went first: the issue is refused as stale
        assert STALE in pages["issue"][1]
        assert _nonconformities() == []
