"""Organisation settings: the classification banner and the roles that must use two-factor sign-in."""

from __future__ import annotations

import contextlib
import re
import threading

import pytest

from app.admin import settings
from app.admin.settings_views import PAGE_SETTINGS
from app.extensions import db
from tests import factories
from tests.pages import audit_entries, error_next_to, only_entry, page_text, sign_in
from tests.threads import post_at_once

DEFAULT_CLASSIFICATIONS = "Public\nInternal\nRestricted\nConfidential\nSecret"


def posted(**values) -> dict:
    """What the settings form posts: the asset classification labels and review interval as they are, unless given."""
    return {"organisation_name": "Khusela ISMS", "asset_classifications": DEFAULT_CLASSIFICATIONS,
            "policy_review_months": "12", "scope_review_months": "12", "management_review_interval_months": "12",
            "management_review_reminder_days": "14", "supplier_contract_reminder_days": "90",
            "awareness_target_rate": "80", "incident_notification_days": "3", "pack_retention_days": "14",
            "session_lifetime_hours": "12", "continuity_test_months": "12",
            "continuity_plan_review_months": "12",
            "governing_disciplinary_code": settings.PUBLIC_SERVICE_DISCIPLINARY_CODE,
            "seen": settings.state_of(PAGE_SETTINGS), **values}  # as a page opened just now


def banner(response) -> str:
    match = re.search(r'<div class="classification-banner"[^>]*>([^<]*)</div>', response.get_data(as_text=True))
    assert match, "no classification banner on the page"
    return match.group(1)


def test_settings_page_shows_the_current_values(client, admin, app):
    text = page_text(client.get("/admin/settings"))
    assert f'value="{app.config["CLASSIFICATION_LABEL"]}"' in text
    assert 'value="auditor"' in text and "checked" not in text


def test_classification_label_is_saved_upper_case_and_shown_on_every_page(app, client, admin):
    before = settings.get(settings.CLASSIFICATION_LABEL)
    response = client.post("/admin/settings", data=posted(classification_label="  top secret  ",
                                                            evidence_max_mb="20"), follow_redirects=True)
    assert "Settings saved." in page_text(response)
    assert settings.get(settings.CLASSIFICATION_LABEL) == "TOP SECRET"
    for url in ("/", "/admin/users", "/audit/", "/admin/no-such-page"):
        assert banner(client.get(url)) == "TOP SECRET", url
    entry, changes = only_entry("update", "settings", "organisation")
    assert entry.actor_id == admin.id
    assert changes == {"classification_label": [before, "TOP SECRET"]}


def test_banner_shows_the_label_before_signing_in(site):
    with site.app_context():
        settings.save({settings.CLASSIFICATION_LABEL: "CONFIDENTIAL"}, actor=None)
        db.session.commit()
    browser = site.test_client()
    assert banner(browser.get("/login")) == "CONFIDENTIAL"
    assert banner(browser.get("/no-such-page")) == "CONFIDENTIAL"


def test_mfa_required_roles_are_saved(client, admin, app):
    label = app.config["CLASSIFICATION_LABEL"]
    response = client.post("/admin/settings", data=posted(classification_label=label, evidence_max_mb="20",
                                                          mfa_required_roles=["manager", "auditor"]))
    assert response.status_code == 302
    assert settings.get(settings.MFA_REQUIRED_ROLES) == ["auditor", "manager"]
    assert settings.mfa_required_for("manager") and not settings.mfa_required_for("admin")
    _, changes = only_entry("update", "settings", "organisation")
    assert changes == {"mfa_required_roles": [[], ["auditor", "manager"]]}
    page = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'value="auditor"[^>]*checked|checked[^>]*value="auditor"', page)


def test_role_required_to_use_two_factor_is_sent_to_enrol(site):
    with site.app_context():
        settings.save({settings.MFA_REQUIRED_ROLES: ["manager"]}, actor=None)
        db.session.commit()
        manager = factories.make_user("manager")
        auditor = factories.make_user("auditor")
        emails = manager.email, auditor.email
    assert sign_in(site.test_client(), emails[0], factories.PASSWORD).headers["Location"] == "/account/two-factor"
    assert sign_in(site.test_client(), emails[1], factories.PASSWORD).headers["Location"] == "/"


