"""Reading the employee register for the list and its export: only the employees the user may
see (services.visible_employees), then the filters of the query string; a value that cannot be
understood is ignored, as on the other list pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import ColumnElement

from app import models  # noqa: F401  (every model mapped before the aliases below configure the mappers)
from app.auth.models import Department, User
from app.common.listing import SqlColumn, choice_arg, contains_text, id_arg
from app.employees import services
from app.employees.models import EMPLOYED, Employee, EmploymentStatus
from app.extensions import db

Manager = aliased(Employee)
Report = aliased(Employee)

SORT_COLUMNS: dict[str, SqlColumn] = {
    "number": Employee.number, "name": sa.func.lower(Employee.full_name),
    "department": sa.select(Department.code).where(Department.id == Employee.department_id).scalar_subquery(),
    "position": sa.func.lower(Employee.position),
    "manager": sa.select(sa.func.lower(Manager.full_name)).where(Manager.id == Employee.manager_id).scalar_subquery(),
    "status": Employee.status,
}
DEFAULT_SORT = "name"

# The status filter: those still employed (active or suspended) unless asked otherwise.
STATUS_EMPLOYED, STATUS_ANY = "", "all"


@dataclass(frozen=True)
class EmployeeFilters:
    q: str = ""  # part of the number, name or e-mail
    department_id: int | None = None
    status: str = STATUS_EMPLOYED
    manager_id: int | None = None
    position: str = ""  # part of the position

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> EmployeeFilters:
        return cls(
            q=(args.get("q") or "").replace("\x00", "").strip()[:200],
            department_id=id_arg(args, "department"),
            status=choice_arg(args, "status", {STATUS_ANY} | {status.value for status in EmploymentStatus}),
            manager_id=id_arg(args, "manager"),
            position=(args.get("position") or "").replace("\x00", "").strip()[:200],
        )

    def conditions(self) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            where.append(sa.or_(contains_text(Employee.number, self.q), contains_text(Employee.full_name, self.q),
                                contains_text(Employee.email, self.q.lower())))
        if self.department_id:
            where.append(Employee.department_id == self.department_id)
        if self.manager_id:
            where.append(Employee.manager_id == self.manager_id)
        if self.position:
            where.append(contains_text(Employee.position, self.position))
        if self.status == STATUS_EMPLOYED:
            where.append(Employee.status.in_(sorted(EMPLOYED)))
        elif self.status != STATUS_ANY:
            where.append(Employee.status == self.status)
        return where


def filtered_employees(user: User, filters: EmployeeFilters) -> sa.Select:
    """The employees `user` may see that match, with what the list shows loaded up front."""
    return (services.visible_employees(user).where(*filters.conditions())
            .options(selectinload(Employee.department), selectinload(Employee.manager), selectinload(Employee.user)))


def managers(user: User) -> list[Employee]:
    """The managers of the employees `user` may see (the manager filter's choices)."""
    managing = sa.select(Report.manager_id).where(Report.manager_id.is_not(None), services.visibility(user, Report))
    return list(db.session.scalars(sa.select(Employee).where(Employee.id.in_(managing))
                                   .order_by(sa.func.lower(Employee.full_name), Employee.number)))
