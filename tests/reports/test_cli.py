"""flask reports build: writes the PDF, audits it, and refuses bad input with exit status 2."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db


@pytest.fixture
def demo(app, demo_data):
    return app


def test_build_writes_the_pdf_and_audits_it(demo, tmp_path):
    out = tmp_path / "plan.pdf"
    result = demo.test_cli_runner().invoke(args=["reports", "build", "treatment_plan", "--department", "dotp",
                                                 "--out", str(out), "--by", "Thabo Auditor"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "Department DOTP" in result.output
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "generate" and entry.entity_id == "treatment_plan"
    assert entry.actor_email == "cli:Thabo Auditor"


@pytest.mark.parametrize(("args", "message"), [
    (["nonsense"], "The reports are: risk_register, treatment_plan, risk_methodology, acceptance_register, soa, "
                   "asset_register, isms_context, policy"),
    (["soa", "--version", "77"], "no issued Statement of Applicability version 77"),
    (["policy"], "Choose the policy version"),
    (["risk_register", "--department", "NOPE"], "no department with code or id 'NOPE'"),
    (["risk_register", "--filter", "status"], "--filter takes KEY=VALUE"),
    (["asset_register", "--version", "2"], "--version applies to the soa"),
    (["soa", "--filter", "q=x"], "--filter applies to the risk_register and acceptance_register reports only"),
])
def test_bad_input_exits_2_with_a_message(demo, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = demo.test_cli_runner().invoke(args=["reports", "build", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
