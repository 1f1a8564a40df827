"""Fixtures of the evidence-pack tests: a small ISMS made through the services, and quick reports."""

from __future__ import annotations

from datetime import date

import pytest

from app.controls import services as controls
from app.controls.demo import demo_pdf
from app.controls.services import EvidenceInput, annex_a_control
from app.extensions import db
from app.reports import documents
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories

BACKUP_PDF = demo_pdf("Backup restore test", ["12 of 12 servers restored."])
ACCESS_PDF = demo_pdf("Access review", ["Quarterly review of privileged accounts."])


@pytest.fixture(autouse=True)
def quick_reports(monkeypatch):
    """PDF reports are rendered for real in test_real_reports_in_the_pack; elsewhere a stand-in keeps
    the tests fast. The stand-in records what was asked for."""
    asked = []

    def fake_report(name, *, params=None, generated_by):
        asked.append((name, dict(params or {})))
        return f"%PDF-1.7 {name} {sorted((params or {}).items())}".encode()

    monkeypatch.setattr(documents, "build_report", fake_report)
    return asked


@pytest.fixture
def officer():
    return factories.make_user("security_officer")


@pytest.fixture
def finance():
    return factories.make_department("FIN", "Finance")


@pytest.fixture
def category():
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    return category


def make_risk(title, category, officer, *, controls=(), department=None):
    risk = risks.create_risk(risks.RiskInput(
        title=title, category_id=category.id, inherent=Rating(4, 4), residual=Rating(3, 3), status="open",
        department_id=department.id if department else None,
        control_ids=[control.id for control in controls]), actor=officer)
    db.session.commit()
    return risk


def add_evidence(title, references, officer, *, content=BACKUP_PDF, filename="restore-test.pdf",
                 evidence_date=date(2026, 3, 2)):
    data = EvidenceInput(title=title, evidence_date=evidence_date, description="", valid_until=None,
                         control_ids=[annex_a_control(ref).id for ref in references])
    return controls.add_evidence(data, actor=officer, filename=filename, content=content)


@pytest.fixture
def isms(category, officer, finance):
    """Two risks (one Finance), evidence for 8.13 (backup) and 5.15 (access control)."""
    backup = add_evidence("Backup restore test", ["8.13"], officer)
    access = add_evidence("Access review Q1", ["5.15", "8.2"], officer, content=ACCESS_PDF, filename="access.pdf",
                          evidence_date=date(2026, 1, 15))
    ransomware = make_risk("Ransomware", category, officer, controls=[annex_a_control("8.13")])
    payroll = make_risk("Payroll fraud", category, officer, controls=[annex_a_control("5.15")], department=finance)
    return {"backup": backup, "access": access, "ransomware": ransomware, "payroll": payroll}
