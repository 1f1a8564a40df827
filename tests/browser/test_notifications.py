"""The bell, the notification list, e-mail choices and /admin/jobs in a real browser, with axe-core."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


def check_page(page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    blocking = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
                for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious or critical problems on {name}:\n" + "\n".join(blocking)


def _remind(live_server) -> int:
    """Run the daily reminders over the demo data, mark one e-mail pending and one failed (as after
    SMTP trouble); return the demo risk owner's unread count."""
    from app.auth.services import find_user_by_email
    from app.extensions import db
    from app.scheduler import reminders, services
    from app.scheduler.models import EmailStatus, Notification

    with live_server.app.app_context():
        reminders.send_reminders()
        owner = find_user_by_email("owner@example.org")
        mine = list(db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id)
                                       .order_by(Notification.id)))
        mine[0].email_status, mine[0].email_attempts = EmailStatus.PENDING.value, 2
        mine[0].email_last_error = "ConnectionRefusedError: [Errno 111] Connection refused"
        mine[1].email_status, mine[1].email_attempts = EmailStatus.FAILED.value, 5
        db.session.commit()
        return services.unread_count(owner)


def test_bell_list_mark_read_and_email_choices(page, live_server, sign_in, artifacts):
    unread = _remind(live_server)
    assert unread >= 2
    sign_in("owner")
    bell = page.get_by_role("link", name=f"Notifications, {unread} unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notifications")
    expect(page.get_by_text("E-mail pending").first).to_be_visible()
    expect(page.get_by_text("E-mail failed").first).to_be_visible()
    check_page(page, artifacts, "notifications")

    page.get_by_role("button", name=re.compile(r"^Mark read")).first.click()
    expect(page.get_by_text("Notification marked read.")).to_be_visible()
    expect(page.get_by_role("link", name=f"Notifications, {unread - 1} unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

    page.get_by_role("link", name="E-mail choices").click()
    check_page(page, artifacts, "notification-preferences")
    page.get_by_label(re.compile("^Weekly digest")).uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("E-mail choices saved.")).to_be_visible()
    expect(page.get_by_label(re.compile("^Weekly digest"))).not_to_be_checked()


def test_admin_jobs_run_now_and_accessibility(page, live_server, sign_in, artifacts):
    sign_in("admin")
    page.goto(live_server("/admin/"))
    page.get_by_role("link", name="Scheduled jobs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scheduled jobs")
    expect(page.get_by_text("No scheduler process holds the lock")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Run now\W+Daily reminders$")).click()
    expect(page.get_by_text(re.compile(r"Daily reminders ran in [\d.]+ s: \d+ reminders left"))).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Finished")
    check_page(page, artifacts, "admin-jobs")