def test_posting_the_same_values_changes_nothing(client, admin, app):
    data = posted(classification_label=app.config["CLASSIFICATION_LABEL"].lower(), evidence_max_mb="20")
    response = client.post("/admin/settings", data=data, follow_redirects=True)
    assert "Nothing changed." in page_text(response)
    assert audit_entries("update", "settings") == []


@pytest.mark.parametrize(("data", "message"), [
    ({"classification_label": "   "}, "Enter the label shown on every page."),
    ({"classification_label": "X" * 41}, "Field cannot be longer than 40 characters."),
    ({"classification_label": "SECRET", "mfa_required_roles": ["superuser"]}, "'superuser' is not a valid choice"),
])
def test_invalid_settings_are_refused(client, admin, app, data, message):
    response = client.post("/admin/settings", data=posted(**data))
    assert response.status_code == 422
    assert message in page_text(response)
    assert settings.get(settings.CLASSIFICATION_LABEL) == app.config["CLASSIFICATION_LABEL"]
    assert settings.get(settings.MFA_REQUIRED_ROLES) == []
    assert audit_entries("update", "settings") == []


def test_unknown_setting_is_a_programming_error(app):
    with pytest.raises(KeyError, match="Unknown setting 'colour'"):
        settings.get("colour")


def test_the_evidence_size_limit_is_a_setting_no_larger_than_the_server_accepts(client, admin, app):
    label = app.config["CLASSIFICATION_LABEL"]

    too_large = client.post("/admin/settings", data=posted(classification_label=label, evidence_max_mb="21"))
    saved = client.post("/admin/settings", data=posted(classification_label=label, evidence_max_mb="5"))

    assert too_large.status_code == 422
    assert "at most 20 MB (KHUSELA_MAX_UPLOAD_MB)" in page_text(too_large)
    assert saved.status_code == 302 and settings.get(settings.EVIDENCE_MAX_MB) == 5


def test_asset_classification_labels_are_a_setting(client, admin, app):
    label = app.config["CLASSIFICATION_LABEL"]

    response = client.post("/admin/settings", data=posted(classification_label=label, evidence_max_mb="20",
                                                          asset_classifications="Public\n Internal \n\nSecret"))

    assert response.status_code == 302
    assert settings.get(settings.ASSET_CLASSIFICATIONS) == ["Public", "Internal", "Secret"]
    assert "Public\nInternal\nSecret" in page_text(client.get("/admin/settings"))


@pytest.mark.parametrize(("labels", "message"), [
    ("Public\npublic", "Give each label once."),
    ("\n".join(f"Level {n}" for n in range(11)), "Use at most 10 classification labels."),
    ("X" * 33, "Keep each label to 32 characters."),
    ("  ", "Enter at least one classification label, one per line."),
])
def test_bad_asset_classification_labels_are_refused(client, admin, app, labels, message):
    response = client.post("/admin/settings", data=posted(classification_label="SECRET", evidence_max_mb="20",
                                                          asset_classifications=labels))

    assert response.status_code == 422 and message in page_text(response)
    assert settings.get(settings.ASSET_CLASSIFICATIONS)[0] == "Public"


def test_a_label_items_still_carry_cannot_be_removed(client, admin, app):
    from app.assets.services import AssetInput, create_asset

    create_asset(AssetInput(tag="PC-1", name="Reception PC", kind="desktop", classification="Secret"), actor=None)

    response = client.post("/admin/settings", data=posted(classification_label="SECRET", evidence_max_mb="20",
                                                          asset_classifications="Public\nInternal"))

    assert response.status_code == 422
    assert "1 item(s) are classified Secret: reclassify them before removing the label." in page_text(response)
    assert "Secret" in settings.get(settings.ASSET_CLASSIFICATIONS)


@pytest.mark.parametrize(("months", "saved"), [("24", 24), ("0", 12), ("37", 12), ("", 12)])
def test_the_policy_review_interval_is_kept_between_1_and_36_months(client, login_as, months, saved):
    login_as("admin")
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          policy_review_months=months))

    assert response.status_code == (302 if months == "24" else 422)
    assert settings.get(settings.POLICY_REVIEW_MONTHS) == saved


@pytest.mark.parametrize(("months", "saved"), [("6", 6), ("0", 12), ("37", 12), ("", 12)])
def test_the_scope_review_interval_is_kept_between_1_and_36_months(client, login_as, months, saved):
    login_as("admin")
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          scope_review_months=months))

    assert response.status_code == (302 if months == "6" else 422)
    assert settings.get(settings.SCOPE_REVIEW_MONTHS) == saved


