"""Notifications: the list of a user's own, marking them read, and which kinds also come by e-mail.

The blueprint's context processor lives here too: the unread count for the bell in the navigation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import ACCOUNT_SELF, acting_user, permission_required
from app.common.listing import Listing
from app.common.models import RuleError
from app.common.saving import acting
from app.extensions import db
from app.scheduler import services
from app.scheduler.kinds import Kind
from app.scheduler.models import EmailStatus, Notification
from app.scheduler.views import bp

NOTIFICATION_SORTS = {"created": Notification.created_at, "due": Notification.due_on}



@bp.app_context_processor
def _bell() -> dict:
    """The unread count for the bell in the navigation (asked only when a page shows it)."""
    def unread() -> int:
        try:
            return services.unread_count(current_user) if current_user.is_authenticated else 0
        except Exception:  # the error page must render even when the database is down
            return 0
    return {"unread_notifications": unread}


def _local_path(path: str) -> str | None:
    """A path inside Khusela ("/risks/3"), never another site ("//evil.example", "https://...")."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return None


@bp.get("/notifications")
@permission_required(ACCOUNT_SELF)
def notifications():
    statement = services.notifications_of(current_user)
    show = request.args.get("show", "")
    if show == "unread":
        statement = statement.where(Notification.read_at.is_(None))
    listing = Listing.from_request(statement, sort_columns=NOTIFICATION_SORTS, default_sort="created",
                                   default_direction="desc", tiebreaker=Notification.id)
    return render_template("scheduler/notifications.html", listing=listing, show=show,
                           unread=services.unread_count(current_user),
                           kind_labels={kind.value: kind.label for kind in Kind}, EmailStatus=EmailStatus,
                           mail_configured=services.mail_configured())


@bp.post("/notifications/<int:notification_id>/read")
@permission_required(ACCOUNT_SELF)
def mark_read(notification_id: int):
    notification = services.get_notification_or_404(current_user, notification_id, ACCOUNT_SELF)
    services.mark_read(acting_user(), notification.id)
    db.session.commit()
    if request.form.get("then") == "open" and _local_path(notification.link):
        return redirect(notification.link)
    flash("Notification marked read.", "success")
    return redirect(url_for("scheduler.notifications", show=request.form.get("show") or None))


@bp.post("/notifications/read-all")
@permission_required(ACCOUNT_SELF)
def mark_all_read():
    marked = services.mark_all_read(acting_user())
    db.session.commit()
    flash(f"{marked} notifications marked read." if marked else "There were no unread notifications.", "success")
    return redirect(url_for("scheduler.notifications"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@permission_required(ACCOUNT_SELF)
def preferences():
    choices = services.email_choices(current_user)
    if request.method == "POST":
        wanted = set(request.form.getlist("email"))
        with acting(RuleError) as refused:
            changes = services.set_email_choices(acting_user(), wanted)
        if refused:
            flash(str(refused), "error")
            return render_template("scheduler/preferences.html", choices=choices,
                                   mail_configured=services.mail_configured()), 422
        flash("E-mail choices saved." if changes else "Nothing changed.", "success")
        return redirect(url_for("scheduler.preferences"))
    return render_template("scheduler/preferences.html", choices=choices, mail_configured=services.mail_configured())
