"""Forms of the context registers. The rules (an owner who can sign in, a reason for every
exclusion, no overlapping appointments...) are the services'; they come back as problems that
app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.common.forms import IsoDateField, strip
from app.context.models import ContextStatus, IssueKind, PartyKind

LONG = Length(max=10_000, message="Use at most 10,000 characters.")


def _people(users) -> dict[str, str]:
    return {str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}


class IssueForm(FlaskForm):
    version = HiddenField()
    kind = SelectField("Kind", choices={"": "Choose", **{kind.value: kind.label for kind in IssueKind}},
                       validators=[DataRequired("Choose whether the issue is internal or external.")])
    title = StringField("Issue", filters=[strip], validators=[
        DataRequired("Name the issue in a few words, like “Energy supply outages”."),
        Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("Description", filters=[strip], validators=[LONG])
    effect = TextAreaField("What it means for information security", filters=[strip], validators=[
        DataRequired("Say what the issue means for information security and the ISMS."), LONG])
    owner_id = SelectField("Owner", validators=[Optional()])
    review_on = IsoDateField("Next review", validators=[InputRequired("Enter the date of the next review.")])
    status = SelectField("Status", choices={status.value: status.label for status in ContextStatus})

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "Choose the owner"} | _people(users)


class PartyForm(FlaskForm):
    version = HiddenField()
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Name the party, like “Information Regulator”."),
        Length(max=200, message="Use at most 200 characters.")])
    kind = SelectField("Kind", choices={"": "Choose", **{kind.value: kind.label for kind in PartyKind}},
                       validators=[DataRequired("Choose what kind of party it is.")])
    description = TextAreaField("Who they are and why they matter", filters=[strip], validators=[LONG])
    owner_id = SelectField("Owner", validators=[Optional()])
    review_on = IsoDateField("Next review", validators=[InputRequired("Enter the date of the next review.")])
    status = SelectField("Status", choices={status.value: status.label for status in ContextStatus})

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "Choose the owner"} | _people(users)


class RequirementForm(FlaskForm):
    version = HiddenField()
    requirement = TextAreaField("What they require", filters=[strip], validators=[
        DataRequired("Say what the party requires."), LONG])
    source = StringField("Source", filters=[strip], validators=[Length(max=200, message="Use at most 200 characters.")])
    addressed = BooleanField("The ISMS addresses this requirement")
    how_addressed = TextAreaField("How", filters=[strip], validators=[LONG])
    control_ids = SelectMultipleField("Controls that meet it", coerce=int, validators=[Optional()])

    def set_control_choices(self, controls) -> None:
        self.control_ids.choices = [(control.id, f"{control.reference} {control.title}"
                                     + ("" if control.active else " (retired)")) for control in controls]


class DeleteForm(FlaskForm):
    """A button that removes a record: the version it was shown at."""

    version = HiddenField()


class ExclusionForm(Form):
    what = StringField("Excluded", filters=[strip])
    reason = TextAreaField("Reason", filters=[strip])


class ScopeDraftForm(FlaskForm):
    version = HiddenField()
    in_scope = TextAreaField("In scope", filters=[strip])
    out_of_scope = TextAreaField("Out of scope", filters=[strip])
    boundaries = TextAreaField("Boundaries", filters=[strip])
    interfaces = TextAreaField("Interfaces and dependencies", filters=[strip])
    exclusions = FieldList(FormField(ExclusionForm), label="Exclusions", min_entries=0, max_entries=60)
    change_note = TextAreaField("What this version changes", filters=[strip])


class IssueScopeForm(FlaskForm):
    version = HiddenField()
    approved_on = IsoDateField("Approved on", validators=[InputRequired("Enter the date of the approval.")])
    note = TextAreaField("Approval note", filters=[strip], validators=[
        Length(max=2000, message="Use at most 2,000 characters.")])


class RoleForm(FlaskForm):
    version = HiddenField()
    name = StringField("Role", filters=[strip], validators=[
        DataRequired("Name the role, like “Information security officer”."),
        Length(max=120, message="Use at most 120 characters.")])
    responsibilities = TextAreaField("Responsibilities", filters=[strip], validators=[
        DataRequired("Say what the holder of the role is responsible for."), LONG])
    authority = TextAreaField("Authority", filters=[strip], validators=[LONG])


class AssignmentForm(FlaskForm):
    version = HiddenField()
    user_id = SelectField("Held by", validators=[DataRequired("Choose who holds the role.")])
    starts_on = IsoDateField("From", validators=[InputRequired("Enter the date the person took up the role.")])
    ends_on = IsoDateField("To", validators=[Optional()])
    note = StringField("Note", filters=[strip], validators=[Length(max=300, message="Use at most 300 characters.")])

    def set_user_choices(self, users) -> None:
        self.user_id.choices = {"": "Choose a person"} | _people(users)