@pytest.mark.parametrize(("field", "value", "saved", "message"), [
    ("management_review_interval_months", "6", 6, None),
    ("management_review_interval_months", "0", 12, "at least every 36 months (1 to 36; 12: annual)"),
    ("management_review_interval_months", "37", 12, "at least every 36 months (1 to 36; 12: annual)"),
    ("management_review_interval_months", "", 12, "how many months may pass after a management review"),
    ("management_review_reminder_days", "30", 30, None),
    ("management_review_reminder_days", "0", 14, "between 1 and 90 days before the review"),
    ("management_review_reminder_days", "91", 14, "between 1 and 90 days before the review"),
    ("management_review_reminder_days", "two weeks", 14, "Not a valid integer value"),
])
def test_the_management_review_interval_and_reminder_are_settings_within_bounds(client, login_as, field, value,
                                                                                saved, message):
    login_as("admin")
    shown = page_text(client.get("/admin/settings"))
    assert re.search(r'name="management_review_interval_months"[^>]* value="12"', shown)
    assert re.search(r'name="management_review_reminder_days"[^>]* value="14"', shown)
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          **{field: value}))

    assert response.status_code == (302 if message is None else 422)
    if message:
        assert message in error_next_to(response, field)
    key = {"management_review_interval_months": settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS,
           "management_review_reminder_days": settings.MANAGEMENT_REVIEW_REMINDER_DAYS}[field]
    assert settings.get(key) == saved


@pytest.mark.parametrize(("field", "key", "value", "saved"), [
    ("continuity_test_months", settings.CONTINUITY_TEST_MONTHS, "6", 6),
    ("continuity_test_months", settings.CONTINUITY_TEST_MONTHS, "0", 12),
    ("continuity_plan_review_months", settings.CONTINUITY_PLAN_REVIEW_MONTHS, "24", 24),
    ("continuity_plan_review_months", settings.CONTINUITY_PLAN_REVIEW_MONTHS, "37", 12),
])
def test_the_continuity_intervals_are_settings_within_bounds(client, login_as, field, key, value, saved):
    login_as("admin")
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          **{field: value}))
    assert response.status_code == (302 if value in ("6", "24") else 422)
    if response.status_code == 422:
        assert "(1 to 36" in error_next_to(response, field)
    assert settings.get(key) == saved


@pytest.mark.parametrize(("days", "saved"), [("30", 30), ("0", 14), ("366", 14), ("a week", 14)])
def test_evidence_packs_are_kept_between_1_and_365_days(client, login_as, days, saved):
    login_as("admin")
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          pack_retention_days=days))

    assert response.status_code == (302 if days == "30" else 422)
    assert settings.get(settings.PACK_RETENTION_DAYS) == saved


def test_the_organisation_named_on_reports_is_a_setting(client, login_as):
    login_as("admin")
    refused = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                         organisation_name="  "))
    assert refused.status_code == 422 and settings.get(settings.ORGANISATION_NAME) == "Khusela ISMS"
    saved = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                       organisation_name="  Drakenstein   Municipality "))
    assert saved.status_code == 302
    assert settings.get(settings.ORGANISATION_NAME) == "Drakenstein Municipality"


def seen_on(page) -> str:
    match = re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True))
    assert match, "the form carries no state of the settings it shows"
    return match.group(1)


def test_a_save_from_a_page_opened_before_someone_else_saved_is_refused(client, admin, app):
    opened = seen_on(client.get("/admin/settings"))
    settings.save({settings.ORGANISATION_NAME: "Gauteng Department of Health"}, actor=None)
    db.session.commit()

    response = client.post("/admin/settings", data=posted(classification_label="SECRET", evidence_max_mb="20",
                                                          seen=opened), follow_redirects=True)

    assert "changed by someone else while you were editing it" in page_text(response)
    assert settings.get(settings.ORGANISATION_NAME) == "Gauteng Department of Health"
    assert settings.get(settings.CLASSIFICATION_LABEL) != "SECRET"
    assert audit_entries("update", "settings")[-1].actor_id is None  # only the other save is recorded


def test_a_form_without_the_state_of_the_settings_is_refused_too(client, admin):
    data = posted(classification_label="SECRET", evidence_max_mb="20")
    del data["seen"]
    response = client.post("/admin/settings", data=data, follow_redirects=True)
    assert "changed by someone else" in page_text(response)
    assert settings.get(settings.CLASSIFICATION_LABEL) != "SECRET"


