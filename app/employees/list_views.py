"""The employee register as a list: filtered, searched, sorted, paged and exported. A manager
sees the employees of their own department only."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.auth.permissions import EMPLOYEE_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import Column, audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.employees import queries
from app.employees.models import Employee, EmploymentStatus
from app.employees.views import bp

# The import's columns, so that an export can be corrected and imported again; the manager's name
# and the account are read and ignored by the import.
EXPORT_COLUMNS = [
    Column("Employee number", lambda e: e.number, 14),
    Column("Name", lambda e: e.full_name, 30),
    Column("Department", lambda e: e.department.code if e.department else "", 12),
    Column("Position", lambda e: e.position, 30),
    Column("Manager", lambda e: e.manager.number if e.manager else "", 14),
    Column("Manager name", lambda e: e.manager.full_name if e.manager else "", 28),
    Column("E-mail", lambda e: e.email or "", 32),
    Column("Phone", lambda e: e.phone, 18),
    Column("Language", lambda e: e.language, 14),
    Column("Status", lambda e: e.status_enum.label, 10),
    Column("Khusela account", lambda e: e.user.email if e.user else "", 28),
]


def _filter_choices() -> dict[str, dict[str, str]]:
    return {
        "department": department_choices("All departments", include_inactive=True),
        "status": {queries.STATUS_EMPLOYED: "Employed", queries.STATUS_ANY: "Any",
                   **{status.value: status.label for status in EmploymentStatus}},
        "manager": {"": "Anyone", **{str(manager.id): f"{manager.full_name} ({manager.number})"
                                    for manager in queries.managers(current_user)}},
    }


@bp.get("")
@permission_required(EMPLOYEE_VIEW)
def index():
    filters = queries.EmployeeFilters.from_args(request.args)
    statement = queries.filtered_employees(current_user, filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Employee.id)
        return audited_export(rows, EXPORT_COLUMNS, fmt, "khusela-employees", entity_type="employee",
                              what="employees")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Employee.id)
    return render_template("employees/list.html", listing=listing, filters=filters, choices=_filter_choices())
