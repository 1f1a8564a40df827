"""People acting on the same management review at the same moment: two compiling its pack get one pack
(the second compile replaces the first, as pressing the button twice does), two approving it approve it
once (the second gets the stale-edit message), and a compile racing the minutes either compiles before
the review is held or is refused because its pack is frozen; never an error page.

Each race holds both requests right after the read their write depends on (tests.threads.hold_after),
so on PostgreSQL both have read before either writes, on every run."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.reviews import inputs, services
from app.reviews.models import ManagementReview, ReviewPack, ReviewStatus
from tests import factories
from tests.pages import page_text
from tests.reviews.conftest import held_review, review_of
from tests.threads import hold_after, post_each_at_once

STALE = "changed by someone else"
MEETING = date(2026, 3, 10)


def _two_managers() -> list[str]:
    return [factories.make_user("security_officer").email, factories.make_user("admin").email]


def _pages(responses: dict) -> dict[str, tuple[int, str]]:
    return {label: (response.status_code, page_text(response)) for label, response in responses.items()}


def _entries(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.entity_type == "management_review"))


def test_two_managers_compiling_one_pack_at_once_get_one_pack(app, chair, monkeypatch):
    review = review_of(chair, meeting_on=MEETING)
    review_id, emails = review.id, _two_managers()
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (inputs, "compile"))
    url = f"/management-reviews/{review_id}/compile"
    _, responses = post_each_at_once(app, {email: (email, url, {"as_of": MEETING.isoformat()}) for email in emails},
                                     follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    assert all("Compiled the inputs as of 2026-03-10" in page for _, page in pages.values())
    [pack] = db.session.scalars(sa.select(ReviewPack)).all()
    assert pack.revision == 2 and _entries("compile") == 2  # one pack, compiled twice in turn
    assert db.session.get(ManagementReview, review_id).status == ReviewStatus.INPUTS_COMPILED


def test_two_approvers_approving_at_once_approve_it_once(app, chair, monkeypatch):
    review = held_review(chair, meeting_on=MEETING, title="Management review 2026")
    review_id, version, emails = review.id, review.version, _two_managers()
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (ManagementReview, "check_version"))
    url = f"/management-reviews/{review_id}/approve"
    _, responses = post_each_at_once(app, {email: (email, url, {"version": str(version)}) for email in emails},
                                     follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    assert sum("Approved Management review 2026" in page for _, page in pages.values()) == 1
    assert sum(STALE in page for _, page in pages.values()) == 1
    assert db.session.get(ManagementReview, review_id).status == ReviewStatus.APPROVED
    assert _entries("approve") == 1


def test_a_compile_racing_the_minutes_compiles_first_or_finds_the_pack_frozen(app, chair, monkeypatch):
    review = review_of(chair, meeting_on=MEETING)
    services.compile_pack(review, as_of=MEETING, actor=None, today=MEETING)
    db.session.commit()
    review_id, version = review.id, review.version
    compiler, secretary = _two_managers()
    db.session.close()

    hold_after(monkeypatch, (inputs, "compile"), (ManagementReview, "check_version"))
    base = f"/management-reviews/{review_id}"
    _, responses = post_each_at_once(app, {
        "compile": (compiler, f"{base}/compile", {"as_of": MEETING.isoformat()}),
        "minutes": (secretary, f"{base}/minutes", {"version": str(version), "minutes": "Discussed the inputs."})},
        follow_redirects=True)
    pages = _pages(responses)
    assert sorted(status for status, _ in pages.values()) == [200, 200]
    assert "Recorded the minutes" in pages["minutes"][1]
    held = db.session.get(ManagementReview, review_id)
    assert held.status == ReviewStatus.HELD and held.minutes == "Discussed the inputs."
    if held.pack.revision == 2:  # the compile went first, then the meeting was recorded on its pack
        assert "Compiled the inputs" in pages["compile"][1]
        compiled, recorded = (db.session.scalar(sa.select(sa.func.max(AuditEntry.id)).where(
            AuditEntry.action == action, AuditEntry.entity_type == "management_review")) for action in ("compile",
                                                                                                        "hold"))
        assert compiled < recorded  # in the audit chain's order: never a pack changed once the review is held
    else:  # the minutes went first: the pack is frozen
        assert "its review pack, compiled as of 2026-03-10, is frozen" in pages["compile"][1]
