"""The demo's management review packs show the registers as they stood on their dates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.reviews.models import ManagementReview

pytestmark = pytest.mark.usefixtures("demo_data")


def sections(review: ManagementReview) -> dict[str, dict]:
    return {section["key"]: section for section in review.pack.figures["sections"]}


def figures(section: dict) -> dict:
    return {figure["key"]: figure["value"] for figure in section["figures"]}


def test_the_recent_pack_shows_the_context_audits_and_corrective_actions_of_its_date(app):
    earlier, recent = db.session.scalars(sa.select(ManagementReview).order_by(ManagementReview.meeting_on))
    first, latest = sections(earlier), sections(recent)
    # Before the ISMS operated (the internal audit's 9.3 finding): no context, audits or nonconformities yet.
    assert not any(first[key]["available"] for key in ("context_issues", "nonconformities", "audits", "objectives"))
    assert all(latest[key]["available"] for key in ("context_issues", "interested_parties", "nonconformities",
                                                    "audits", "objectives", "monitoring"))
    nonconformities = figures(latest["nonconformities"])
    assert nonconformities["actions_open"] > 0 and nonconformities["actions_overdue"] > 0
    # The internal audits' findings on its date: all three open, the 9.3 one closed only after the review.
    assert figures(latest["audits"]) | {"programme_gaps": None} == {"audits_issued": 2, "audit_ncs_open": 3,
                                                                    "programme_gaps": None}
