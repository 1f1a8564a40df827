"""The employee register as a list: filtered, searched, sorted, paged and exported. A manager
sees the employees of their own department only."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.auth.permissions import EMPLOYEE_VIEW, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.employees import queries
from app.employees.exports import EMPLOYEE_COLUMNS
from app.employees.models import Employee, EmploymentStatus
from app.employees.views import bp


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
        return audited_export(rows, EMPLOYEE_COLUMNS, fmt, "khusela-employees", entity_type="employee",
                              what="employees")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Employee.id)
    return render_template("employees/list.html", listing=listing, filters=filters, choices=_filter_choices())
