"""POPIA on one case: its own classification marking (printed on its pages and on every page of its
letters and PDFs), the special personal information it holds (POPIA s26: health, trade-union
membership, alleged offences...), and its evidence files, which the readers who see the case under
a pseudonym (auditors, security officers) do not open unless HR releases them for an audit, with the
reason on record. A case holding special personal information is never released: its files are
shown in person if an audit needs them. Each change is audited and flushed; the caller commits."""

from __future__ import annotations

import json

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth.models import User
from app.common.timeutil import utcnow
from app.extensions import db
from app.policies.cases import services
from app.policies.cases.models import PolicyCase, SpecialCategory

RELEASE_REASON_MIN_CHARS = 20


def evidence_shown(case: PolicyCase, user: User) -> bool:
    """May `user` see the list of the case's files and open them?"""
    if services.sees_personal_details(user):
        return True
    return case.evidence_released_at is not None and not case.special_categories


def mark_case(case: PolicyCase, classification: str, categories: list[str], *, expected_version,
              actor: User | None) -> dict:
    """Set the case file's classification (the default for cases or above) and its special personal
    information. Allowed on a closed case too: protecting a record does not end with the case."""
    case.check_version(expected_version, "case")
    problems: list[tuple[str | None, str]] = []
    marking = (classification or "").strip().upper()
    choices = services.classification_choices()
    if marking not in choices:
        problems.append(("classification", f"Choose one of {', '.join(choices)}: a case file is marked at least "
                                           f"{services.default_classification()} (the setting for cases)."))
    chosen = set(categories)
    if chosen - {category.value for category in SpecialCategory}:
        problems.append(("special_categories", "Choose from the special categories listed."))
    if problems:
        raise services.CaseRuleError(problems)
    before = {"classification": case.classification, "special_categories": [c.value for c in case.special_categories]}
    case.classification = marking
    case.special_categories_json = json.dumps([c.value for c in SpecialCategory if c.value in chosen])
    after = {"classification": marking, "special_categories": [c.value for c in case.special_categories]}
    changes = audit.diff(before, after)
    if changes:
        special = " and holds special personal information" if after["special_categories"] else ""
        # The summary, which auditors read, does not say which categories: that is special information too.
        audit.record(AuditAction.MARK, "case", case.id, changes=changes,
                     summary=f"Case {case.reference} marked {marking}{special}"[:300], actor=actor)
    db.session.flush()
    return changes


def release_evidence(case: PolicyCase, reason: str, *, actor: User | None) -> None:
    """Let auditors (and security officers) list and open the case's files, for an audit."""
    if case.special_categories:
        raise services.CaseRuleError(
            f"Case {case.reference} holds special personal information (POPIA s26): its files are not released to "
            "auditors. Show them in person if the audit needs them.")
    if case.evidence_released_at is not None:
        raise services.CaseRuleError("The files of this case are released already.")
    reason = (reason or "").strip()
    if len(reason) < RELEASE_REASON_MIN_CHARS:
        raise services.CaseRuleError(f"Say why the auditors need these files, e.g. the audit and the control it "
                                     f"tests (at least {RELEASE_REASON_MIN_CHARS} characters).", field="reason")
    case.evidence_released_at, case.evidence_release_reason = utcnow(), reason
    case.evidence_released_by_id = actor.id if actor else None
    audit.record(AuditAction.RELEASE, "case", case.id, changes={"evidence_released": [False, True],
                                                                "reason": [None, reason]},
                 summary=f"Released the {len(case.evidence)} evidence file(s) of case {case.reference} to auditors: "
                         f"{reason}"[:300], actor=actor)
    db.session.flush()


def withhold_evidence(case: PolicyCase, *, actor: User | None) -> None:
    if case.evidence_released_at is None:
        raise services.CaseRuleError("The files of this case are not released.")
    case.evidence_released_at, case.evidence_released_by_id, case.evidence_release_reason = None, None, ""
    audit.record(AuditAction.WITHHOLD, "case", case.id, changes={"evidence_released": [True, False]},
                 summary=f"Withheld the evidence files of case {case.reference} from auditors again", actor=actor)
    db.session.flush()
