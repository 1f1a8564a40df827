"""The columns of the management review list's CSV and XLSX downloads, which evidence packs reuse."""

from __future__ import annotations

from app.common.export import Column
from app.reviews.models import ActionStatus, ReviewStatus


def _attendees(review) -> str:
    return "; ".join([user.full_name for user in review.attendees] + review.external_names)


# One row per review with its number of open actions (a ManagementReview and open_actions).
REVIEW_COLUMNS = [
    Column("Title", lambda row: row.ManagementReview.title, 36),
    Column("Meeting date", lambda row: row.ManagementReview.meeting_on, 14),
    Column("Status", lambda row: ReviewStatus(row.ManagementReview.status).label, 22),
    Column("Chair", lambda row: row.ManagementReview.chair.full_name, 28),
    Column("Attendees", lambda row: _attendees(row.ManagementReview), 50),
    Column("Inputs compiled as of", lambda row: row.ManagementReview.pack.as_of if row.ManagementReview.pack else "",
           16),
    Column("Pack PDF SHA-256", lambda row: row.ManagementReview.pack.pdf_sha256 if row.ManagementReview.pack else "",
           66),
    Column("Approved by", lambda row: row.ManagementReview.approved_by.full_name
           if row.ManagementReview.approved_by else "", 28),
    Column("Approved at", lambda row: row.ManagementReview.approved_at, 18),
    Column("Open actions", lambda row: row.open_actions, 10),
    Column("Minutes", lambda row: row.ManagementReview.minutes, 80),
]

ACTION_COLUMNS = [
    Column("Action", lambda action: action.reference, 10),
    Column("Review", lambda action: action.review.title, 30),
    Column("Meeting date", lambda action: action.review.meeting_on, 14),
    Column("Decision", lambda action: action.decision, 50),
    Column("Title", lambda action: action.title, 40),
    Column("Owner", lambda action: action.owner.full_name, 28),
    Column("Due", lambda action: action.due_on, 12),
    Column("Status", lambda action: ActionStatus(action.status).label, 14),
    Column("Done or cancelled on", lambda action: action.closed_on, 14),
    Column("Note", lambda action: action.progress_note, 50),
]
