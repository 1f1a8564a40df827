"""Administration → Settings: the organisation's name, classification banner, two-factor roles,
evidence size limit, asset classifications, policy, scope and management review intervals, the
management review reminder, the awareness completion target, the governing disciplinary code, pack
retention and the longest session (`app.admin.settings`). The case settings have their own page
(case_settings_views.py), the risk settings theirs (matrix_views.py)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from app.admin import settings
from app.admin.forms import SettingsForm
from app.admin.views import bp
from app.auth import sessions
from app.auth.permissions import ADMIN_SETTINGS, acting_user, permission_required
from app.common.saving import saving

PAGE_SETTINGS = (settings.ORGANISATION_NAME, settings.CLASSIFICATION_LABEL, settings.MFA_REQUIRED_ROLES,
                 settings.EVIDENCE_MAX_MB, settings.ASSET_CLASSIFICATIONS, settings.POLICY_REVIEW_MONTHS,
                 settings.SCOPE_REVIEW_MONTHS, settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS,
                 settings.MANAGEMENT_REVIEW_REMINDER_DAYS, settings.SUPPLIER_CONTRACT_REMINDER_DAYS,
                 settings.AWARENESS_TARGET_RATE, settings.INCIDENT_NOTIFICATION_DAYS, settings.PACK_RETENTION_DAYS,
                 settings.SESSION_LIFETIME_HOURS, settings.CONTINUITY_TEST_MONTHS,
                 settings.CONTINUITY_PLAN_REVIEW_MONTHS, settings.GOVERNING_DISCIPLINARY_CODE)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required(ADMIN_SETTINGS)
def organisation_settings():
    form = SettingsForm()
    if request.method == "GET":
        form.seen.data = settings.state_of(PAGE_SETTINGS)
        form.organisation_name.data = settings.get(settings.ORGANISATION_NAME)
        form.classification_label.data = settings.get(settings.CLASSIFICATION_LABEL)
        form.mfa_required_roles.data = settings.get(settings.MFA_REQUIRED_ROLES)
        form.evidence_max_mb.data = settings.get(settings.EVIDENCE_MAX_MB)
        form.asset_classifications.data = "\n".join(settings.get(settings.ASSET_CLASSIFICATIONS))
        form.policy_review_months.data = settings.get(settings.POLICY_REVIEW_MONTHS)
        form.scope_review_months.data = settings.get(settings.SCOPE_REVIEW_MONTHS)
        form.management_review_interval_months.data = settings.get(settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS)
        form.management_review_reminder_days.data = settings.get(settings.MANAGEMENT_REVIEW_REMINDER_DAYS)
        form.supplier_contract_reminder_days.data = settings.get(settings.SUPPLIER_CONTRACT_REMINDER_DAYS)
        form.awareness_target_rate.data = settings.get(settings.AWARENESS_TARGET_RATE)
        form.incident_notification_days.data = settings.get(settings.INCIDENT_NOTIFICATION_DAYS)
        form.pack_retention_days.data = settings.get(settings.PACK_RETENTION_DAYS)
        form.session_lifetime_hours.data = settings.get(settings.SESSION_LIFETIME_HOURS)
        form.continuity_test_months.data = settings.get(settings.CONTINUITY_TEST_MONTHS)
        form.continuity_plan_review_months.data = settings.get(settings.CONTINUITY_PLAN_REVIEW_MONTHS)
        form.governing_disciplinary_code.data = settings.get(settings.GOVERNING_DISCIPLINARY_CODE)
    request_limit_mb = current_app.config["MAX_CONTENT_LENGTH"] // 1_048_576
    if request.method == "POST" and form.evidence_max_mb.data and form.evidence_max_mb.data > request_limit_mb:
        # The web server refuses larger requests first; the setting cannot promise more.
        form.evidence_max_mb.errors = [f"The server accepts uploads of at most {request_limit_mb} MB "
                                       "(KHUSELA_MAX_UPLOAD_MB); choose that or less."]
    elif form.validate_on_submit() and not _classifications_in_use_removed(form):
        with saving(form, (), stale_url=url_for("admin.organisation_settings")):
            changes = settings.save(
                {
                    settings.ORGANISATION_NAME: " ".join(form.organisation_name.data.split()),
                    settings.CLASSIFICATION_LABEL: form.classification_label.data.strip().upper(),
                    settings.MFA_REQUIRED_ROLES: sorted(form.mfa_required_roles.data or []),
                    settings.EVIDENCE_MAX_MB: form.evidence_max_mb.data,
                    settings.ASSET_CLASSIFICATIONS: form.classification_labels(),
                    settings.POLICY_REVIEW_MONTHS: form.policy_review_months.data,
                    settings.SCOPE_REVIEW_MONTHS: form.scope_review_months.data,
                    settings.MANAGEMENT_REVIEW_INTERVAL_MONTHS: form.management_review_interval_months.data,
                    settings.MANAGEMENT_REVIEW_REMINDER_DAYS: form.management_review_reminder_days.data,
                    settings.SUPPLIER_CONTRACT_REMINDER_DAYS: form.supplier_contract_reminder_days.data,
                    settings.AWARENESS_TARGET_RATE: form.awareness_target_rate.data,
                    settings.INCIDENT_NOTIFICATION_DAYS: form.incident_notification_days.data,
                    settings.PACK_RETENTION_DAYS: form.pack_retention_days.data,
                    settings.SESSION_LIFETIME_HOURS: form.session_lifetime_hours.data,
                    settings.CONTINUITY_TEST_MONTHS: form.continuity_test_months.data,
                    settings.CONTINUITY_PLAN_REVIEW_MONTHS: form.continuity_plan_review_months.data,
                    settings.GOVERNING_DISCIPLINARY_CODE: " ".join(form.governing_disciplinary_code.data.split()),
                },
                actor=acting_user(), seen=form.seen.data or "",
            )
            if settings.SESSION_LIFETIME_HOURS in changes:
                sessions.shorten_open_sessions(form.session_lifetime_hours.data)
            flash("Settings saved." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("admin.organisation_settings"))
    return render_template("admin/settings.html", form=form), (422 if form.errors else 200)


def _classifications_in_use_removed(form: SettingsForm) -> bool:
    """A label still on items may not go: put the message at the field and say so."""
    from app.assets.services import items_classified

    kept = set(form.classification_labels())
    in_use = {label: count for label, count in items_classified().items() if label not in kept}
    if in_use:
        form.asset_classifications.errors = [
            f"{count:,} item(s) are classified {label}: reclassify them before removing the label."
            for label, count in sorted(in_use.items())]
    return bool(in_use)
