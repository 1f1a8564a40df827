"""Forms of the catalogue. The rules (unique reference, mapping to Annex A) are the services';
they come back as ControlRuleError problems that app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.controls.models import INTERNAL_CATALOGUE, ControlType, Frequency, InclusionReason, TestResult
from app.controls.soa import INCLUDED_STATUSES


class AnnexAControlForm(FlaskForm):
    """What the organisation keeps on an Annex A control; the rest is the standard's."""

    version = HiddenField()
    description = TextAreaField("How it is done here", filters=[strip], validators=[
        Length(max=10000, message="Use at most 10,000 characters.")])
    owner_id = SelectField("Owner", validators=[Optional()])
    department_id = SelectField("Department", validators=[Optional()])

    def set_choices(self, *, users, departments: dict[str, str], **_) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}
        self.department_id.choices = departments


class InternalControlForm(AnnexAControlForm):
    reference = StringField("Reference", filters=[strip], validators=[
        DataRequired("Give the control a reference, like IC-001."),
        Length(max=32, message="Use at most 32 characters.")])
    catalogue = StringField("Catalogue", filters=[strip], default=INTERNAL_CATALOGUE, validators=[
        DataRequired("Name the catalogue, like “Internal”."), Length(max=120, message="Use at most 120 characters.")])
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the control a title."), Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("Description", filters=[strip], validators=[
        Length(max=10000, message="Use at most 10,000 characters.")])
    control_type = SelectField("Type", choices={"": "Choose a type", **{t.value: t.value for t in ControlType}},
                               validators=[DataRequired("Choose whether the control is preventive, detective or "
                                                        "corrective.")])
    frequency = SelectField("Operates", choices={"": "Not set", **{f.value: f.label for f in Frequency}},
                            validators=[Optional()])
    annex_a_ids = SelectMultipleField("Implements (Annex A)", coerce=int, validators=[
        DataRequired("Map the control to at least one Annex A control it implements.")])
    active = BooleanField("In use", default=True)

    def set_choices(self, *, users, departments: dict[str, str], annex_a=(), **_) -> None:
        super().set_choices(users=users, departments=departments)
        self.annex_a_ids.choices = [(control.id, f"{control.reference} {control.title}") for control in annex_a]


# --- Statement of Applicability -------------------------------------------------------------------


class SoaEntryForm(FlaskForm):
    version = HiddenField()
    applicable = SelectField("Applicable?", choices={"": "Decide", "yes": "Yes: the control is included",
                                                     "no": "No: the control is excluded"},
                             validators=[DataRequired("Decide whether the control applies.")])
    reasons = MultiCheckboxField("Reasons for inclusion", choices={r.value: r.label for r in InclusionReason})
    justification = TextAreaField("Justification", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])
    status = SelectField("Implementation status", choices={"": "Choose a status", **{
        s.value: s.label for s in INCLUDED_STATUSES}}, validators=[Optional()])
    owner_id = SelectField("Owner", validators=[Optional()])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}


class IssueSoaForm(FlaskForm):
    approver = StringField("Approved by", filters=[strip], validators=[
        DataRequired("Name who approved this version, like “Head of Department”."),
        Length(max=200, message="Use at most 200 characters.")])
    approved_on = IsoDateField("Approved on", validators=[InputRequired("Enter the date of the approval.")])
    note = TextAreaField("Approval note", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])


# --- evidence ----------------------------------------------------------------------------------------


class EvidenceForm(FlaskForm):
    version = HiddenField()
    kind = SelectField("Evidence is", choices={"file": "A file I upload", "link": "A link to where it is kept"},
                       default="file")
    file = FileField("File")
    url = StringField("Link", filters=[strip], validators=[Length(max=2000, message="Use at most 2,000 characters.")])
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the evidence a title, like “Restore test, Q3 2026”."),
        Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("Description", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])
    evidence_date = IsoDateField("Date of the evidence", validators=[InputRequired("Enter the date of the evidence.")])
    valid_until = IsoDateField("Valid until", validators=[Optional()])
    control_ids = SelectMultipleField("Supports the controls", coerce=int, validators=[
        DataRequired("Choose at least one control the evidence supports.")])


class ReplaceFileForm(FlaskForm):
    version = HiddenField()
    file = FileField("New version of the file", validators=[FileRequired("Choose the file to upload.")])


class ControlTestForm(FlaskForm):
    what_is_checked = TextAreaField("What is checked", filters=[strip], validators=[
        DataRequired("Say what the test checks."), Length(max=5000, message="Use at most 5,000 characters.")])
    method = TextAreaField("How (method)", filters=[strip], validators=[
        DataRequired("Say how it was checked."), Length(max=5000, message="Use at most 5,000 characters.")])
    sample = StringField("Sample", filters=[strip], validators=[Length(max=500, message="Use at most 500 characters.")])
    tested_on = IsoDateField("Tested on", validators=[InputRequired("Enter the date of the test.")])
    tester_id = SelectField("Tester", validators=[Optional()])
    result = SelectField("Result", choices={"": "Choose the result", **{r.value: r.label for r in TestResult}},
                         validators=[DataRequired("Choose the result.")])
    findings = TextAreaField("Findings", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])
    # A partly effective or ineffective result raises a nonconformity: these say who owns it and by when.
    nonconformity_owner_id = SelectField("Nonconformity owner", validators=[Optional()])
    nonconformity_due_on = IsoDateField("Corrective actions due by", validators=[Optional()])
    nonconformity_severity = SelectField("Severity", choices={"minor": "Minor", "major": "Major"}, default="minor",
                                         validators=[Optional()])

    def set_tester_choices(self, users) -> None:
        self.tester_id.choices = {"": "Not recorded"} | {str(user.id): user.full_name for user in users}

    def set_owner_choices(self, users) -> None:
        self.nonconformity_owner_id.choices = {"": "Choose the owner"} | {
            str(user.id): f"{user.full_name} ({user.role_enum.label})" for user in users}
