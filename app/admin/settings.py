"""Typed access to the organisation's settings, each with its default: the foundation's own settings
have theirs in _defaults(); a setting a register owns (the cases' action matrix and warning
validity, in app.policies.cases.services) passes its default to get() and save(), so that this
module imports no register."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import current_app

from app.admin.models import Setting
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.models import StaleEditError
from app.common.transactions import lock_chain_tail
from app.extensions import db

MFA_REQUIRED_ROLES = "mfa_required_roles"
CLASSIFICATION_LABEL = "classification_label"
ORGANISATION_NAME = "organisation_name"
RISK_DEFAULT_TOLERANCE = "risk_default_tolerance"
RISK_ACCEPTANCE_MAX_MONTHS = "risk_acceptance_max_months"
RISK_ACCEPTANCE_AUTHORITY = "risk_acceptance_authority"
EVIDENCE_MAX_MB = "evidence_max_mb"
ASSET_CLASSIFICATIONS = "asset_classifications"
POLICY_REVIEW_MONTHS = "policy_review_months"
REVOCATION_MAX_DAYS = "revocation_max_days"
HEARING_NOTICE_WORKING_DAYS = "hearing_notice_working_days"
SUSPENSION_HEARING_DAYS = "suspension_hearing_days"
CASE_RETENTION_YEARS = "case_retention_years"
PACK_RETENTION_DAYS = "pack_retention_days"
SESSION_LIFETIME_HOURS = "session_lifetime_hours"
SCOPE_REVIEW_MONTHS = "scope_review_months"
MANAGEMENT_REVIEW_INTERVAL_MONTHS = "management_review_interval_months"
MANAGEMENT_REVIEW_REMINDER_DAYS = "management_review_reminder_days"
CONTINUITY_TEST_MONTHS = "continuity_test_months"
CONTINUITY_PLAN_REVIEW_MONTHS = "continuity_plan_review_months"
SUPPLIER_CONTRACT_REMINDER_DAYS = "supplier_contract_reminder_days"
AWARENESS_TARGET_RATE = "awareness_target_rate"
INCIDENT_NOTIFICATION_DAYS = "incident_notification_days"
GOVERNING_DISCIPLINARY_CODE = "governing_disciplinary_code"

# The disciplinary code an organisation's collective agreement or regulations lay down: it takes
# precedence over the Code of Good Practice for its parties (Schedule 8 item 1(2)), so letters and
# the case file name it beside Schedule 8 or the 2025 Code. The public service's (PSCBC Resolution 1
# of 2003) is the default; a municipality's staff below senior management fall under the SALGBC's
# collective agreement (parties SALGA, IMATU, SAMWU; see reference/DOMAIN.md section 3).
PUBLIC_SERVICE_DISCIPLINARY_CODE = ("Disciplinary Code and Procedures for the Public Service "
                                    "(PSCBC Resolution 1 of 2003)")
LOCAL_GOVERNMENT_DISCIPLINARY_CODE = ("Disciplinary Procedure Collective Agreement of the South African Local "
                                      "Government Bargaining Council (SALGBC)")


def _defaults() -> dict:
    return {
        MFA_REQUIRED_ROLES: [],
        CLASSIFICATION_LABEL: current_app.config["CLASSIFICATION_LABEL"],
        ORGANISATION_NAME: current_app.config.get("ORGANISATION_NAME") or "Khusela ISMS",
        # The provincial register's tolerance level: residual above 4 (Low) must be treated or accepted.
        RISK_DEFAULT_TOLERANCE: 4,
        RISK_ACCEPTANCE_MAX_MONTHS: 12,
        # Who may accept a risk above tolerance, by the (lower-case) name of its residual band; a band
        # not named here is accepted by the risk owner (app.risks.authority). Public-sector practice:
        # risks above the line manager's delegation go to the head of department, the highest to the
        # accounting officer (PFMA s38(1)(a)(i), MFMA s62(1)(c)(i)).
        RISK_ACCEPTANCE_AUTHORITY: {"high": "head_of_department", "critical": "accounting_officer"},
        # Never above the request limit (KHUSELA_MAX_UPLOAD_MB), which the web server enforces first.
        EVIDENCE_MAX_MB: min(20, current_app.config["MAX_CONTENT_LENGTH"] // 1_048_576),
        # The labels of the Minimum Information Security Standards, with Public and Internal before them.
        ASSET_CLASSIFICATIONS: ["Public", "Internal", "Restricted", "Confidential", "Secret"],
        POLICY_REVIEW_MONTHS: 12,  # ISO 27001 A.5.1: reviewed at planned intervals; annual is the custom
        # Privileges are revoked "for a limited period" (the municipal policy): at most this long.
        REVOCATION_MAX_DAYS: 90,
        # Schedule 8 item 4 / 2025 Code item 11: reasonable time to prepare; 5 working days is the custom.
        HEARING_NOTICE_WORKING_DAYS: 5,
        # A precautionary suspension without a hearing is flagged after this many days (the PSCBC's 60;
        # the SALGBC's agreement allows 3 months): collective agreements differ.
        SUSPENSION_HEARING_DAYS: 60,
        # POPIA s14: kept no longer than needed; closed cases are listed for destruction after this.
        CASE_RETENTION_YEARS: 5,
        # Evidence packs hold copies of the evidence: removed this many days after they are built.
        PACK_RETENTION_DAYS: 14,
        # However active a session is, its user signs in again after this many hours (a working day and more).
        SESSION_LIFETIME_HOURS: 12,
        # ISO 27001 4.3: the scope statement is reviewed at planned intervals; reminded this long after approval.
        SCOPE_REVIEW_MONTHS: 12,
        # ISO 27001 9.3.1: top management reviews the ISMS at planned intervals; the security officers are
        # told when none was held for this long since the last one.
        MANAGEMENT_REVIEW_INTERVAL_MONTHS: 12,
        # A planned review's chair and the security officers are told this many days before it.
        MANAGEMENT_REVIEW_REMINDER_DAYS: 14,
        # A.5.30 / 8.13: every service of the business impact analysis is tested or exercised at least this
        # often; its owner and the security officers are told when one goes longer without.
        CONTINUITY_TEST_MONTHS: 12,
        # An issued continuity or disaster-recovery plan is next reviewed this many months after its approval.
        CONTINUITY_PLAN_REVIEW_MONTHS: 12,
        # A supplier contract's owner is reminded this many days before it ends (time to renew or re-tender).
        SUPPLIER_CONTRACT_REMINDER_DAYS: 90,
        # ISO 27001 7.3 / A.6.3: the share of a campaign's audience that should complete it; the rates pages
        # and their trend compare with it, and a campaign ending below it is reminded of.
        AWARENESS_TARGET_RATE: 80,
        # POPIA s22 asks for notice "as soon as reasonably possible" and names no number of days: the days
        # after discovery the organisation holds that to be. Past it, an incident's track is late and
        # needs a recorded reason for the delay (app.incidents.popia).
        INCIDENT_NOTIFICATION_DAYS: 3,
        GOVERNING_DISCIPLINARY_CODE: PUBLIC_SERVICE_DISCIPLINARY_CODE,
    }


_NO_DEFAULT = object()


def get(key: str, default: object = _NO_DEFAULT):
    """The stored value, else the setting's default (`default`, for a setting a register owns)."""
    defaults = _defaults()
    if key in defaults:
        default = defaults[key]
    elif default is _NO_DEFAULT:
        raise KeyError(f"Unknown setting {key!r}.")
    row = db.session.get(Setting, key)
    return json.loads(row.value_json) if row else default


