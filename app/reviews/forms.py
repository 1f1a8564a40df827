"""Forms of management review. The rules (dates, who may chair or own an action, what a held or
approved review refuses) are the services'; they come back as ReviewRuleError problems next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.reviews.models import ActionStatus

LONG_TEXT = Length(max=20000, message="Use at most 20,000 characters.")


def _user_choices(users) -> list[tuple[int, str]]:
    return [(user.id, f"{user.full_name} ({user.email})") for user in users]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ReviewForm(FlaskForm):
    version = HiddenField()
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the review a title, like “Management review 2026”."),
        Length(max=200, message="Use at most 200 characters.")])
    # Optional here: the service asks for a missing date, and a mistyped one keeps its own message.
    meeting_on = IsoDateField("Meeting date", validators=[Optional()])
    chair_id = SelectField("Chair", coerce=_optional_int, validators=[Optional()])
    attendee_ids = MultiCheckboxField("Attendees (users)", coerce=int, validate_choice=False)
    external_attendees = TextAreaField("Other attendees", filters=[strip], validators=[
        Length(max=2000, message="Use at most 2,000 characters.")])
    interested_party_feedback = TextAreaField("Feedback from interested parties", filters=[strip],
                                              validators=[LONG_TEXT])
    improvement_opportunities = TextAreaField("Opportunities for continual improvement", filters=[strip],
                                              validators=[LONG_TEXT])

    def set_choices(self, users) -> None:
        self.chair_id.choices = [("", "Choose the chair"), *_user_choices(users)]
        self.attendee_ids.choices = _user_choices(users)


class CompileForm(FlaskForm):
    as_of = IsoDateField("Compile as of", validators=[DataRequired("Give the date the inputs are compiled as of.")])


class MinutesForm(FlaskForm):
    version = HiddenField()
    minutes = TextAreaField("Minutes", filters=[strip], validators=[
        DataRequired("Write the minutes: what was discussed, and the decisions taken."), LONG_TEXT])


class ApproveForm(FlaskForm):
    version = HiddenField()


class ActionForm(FlaskForm):
    version = HiddenField()
    decision = TextAreaField("Decision", filters=[strip], validators=[
        DataRequired("Write the decision the action carries out."), Length(max=5000, message="Use at most 5,000 "
                                                                                          "characters.")])
    title = StringField("Action", filters=[strip], validators=[
        DataRequired("Say what is to be done."), Length(max=300, message="Use at most 300 characters.")])
    owner_id = SelectField("Owner", coerce=_optional_int, validators=[Optional()])
    due_on = IsoDateField("Due", validators=[DataRequired("Give the date the action is due.")])

    def set_choices(self, users) -> None:
        self.owner_id.choices = [("", "Choose the owner"), *_user_choices(users)]


class ProgressForm(FlaskForm):
    version = HiddenField()
    status = SelectField("Status", choices={status.value: status.label for status in ActionStatus})
    closed_on = IsoDateField("Done or cancelled on", validators=[Optional()])
    progress_note = TextAreaField("Note", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])
