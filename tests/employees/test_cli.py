"""`flask employees import`: the same import from the command line, with exit codes for scripts."""

from __future__ import annotations

import pytest

from tests import factories
from tests.employees.test_import_views import BAD, GOOD, employee_count


@pytest.fixture
def hr(app):
    return factories.make_user("hr_officer")


@pytest.fixture
def cli(app, tmp_path):
    runner = app.test_cli_runner()

    def invoke(data: bytes, *args):
        path = tmp_path / "staff.csv"
        path.write_bytes(data)
        return runner.invoke(args=["employees", "import", str(path), *args])

    return invoke


def test_cli_dry_run_then_import_then_again(cli, hr):
    dry = cli(GOOD, "--as", hr.email, "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert "Would import staff.csv: 2 created" in dry.output and "Nothing was written" in dry.output
    assert "21000001" in dry.output and employee_count() == 0

    real = cli(GOOD, "--as", hr.email)

    assert real.exit_code == 0 and "Imported staff.csv: 2 created" in real.output
    assert employee_count() == 2
    assert "0 created, 0 updated, 2 unchanged" in cli(GOOD, "--as", hr.email).output


def test_cli_reports_problems_with_row_and_column_and_exits_1(cli, hr):
    result = cli(BAD, "--as", hr.email)

    assert result.exit_code == 1
    assert "staff.csv: nothing imported" in result.output
    assert "row 2, column “Manager”: No employee has the number “21000009”" in result.output
    assert employee_count() == 0


@pytest.mark.parametrize("role", ["security_officer", "manager", "auditor"])
def test_cli_needs_an_importing_account(cli, role):
    user = factories.make_user(role)

    result = cli(GOOD, "--as", user.email)

    assert result.exit_code == 2 and "not an active administrator or HR officer" in result.output
    assert employee_count() == 0


def test_cli_unknown_account_and_missing_file(app, cli):
    assert cli(GOOD, "--as", "nobody@example.gov.za").exit_code == 2
    missing = app.test_cli_runner().invoke(args=["employees", "import", "/nonexistent.csv", "--as", "x@example.org"])
    assert missing.exit_code == 2