def state_of(keys) -> str:
    """A short fingerprint of what is stored for these settings, for a form to send back: a save
    from a page opened before someone else saved one of them is refused (see save())."""
    rows = {row.key: row.value_json for row in db.session.scalars(sa.select(Setting).where(Setting.key.in_(keys)))}
    stored = json.dumps([[key, rows.get(key)] for key in sorted(keys)])
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


def save(values: dict, actor: User | None, defaults: dict | None = None, *, seen: str | None = None) -> dict:
    """Store several settings at once; returns {key: [before, after]} of what changed. `defaults`
    holds the defaults of the settings a register owns, as get() takes them. `seen` is state_of()
    these keys when the form was opened: if someone saved one of them since, StaleEditError."""
    # The audit log's write lock, taken before reading: two saves of one page run one after the other.
    lock_chain_tail(db.session)
    if seen is not None and state_of(values) != seen:
        raise StaleEditError("page of settings")
    changes = {}
    for key, value in values.items():
        before = get(key, (defaults or {}).get(key, _NO_DEFAULT))
        if before == value:
            continue
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value_json=json.dumps(value)))
        else:
            row.value_json = json.dumps(value)
        changes[key] = [before, value]
    if changes:
        audit.record(AuditAction.UPDATE, "settings", "organisation", changes=changes, summary="Changed settings",
                     actor=actor)
    db.session.flush()
    return changes


def mfa_required_for(role: str) -> bool:
    return role in get(MFA_REQUIRED_ROLES)
