"""Small builders for test data, going through the services like the app does."""

from __future__ import annotations

import itertools
import re

from app.admin.services import create_department, find_department_by_code
from app.auth import services as accounts
from app.auth.models import Department, User
from app.employees.models import Employee
from app.extensions import db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_department(code: str | None = None, name: str | None = None) -> Department:
    code = code or f"D{next(_sequence)}"
    existing = find_department_by_code(code)
    if existing:
        return existing
    department = create_department(code=code, name=name or f"Department {code}", actor=None)
    db.session.commit()
    return department


def make_user(
    role: str = "security_officer",
    *,
    email: str | None = None,
    full_name: str | None = None,
    department: Department | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
) -> User:
    number = next(_sequence)
    user = accounts.create_user(
        email=email or f"{role.replace('_', '-')}{number}@example.gov.za",
        full_name=full_name or f"{role.replace('_', ' ').title()} {number}",
        role=role,
        department_id=department.id if department else None,
        password=password,
        actor=None,
        must_change_password=must_change_password,
    )
    db.session.commit()
    return user


def make_employee(
    full_name: str | None = None,
    *,
    number: str | None = None,
    department: Department | None = None,
    manager: Employee | None = None,
    email: str = "",
    status: str = "active",
    position: str = "",
    **fields,
) -> Employee:
    from app.employees.services import EmployeeInput, create_employee

    sequence = next(_sequence)
    employee = create_employee(EmployeeInput(
        number=number or f"{21_000_000 + sequence}", full_name=full_name or f"Employee {sequence}",
        department_id=department.id if department else None, manager_id=manager.id if manager else None,
        email=email, status=status, position=position, **fields), actor=None)
    db.session.commit()  # the service flushes; a builder saves, as the view that calls it would
    return employee


def csrf_token(page: str) -> str:
    """The form's CSRF token in a rendered page (for tests that run with CSRF protection on)."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
