"""Forms of the nonconformity register. The rules (who may raise what, independence of the
effectiveness review, read-only once closed) are the services'; they come back as
NonconformityRuleError problems that app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.common.choices import control_choices
from app.common.forms import IsoDateField, strip
from app.controls.clauses import clause_choices
from app.nonconformities.models import ChangeKind, CorrectiveActionStatus, NonconformitySource, Severity
from app.nonconformities.services import MAX_WHYS

LONG = Length(max=10000, message="Use at most 10,000 characters.")
WHY = Length(max=1000, message="Use at most 1,000 characters.")


def _people(users, empty: str) -> dict[str, str]:
    return {"": empty} | {str(user.id): f"{user.full_name} ({user.role_enum.label})"
                          + ("" if user.active else " (inactive)") for user in users}


class NonconformityForm(FlaskForm):
    version = HiddenField()
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the nonconformity a short title."), Length(max=200, message="Use at most 200 characters.")])
    description = TextAreaField("Nature of the nonconformity", filters=[strip], validators=[
        DataRequired("Describe the nonconformity: the requirement, and what was found instead."), LONG])
    source = SelectField("Found by", choices={"": "Choose the source",
                                              **{s.value: s.label for s in NonconformitySource}},
                         validators=[DataRequired("Choose where the nonconformity was found.")])
    source_reference = StringField("Source reference", filters=[strip], validators=[
        Length(max=200, message="Use at most 200 characters.")])
    severity = SelectField("Severity", choices={"": "Choose", **{s.value: s.label for s in Severity}},
                           validators=[DataRequired("Choose major or minor.")])
    clause = SelectField("Clause of ISO/IEC 27001", validators=[Optional()])
    control_id = SelectField("Annex A or internal control", validators=[Optional()])
    department_id = SelectField("Department", validators=[Optional()])
    owner_id = SelectField("Owner", validators=[Optional()])
    raised_on = IsoDateField("Raised on", validators=[InputRequired("Enter the date it was raised.")])
    due_on = IsoDateField("Corrective actions due by", validators=[Optional()])
    correction = TextAreaField("Correction already made", filters=[strip], validators=[LONG])

    def set_choices(self, *, users, departments: dict[str, str], controls) -> None:
        self.clause.choices = {"": "None (or an Annex A control)"} | dict(clause_choices())
        self.control_id.choices = {"": "None", **{catalogue: {str(value): label for value, label in group}
                                                  for catalogue, group in control_choices(controls).items()}}
        self.department_id.choices = departments
        self.owner_id.choices = _people(users, "Nobody yet")


class AnalysisForm(FlaskForm):
    version = HiddenField()
    correction = TextAreaField("Correction (10.2 a)", filters=[strip], validators=[LONG])
    why_1 = StringField("Why 1", filters=[strip], validators=[WHY])
    why_2 = StringField("Why 2", filters=[strip], validators=[WHY])
    why_3 = StringField("Why 3", filters=[strip], validators=[WHY])
    why_4 = StringField("Why 4", filters=[strip], validators=[WHY])
    why_5 = StringField("Why 5", filters=[strip], validators=[WHY])
    root_cause = TextAreaField("Root cause", filters=[strip], validators=[LONG])
    similar_elsewhere = TextAreaField("Similar nonconformities elsewhere (10.2 b 3)", filters=[strip],
                                      validators=[LONG])

    def why_fields(self) -> list:
        return [getattr(self, f"why_{number}") for number in range(1, MAX_WHYS + 1)]


class ActionForm(FlaskForm):
    version = HiddenField()
    title = StringField("Action", filters=[strip], validators=[
        DataRequired("Say what the action will do to remove the cause."),
        Length(max=300, message="Use at most 300 characters.")])
    owner_id = SelectField("Owner", validators=[DataRequired("Choose who owns the action.")])
    due_on = IsoDateField("Due on", validators=[InputRequired("Enter the date the action is due.")])
    status = SelectField("Status", choices={s.value: s.label for s in CorrectiveActionStatus
                                            if s != CorrectiveActionStatus.CANCELLED},
                         default=CorrectiveActionStatus.PLANNED.value, validators=[DataRequired("Choose a status.")])
    progress_note = TextAreaField("Progress", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = _people(users, "Choose the owner")


class OwnActionForm(FlaskForm):
    """What an action's owner records: how far it is, and what was done."""

    version = HiddenField()
    status = SelectField("Status", choices={s.value: s.label for s in CorrectiveActionStatus
                                            if s != CorrectiveActionStatus.CANCELLED},
                         validators=[DataRequired("Choose a status.")])
    progress_note = TextAreaField("Progress", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])


class ReasonForm(FlaskForm):
    """Cancelling an action, reopening a nonconformity: the reason is kept."""

    version = HiddenField()
    reason = TextAreaField("Reason", filters=[strip], validators=[
        DataRequired("Give the reason."), Length(max=2000, message="Use at most 2,000 characters.")])


class ReviewForm(FlaskForm):
    version = HiddenField()
    effective = RadioField("Did the corrective actions remove the cause?",
                           choices={"yes": "Effective: the cause is removed; close the nonconformity",
                                    "no": "Not effective: a new corrective action is needed"},
                           validators=[InputRequired("Choose effective or not effective.")])
    reviewed_on = IsoDateField("Reviewed on", validators=[InputRequired("Enter the date of the review.")])
    note = TextAreaField("What was checked", filters=[strip], validators=[
        DataRequired("Say what was checked and what it showed."), LONG])


class ChangeForm(FlaskForm):
    kind = SelectField("What changed", choices={k.value: k.label for k in ChangeKind},
                       validators=[DataRequired("Choose what changed.")])
    reference = StringField("Reference of the risk, policy or control", filters=[strip], validators=[
        Length(max=64, message="Use at most 64 characters.")])
    description = StringField("Other change", filters=[strip], validators=[
        Length(max=300, message="Use at most 300 characters.")])
    note = TextAreaField("How it changed", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])


class ButtonForm(FlaskForm):
    """A button with nothing but its CSRF token (removing a change)."""


class TestFollowUpForm(FlaskForm):
    """Raising the nonconformity of a failed control test recorded before nonconformities existed."""

    __test__ = False

    owner_id = SelectField("Owner", validators=[DataRequired("Choose who owns the nonconformity.")])
    due_on = IsoDateField("Corrective actions due by", validators=[InputRequired("Enter the date they are due.")])
    severity = SelectField("Severity", choices={s.value: s.label for s in Severity}, default=Severity.MINOR.value,
                           validators=[DataRequired("Choose major or minor.")])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = _people(users, "Choose the owner")
