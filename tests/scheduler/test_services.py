"""Notifications: once-only, e-mail status on creation, marking read, e-mail choices (audited)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app.audit.models import AuditEntry
from app.auth.permissions import ACCOUNT_SELF
from app.common.models import RuleError
from app.extensions import db
from app.scheduler import services
from app.scheduler.kinds import Kind
from app.scheduler.models import EmailStatus, Notification
from app.scheduler.services import Message
from tests import factories

MESSAGE = Message(Kind.RISK_REVIEW, "risk:1:due", date(2026, 12, 10), "Review of risk R-0001 due on 10 Dec 2026",
                  link="/risks/1")


def test_notify_leaves_a_message_once_per_user_item_and_due_date(app):
    user, other = factories.make_user("risk_owner"), factories.make_user("risk_owner")
    assert services.notify(user, MESSAGE) is not None
    assert services.notify(user, MESSAGE) is None
    assert services.notify(other, MESSAGE) is not None
    assert services.notify(user, Message(MESSAGE.kind, MESSAGE.item_key, date(2026, 12, 11), MESSAGE.title)) is not None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 3


def test_the_unique_key_holds_when_a_concurrent_run_inserted_it_between_check_and_insert(app, monkeypatch):
    user = factories.make_user("risk_owner")
    services.notify(user, MESSAGE)
    db.session.commit()
    monkeypatch.setattr(services, "_exists", lambda user_id, message: False)  # the check saw nothing
    assert services.notify(user, MESSAGE) is None  # the database refused the duplicate
    other = services.notify(user, Message(Kind.POLICY_REVIEW, "policy-version:1:due", date(2026, 12, 10), "x"))
    db.session.commit()  # the session is still usable after the refused insert
    assert other.id is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2


def test_email_is_pending_only_when_smtp_is_configured_and_the_user_wants_it(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1")
    with app.app_context():
        user = factories.make_user("risk_owner")
        assert services.notify(user, MESSAGE).email_status == EmailStatus.PENDING
        services.set_email_choices(user, {kind.value for kind in Kind} - {Kind.POLICY_REVIEW.value})
        policy = Message(Kind.POLICY_REVIEW, "policy-version:1:due", date(2026, 12, 10), "Review")
        assert services.notify(user, policy).email_status == EmailStatus.NOT_WANTED


def test_without_smtp_nothing_waits_for_email(app):
    user = factories.make_user("risk_owner")
    assert services.notify(user, MESSAGE).email_status == EmailStatus.NOT_WANTED


def test_mark_read_and_mark_all_read_touch_only_the_users_own(app):
    user, other = factories.make_user("risk_owner"), factories.make_user("risk_owner")
    mine = services.notify(user, MESSAGE)
    services.notify(user, Message(Kind.DIGEST, "digest:2026-W50", date(2026, 12, 7), "Your week"))
    theirs = services.notify(other, MESSAGE)
    db.session.commit()
    assert services.unread_count(user) == 2
    with pytest.raises(RuleError):
        services.mark_read(user, theirs.id)
    services.mark_read(user, mine.id)
    assert services.unread_count(user) == 1 and services.unread_count(other) == 1
    assert services.mark_all_read(user) == 1
    assert services.unread_count(user) == 0 and services.unread_count(other) == 1


def test_get_notification_or_404_finds_only_the_users_own(app):
    user, other = factories.make_user("risk_owner"), factories.make_user("auditor")
    mine, theirs = services.notify(user, MESSAGE), services.notify(other, MESSAGE)
    db.session.commit()

    assert services.get_notification_or_404(user, mine.id, ACCOUNT_SELF) is mine
    with pytest.raises(NotFound):  # someone else's is as good as missing
        services.get_notification_or_404(user, theirs.id, ACCOUNT_SELF)
    with pytest.raises(NotFound):
        services.get_notification_or_404(user, 999_999, ACCOUNT_SELF)


def test_email_choices_default_on_and_changes_are_audited(app):
    user = factories.make_user("risk_owner")
    assert all(services.email_choices(user).values())
    changes = services.set_email_choices(user, {Kind.DIGEST.value})
    assert set(changes) == {kind.value for kind in Kind} - {Kind.DIGEST.value}
    choices = services.email_choices(user)
    assert choices[Kind.DIGEST] and not choices[Kind.RISK_REVIEW]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "notification_preference"))
    assert entry.actor_id == user.id and "risk_review" in entry.changes
    assert services.set_email_choices(user, {Kind.DIGEST.value}) == {}  # nothing changed, nothing audited
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.entity_type == "notification_preference")) == 1


def test_an_unknown_kind_is_refused_and_nothing_changes(app):
    user = factories.make_user("risk_owner")
    with pytest.raises(RuleError, match="Unknown kind of notification: bogus"):
        services.set_email_choices(user, {"bogus"})
    assert all(services.email_choices(user).values())
