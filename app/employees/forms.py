"""Forms of the employee register. The rules (unique number and e-mail, department, manager
without loops, status) are the services'; they come back as EmployeeRuleError problems that
app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.common.forms import strip
from app.employees.models import EmploymentStatus
from app.employees.services import NUMBER_LIMIT, TEXT_LIMITS


def _text(label: str, limit: int, **kwargs) -> StringField:
    return StringField(label, filters=[strip], validators=[
        Optional(), Length(max=limit, message=f"Use at most {limit} characters.")], **kwargs)


class EmployeeForm(FlaskForm):
    version = HiddenField()
    number = StringField("Employee number", filters=[strip], validators=[
        DataRequired("Give the employee number (or PERSAL number), like 21034567."),
        Length(max=NUMBER_LIMIT, message=f"Use at most {NUMBER_LIMIT} characters.")])
    full_name = StringField("Full name", filters=[strip], validators=[
        DataRequired("Give the employee's full name, like Nomvula Dlamini."),
        Length(max=TEXT_LIMITS["full_name"], message=f"Use at most {TEXT_LIMITS['full_name']} characters.")])
    department_id = SelectField("Department", validators=[Optional()])
    position = _text("Position", TEXT_LIMITS["position"])
    manager_number = _text("Manager's employee number", NUMBER_LIMIT,
                           description="The employee number of the person they report to; empty if nobody.")
    email = _text("E-mail", 254, description="Their own work address. An account that signs in with it is linked "
                                             "to this record.")
    phone = _text("Phone", TEXT_LIMITS["phone"])
    language = _text("Language for notices", TEXT_LIMITS["language"], render_kw={"list": "languages"},
                     description="A language the employee understands, for notices and letters.")
    status = SelectField("Employment status", choices={status.value: status.label for status in EmploymentStatus},
                         default=EmploymentStatus.ACTIVE.value)


class DeleteEmployeeForm(FlaskForm):
    version = HiddenField()