def test_two_admins_saving_the_settings_at_once_get_a_save_and_the_stale_message(app, monkeypatch):
    """Both pages were opened on the same settings; the saves race (threads, both databases)."""
    admins = [factories.make_user("admin") for _ in range(2)]
    forms = {admin.email: posted(organisation_name=f"Saved by {admin.full_name}", classification_label="SECRET",
                                 evidence_max_mb="20") for admin in admins}
    db.session.commit()
    db.session.close()  # the test's own connection holds nothing while the two requests run

    both_checked = threading.Barrier(2)
    state_of = settings.state_of

    def check_then_wait(keys) -> str:
        state = state_of(keys)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=2)  # with the write lock, the other save waits for it instead
        return state

    monkeypatch.setattr(settings, "state_of", check_then_wait)
    _, responses = post_at_once(app, "/admin/settings", forms, follow_redirects=True)
    texts = {email: page_text(response) for email, response in responses.items()}
    saved = [email for email, text in texts.items() if "Settings saved." in text]
    refused = [email for email, text in texts.items() if "changed by someone else" in text]
    assert len(saved) == 1 and len(refused) == 1
    assert settings.get(settings.ORGANISATION_NAME) == forms[saved[0]]["organisation_name"]


@pytest.mark.parametrize(("rate", "saved", "message"), [
    ("90", 90, None),
    ("0", 80, "between 1 and 100%"),
    ("101", 80, "between 1 and 100%"),
    ("", 80, "share of a campaign's audience"),
])
def test_the_awareness_target_rate_is_a_setting_within_bounds(client, login_as, rate, saved, message):
    from app.awareness import services as awareness

    login_as("admin")
    assert re.search(r'name="awareness_target_rate"[^>]* value="80"', page_text(client.get("/admin/settings")))
    response = client.post("/admin/settings", data=posted(classification_label="RESTRICTED", evidence_max_mb="20",
                                                          awareness_target_rate=rate))

    assert response.status_code == (302 if message is None else 422)
    if message:
        assert message in error_next_to(response, "awareness_target_rate")
    assert settings.get(settings.AWARENESS_TARGET_RATE) == awareness.target_rate() == saved


def test_the_popia_notification_yardstick_is_set_on_the_page_and_the_clock_follows_it(client, admin):
    from app.incidents import services as incident_services

    assert incident_services.expected_days() == 3
    refused = client.post("/admin/settings", data=posted(incident_notification_days="0"))
    assert refused.status_code == 422 and "within 1 to 30 days" in refused.get_data(as_text=True)
    saved = client.post("/admin/settings", data=posted(incident_notification_days="7",
                                                       classification_label="RESTRICTED", evidence_max_mb="20"))
    assert saved.status_code == 302
    assert incident_services.expected_days() == 7


def test_the_governing_disciplinary_code_is_saved_and_audited(client, admin, app):
    """The province's public-service code is the default; a municipality names the SALGBC's agreement."""
    assert settings.get(settings.GOVERNING_DISCIPLINARY_CODE) == (
        "Disciplinary Code and Procedures for the Public Service (PSCBC Resolution 1 of 2003)")
    assert settings.PUBLIC_SERVICE_DISCIPLINARY_CODE in page_text(client.get("/admin/settings"))

    response = client.post("/admin/settings", data=posted(
        classification_label=app.config["CLASSIFICATION_LABEL"], evidence_max_mb="20",
        governing_disciplinary_code=f"  {settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE} "), follow_redirects=True)

    assert "Settings saved." in page_text(response)
    assert settings.get(settings.GOVERNING_DISCIPLINARY_CODE) == settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE
    _, changes = only_entry("update", "settings", "organisation")
    assert changes == {"governing_disciplinary_code": [settings.PUBLIC_SERVICE_DISCIPLINARY_CODE,
                                                       settings.LOCAL_GOVERNMENT_DISCIPLINARY_CODE]}


def test_the_governing_disciplinary_code_is_required(client, admin, app):
    response = client.post("/admin/settings", data=posted(classification_label="SECRET", evidence_max_mb="20",
                                                          governing_disciplinary_code="   "))
    assert response.status_code == 422
    assert error_next_to(response, "governing_disciplinary_code").startswith("Name the collective agreement")
    assert audit_entries("update", "settings") == []
