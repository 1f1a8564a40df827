"""The migration of issue 18's case dates fills in what existing rows lack, and loses nothing: a case
was reported the day it was opened; a notice was issued by the account that recorded it, with the
position of that account's employee record, or else its role; a case's warnings and notices stay
(on SQLite a table rebuilt under enforced foreign keys would take its cascading children with it).
On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import contextlib
import io
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.policies.cases.models import CaseHearingNotice, CaseWarning, PolicyCase
from app.policies.models import Policy, PolicyVersion
from tests import factories
from tests.databases import release_app_database
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

BEFORE = "db015908c40c"  # the revision before the case dates (the factories write today's models)
STAMPS = {"created_at": "2026-11-03 08:00:00", "updated_at": "2026-11-03 08:00:00"}


@pytest.fixture
def scratch_app(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    yield app
    release_app_database(app)


def _insert(table: str, **values) -> int:
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join(f":{name}" for name in values)
    return db.session.execute(sa.text(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) RETURNING id'),
                              values).scalar_one()


def _a_case_before_the_migration() -> tuple[int, int]:
    """A case with a warning and two notices, written as rows of the schema before the migration."""
    department = factories.make_department("DOH", "Health")
    officer = factories.make_user("hr_officer", full_name="Nomsa Dube")
    manager = factories.make_user("manager", full_name="Thabo Nkosi", department=department)
    employee = factories.make_employee(department=department)
    record = factories.make_employee(department=department)
    record.user_id, record.position = officer.id, "HR Practitioner"
    policy = Policy(code="POL-1", title="ICT Security Policy")  # tables the migration leaves alone
    policy.versions.append(PolicyVersion(number="1.0", state="approved"))
    db.session.add(policy)
    db.session.commit()
    officer_id, manager_id, employee_id, version_id = officer.id, manager.id, employee.id, policy.versions[0].id
    case_id = _insert("policy_case", reference="CASE-2026-0001", employee_id=employee_id, policy_version_id=version_id,
                      incident_on=date(2026, 11, 2), opened_on=date(2026, 11, 3), description="Shared a password.",
                      severity="low", security_risk="low", code="code_2025", status="open",
                      recommended_action="disciplinary", recommendation_json="[]", decision_reason="", outcome="",
                      **STAMPS, version=1)
    _insert("case_warning", case_id=case_id, employee_id=employee_id, warning_type="written", wording="Never.",
            issued_on=date(2026, 11, 5), valid_until=date(2027, 5, 5), refused_to_sign=False, witness_name="",
            **STAMPS)
    for by in (officer_id, manager_id):
        _insert("case_hearing_notice", case_id=case_id, issued_on=date(2026, 11, 9), hearing_on=date(2026, 11, 16),
                hearing_time="10:00", venue="Boardroom", language="English", chair="Mr T. Nkosi",
                allegations_included=True, representation_stated=True, interpreter_stated=True, created_by_id=by,
                **STAMPS)
    db.session.commit()
    return officer_id, manager_id


def test_existing_cases_keep_their_steps_and_get_their_report_date_and_issuer(scratch_app):
    with scratch_app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        upgrade(revision=BEFORE)
        officer_id, manager_id = _a_case_before_the_migration()
        db.session.remove()

        upgrade()

        assert db.session.scalars(sa.select(PolicyCase.reported_on)).one() == date(2026, 11, 3)  # its opened_on
        assert db.session.scalar(sa.select(sa.func.count(CaseWarning.id))) == 1
        issued = db.session.execute(sa.select(CaseHearingNotice.issued_by_id, CaseHearingNotice.issued_by_name,
                                              CaseHearingNotice.issued_by_position)
                                    .order_by(CaseHearingNotice.id)).all()
        assert [tuple(row) for row in issued] == [(officer_id, "Nomsa Dube", "HR Practitioner"),
                                                  (manager_id, "Thabo Nkosi", "Manager")]
        db.session.remove()
