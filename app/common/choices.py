"""What the forms of several packages offer to choose from: departments, controls and people."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin.services import all_departments
from app.auth.models import Role, User
from app.extensions import db


def department_choices(include_none_label: str = "None (province-wide role)", *, keep_id: int | None = None,
                       include_inactive: bool = False) -> dict[str, str]:
    """Active departments; `keep_id` adds the one a user is already in even if it was deactivated,
    so saving other changes does not silently move them out of it."""
    choices = {"": include_none_label}
    for department in all_departments():
        if department.active or include_inactive or department.id == keep_id:
            suffix = "" if department.active else " (inactive)"
            choices[str(department.id)] = f"{department.code} — {department.name}{suffix}"
    return choices


def control_choices(controls) -> dict[str, list[tuple[int, str]]]:
    """Grouped by catalogue, in reference order: "8.16 Monitoring activities"."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for control in controls:
        label = f"{control.reference} {control.title}" + ("" if control.active else " (retired)")
        groups.setdefault(control.catalogue, []).append((control.id, label))
    return groups


def active_users(keep_id: int | None = None) -> list[User]:
    """Active users, risk owners first, then by name; `keep_id` keeps someone already chosen."""
    clause = User.active.is_(True) if keep_id is None else sa.or_(User.active.is_(True), User.id == keep_id)
    users = list(db.session.scalars(sa.select(User).where(clause).order_by(sa.func.lower(User.full_name), User.id)))
    return sorted(users, key=lambda user: user.role != Role.RISK_OWNER)
