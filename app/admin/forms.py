from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.admin.services import role_choices
from app.auth.models import DESIGNATIONS, AcceptanceAuthority
from app.auth.passwords import PASSWORD_RULE
from app.common.choices import department_choices
from app.common.forms import MultiCheckboxField, strip
from app.risks import scoring

# A session must outlive a sign-in and a page or two, and end within three days whatever happens.
SESSION_LIFETIME_HOURS_MIN, SESSION_LIFETIME_HOURS_MAX = 1, 72


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
    acceptance_authority = SelectField("Risk acceptance authority", validators=[Optional()])

    def __init__(self, *args, current_department_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.department_id.choices = department_choices(keep_id=current_department_id)
        self.acceptance_authority.choices = {
            "": "None", **{designation.value: designation.label for designation in DESIGNATIONS}}


class NewUserForm(UserForm):
    password = PasswordField("Initial password", validators=[DataRequired("Set an initial password."),
                                                             Length(max=256)], description=PASSWORD_RULE)


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter the new password."), Length(max=256)],
                             description=PASSWORD_RULE)


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
    seen = HiddenField()  # settings.state_of() the page's settings when it was opened
    organisation_name = StringField("Organisation", validators=[
        DataRequired("Enter the organisation's name, as reports should show it."), Length(max=120)])
    classification_label = StringField(
        "Classification banner", validators=[DataRequired("Enter the label shown on every page."), Length(max=40)])
    mfa_required_roles = MultiCheckboxField("Roles that must use two-factor sign-in")
    evidence_max_mb = IntegerField("Largest evidence file (MB)", validators=[
        InputRequired("Enter the largest evidence file accepted, in MB."),
        NumberRange(min=1, message="Accept files of at least 1 MB.")])
    asset_classifications = TextAreaField("Classification labels of assets", validators=[
        DataRequired("Enter at least one classification label, one per line.")])
    policy_review_months = IntegerField("Policy review interval (months)", validators=[
        InputRequired("Enter how many months after approval a policy is due for review."),
        NumberRange(min=1, max=36, message="Review policies at least every 36 months (1 to 36).")])
    scope_review_months = IntegerField("Scope statement review interval (months)", validators=[
        InputRequired("Enter how many months after approval the ISMS scope statement is due for review."),
        NumberRange(min=1, max=36, message="Review the scope at least every 36 months (1 to 36).")])
    management_review_interval_months = IntegerField("Management review interval (months)", validators=[
        InputRequired("Enter how many months may pass after a management review before the next one is overdue."),
        NumberRange(min=1, max=36, message="Hold a management review at least every 36 months (1 to 36; 12: annual).")])
    continuity_test_months = IntegerField("Continuity test interval (months)", validators=[
        InputRequired("Enter how many months a service of the business impact analysis may go without a test."),
        NumberRange(min=1, max=36, message="Test each service at least every 36 months (1 to 36; 12: annual).")])
    continuity_plan_review_months = IntegerField("Continuity plan review interval (months)", validators=[
        InputRequired("Enter how many months after its issue a continuity or recovery plan is due for review."),
        NumberRange(min=1, max=36, message="Review plans at least every 36 months (1 to 36).")])
    management_review_reminder_days = IntegerField("Management review reminder (days before)", validators=[
        InputRequired("Enter how many days before a planned management review its chair is reminded."),
        NumberRange(min=1, max=90, message="Remind between 1 and 90 days before the review.")])
    supplier_contract_reminder_days = IntegerField("Supplier contract reminder (days before it ends)", validators=[
        InputRequired("Enter how many days before a supplier's contract ends its owner is reminded."),
        NumberRange(min=1, max=365, message="Remind between 1 and 365 days before the contract ends.")])
    awareness_target_rate = IntegerField("Awareness completion target (%)", validators=[
        InputRequired("Enter the share of a campaign's audience that should complete it, in percent."),
        NumberRange(min=1, max=100, message="Set a target between 1 and 100%%.")])
    incident_notification_days = IntegerField("POPIA breach notification expected within (days)", validators=[
        InputRequired("Enter how many days after discovery the organisation expects to notify a POPIA breach."),
        NumberRange(min=1, max=30, message="Expect notification within 1 to 30 days of discovery.")])
    pack_retention_days = IntegerField("Keep evidence packs for (days)", validators=[
        InputRequired("Enter how many days a built evidence pack stays available for download."),
        NumberRange(min=1, max=365, message="Keep packs between 1 and 365 days.")])
    governing_disciplinary_code = StringField("Governing disciplinary code", validators=[
        DataRequired("Name the collective agreement or regulations that govern discipline here, such as the "
                     "Disciplinary Code and Procedures for the Public Service (PSCBC Resolution 1 of 2003)."),
        Length(max=300)])
    session_lifetime_hours = IntegerField("Longest session (hours)", validators=[
        InputRequired("Enter after how many hours a session ends however active it is."),
        NumberRange(min=SESSION_LIFETIME_HOURS_MIN, max=SESSION_LIFETIME_HOURS_MAX,
                    message=f"Choose between {SESSION_LIFETIME_HOURS_MIN} and {SESSION_LIFETIME_HOURS_MAX} hours "
                            "(12 covers a working day).")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mfa_required_roles.choices = role_choices()

    def classification_labels(self) -> list[str]:
        return [line.strip() for line in (self.asset_classifications.data or "").splitlines() if line.strip()]

    def validate_asset_classifications(self, field) -> None:
        labels = self.classification_labels()
        if len(labels) > 10:
            raise ValidationError("Use at most 10 classification labels.")
        if any(len(label) > 32 for label in labels):
            raise ValidationError("Keep each label to 32 characters.")
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValidationError("Give each label once.")


# --- risk matrix, risk settings and risk categories -------------------------------------------

MAX_BANDS = 6
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BAND_COLOUR = "#6c757d"


class LevelForm(Form):
    """One likelihood or impact level (a row of a FieldList; no CSRF of its own)."""

    label = StringField("Label", filters=[strip])
    description = StringField("Description", filters=[strip])


class BandForm(Form):
    name = StringField("Name", filters=[strip])
    min_score = StringField("Lowest score", filters=[strip])
    max_score = StringField("Highest score", filters=[strip])
    colour = StringField("Colour", filters=[strip], default=DEFAULT_BAND_COLOUR)
    response = StringField("Required response", filters=[strip])

    def is_empty(self) -> bool:
        return not (self.name.data or self.min_score.data or self.max_score.data)


class MatrixForm(FlaskForm):
    """A new version of the risk matrix. Rows are checked here, so each message can say which
    level or band it is about; the bands are then checked as a whole with scoring.band_problems."""

    size = HiddenField()
    based_on_version = HiddenField()
    likelihoods = FieldList(FormField(LevelForm), max_entries=scoring.MAX_SIZE)
    impacts = FieldList(FormField(LevelForm), max_entries=scoring.MAX_SIZE)
    bands = FieldList(FormField(BandForm), min_entries=MAX_BANDS, max_entries=MAX_BANDS)
    change_note = TextAreaField("What changed and why", filters=[strip], validators=[
        DataRequired("Say what changed and why, for example “Critical band starts at 15 after the 2025 review”."),
        Length(max=500)])

    @classmethod
    def for_matrix(cls, matrix: scoring.Matrix, based_on_version: int) -> MatrixForm:
        bands = [{"name": b.name, "min_score": str(b.min_score), "max_score": str(b.max_score),
                  "colour": b.colour, "response": b.response} for b in matrix.bands]
        bands += [{"colour": DEFAULT_BAND_COLOUR}] * (MAX_BANDS - len(bands))
        return cls(formdata=None, data={
            "size": str(matrix.size), "based_on_version": str(based_on_version),
            "likelihoods": [{"label": level.label, "description": level.description} for level in matrix.likelihoods],
            "impacts": [{"label": level.label, "description": level.description} for level in matrix.impacts],
            "bands": bands[:MAX_BANDS],
        })

    @property
    def size_value(self) -> int | None:
        size = str(self.size.data or "")
        return int(size) if size.isdigit() and scoring.MIN_SIZE <= int(size) <= scoring.MAX_SIZE else None

    def validate(self, extra_validators=None) -> bool:
        fields_valid = super().validate(extra_validators)  # includes the CSRF token
        size = self.size_value
        if size is None:
            self.form_errors.append(f"The matrix size must be {scoring.MIN_SIZE} to {scoring.MAX_SIZE}; "
                                    "choose a size above and load its form again.")
        elif len(self.likelihoods) != size or len(self.impacts) != size:
            self.form_errors.append(f"A {size}×{size} matrix needs {size} likelihood and {size} impact levels; "
                                    "reload the form for this size.")
        if not str(self.based_on_version.data or "").isdigit():
            self.form_errors.append("The form does not say which matrix version it started from; reload the page.")
        for axis, levels in (("Likelihood", self.likelihoods), ("Impact", self.impacts)):
            for number, entry in enumerate(levels, start=1):
                if not entry.form.label.data:
                    entry.form.label.errors.append(f"{axis} {number}: enter a label, like “Possible” or “Major”.")
                elif len(entry.form.label.data) > 60:
                    entry.form.label.errors.append(f"{axis} {number}: the label is {len(entry.form.label.data)} "
                                                   "characters long; use at most 60.")
                if len(entry.form.description.data or "") > 300:
                    entry.form.description.errors.append(f"{axis} {number}: the description is "
                                                         f"{len(entry.form.description.data)} characters long; "
                                                         "use at most 300.")
        highest = size * size if size else scoring.MAX_SIZE ** 2
        for number, entry in enumerate(self.bands, start=1):
            self._check_band(number, entry.form, highest)
        band_rows_valid = not any(field.errors for entry in self.bands for field in entry.form)
        if size is not None and band_rows_valid:
            self.form_errors.extend(scoring.band_problems(size, self.scoring_bands()))
        return fields_valid and not self.has_errors()

    @staticmethod
    def _check_band(number: int, band: BandForm, highest: int) -> None:
        if band.is_empty():
            return
        if not band.name.data:
            band.name.errors.append(f"Band {number}: enter a name, like “High”.")
        elif len(band.name.data) > 40:
            band.name.errors.append(f"Band {number}: the name is {len(band.name.data)} characters long; "
                                    "use at most 40.")
        for score, words in ((band.min_score, "lowest"), (band.max_score, "highest")):
            if not (score.data or "").isdigit() or not 1 <= int(score.data) <= highest:
                got = f"; got “{score.data}”" if score.data else ""
                score.errors.append(f"Band {number}: the {words} score must be a whole number "
                                    f"from 1 to {highest}{got}.")
        if not COLOUR_PATTERN.match(band.colour.data or ""):
            band.colour.errors.append(f"Band {number}: choose a colour as #rrggbb, like #c62828; "
                                      f"got “{band.colour.data}”.")
        if len(band.response.data or "") > 300:
            band.response.errors.append(f"Band {number}: the required response is {len(band.response.data)} "
                                        "characters long; use at most 300.")

    def scoring_bands(self) -> list[scoring.Band]:
        return [scoring.Band(entry.form.name.data, int(entry.form.min_score.data), int(entry.form.max_score.data),
                             entry.form.colour.data.lower(), entry.form.response.data or "")
                for entry in self.bands if not entry.form.is_empty()]

    def to_matrix(self) -> scoring.Matrix:
        def levels(entries) -> tuple[scoring.Level, ...]:
            return tuple(scoring.Level(number, entry.form.label.data, entry.form.description.data or "")
                         for number, entry in enumerate(entries, start=1))

        size = self.size_value
        if size is None:
            raise ValueError("MatrixForm.to_matrix() needs a validated form: the size is not one Khusela offers.")
        return scoring.Matrix(size=size, likelihoods=levels(self.likelihoods),
                              impacts=levels(self.impacts), bands=tuple(self.scoring_bands()))

    def row_fields_with_errors(self) -> list:
        """Every field of a level or band row that has a message, in the order of the page."""
        return [field for rows in (self.likelihoods, self.impacts, self.bands) for entry in rows
                for field in entry.form if field.errors]

    def has_errors(self) -> bool:
        csrf_errors = self.csrf_token.errors if "csrf_token" in self else []
        return bool(self.form_errors or csrf_errors or self.change_note.errors or self.row_fields_with_errors())


class RiskSettingsForm(FlaskForm):
    default_tolerance = IntegerField("Default tolerance level", validators=[
        InputRequired("Enter the tolerance level: a score on the risk matrix.")])
    acceptance_max_months = IntegerField("Longest risk acceptance (months)", validators=[
        InputRequired("Enter how many months a risk acceptance may last at most."),
        NumberRange(1, 36, "A risk acceptance may last 1 to 36 months; after that the risk owner accepts it again.")])

    def __init__(self, *args, matrix_size: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.highest_score = matrix_size * matrix_size
        self.default_tolerance.validators = [
            *self.default_tolerance.validators,
            NumberRange(1, self.highest_score, f"The tolerance level must be a score from 1 to {self.highest_score} "
                                               f"on the current {matrix_size}×{matrix_size} matrix."),
        ]


def risk_settings_form(bands, *, matrix_size: int, formdata=None) -> RiskSettingsForm:
    """RiskSettingsForm with, per band of the current matrix (lowest first), who may accept its
    risks: fields authority_0, authority_1 ..., listed with their band in `form.band_fields`."""
    choices = {authority.value: authority.label for authority in AcceptanceAuthority}
    fields = {f"authority_{index}": SelectField(
        f"{band.name} ({band.min_score}–{band.max_score})", choices=choices,
        validators=[Optional()])  # not sent: stays as stored
        for index, band in enumerate(bands)}
    form = type("RiskSettingsWithBandsForm", (RiskSettingsForm,), fields)(formdata=formdata, matrix_size=matrix_size)
    form.band_fields = [(band, form[f"authority_{index}"]) for index, band in enumerate(bands)]
    return form


class CategoryForm(FlaskForm):
    version = HiddenField()
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter the category's name."), Length(max=120)])
    parent_id = SelectField("Belongs to", validators=[Optional()])
    active = BooleanField("Active", default=True)

    def __init__(self, *args, parent_choices: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = parent_choices or {"": "Nothing: a top-level category"}
