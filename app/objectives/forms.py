"""Forms of objectives and metrics. The rules (an owner who may own an objective, one measurement per
period...) are the services'; they come back as ObjectiveRuleError problems that app.common.saving
puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.objectives.computations import COMPUTATIONS
from app.objectives.models import Direction, Frequency, ObjectiveStatus

MANUAL = ""  # the computation choice of a metric recorded by hand


class NumberField(DecimalField):
    """A number, with a decimal comma taken as a point (72,5 is how many here write 72.5)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].count(",") == 1 and "." not in valuelist[0]:
            valuelist = [valuelist[0].replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"“{valuelist[0]}” is not a number; write it like 72.5.") from None


def _people(users) -> dict[str, str]:
    return {str(u.id): f"{u.full_name} ({u.role_enum.label})" + ("" if u.active else " (inactive)") for u in users}


class ObjectiveForm(FlaskForm):
    version = HiddenField()
    title = StringField("Objective", filters=[strip], validators=[
        DataRequired("Say what the objective is, like “Raise staff security awareness”."),
        Length(max=200, message="Use at most 200 characters.")])
    plan = TextAreaField("What will be done", filters=[strip])
    resources = TextAreaField("Resources required", filters=[strip])
    owner_id = SelectField("Owner", validators=[Optional()])
    due_on = IsoDateField("Due on", validators=[Optional()])
    evaluation = TextAreaField("How results are evaluated", filters=[strip])
    metric_ids = MultiCheckboxField("Metrics", coerce=int, validators=[Optional()])

    def set_choices(self, users, metrics) -> None:
        self.owner_id.choices = {"": "Choose the owner"} | _people(users)
        self.metric_ids.choices = {metric.id: f"{metric.title} (target {metric.target:g}{metric.unit})"
                                   for metric in metrics}


class StatusForm(FlaskForm):
    version = HiddenField()
    status = SelectField("Status", choices={s.value: s.label for s in ObjectiveStatus},
                         validators=[DataRequired("Choose a status.")])
    on = IsoDateField("As of", validators=[Optional()])
    note = TextAreaField("Why", filters=[strip], validators=[Length(max=5000, message="Use at most 5,000 characters.")])


class MetricForm(FlaskForm):
    version = HiddenField()
    title = StringField("Metric", filters=[strip], validators=[
        DataRequired("Name what is measured, like “Phishing simulation click rate”."),
        Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("What is measured", filters=[strip])
    computation = SelectField("Measured", choices={MANUAL: "By hand (someone records each value)"} | {
        name: f"By Khusela: {computation.title}" for name, computation in COMPUTATIONS.items()})
    method = TextAreaField("Method", filters=[strip])
    frequency = SelectField("Frequency", choices={f.value: f.label for f in Frequency})
    measurer_id = SelectField("Who measures", validators=[Optional()])
    evaluator_id = SelectField("Who evaluates", validators=[Optional()])
    target = NumberField("Target", places=None, validators=[
        InputRequired("Give the target as a number, like 95 (for 95%) or 0.")])
    direction = SelectField("Better when", choices={d.value: d.label for d in Direction})
    unit = StringField("Unit", filters=[strip], validators=[Length(max=24, message="Use at most 24 characters.")])
    headline = BooleanField("Headline metric: show its trend on the dashboard")

    def set_choices(self, users) -> None:
        self.measurer_id.choices = {"": "Nobody (computed by Khusela)"} | _people(users)
        self.evaluator_id.choices = {"": "Choose who evaluates"} | _people(users)


class MeasurementForm(FlaskForm):
    on = IsoDateField("Date measured", validators=[Optional()])
    value = NumberField("Value", places=None, validators=[InputRequired("Give the value as a number, like 72.5.")])
    note = TextAreaField("Note", filters=[strip],
                         validators=[Length(max=5000, message="Use at most 5,000 characters.")])


class CorrectionForm(FlaskForm):
    version = HiddenField()
    value = NumberField("Corrected value", places=None,
                        validators=[InputRequired("Give the value as a number, like 72.5.")])
    reason = TextAreaField("Why it is corrected", filters=[strip],
                           validators=[DataRequired("Say why the value is corrected: the audit log and the "
                                                    "metric's page show it."),
                                       Length(max=5000, message="Use at most 5,000 characters.")])


class RetireForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField("Why it is no longer measured", filters=[strip],
                           validators=[DataRequired("Say why the metric is no longer measured: the metric's page "
                                                    "and the audit log show it."),
                                       Length(max=5000, message="Use at most 5,000 characters.")])


class ReinstateForm(FlaskForm):
    version = HiddenField()
