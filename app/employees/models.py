"""The employee register: the people policies apply to and cases are about. An employee need not
have an account in Khusela; `user_id` links the two when they do (for acknowledging policies)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.common.models import Timestamped, Versioned
from app.extensions import Model


class EmploymentStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # still employed: policies and acknowledgements still apply
    LEFT = "left"

    @property
    def label(self) -> str:
        return self.value.capitalize()


EMPLOYED = frozenset({EmploymentStatus.ACTIVE, EmploymentStatus.SUSPENDED})


class Employee(Model, Timestamped, Versioned):
    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # employee or PERSAL number
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    position: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    manager: Mapped[Employee | None] = relationship(remote_side=[id], foreign_keys=[manager_id])
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    # The language notices should be written in (Schedule 8 item 4: one the employee understands).
    language: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default=EmploymentStatus.ACTIVE.value, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), unique=True)
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def status_enum(self) -> EmploymentStatus:
        return EmploymentStatus(self.status)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.number})"
