"""Builders of the internal-audit tests: a programme, controls made applicable in the Statement of
Applicability, and audits planned, started and filled in through the services, as the app does."""

from __future__ import annotations

from datetime import date

import pytest

from app.controls import soa
from app.controls.services import annex_a_control
from app.extensions import db
from app.internal_audits import services
from tests import factories

TODAY = date(2026, 11, 30)


def fake_pdf(internal_audit) -> bytes:
    """A stand-in for the report's rendering (WeasyPrint takes a second): distinct per audit."""
    return f"%PDF-1.7 report of {internal_audit.reference}".encode()


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer")


@pytest.fixture
def lead(app):
    return factories.make_user("manager", department=factories.make_department("DOH", "Health"))


@pytest.fixture
def member(app):
    return factories.make_user("risk_owner", department=factories.make_department("PT", "Treasury"))


@pytest.fixture
def auditee(app):
    return factories.make_department("DOTP", "Premier")


def make_applicable(*references: str, owner=None) -> list:
    """Decide these Annex A controls applicable in the Statement of Applicability."""
    controls = []
    for reference in references:
        control = annex_a_control(reference)
        soa.save_entry(control, soa.SoaInput(applicable=True, justification="Treats the information security risk.",
                                             reasons=["risk_treatment"], status="implemented",
                                             owner_id=owner.id if owner else None),
                       expected_version=None, actor=None)
        controls.append(control)
    db.session.commit()
    return controls


@pytest.fixture
def programme(officer):
    made = services.save_programme(None, services.ProgrammeInput(
        starts_on=date(2026, 2, 1), ends_on=date(2029, 1, 31), frequency="Yearly for clauses 4-10",
        methods="Interviews and sampling", responsibilities="The security officer keeps the programme"),
        expected_version=None, actor=officer)
    db.session.commit()
    return made


def audit_input(lead, *, team=(), clauses=("4.1", "9.2"), controls=(), departments=(), contact=None,
                reason="", start=date(2026, 11, 2), end=date(2026, 11, 13),
                title="ISMS clauses") -> services.AuditInput:
    return services.AuditInput(
        title=title, criteria="ISO/IEC 27001:2022; the ICT security policy v3", planned_start=start,
        planned_end=end, lead_auditor_id=lead.id, team_ids=[m.id for m in team],
        department_ids=[d.id for d in departments], auditee_contact_id=contact.id if contact else None,
        clauses=list(clauses), control_ids=[c.id for c in controls], independence_reason=reason)


@pytest.fixture
def plan(programme, officer):
    def build(lead, **options):
        made = services.plan_audit(audit_input(lead, **options), actor=officer, today=TODAY)
        db.session.commit()
        return made

    return build


@pytest.fixture
def started(plan):
    """An audit in progress: clauses 4.1 and 9.2, its lead and team as given."""
    def build(lead, **options):
        made = plan(lead, **options)
        services.start_audit(made, expected_version=made.version, actor=lead, today=date(2026, 11, 2))
        db.session.commit()
        return made

    return build


def fill(internal_audit, actor, results: dict[str, tuple[str, str]]) -> None:
    """Record a (result, notes) per line subject; the others conforming."""
    for line in internal_audit.lines:
        result, notes = results.get(line.subject, ("conforming", ""))
        services.save_line(line, services.LineInput(result=result, notes=notes), expected_version=line.version,
                           actor=actor)
    db.session.commit()
