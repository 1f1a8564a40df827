"""Each route: allowed role, forbidden role, bad input, happy path; the PDF built by the documents job."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from app.extensions import db
from app.reports import prepared
from app.reviews import services
from app.reviews.models import ManagementReview, PdfStatus, ReviewStatus
from tests import factories
from tests.pages import audit_entries, csv_rows, page_text, text_of
from tests.reviews.conftest import held_review, raise_nc, review_of


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("role", ["admin", "security_officer", "risk_owner", "manager", "auditor"])
def test_readers_see_the_list_and_a_review(client, login_as, chair, role):
    review = review_of(chair)
    login_as(role)

    assert client.get("/management-reviews").status_code == 200
    assert "Management review 2026" in page_text(client.get(f"/management-reviews/{review.id}"))


def test_hr_officers_do_not_see_reviews(client, login_as):
    login_as("hr_officer")
    assert client.get("/management-reviews").status_code == 403


def test_the_list_filters_and_exports(client, login_as, chair):
    review_of(chair, meeting_on=date(2025, 3, 1), title="Review 2025")
    review_of(chair, meeting_on=date(2026, 3, 1), title="Review 2026")
    login_as("auditor")

    assert "Review 2025" not in page_text(client.get("/management-reviews?year=2026"))
    rows = csv_rows(client.get("/management-reviews?export=csv&status=planned"))
    assert [row["Title"] for row in rows] == ["Review 2026", "Review 2025"]
    assert audit_entries("export", "management_review")


def test_an_auditor_writes_nothing(client, login_as, chair):
    review = review_of(chair)
    login_as("auditor")
    assert client.post("/management-reviews/new", data={}).status_code == 403
    assert client.post(f"/management-reviews/{review.id}/compile", data={"as_of": "2026-03-01"}).status_code == 403
    assert client.post(f"/management-reviews/{review.id}/approve", data={}).status_code == 403


def test_planning_a_review_refuses_bad_input(client, login_as):
    login_as("security_officer")
    response = client.post("/management-reviews/new", data={"title": "", "meeting_on": "31/03/2026"})
    assert response.status_code == 422
    text = text_of(response)
    assert "Give the review a title" in text and "is not a date" in text
    assert db.session.query(ManagementReview).count() == 0


def test_plan_compile_minutes_action_approve_and_the_pdf(client, login_as, chair):
    raise_nc("Access reviews not done", raised_on=date(2026, 1, 5), severity="major")
    owner = factories.make_user("manager", full_name="Pieter Owner")
    login_as("security_officer")
    response = client.post("/management-reviews/new", data={
        "title": "Management review 2026", "meeting_on": "2026-01-20", "chair_id": chair.id,
        "attendee_ids": [owner.id], "external_attendees": "Internal Audit Unit"})
    review = db.session.query(ManagementReview).one()
    assert response.status_code == 302 and review.status == ReviewStatus.PLANNED

    assert client.post(f"/management-reviews/{review.id}/compile", data={"as_of": "2026-01-15"}).status_code == 302
    assert review.pack.pdf_status == PdfStatus.QUEUED
    prepared.work()  # the scheduler's documents job
    db.session.refresh(review.pack)
    assert review.pack.pdf_status == PdfStatus.READY and len(review.pack.pdf_sha256) == 64
    download = client.get(f"/management-reviews/{review.id}/pack.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = pdf_text(download.data)
    assert "Status of actions from previous management reviews" in text
    assert "Open nonconformities" in text and "No internal audit results recorded in Khusela as of 2026-01-15" in text

    assert client.post(f"/management-reviews/{review.id}/actions/new", data={
        "decision": "Fund a SOC.", "title": "Write the business case", "owner_id": owner.id,
        "due_on": "2026-06-30"}).status_code == 302
    assert client.post(f"/management-reviews/{review.id}/minutes", data={
        "version": review.version, "minutes": "The HOD chaired; the inputs were discussed."}).status_code == 302
    db.session.refresh(review)
    assert review.status == ReviewStatus.HELD
    assert "is frozen" in page_text(client.post(f"/management-reviews/{review.id}/compile",
                                                data={"as_of": "2026-01-20"}, follow_redirects=True))

    login_as(factories.make_user("risk_owner"))  # not the chair
    assert client.post(f"/management-reviews/{review.id}/approve", data={"version": review.version}).status_code == 403
    login_as(chair)
    assert client.post(f"/management-reviews/{review.id}/approve", data={"version": review.version}).status_code == 302
    db.session.refresh(review)
    assert review.status == ReviewStatus.APPROVED and review.approved_by_id == chair.id

    action = review.actions[0]
    login_as(owner)
    response = client.post(f"/management-reviews/{review.id}/actions/{action.id}/progress", data={
        "version": action.version, "status": "done", "closed_on": "2099-01-01", "progress_note": ""})
    assert response.status_code == 422 and "cannot be in the future" in page_text(response)
    response = client.post(f"/management-reviews/{review.id}/actions/{action.id}/progress", data={
        "version": action.version, "status": "in_progress", "closed_on": "", "progress_note": "Drafted."})
    assert response.status_code == 302


def test_compare_two_reviews(client, login_as, chair):
    raise_nc("Backups not tested", raised_on=date(2025, 1, 5))
    first = held_review(chair, meeting_on=date(2025, 3, 1), title="Review 2025")
    raise_nc("Access reviews not done", raised_on=date(2025, 6, 5))
    second = held_review(chair, meeting_on=date(2026, 3, 1), title="Review 2026")
    login_as("auditor")

    response = client.get(f"/management-reviews/compare?a={second.id}&b={first.id}")

    assert response.status_code == 200
    text = text_of(response)
    assert "Open nonconformities 1 2 up 1" in text
    assert client.get(f"/management-reviews/compare?a={first.id}&b={first.id}").status_code == 422
    assert client.get("/management-reviews/compare?a=999&b=x").status_code == 422


def test_a_stale_minutes_form_is_refused(client, login_as, chair):
    review = review_of(chair, meeting_on=date(2026, 1, 20))
    services.compile_pack(review, as_of=date(2026, 1, 10), actor=None)
    db.session.commit()
    login_as("security_officer")
    response = client.post(f"/management-reviews/{review.id}/minutes",
                           data={"version": review.version - 1, "minutes": "Minutes."}, follow_redirects=True)
    assert "changed by someone else" in page_text(response)
    db.session.refresh(review)
    assert review.status == ReviewStatus.INPUTS_COMPILED
