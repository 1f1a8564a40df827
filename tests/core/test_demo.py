"""Demo data: `flask seed-demo` and `flask demo-logins`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.auth.models import Department, Role, User
from app.core.demo import DEMO_ACCOUNTS, DEPARTMENTS
from app.extensions import db
from tests import factories

DEMO_EMAILS = ["admin@example.org", "officer@example.org", "owner@example.org", "manager@example.org",
               "hr@example.org", "auditor@example.org", "hod@example.org", "ao@example.org"]


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Department, User, AuditEntry))


def test_seed_demo_loads_the_departments_and_one_account_per_role(app):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    added = int(result.output.removeprefix("Demo data: ").split()[0])
    assert added >= len(DEPARTMENTS) + len(DEMO_ACCOUNTS)  # later parts add their own demo data
    departments = {d.code: d.name for d in db.session.scalars(sa.select(Department))}
    for code in ("DOTP", "DOA", "DOCS", "DEA&DP", "DOI", "DCAS", "DEDAT", "DSD", "DOH", "PT"):
        assert code in departments
    assert any("Education" in name for name in departments.values())
    assert "DTPW" not in departments and departments["DOH"] == "Department of Health"  # as the deck names them
    users = list(db.session.scalars(sa.select(User)))
    assert sorted(u.email for u in users) == sorted(DEMO_EMAILS)
    assert {u.role for u in users} == {role.value for role in Role}
    # Who accepts the High and Critical risks of the demo register (app.risks.authority).
    assert {u.email: u.acceptance_authority for u in users if u.acceptance_authority} == {
        "hod@example.org": "head_of_department", "ao@example.org": "accounting_officer"}
    assert all(u.active and not u.must_change_password for u in users)
    manager = next(u for u in users if u.role == "manager")
    assert manager.department.code == "DOH"
    assert verify_chain().ok


def test_seed_demo_is_idempotent(app):
    run(app, "seed-demo")
    before = counts()
    result = run(app, "seed-demo")
    assert (result.exit_code, result.output) == (0, "Demo data already present.\n")
    assert counts() == before


def test_seed_demo_adds_only_what_is_missing(app):
    factories.make_department("DOTP", "Premier (renamed locally)")
    factories.make_user("auditor", email="auditor@example.org")
    result = run(app, "seed-demo")
    assert result.output.startswith("Demo data: ")
    assert counts()[:2] == (len(DEPARTMENTS), len(DEMO_ACCOUNTS))
    assert db.session.scalar(sa.select(Department.name).where(Department.code == "DOTP")) == \
        "Premier (renamed locally)"


@pytest.mark.parametrize("config", [{}, {"DEMO_PASSWORD": "another-demo-pass"}])
def test_every_demo_account_signs_in_with_the_demo_password(make_app, config):
    app = make_app(**config)
    with app.app_context():
        assert run(app, "seed-demo").exit_code == 0
    password = app.config["DEMO_PASSWORD"]
    if config:
        assert password == "another-demo-pass"
    for email in DEMO_EMAILS:
        response = app.test_client().post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        assert response.headers["Location"] == "/", email
    wrong = "fynbos-protea-demo" if config else "another-demo-pass"
    assert app.test_client().post("/login", data={"email": DEMO_EMAILS[0], "password": wrong}).status_code == 401


@pytest.mark.parametrize(("password", "message"), [
    ("short", "at least 12 characters"),
    ("khusela-demo", "built on your name, your e-mail address, the organisation's name or “Khusela”"),  # old default
    ("western cape 2026", "built on your name"),  # the demo organisation's name
    ("thandi administrator", "built on your name"),  # a demo account's name
])
def test_seed_demo_refuses_a_password_the_rules_reject(make_app, password, message):
    app = make_app(DEMO_PASSWORD=password)
    with app.app_context():
        result = run(app, "seed-demo")
        assert result.exit_code == 2
        assert "DEMO_PASSWORD cannot be used" in result.output
        assert message in result.output
        assert counts() == (0, 0, 0)


def test_if_empty_does_nothing_when_accounts_exist(app):
    factories.make_user("admin")
    before = counts()
    result = run(app, "seed-demo", "--if-empty")
    assert (result.exit_code, result.output) == (0, "Database already has accounts; demo data not loaded.\n")
    assert counts() == before


def test_if_empty_loads_into_an_empty_database(app):
    result = run(app, "seed-demo", "--if-empty")
    assert result.exit_code == 0
    assert counts()[1] == len(DEMO_ACCOUNTS)


def test_demo_logins_prints_every_account_and_the_password(make_app):
    app = make_app(DEMO_PASSWORD="another-demo-pass")
    with app.app_context():
        result = run(app, "demo-logins")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Demo logins for Western Cape Government (password for all: another-demo-pass):"
    for email in DEMO_EMAILS:
        assert any(line.strip().endswith(email) for line in lines[1:]), email
    assert "Administrator" in result.output and "Auditor" in result.output
