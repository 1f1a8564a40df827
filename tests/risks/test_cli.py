"""The `risks` commands: import a register file, expire acceptances."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.timeutil import add_months, local_today
from app.extensions import db
from tests import factories
from tests.risks.test_import_views import BAD, GOOD, risk_count


@pytest.fixture
def register(app, category):
    from app.risks.matrices import current_matrix

    current_matrix()


# --- import --------------------------------------------------------------------------------


@pytest.fixture
def cli(app, register, tmp_path):
    runner = app.test_cli_runner()

    def invoke(data: bytes, *args):
        path = tmp_path / "register.csv"
        path.write_bytes(data)
        return runner.invoke(args=["risks", "import", str(path), *args])

    return invoke


def test_cli_dry_run_then_import(cli, officer):
    dry = cli(GOOD, "--as", officer.email, "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert "Would import register.csv: 2 created" in dry.output and "Nothing was written" in dry.output
    assert risk_count() == 0

    real = cli(GOOD, "--as", officer.email)

    assert real.exit_code == 0 and "Imported register.csv: 2 created" in real.output
    assert risk_count() == 2


def test_cli_reports_problems_with_row_and_column_and_exits_1(cli, officer):
    result = cli(BAD, "--as", officer.email)

    assert result.exit_code == 1
    assert "row 2, column “Residual likelihood”" in result.output
    assert risk_count() == 0


@pytest.mark.parametrize("role", ["risk_owner", "auditor"])
def test_cli_needs_an_importing_account(cli, role):
    user = factories.make_user(role)

    result = cli(GOOD, "--as", user.email)

    assert result.exit_code == 2 and "not an active administrator or security officer" in result.output
    assert risk_count() == 0


def test_cli_unknown_account(cli):
    assert cli(GOOD, "--as", "nobody@example.gov.za").exit_code == 2


# --- expiry of acceptances ------------------------------------------------------------------------


def test_cli_expire_acceptances_reopens_risks_past_their_date(app, make_risk, owner):
    from app.risks import services

    risk = make_risk(inherent=(5, 5), residual=(3, 3))  # Medium: its owner accepts it
    today = local_today()
    services.accept_risk(risk, actor=owner, justification="Budget", expires_on=add_months(today, 1), today=today,
                         expected_version=risk.version)
    runner = app.test_cli_runner()

    assert "No acceptance has expired." in runner.invoke(args=["risks", "expire-acceptances"]).output
    services.current_acceptance(risk).expires_on = today - timedelta(days=1)
    db.session.commit()
    result = runner.invoke(args=["risks", "expire-acceptances"])

    assert result.exit_code == 0 and f"{risk.reference}" in result.output and "1 acceptance(s) expired" in result.output
    db.session.refresh(risk)
    assert risk.status == "open"
