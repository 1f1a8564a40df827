"""Forms of the incident register. The rules (triage, the order of the handling dates, POPIA s22) are
the services'; they come back as IncidentRuleError problems that app.common.saving shows by the fields."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import DateTimeLocalInput

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.common.timeutil import local_zone
from app.incidents.models import CustodyAction, IncidentCategory, IncidentSeverity, IncidentSource, NoticeMethod
from app.incidents.services import REPORTER_PI_ANSWERS

LONG = Length(max=10000, message="Use at most 10,000 characters.")
TITLE = Length(max=200, message="Use at most 200 characters.")


class LocalDateTimeField(Field):
    """A moment typed in the organisation's time zone (the browser's datetime-local input sends
    YYYY-MM-DDTHH:MM), kept in UTC like every stored time."""

    widget = DateTimeLocalInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            self.data = None
            raise ValueError(f"“{text}” is not a date and time; enter it as YYYY-MM-DD HH:MM, like "
                             "2026-03-31 14:30.") from None
        self.data = moment.replace(tzinfo=local_zone()) if moment.tzinfo is None else moment


def _choices(enum_class, empty: str | None = None) -> dict[str, str]:
    return ({"": empty} if empty is not None else {}) | {item.value: item.label for item in enum_class}


def people(users, empty: str) -> dict[str, str]:
    return {"": empty} | {str(user.id): user.full_name for user in users}


class ReportForm(FlaskForm):
    title = StringField("What happened, in a few words", filters=[strip],
                        validators=[DataRequired("Say in a few words what happened."), TITLE])
    description = TextAreaField("What you saw", filters=[strip], validators=[
        DataRequired("Describe what you saw: what, where, which system or device, who else knows."), LONG])
    discovered_at = LocalDateTimeField("When you noticed it", validators=[InputRequired("Enter when you noticed it.")])
    personal_information = RadioField("Could personal information (about staff, citizens, patients, learners) be "
                                      "involved?", choices=dict(REPORTER_PI_ANSWERS), default="unsure",
                                      validators=[InputRequired("Answer yes, no or not sure.")])


class TriageForm(FlaskForm):
    version = HiddenField()
    is_incident = RadioField("Decision", choices={"yes": "An information security incident",
                                                  "no": "Not an incident"},
                             validators=[InputRequired("Decide whether this is an incident.")])
    reason = TextAreaField("Reason for the decision", filters=[strip], validators=[LONG])
    category = SelectField("Category", choices=_choices(IncidentCategory, "Choose"), validators=[Optional()])
    severity = SelectField("Severity", choices=_choices(IncidentSeverity, "Choose"), validators=[Optional()])
    source = SelectField("Reported by", choices=_choices(IncidentSource), validators=[Optional()])
    reporting_operator_id = SelectField("Operator that reported it (POPIA s21)", validators=[Optional()])
    handler_id = SelectField("Handler", validators=[Optional()])
    asset_tags = StringField("Affected CMDB items: their tags, separated by commas", filters=[strip],
                             validators=[Length(max=2000, message="Use at most 2,000 characters.")])
    department_ids = MultiCheckboxField("Affected departments", coerce=int, validators=[Optional()])
    systems = TextAreaField("Other affected systems", filters=[strip], validators=[LONG])
    personal_information_involved = BooleanField("Personal information is involved")
    personal_information_compromised = BooleanField(
        "Personal information may have been accessed or acquired by an unauthorised person (POPIA s22)")


class ActionForm(FlaskForm):
    at = LocalDateTimeField("When", validators=[InputRequired("Enter when it was done.")])
    description = TextAreaField("What was done", filters=[strip], validators=[DataRequired("Say what was done."), LONG])
    due_on = IsoDateField("A follow-up still to do? Due on", validators=[Optional()])


class HandlingForm(FlaskForm):
    version = HiddenField()
    contained_on = IsoDateField("Contained on", validators=[Optional()])
    eradicated_on = IsoDateField("Eradicated on", validators=[Optional()])
    recovered_on = IsoDateField("Recovered on", validators=[Optional()])
    lessons_learned = TextAreaField("Lessons learned (A.5.27)", filters=[strip], validators=[LONG])


class ButtonForm(FlaskForm):
    version = HiddenField()


class NotificationForm(FlaskForm):
    version = HiddenField()
    regulator_notified_on = IsoDateField("Information Regulator notified on", validators=[Optional()])
    regulator_reference = StringField("eServices submission reference", filters=[strip],
                                      validators=[Length(max=64, message="Use at most 64 characters.")])
    subjects_notified_on = IsoDateField("Data subjects notified on", validators=[Optional()])
    subjects_count = IntegerField("Number of data subjects notified", validators=[
        Optional(), NumberRange(min=0, max=100_000_000, message="Enter a number of people, 0 or more.")])
    subjects_unidentifiable = BooleanField("The data subjects' identity cannot be established (s22(2))")
    notice_method = SelectField("How they were notified (s22(4))", choices=_choices(NoticeMethod, "Not yet"),
                                validators=[Optional()])
    notice_text = TextAreaField("The notice, with the possible consequences (s22(5)(a))", filters=[strip],
                                validators=[LONG])
    measures_taken = TextAreaField("Measures taken or to be taken (s22(5)(b))", filters=[strip], validators=[LONG])
    recommendations = TextAreaField("Recommendations to the data subjects (s22(5)(c))", filters=[strip],
                                    validators=[LONG])
    intruder_identity = StringField("Identity of the unauthorised person, if known (s22(5)(d))", filters=[strip],
                                    validators=[Length(max=300, message="Use at most 300 characters.")])
    delay_reason = TextAreaField("Reason for any delay (s22(3))", filters=[strip], validators=[LONG])


class EvidenceForm(FlaskForm):
    title = StringField("What it is", filters=[strip], validators=[
        DataRequired("Say what the evidence is (e.g. “Mail gateway log, 3 March”)."), TITLE])
    description = TextAreaField("Description", filters=[strip], validators=[LONG])
    collected_at = LocalDateTimeField("Collected at", validators=[InputRequired("Enter when it was collected.")])
    file = FileField("File")


class CustodyForm(FlaskForm):
    at = LocalDateTimeField("When", validators=[InputRequired("Enter when it was handled.")])
    action = SelectField("What was done", choices=_choices(
        [action for action in CustodyAction if action != CustodyAction.COLLECTED], "Choose"),
        validators=[DataRequired("Choose what was done with the item.")])
    handler_id = SelectField("Handled by", validators=[DataRequired("Choose who handled the item.")])
    note = TextAreaField("Where it went, where it is kept, what was found", filters=[strip], validators=[LONG])


class RiskLinkForm(FlaskForm):
    risk_id = SelectField("Risk the incident realised", validators=[DataRequired("Choose the risk.")])
    note = TextAreaField("Note", filters=[strip], validators=[LONG])


class NewRiskForm(FlaskForm):
    title = StringField("Risk title", filters=[strip], validators=[DataRequired("Give the risk a title."), TITLE])
    description = TextAreaField("Description", filters=[strip], validators=[LONG])
    category_id = SelectField("Category", validators=[DataRequired("Choose the risk's category.")])
    likelihood = SelectField("Inherent likelihood", validators=[DataRequired("Choose the likelihood.")])
    impact = SelectField("Inherent impact", validators=[DataRequired("Choose the impact.")])
    owner_id = SelectField("Risk owner", validators=[Optional()])


class ControlsForm(FlaskForm):
    version = HiddenField()
    control_ids = SelectMultipleField("Controls that failed", coerce=int, validators=[Optional()])


class NonconformityForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the nonconformity a short title."), TITLE])
    description = TextAreaField("Nature of the nonconformity", filters=[strip], validators=[
        DataRequired("Describe the nonconformity: the requirement, and what was found instead."), LONG])
    severity = SelectField("Severity", choices={"": "Choose", "major": "Major", "minor": "Minor"},
                           validators=[DataRequired("Choose major or minor.")])
    control_id = SelectField("Annex A or internal control", validators=[Optional()])
    owner_id = SelectField("Owner", validators=[Optional()])
    due_on = IsoDateField("Corrective actions due by", validators=[Optional()])
