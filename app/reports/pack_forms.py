"""The form that asks for an evidence pack."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from app.common.choices import department_choices
from app.common.forms import IsoDateField


class PackForm(FlaskForm):
    controls = TextAreaField("Annex A controls", validators=[Length(max=2000)], render_kw={"rows": 2})
    department = SelectField("Department", validate_choice=True)
    date_from = IsoDateField("From", validators=[Optional()])
    date_to = IsoDateField("To", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = list(department_choices("Every department", include_inactive=True).items())
