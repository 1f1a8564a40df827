"""Builders for scheduler tests (rows written directly: the rules only read them) and a local SMTP sink."""

from __future__ import annotations

import itertools
import socket
from datetime import date

import pytest

from app.assets.models import Asset
from app.controls.models import Control, Evidence
from app.extensions import db
from app.policies.cases.models import CaseRevocation, CaseTraining, CaseWarning, PolicyCase
from app.policies.models import Policy, PolicyState, PolicyVersion
from app.risks.models import RiskAcceptance, TreatmentAction
from tests import factories

_numbers = itertools.count(1)
TODAY = date(2026, 12, 7)  # a Monday


def make_risk(owner, *, next_review_on=None, status="open", title="Ransomware on the provincial network"):
    risk = factories.make_risk(owner, title=title)
    risk.next_review_on, risk.status = next_review_on, status
    db.session.commit()
    return risk


def make_action(risk, owner, due_on, status="planned"):
    action = TreatmentAction(risk_id=risk.id, title="Deploy endpoint detection", owner_id=owner.id if owner else None,
                             due_on=due_on, status=status)
    db.session.add(action)
    db.session.commit()
    return action


def make_acceptance(risk, accepted_by, expires_on):
    acceptance = RiskAcceptance(risk_id=risk.id, accepted_by_id=accepted_by.id, justification="Budget next year.",
                                accepted_on=date(2026, 1, 5), expires_on=expires_on, residual_score=9, tolerance=4)
    db.session.add(acceptance)
    db.session.commit()
    return acceptance


def make_evidence(valid_until, *, control_owner=None, created_by=None):
    control = db.session.scalar(db.select(Control).where(Control.reference == "5.15"))
    control.owner_id = control_owner.id if control_owner else None
    evidence = Evidence(title="Access review minutes", kind="link", url="https://intranet.example/minutes",
                        evidence_date=date(2026, 1, 10), valid_until=valid_until, controls=[control],
                        created_by_id=created_by.id if created_by else None)
    db.session.add(evidence)
    db.session.commit()
    return evidence


def make_policy(owner, next_review_on, state=PolicyState.APPROVED.value):
    number = next(_numbers)
    policy = Policy(code=f"POL-{number}", title="ICT Security Policy", owner_id=owner.id if owner else None)
    policy.versions.append(PolicyVersion(number="1.0", state=state, next_review_on=next_review_on))
    db.session.add(policy)
    db.session.commit()
    return policy


def make_case(opened_by, *, employee_name="Nomsa Zulu"):
    """A case about an employee; reminders must name it by reference, never by the employee."""
    policy = make_policy(None, None)
    employee = factories.make_employee(employee_name)
    number = next(_numbers)
    case = PolicyCase(reference=f"CASE-2026-{number:04d}", employee_id=employee.id,
                      policy_version_id=policy.versions[0].id, incident_on=date(2026, 11, 2),
                      opened_on=date(2026, 11, 3), description="Shared a password.", severity="low",
                      security_risk="low", code="schedule_8", recommended_action="management_warning",
                      created_by_id=opened_by.id if opened_by else None)
    db.session.add(case)
    db.session.commit()
    return case


def make_revocation(case, ends_on, revoked_by=None):
    revocation = CaseRevocation(case_id=case.id, resources_json='["internet"]', starts_on=date(2026, 11, 10),
                                ends_on=ends_on, no_harm_confirmed=True,
                                created_by_id=revoked_by.id if revoked_by else None)
    db.session.add(revocation)
    db.session.commit()
    return revocation


def make_training(case, due_on, assigned_by=None):
    training = CaseTraining(case_id=case.id, course="Password hygiene", due_on=due_on,
                            created_by_id=assigned_by.id if assigned_by else None)
    db.session.add(training)
    db.session.commit()
    return training


def make_warning(case, valid_until, issued_by=None):
    warning = CaseWarning(case_id=case.id, employee_id=case.employee_id, warning_type="written",
                          wording="You shared your password.", issued_on=date(2026, 6, 1), valid_until=valid_until,
                          issued_by_id=issued_by.id if issued_by else None)
    db.session.add(warning)
    db.session.commit()
    return warning


def make_asset(owner, support_ends_on, *, status="in_use", tag=None):
    asset = Asset(tag=tag or f"PC-{next(_numbers):05d}", name="Clinic desktop", kind="desktop", status=status,
                  owner_id=owner.id if owner else None, support_ends_on=support_ends_on)
    db.session.add(asset)
    db.session.commit()
    return asset


# --- a local SMTP sink -----------------------------------------------------------------------------


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port():
    """A port nothing listens on (yet): SMTP is down until `start_sink(port)`."""
    return free_port()


@pytest.fixture
def start_sink():
    from aiosmtpd.controller import Controller

    controllers = []

    def start(port: int) -> Sink:
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return sink

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_port):
    """The app with SMTP configured at a local port."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=2, MAIL_MAX_ATTEMPTS=3,
                   MAIL_FROM="khusela@example.gov.za", KHUSELA_BASE_URL="https://khusela.example.gov.za")
    with app.app_context():
        yield app
