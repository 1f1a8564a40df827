"""Departments, and the figures on the landing page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.actions import AuditAction
from app.auth import throttle
from app.auth.models import Department, Role, User
from app.auth.permissions import ADMIN_USERS, user_can
from app.extensions import db

DEPARTMENT_AUDIT_FIELDS = ["code", "name", "active"]


class DepartmentError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def all_departments(active_only: bool = False) -> list[Department]:
    statement = sa.select(Department).order_by(Department.code)
    if active_only:
        statement = statement.where(Department.active.is_(True))
    return list(db.session.scalars(statement))


def find_department_by_code(code: str) -> Department | None:
    return db.session.scalar(sa.select(Department).where(sa.func.upper(Department.code) == code.strip().upper()))


def _check_unique_code(code: str, except_department: Department | None = None) -> None:
    existing = find_department_by_code(code)
    if existing is not None and existing is not except_department:
        raise DepartmentError(f"The code {code} is already used by {existing.name}.", "code")


def create_department(*, code: str, name: str, actor: User | None) -> Department:
    code = code.strip().upper()
    _check_unique_code(code)
    department = Department(code=code, name=name.strip(), active=True)
    db.session.add(department)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, "department", department.id,
        changes=audit.diff({}, audit.snapshot(department, DEPARTMENT_AUDIT_FIELDS)),
        summary=f"Created department {code}", actor=actor,
    )
    return department


def update_department(department: Department, *, expected_version: int, code: str, name: str, active: bool,
                      actor: User) -> dict:
    department.check_version(expected_version, "department")
    code = code.strip().upper()
    _check_unique_code(code, except_department=department)
    if not active and department.active:
        members = db.session.scalar(
            sa.select(sa.func.count()).where(User.department_id == department.id, User.active.is_(True))
        )
        if members:
            raise DepartmentError(
                f"{members} active user(s) still belong to {department.code}; move them to another department first.",
                "active",
            )
    before = audit.snapshot(department, DEPARTMENT_AUDIT_FIELDS)
    department.code, department.name, department.active = code, name.strip(), active
    changes = audit.diff(before, audit.snapshot(department, DEPARTMENT_AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, "department", department.id, changes=changes,
                     summary=f"Edited department {department.code}", actor=actor)
    db.session.flush()
    return changes


@dataclass
class OrganisationSummary:
    previous_sign_in: datetime | None
    counts: list[tuple[str, int]] = field(default_factory=list)


def organisation_summary(user: User) -> OrganisationSummary:
    summary = OrganisationSummary(previous_sign_in=audit.previous_sign_in(user))
    if user_can(user, ADMIN_USERS):
        active_users = db.session.execute(sa.select(sa.func.count()).where(User.active.is_(True))).scalar_one()
        locked = db.session.execute(sa.select(sa.func.count()).where(
            User.email.in_(throttle.slowed_accounts()))).scalar_one()
        departments = db.session.execute(sa.select(sa.func.count()).where(Department.active.is_(True))).scalar_one()
        summary.counts = [("active users", active_users), ("accounts with sign-in slowed down", locked),
                          ("departments", departments)]
    return summary


def role_choices() -> dict[str, str]:
    return {role.value: role.label for role in Role}
