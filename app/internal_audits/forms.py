"""Forms of internal audit. The rules (dates, auditors, objectivity, frozen audits) are the services';
they come back as InternalAuditRuleError problems that app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.controls.clauses import clause_choices
from app.internal_audits.models import LineResult

LONG = [Length(max=10000, message="Use at most 10,000 characters.")]


class ProgrammeForm(FlaskForm):
    version = HiddenField()
    starts_on = IsoDateField("Cycle starts on", validators=[InputRequired("Enter the date the cycle starts.")])
    ends_on = IsoDateField("Cycle ends on", validators=[InputRequired("Enter the date the cycle ends.")])
    frequency = TextAreaField("Frequency", filters=[strip], validators=LONG)
    methods = TextAreaField("Methods", filters=[strip], validators=LONG)
    responsibilities = TextAreaField("Responsibilities", filters=[strip], validators=LONG)
    cycle_years = IntegerField("Length of a new cycle (years)", validators=[
        InputRequired("Enter the length of a cycle in years."),
        NumberRange(1, 5, "A cycle lasts 1 to 5 years (certification cycles are 3).")])
    notice_days = IntegerField("Tell the audit team this many days before an audit starts", validators=[
        InputRequired("Enter a number of days."), NumberRange(1, 90, "Enter 1 to 90 days.")])


class AuditForm(FlaskForm):
    version = HiddenField()
    title = StringField("Title", filters=[strip], validators=[
        InputRequired("Give the audit a title."), Length(max=200, message="Use at most 200 characters.")])
    criteria = TextAreaField("Audit criteria", filters=[strip], validators=[
        InputRequired("Name the audit criteria."), Length(max=5000, message="Use at most 5,000 characters.")])
    planned_start = IsoDateField("Planned start", validators=[InputRequired("Enter the planned start date.")])
    planned_end = IsoDateField("Planned end", validators=[InputRequired("Enter the planned end date.")])
    lead_auditor_id = SelectField("Lead auditor", validators=[InputRequired("Choose the lead auditor.")])
    team_ids = SelectMultipleField("Audit team", coerce=int, validators=[Optional()])
    department_ids = SelectMultipleField("Auditee departments", coerce=int, validators=[Optional()])
    auditee_contact_id = SelectField("Auditee's nominated person", validators=[Optional()])
    clauses = MultiCheckboxField("Clauses in scope", choices=dict(clause_choices()), validators=[Optional()])
    control_ids = MultiCheckboxField("Controls in scope", coerce=int, validators=[Optional()])
    independence_reason = TextAreaField("Reason the auditors' conflicts are acceptable", filters=[strip],
                                        validators=[Length(max=5000, message="Use at most 5,000 characters.")])

    def set_choices(self, *, auditors, users, departments: dict[str, str], controls) -> None:
        self.lead_auditor_id.choices = {"": "Choose the lead auditor"} | {
            str(user.id): f"{user.full_name} ({user.role_enum.label})" for user in auditors}
        self.team_ids.choices = {user.id: f"{user.full_name} ({user.role_enum.label})" for user in auditors}
        self.department_ids.choices = {int(key): label for key, label in departments.items() if key}
        self.auditee_contact_id.choices = {"": "Not nominated yet"} | {
            str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}
        groups: dict[str, list[tuple[int, str]]] = {}
        for control in controls:
            groups.setdefault("Annex A (applicable)" if control.is_annex_a else control.catalogue, []).append(
                (control.id, f"{'A.' if control.is_annex_a else ''}{control.reference} {control.title}"))
        # The control picker (templates/_control_picker.html) shows the groups; the
        # field validates against the flat list.
        self.control_groups = groups
        self.control_ids.choices = {value: label for options in groups.values() for value, label in options}


class LineForm(FlaskForm):
    version = HiddenField()
    result = SelectField("Result", choices={"": "Not yet assessed", **{r.value: r.label for r in LineResult}},
                         validators=[Optional()])
    notes = TextAreaField("Notes", filters=[strip], validators=LONG)
    # Offered: the line's control's evidence and a search's matches (queries.evidence_to_offer); any item
    # ticked is checked by services.save_line, which names one that no longer exists.
    evidence_ids = MultiCheckboxField("Khusela evidence examined", coerce=int, validate_choice=False,
                                      validators=[Optional()])
    file = FileField("A file examined (kept with the line)")


class RaiseForm(FlaskForm):
    version = HiddenField()


class VersionForm(FlaskForm):
    """A button that changes the audit (start, close): the version it was shown with."""

    version = HiddenField()


class IssueForm(FlaskForm):
    version = HiddenField()
    summary = TextAreaField("Summary", filters=[strip], validators=LONG)
    conclusion = TextAreaField("Conclusion", filters=[strip], validators=LONG)
    actual_end = IsoDateField("Audit ended on", validators=[Optional()])
