"""Administration → Departments: the list with each department's active members, adding one and
editing one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from app.admin import services
from app.admin.forms import DepartmentForm
from app.admin.views import bp
from app.auth.models import Department, User
from app.auth.permissions import ADMIN_DEPARTMENTS, acting_user, permission_required
from app.common.models import StaleEditError
from app.extensions import db


@bp.get("/departments")
@permission_required(ADMIN_DEPARTMENTS)
def departments():
    member_counts = dict(
        db.session.execute(
            sa.select(User.department_id, sa.func.count()).where(User.active.is_(True)).group_by(User.department_id)
        ).all()
    )
    return render_template("admin/departments.html", departments=services.all_departments(), counts=member_counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@permission_required(ADMIN_DEPARTMENTS)
def new_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = services.create_department(code=form.code.data, name=form.name.data, actor=acting_user())
        except services.DepartmentError as error:
            getattr(form, error.field or "code").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Department {department.code} created.", "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=None), (422 if form.errors else 200)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@permission_required(ADMIN_DEPARTMENTS)
def edit_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm(obj=department if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_department(
                department, expected_version=form.version.data, code=form.code.data, name=form.name.data,
                active=form.active.data, actor=acting_user(),
            )
        except StaleEditError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return redirect(url_for("admin.edit_department", department_id=department.id))
        except services.DepartmentError as error:
            db.session.rollback()
            getattr(form, error.field or "code").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Department {department.code} saved.", "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=department), (
        422 if form.errors else 200)
