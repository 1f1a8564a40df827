"""A version recorded as the organisation issued it (review and approval pending), and the signatures
of the document-control rows: the rules, the services, and the pages (allowed, forbidden, bad input)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.common.uploads import CheckedUpload
from app.extensions import db
from app.policies import services, workflow
from app.policies.models import APPROVAL_SLOT, AUTHOR_SLOT, PolicySignature, PolicyState, review_slot
from tests.pages import audit_entries, text_of
from tests.policies.conftest import make_approved, make_draft

TODAY = date(2026, 12, 4)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def recorded_history() -> services.Policy:
    """Versions 1.0 "Original" and 1.1 "Changes", both recorded as issued, neither reviewed nor approved."""
    policy = make_draft(author_contact="+27 13 235 7367")
    first = policy.latest
    services.record_as_issued(first, expected_version=first.version, actor=None)
    second = services.start_new_version(policy, major=False, actor=None)
    services.update_draft(second, services.DraftInput(change="Changes", body=first.body, author_name=first.author_name,
                                                      author_designation=first.author_designation),
                          expected_version=second.version, actor=None)
    services.record_as_issued(second, expected_version=second.version, actor=None)
    db.session.commit()
    return policy


# --- the rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "target", "allowed"), [
    (PolicyState.DRAFT, PolicyState.RECORDED, True),
    (PolicyState.RECORDED, PolicyState.IN_REVIEW, True),
    (PolicyState.RECORDED, PolicyState.APPROVED, False),  # never approved without a review
    (PolicyState.RECORDED, PolicyState.DRAFT, False),  # kept as it stands
    (PolicyState.IN_REVIEW, PolicyState.RECORDED, False),
    (PolicyState.APPROVED, PolicyState.RECORDED, False),
])
def test_a_recorded_version_goes_on_only_through_review(current, target, allowed):
    assert workflow.can_move(current, target) is allowed


def test_approving_a_recorded_version_is_refused_in_words():
    assert "send it for review and record the review" in workflow.refusal(PolicyState.RECORDED, PolicyState.APPROVED)


@pytest.mark.parametrize(("signer", "row", "problem"), [
    ("Sbusiso Langa", "Sbusiso Langa", None),
    ("sbusiso  LANGA", "Sbusiso Langa", None),
    ("Thandi Administrator", "Sbusiso Langa", "Only Sbusiso Langa can sign the author row"),
    ("Sbusiso Langa", "", "names nobody yet"),
])
def test_only_the_person_a_row_names_signs_it_in_khusela(signer, row, problem):
    found = workflow.sign_in_app_problem(signer, row, "author")
    assert (found is None) if problem is None else (problem in found)


# --- recording the history -------------------------------------------------------------------------


def test_a_history_of_unreviewed_unapproved_versions_is_recorded_as_it_stands(app):
    policy = recorded_history()

    assert [(v.number, v.change, v.state, v.author_name) for v in policy.versions] == [
        ("1.0", "Original", "recorded", "Sipho Dlamini"), ("1.1", "Changes", "recorded", "Sipho Dlamini")]
    assert policy.current is None  # nothing pretends to be in force
    assert all(v.approved_on is None and v.submitted_on is None and not v.reviewers for v in policy.versions)
    assert [v.history_date for v in policy.versions] == [None, None]  # the document gives no dates
    assert [e.summary for e in audit_entries("update", "policy") if "as issued" in e.summary] == [
        "Recorded ICT-SEC version 1.0 as issued (Original, Sipho Dlamini): not yet reviewed or approved",
        "Recorded ICT-SEC version 1.1 as issued (Changes, Sipho Dlamini): not yet reviewed or approved"]


def test_a_recorded_version_cannot_be_edited_approved_or_sent_for_review_once_followed(app):
    policy = recorded_history()
    first, second = policy.versions

    with pytest.raises(services.PolicyRuleError, match="cannot change"):
        services.update_draft(first, services.DraftInput(change="x"), expected_version=first.version, actor=None)
    with pytest.raises(services.PolicyRuleError, match="send it for review"):
        services.approve(second, workflow.Approval("T Nkosi", "Municipal Manager", TODAY, None),
                         expected_version=second.version, actor=None, today=TODAY)
    with pytest.raises(services.PolicyRuleError, match="followed by version 1.1"):
        services.submit_for_review(first, expected_version=first.version, actor=None)


def test_a_policy_with_a_recorded_version_is_kept_as_a_record(app, client, login_as):
    policy = recorded_history()
    login_as("security_officer")

    assert "Delete policy" not in text_of(client.get(f"/policies/{policy.id}"))
    with pytest.raises(services.PolicyRuleError, match="kept as a record"):
        services.delete_policy(policy, actor=None)


def test_recording_needs_what_a_review_needs(app):
    policy = make_draft(author_designation="")

    with pytest.raises(services.PolicyRuleError, match="designation"):
        services.record_as_issued(policy.latest, expected_version=policy.latest.version, actor=None)
    assert policy.latest.state == "draft"


def test_the_latest_recorded_version_is_reviewed_then_approved_and_signed(app):
    policy = recorded_history()
    second = policy.latest

    services.submit_for_review(second, expected_version=second.version, actor=None, today=TODAY)
    reviewer = services.add_reviewer(second, name="Lerato Mokoena", designation="ICT Manager", reviewed_on=TODAY,
                                     actor=None, today=TODAY)
    services.approve(second, workflow.Approval("Thabo Nkosi", "Municipal Manager", TODAY, None),
                     expected_version=second.version, actor=None, today=TODAY)
    services.record_signed_scan(second, review_slot(reviewer.id), CheckedUpload("review.png", "image/png", PNG),
                                actor=None)
    db.session.commit()

    assert policy.current is second and policy.versions[0].state == "recorded"  # 1.0 was never approved
    assert second.signature(review_slot(reviewer.id)).scan_name == "review.png"


# --- signatures --------------------------------------------------------------------------------------


def test_a_draft_is_not_signed(app, login_as):
    policy = make_draft()
    signer = login_as("security_officer", full_name="Sipho Dlamini")

    with pytest.raises(services.PolicyRuleError, match="A draft can still change"):
        services.sign_in_app(policy.latest, AUTHOR_SLOT, signer=signer)


def test_the_approval_row_is_signed_only_once_there_is_an_approval(app):
    policy = recorded_history()

    with pytest.raises(services.PolicyRuleError, match="not approved"):
        services.record_signed_scan(policy.latest, APPROVAL_SLOT,
                                    CheckedUpload("a.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"), actor=None)


def test_a_row_is_signed_once(app, login_as):
    policy = recorded_history()
    signer = login_as("security_officer", full_name="Sipho Dlamini")
    services.sign_in_app(policy.latest, AUTHOR_SLOT, signer=signer)

    with pytest.raises(services.PolicyRuleError, match="signed already"):
        services.sign_in_app(policy.latest, AUTHOR_SLOT, signer=signer)


def test_removing_a_reviewer_removes_the_signature_of_the_row(app):
    policy = make_draft()
    version = policy.latest
    services.submit_for_review(version, expected_version=version.version, actor=None, today=TODAY)
    reviewer = services.add_reviewer(version, name="L Mokoena", designation="", reviewed_on=TODAY, actor=None,
                                     today=TODAY)
    services.record_signed_scan(version, review_slot(reviewer.id), CheckedUpload("r.png", "image/png", PNG),
                                actor=None)
    db.session.commit()

    services.remove_reviewer(version, reviewer.id, actor=None)
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(PolicySignature.id))) == 0


# --- the pages ---------------------------------------------------------------------------------------


def page_url(policy, version, suffix=""):
    return f"/policies/{policy.id}/versions/{version.id}{suffix}"


def test_the_policy_page_and_pdf_show_review_and_approval_pending(app, client, login_as):
    policy = recorded_history()
    login_as("auditor")

    page = text_of(client.get(page_url(policy, policy.latest)))
    first = text_of(client.get(page_url(policy, policy.versions[0])))
    pdf = client.get(f"/reports/policy.pdf?version={policy.latest.id}")

    assert "Version 1.1 Review and approval pending" in page
    assert "not reviewed and not approved" in page and "No version of this policy is approved yet." in page
    assert "Not approved: approval pending" in page and "Not reviewed yet: review pending." in page
    assert "followed by version 1.1 before anyone reviewed it" in first
    assert "Version 1.1 Approved" not in page and "Approved by — " in page
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_pdf_says_the_version_is_not_reviewed_nor_approved(app):
    from app.reports import documents

    policy = recorded_history()
    with app.test_request_context():
        html = " ".join(documents.render_report_html("policy", params={"version_id": policy.latest.id},
                                                     generated_by="test").split())
    assert "not reviewed and not approved, so not in force" in html
    assert "Not approved: approval pending" in html and "Not reviewed: review pending." in html
    assert "Not signed" in html


def test_an_officer_records_a_draft_as_issued(app, client, login_as):
    policy = make_draft()
    login_as("security_officer")

    response = client.post(page_url(policy, policy.latest, "/record"), data={"version": policy.latest.version})

    assert response.status_code == 302
    db.session.expire_all()
    assert policy.latest.state == "recorded"


@pytest.mark.parametrize("role", ["auditor", "risk_owner", "manager", "hr_officer"])
def test_only_those_who_keep_the_policies_record_a_version_or_a_signature(app, client, login_as, role):
    policy = recorded_history()
    login_as(role)

    assert client.post(page_url(policy, policy.latest, "/record"), data={"version": 1}).status_code == 403
    assert client.post(page_url(policy, policy.latest, "/signatures"),
                       data={"slot": "author", "how": "in_app"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(PolicySignature.id))) == 0


def test_the_author_signs_in_khusela_and_the_page_and_pdf_show_who_and_when(app, client, login_as):
    policy = recorded_history()
    login_as("security_officer", full_name="Sipho Dlamini")

    response = client.post(page_url(policy, policy.latest, "/signatures"), data={"slot": "author", "how": "in_app"})

    assert response.status_code == 302
    page = text_of(client.get(page_url(policy, policy.latest)))
    assert "Signed in Khusela by Sipho Dlamini" in page
    assert audit_entries("sign", "policy")[0].summary.startswith("Signature of the author row of ICT-SEC version 1.1")


def test_someone_else_cannot_sign_the_authors_row_in_khusela(app, client, login_as):
    policy = recorded_history()
    login_as("security_officer", full_name="Thandi Other")

    response = client.post(page_url(policy, policy.latest, "/signatures"), data={"slot": "author", "how": "in_app"})

    assert response.status_code == 422
    assert "Only Sipho Dlamini can sign the author row" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(PolicySignature.id))) == 0


def test_a_signed_scan_is_checked_kept_and_downloaded_on_record(app, client, login_as):
    policy = recorded_history()
    login_as("security_officer")

    refused = client.post(page_url(policy, policy.latest, "/signatures"), content_type="multipart/form-data",
                          data={"slot": "author", "how": "scan", "scan": (io.BytesIO(b"plain words"), "sig.txt")})
    missing = client.post(page_url(policy, policy.latest, "/signatures"), data={"slot": "author", "how": "scan"})
    kept = client.post(page_url(policy, policy.latest, "/signatures"), content_type="multipart/form-data",
                       data={"slot": "author", "how": "scan", "scan": (io.BytesIO(PNG), "langa-signature.png")})

    assert refused.status_code == 422 and missing.status_code == 422
    assert "Choose the scan of the signed page" in text_of(missing)
    assert kept.status_code == 302
    signature = policy.latest.signature(AUTHOR_SLOT)
    assert signature.scan_media_type == "image/png" and len(signature.scan_sha256) == 64
    login_as("auditor")
    download = client.get(page_url(policy, policy.latest, f"/signatures/{signature.id}/file"))
    assert download.status_code == 200 and download.data == PNG
    download.close()
    assert audit_entries("download", "policy")
    assert client.get(page_url(policy, policy.latest, "/signatures/999999/file")).status_code == 404


def test_the_approval_row_takes_the_right_to_approve(app, client, login_as):
    policy = make_approved()
    login_as("security_officer")
    assert client.post(page_url(policy, policy.latest, "/signatures"), content_type="multipart/form-data",
                       data={"slot": "approval", "how": "scan",
                             "scan": (io.BytesIO(PNG), "approval.png")}).status_code == 302
    assert policy.latest.signature(APPROVAL_SLOT) is not None


def test_a_slot_of_another_row_is_refused(app, client, login_as):
    policy = recorded_history()
    login_as("security_officer")

    response = client.post(page_url(policy, policy.latest, "/signatures"), content_type="multipart/form-data",
                           data={"slot": "review:999", "how": "scan", "scan": (io.BytesIO(PNG), "x.png")})

    assert response.status_code == 422 and "That row is not on this version." in text_of(response)
