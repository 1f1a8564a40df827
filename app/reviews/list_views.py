"""The list of management reviews and the list of their actions: filtered, paged and exported."""

from __future__ import annotations

from flask import render_template, request

from app.admin import settings
from app.auth.permissions import REVIEW_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, choice_arg, requested_export
from app.common.timeutil import local_today
from app.reviews import services
from app.reviews.exports import ACTION_COLUMNS, REVIEW_COLUMNS
from app.reviews.models import OPEN_ACTION_STATUSES, ActionStatus, ManagementReview, ReviewAction, ReviewStatus
from app.reviews.views import bp

ACTION_SORT = {"due_on": ReviewAction.due_on, "meeting_on": ManagementReview.meeting_on}
ACTION_STATES = {"": "Any", "open": "Open", "overdue": "Overdue", **{s.value: s.label for s in ActionStatus}}


@bp.get("")
@permission_required(REVIEW_VIEW)
def index():
    filters = services.ReviewFilters.from_args(request.args)
    statement = services.filtered_reviews(filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=services.SORT_COLUMNS, default_sort="meeting_on",
                            default_direction="desc", tiebreaker=ManagementReview.id, scalars=False)
        return audited_export(rows, REVIEW_COLUMNS, fmt, "khusela-management-reviews", entity_type="management_review",
                              what="management reviews")
    listing = Listing.from_request(statement, sort_columns=services.SORT_COLUMNS, default_sort="meeting_on",
                                   default_direction="desc", tiebreaker=ManagementReview.id, scalars=False)
    return render_template("reviews/list.html", listing=listing, filters=filters, years=services.years(),
                           statuses=ReviewStatus, today=local_today(),
                           overdue_since=services.review_overdue_since(local_today()),
                           interval=settings.get(settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS))


@bp.get("/actions")
@permission_required(REVIEW_VIEW)
def actions():
    today = local_today()
    state = choice_arg(request.args, "state", ACTION_STATES)
    statement = services.all_actions()
    if state == "open":
        statement = statement.where(ReviewAction.status.in_(OPEN_ACTION_STATUSES))
    elif state == "overdue":
        statement = statement.where(ReviewAction.status.in_(OPEN_ACTION_STATUSES), ReviewAction.due_on < today)
    elif state:
        statement = statement.where(ReviewAction.status == state)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=ACTION_SORT, default_sort="due_on", tiebreaker=ReviewAction.id)
        return audited_export(rows, ACTION_COLUMNS, fmt, "khusela-management-review-actions",
                              entity_type="management_review_action", what="management review actions")
    listing = Listing.from_request(statement, sort_columns=ACTION_SORT, default_sort="due_on",
                                   tiebreaker=ReviewAction.id)
    return render_template("reviews/actions.html", listing=listing, state=state, states=ACTION_STATES, today=today)
