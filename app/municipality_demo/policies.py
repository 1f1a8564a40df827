"""The municipality's ICT strategy and ICT policy as controlled documents, with the document-control
tables as they stand (lines 287-304): versions 1.0 "Original" and 1.1 "Changes" by Sbusiso Langa,
Security Officer, +27 13 235 7367, both recorded as issued: no review, no approval, no signature.

A case cites a clause of a version in force, and neither document is approved; so the cases cite
an acceptable-use policy that IS approved. It is invented (the seed prints no approved policy): the
corrective-action section says the ladder applies to "the Municipality's policies" (line 267)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.common.uploads import CheckedUpload
from app.controls.demo import demo_pdf
from app.employees.models import Employee
from app.extensions import db
from app.municipality_demo import strategy
from app.policies import services, workflow
from app.policies.models import AcknowledgementMethod, Policy

STRATEGY_CODE = "TLM-ICT-STR"
POLICY_CODE = "TLM-ICT-POL"
USE_POLICY_CODE = "TLM-ICT-AUP"  # invented (see above)
# Invented: who approved the invented policy (the Municipal Manager, the accounting officer's office).
USE_POLICY_APPROVER = ("Mpho Municipal-Manager", "Municipal Manager")


def _markdown_table(header: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines + [""]


def strategy_text() -> str:
    """The strategy's sections the registers come from, in its words."""
    lines = ["# Information and Communication Technology Strategy", "", "## 7 Key initiatives", ""]
    lines += [f"- {initiative}" for initiative in strategy.KEY_INITIATIVES] + [""]
    lines += ["## 8 The Difference: Outcomes of the ICT Strategy", ""]
    lines += _markdown_table(("Activity", "Outcomes"), strategy.OUTCOMES)
    lines += ["## 9 Key Milestones", ""]
    lines += _markdown_table(("Activity", "Delivery", "Status", "Comments"),
                             [(m.activity, m.delivery, m.status, m.comments) for m in strategy.MILESTONES])
    return "\n".join(lines)


def policy_text() -> str:
    """The ICT policy's corrective actions, numbered so that each step is a clause."""
    lines = ["# ICT Policy", "", "## 1 Corrective actions for non-policy compliance", ""]
    lines += [f"- {line}" for line in strategy.CORRECTIVE_ACTIONS_INTRO] + [""]
    for number, (step, meaning) in enumerate(strategy.LADDER, start=1):
        lines += [f"### 1.{number} {step}", "", meaning, ""]
    lines += [f"### 1.{len(strategy.LADDER) + 1} Disciplinary action", "", strategy.DISCIPLINARY_ACTION, "",
              "## 2 Glossary and Abbreviations", "", strategy.GLOSSARY]
    return "\n".join(lines)


# Invented (the seed prints no such policy): clauses the demo cases cite.
USE_POLICY_CLAUSES = [
    ("2.1", "Passwords", "Never share your password or let another person work under your account."),
    ("2.2", "Municipal e-mail", "Do not forward municipal e-mail to a private address."),
    ("2.3", "Unauthorised software", "Install only software approved by ICT."),
]


def _use_policy_text() -> str:
    lines = ["# ICT Acceptable Use Policy", ""]
    for number, title, text in USE_POLICY_CLAUSES:
        lines += [f"## {number} {title}", "", text, ""]
    return "\n".join(lines)


def _draft(number: str, body: str) -> services.DraftInput:
    change = {version: change for version, change, _, _ in strategy.VERSIONS}[number]
    name, designation, _, contact = strategy.AUTHOR
    return services.DraftInput(change=change, body=body, author_name=name, author_designation=designation,
                               author_contact=contact)


def _recorded(code: str, title: str, body: str, owner: User | None) -> Policy:
    """Versions 1.0 and 1.1 as the document's version-control table lists them, each recorded as issued."""
    policy = services.create_policy(services.PolicyInput(code=code, title=title, owner_id=owner.id if owner else None),
                                    _draft("1.0", body), actor=None)
    services.clauses_from_headings(policy.latest, actor=None)
    services.record_as_issued(policy.latest, expected_version=policy.latest.version, actor=None)
    second = services.start_new_version(policy, major=False, actor=None)
    services.update_draft(second, _draft("1.1", body), expected_version=second.version, actor=None)
    services.record_as_issued(second, expected_version=second.version, actor=None)
    return policy


def _approved_use_policy(owner: User | None, approved_on: date) -> Policy:
    policy = services.create_policy(
        services.PolicyInput(code=USE_POLICY_CODE, title="ICT Acceptable Use Policy",
                             owner_id=owner.id if owner else None), _draft("1.0", _use_policy_text()), actor=None)
    version = policy.latest
    services.clauses_from_headings(version, actor=None)
    services.submit_for_review(version, expected_version=version.version, actor=None,
                               today=approved_on - timedelta(days=14))
    services.add_reviewer(version, name="Kagiso Chief-Financial-Officer", designation="Chief Financial Officer",
                          reviewed_on=approved_on - timedelta(days=7), actor=None, today=approved_on)
    services.approve(version, workflow.Approval(*USE_POLICY_APPROVER, approved_on, None),
                     expected_version=version.version, actor=None, today=approved_on)
    return policy


def _briefed(policy: Policy, today: date) -> int:
    """The staff signed the acceptable-use policy at a briefing after its approval: a case must cite a
    rule the employee knew (Schedule 8, item 7)."""
    version = policy.current
    assert version is not None and version.approved_on is not None
    numbers = list(db.session.scalars(sa.select(Employee.number).order_by(Employee.number)))
    if not numbers:  # the policies loaded on their own
        return 0
    briefing = version.approved_on + timedelta(days=12)
    sheet = CheckedUpload(f"{policy.code}-{version.number}-briefing-{briefing.isoformat()}.pdf", "application/pdf",
                          demo_pdf(f"Acknowledgement of {version}", [
                              f"Briefing of {briefing.isoformat()}: {len(numbers)} signatures.",
                              "I have read and understood the policy. (Demo sheet: no real signatures.)"]))
    services.record_acknowledgements(version, numbers, on=briefing, method=AcknowledgementMethod.PAPER,
                                     actor=None, today=today, sheet=sheet)
    return len(numbers)


def seed_policies(owner: User | None, today: date) -> list[str]:
    if services.find_by_code(STRATEGY_CODE) is not None:
        return []
    _recorded(STRATEGY_CODE, "Information and Communication Technology Strategy", strategy_text(), owner)
    _recorded(POLICY_CODE, "ICT Policy", policy_text(), owner)
    # Invented date: approved within the year, so its yearly review is not yet due, before every case.
    use_policy = _approved_use_policy(owner, today - timedelta(days=300))
    signed = _briefed(use_policy, today)
    return [f"policies {STRATEGY_CODE} and {POLICY_CODE} (versions 1.0 and 1.1, review and approval pending), "
            f"{USE_POLICY_CODE} (approved, {signed} acknowledgements)"]
