"""Forms of the awareness register. The rules (dates within the campaign, a web address that is one,
a known employee...) are the services'; they come back as problems that app.common.saving puts next
to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.awareness.models import Channel, Outcome
from app.common.forms import IsoDateField, MultiCheckboxField, strip


class CampaignForm(FlaskForm):
    version = HiddenField()
    topic = StringField("Topic", filters=[strip], validators=[
        DataRequired("Name the campaign's topic, like “Phishing: think before you click”."),
        Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("What it covers", filters=[strip],
                                validators=[Length(max=10_000, message="Use at most 10,000 characters.")])
    channel = SelectField("Channel", choices={"": "Choose", **{c.value: c.label for c in Channel}},
                          validators=[DataRequired("Choose how the campaign reaches people.")])
    starts_on = IsoDateField("Starts on", validators=[InputRequired("Give the day the campaign starts.")])
    ends_on = IsoDateField("Ends on", validators=[InputRequired("Give the day the campaign ends.")])
    owner_id = SelectField("Owner", validators=[Optional()])
    department_ids = MultiCheckboxField("Departments (none ticked: every department)", coerce=int,
                                        validators=[Optional()])
    roles = TextAreaField("Roles (positions, one a line; empty: every position)", filters=[strip],
                          validators=[Length(max=10_000, message="Use at most 10,000 characters.")])
    material_url = StringField("Link to the material", filters=[strip], validators=[Optional()])
    material = FileField("Or upload the material")

    def set_choices(self, users, departments) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {str(u.id): u.full_name for u in users}
        self.department_ids.choices = [(d.id, f"{d.code} — {d.name}") for d in departments]


class TrainingForm(FlaskForm):
    """One employee's completion or attendance, recorded by hand."""

    employee_number = StringField("Employee number", filters=[strip], validators=[
        DataRequired("Give the employee (or PERSAL) number."), Length(max=32, message="Use at most 32 characters.")])
    outcome = SelectField("Outcome", choices={o.value: o.label for o in Outcome})
    completed_on = IsoDateField("Completed or attended on", validators=[Optional()])
    score = IntegerField("Score (%)", validators=[Optional(), NumberRange(0, 100, "A score is from 0 to 100.")])
    note = StringField("Note", filters=[strip], validators=[Length(max=500, message="Use at most 500 characters.")])


class DeleteForm(FlaskForm):
    pass
