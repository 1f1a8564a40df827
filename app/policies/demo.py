"""Demo policies: the province's ICT policies, kept with the document-control tables the municipal
policy taught Khusela (version 1.0 "Original" superseded by 1.1 "Changes", written by the Security
Officer, approved by the Head of Department of the Department of the Premier), mapped to Annex A,
with clauses a case can cite, and acknowledged by most of the employees. They are the province's:
its roles, its e-mail, its departments (the municipality's own policy is its demo's, not this one's).

One policy has version 1.2 in review and one is overdue for its annual review, so the list shows
both states. Dates are relative to today, so the demo stays current."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.common.timeutil import local_today
from app.common.uploads import CheckedUpload
from app.controls.demo import demo_pdf
from app.controls.models import Control
from app.employees.models import EMPLOYED, Employee
from app.extensions import db
from app.policies import services, workflow
from app.policies.models import AcknowledgementMethod, Policy, PolicyVersion

AUTHOR = ("Sipho Dlamini", "Security Officer", "security@example.org · 021 400 1234")
REVIEWER = ("Lerato Mokoena", "Manager: ICT")
# The demo's head of the Department of the Premier (hod@example.org, Lindiwe) approves the province's ICT
# policies; the deck names no approver, so the surname is invented.
APPROVER = ("Lindiwe Ndlovu", "Head of Department: Department of the Premier")
OWNER_EMAIL = "officer@example.org"


@dataclass(frozen=True)
class DemoPolicy:
    code: str
    title: str
    controls: tuple[str, ...]
    clauses: tuple[tuple[str, str, str], ...]  # number, title, text
    purpose: str


POLICIES = [
    DemoPolicy("ICT-POL-001", "ICT Security Policy", ("5.1", "5.2", "5.4", "6.3", "6.4"), (
        ("4.1", "Information security responsibilities",
         "Every employee protects the information and ICT resources entrusted to them."),
        ("4.2", "Reporting incidents", "Report a suspected security incident to the ICT Service Desk at once."),
        ("4.3", "Corrective action", "Non-compliance is dealt with by corrective action: a warning from management, "
                                     "a written warning in the personnel file, revoking privileges for a limited "
                                     "period without harming the employee's job functions, training, or "
                                     "disciplinary action under the Code of Good Practice (Schedule 8 of the "
                                     "Labour Relations Act 66 of 1995)."),
    ), "sets out how the Western Cape Government protects its information and ICT resources, and what follows when an "
       "employee does not comply"),
    DemoPolicy("ICT-POL-002", "Acceptable Use Policy", ("5.10", "8.1"), (
        ("3.1", "Use for government business", "ICT resources are provided for government business; limited private "
                                              "use is allowed where it does not interfere with work."),
        ("3.2", "Prohibited content", "Do not access, store or send offensive, pornographic or unlawful material."),
        ("3.3", "Unauthorised software", "Install only software approved by ICT."),
        ("3.4", "Removable media", "Use only encrypted removable media issued by ICT for government information."),
    ), "says how employees may use the province's computers, networks, e-mail and internet"),
    DemoPolicy("ICT-POL-003", "Password Policy", ("5.17", "8.5"), (
        ("2.1", "Password length", "Passwords have at least 12 characters."),
        ("2.2", "Sharing passwords", "Never share your password or let another person work under your account."),
        ("2.3", "Changing passwords", "Change a password at once if you suspect someone else knows it."),
    ), "sets the rules for passwords and other secret authentication information"),
    DemoPolicy("ICT-POL-004", "E-mail and Internet Policy", ("5.14", "8.23"), (
        ("5.1", "Official e-mail", "Use the official (westerncape.gov.za) e-mail address for government business "
                                   "only."),
        ("5.2", "Forwarding", "Do not forward official e-mail to a private address."),
        ("5.3", "Phishing", "Do not open attachments or links from unknown senders; report suspicious e-mail."),
    ), "governs the use of the province's e-mail and internet access"),
    DemoPolicy("ICT-POL-005", "Backup Policy", ("8.13",), (
        ("3.1", "Backup schedule", "Servers are backed up daily; a full backup is kept off site every week."),
        ("3.2", "Restore tests", "A restore from backup is tested every quarter and the result recorded."),
    ), "sets how the province's information is backed up and restored"),
    DemoPolicy("ICT-POL-006", "Change Management Policy", ("8.32",), (
        ("4.1", "Requesting a change", "Every change to a production system is requested and assessed first."),
        ("4.2", "Approving a change", "The Change Advisory Board approves a change before it is made."),
        ("4.3", "Emergency changes", "An emergency change is recorded and reviewed within two working days."),
    ), "controls changes to the province's ICT systems"),
    DemoPolicy("ICT-POL-007", "Business Continuity and Disaster Recovery Policy", ("5.29", "5.30", "8.14"), (
        ("6.1", "Recovery plans", "Each critical system has a tested disaster recovery plan."),
        ("6.2", "Plan tests", "Disaster recovery plans are tested once a year."),
    ), "keeps the province's critical services running through a disruption"),
]
IN_REVIEW_CODE = "ICT-POL-003"  # version 1.2 goes for review: the list shows work in progress
OVERDUE_CODE = "ICT-POL-005"  # approved more than a year ago: its review is overdue


def _text(policy: DemoPolicy, version: str) -> str:
    lines = [f"# {policy.title}", "", "## 1 Purpose", "", f"This policy {policy.purpose}.", "", "## 2 Scope", "",
             "It applies to all employees, contractors and service providers of the provincial departments who use "
             "the province's "
             "information or ICT resources.", ""]
    for number, title, text in policy.clauses:
        lines += [f"## {number} {title}", "", text, ""]
    lines += ["## 9 Review", "", f"This is version {version}. The policy is reviewed every year."]
    return "\n".join(lines)


def _approve(version, on: date, next_review: date | None = None) -> None:
    services.submit_for_review(version, expected_version=version.version, actor=None, today=on - timedelta(days=14))
    services.add_reviewer(version, name=REVIEWER[0], designation=REVIEWER[1], reviewed_on=on - timedelta(days=7),
                          actor=None, today=on)
    services.approve(version, workflow.Approval(APPROVER[0], APPROVER[1], on, next_review),
                     expected_version=version.version, actor=None, today=on)


def _draft(policy: DemoPolicy, number: str) -> services.DraftInput:
    return services.DraftInput(change="Original" if number == "1.0" else "Changes", body=_text(policy, number),
                               author_name=AUTHOR[0], author_designation=AUTHOR[1], author_contact=AUTHOR[2])


def _load(demo: DemoPolicy, owner: User | None, today: date) -> Policy:
    control_ids = tuple(db.session.scalars(sa.select(Control.id).where(Control.reference.in_(demo.controls))))
    policy = services.create_policy(services.PolicyInput(code=demo.code, title=demo.title,
                                                         owner_id=owner.id if owner else None,
                                                         control_ids=control_ids), _draft(demo, "1.0"), actor=None)
    first = policy.latest
    services.clauses_from_headings(first, actor=None)
    overdue = demo.code == OVERDUE_CODE
    _approve(first, today - timedelta(days=900 if overdue else 700))
    second = services.start_new_version(policy, major=False, actor=None)
    services.update_draft(second, _draft(demo, "1.1"), expected_version=second.version, actor=None)
    services.clauses_from_headings(second, actor=None)
    _approve(second, today - timedelta(days=400 if overdue else 200))
    if demo.code == IN_REVIEW_CODE:
        third = services.start_new_version(policy, major=False, actor=None)
        services.update_draft(third, services.DraftInput(
            change="Passphrases of 15 characters", body=_text(demo, "1.2").replace("12 characters", "15 characters"),
            author_name=AUTHOR[0], author_designation=AUTHOR[1], author_contact=AUTHOR[2]),
            expected_version=third.version, actor=None)
        services.clauses_from_headings(third, actor=None)
        services.submit_for_review(third, expected_version=third.version, actor=None, today=today - timedelta(days=3))
    return policy


def _acknowledge(version: PolicyVersion, employees: list[Employee], today: date, rng: random.Random) -> int:
    """Most employees signed the version in force on paper at a briefing; some have not yet."""
    assert version.approved_on is not None  # the version in force is approved, on its approval date
    signed = [e.number for e in employees if rng.random() < 0.85]
    if signed:
        briefing = min(today, version.approved_on + timedelta(days=rng.randint(5, 40)))
        sheet = CheckedUpload(f"{version.policy.code}-{version.number}-briefing-{briefing.isoformat()}.pdf",
                              "application/pdf", demo_pdf(f"Acknowledgement of {version}", [
                                  f"Briefing of {briefing.isoformat()}: {len(signed)} signatures.",
                                  "I have read and understood the policy. (Demo sheet: no real signatures.)"]))
        services.record_acknowledgements(version, signed, on=briefing, method=AcknowledgementMethod.PAPER,
                                         actor=None, today=today, sheet=sheet)
    return len(signed)


def seed_demo_policies() -> list[str]:
    """The demo policies, unless the register has policies already."""
    if db.session.scalar(sa.select(sa.func.count(Policy.id))):
        return []
    today = local_today()
    owner = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
    employees = list(db.session.scalars(sa.select(Employee).where(
        Employee.status.in_([status.value for status in EMPLOYED])).order_by(Employee.number)))
    rng = random.Random(27001)
    added = []
    for demo in POLICIES:
        policy = _load(demo, owner, today)
        in_force = policy.current
        assert in_force is not None  # _load() approved versions 1.0 and 1.1
        signed = _acknowledge(in_force, employees, today, rng) if employees else 0
        added.append(f"policy {policy.code} {policy.title} (version {in_force.number} in force, "
                     f"{signed} acknowledgements)")
    return added
