from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.services import all_departments, role_choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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


def department_id_or_none(value: str | None) -> int | None:
    return int(value) if value else None


class UserForm(FlaskForm):
    version = HiddenField()
    email = StringField("Email", validators=[
        DataRequired("Enter the e-mail address the person signs in with."),
        Email("Enter a valid e-mail address, like name@westerncape.gov.za."), Length(max=254)])
    full_name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    role = SelectField("Role", validators=[DataRequired("Choose a role.")])
    department_id = SelectField("Department", validators=[Optional()])

    def __init__(self, *args, current_department_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.department_id.choices = department_choices(keep_id=current_department_id)


class NewUserForm(UserForm):
    password = PasswordField("Initial password", validators=[DataRequired("Set an initial password."),
                                                             Length(max=256)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter the new password."), Length(max=256)])


class VersionOnlyForm(FlaskForm):
    """A button that changes one thing (deactivate, unlock): CSRF and the version it was shown at."""

    version = HiddenField()


class DepartmentForm(FlaskForm):
    version = HiddenField()
    code = StringField("Code", validators=[
        DataRequired("Enter a short code, like DOTP."), Length(max=16),
        Regexp(r"^[A-Za-z0-9&_-]+$", message="Use letters, digits, &, - or _ only, with no spaces (like DEA&DP).")])
    name = StringField("Name", validators=[DataRequired("Enter the department's name."), Length(max=200)])
    active = BooleanField("Active", default=True)


class SettingsForm(FlaskForm):
    classification_label = StringField(
        "Classification banner", validators=[DataRequired("Enter the label shown on every page."), Length(max=40)])
    mfa_required_roles = MultiCheckboxField("Roles that must use two-factor sign-in")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mfa_required_roles.choices = role_choices()
