"""Forms of one risk: create/edit, review, acceptance, closing and treatment actions.

The forms check what a form can know (a date is a date, a number a number, both halves of a
rating are chosen); the rules of the register (ratings order, tolerance, who may accept) are
the services' and come back as RiskRuleError problems that `app.common.saving` puts next to fields.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.auth.models import Department
from app.common.choices import control_choices
from app.common.forms import IsoDateField, strip
from app.risks import scoring
from app.risks.models import ActionStatus, FactorRating, RatingKind, RiskStatus, TreatmentStrategy
from app.risks.services import EDITABLE_STATUSES, RiskInput

FACTOR_ROWS = 10
MAX_FACTORS = 40
FACTOR_LABELS = {"H": "H — High", "M": "M — Medium", "L": "L — Low"}


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(f"“{valuelist[0]}” is not a whole number; enter digits only, like 4.") from None


def int_or_none(value) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


# --- ratings ---------------------------------------------------------------------------------


def level_choices(levels: tuple[scoring.Level, ...], *, optional: bool, keep: int | None = None,
                  keep_label: str = "") -> dict[str, str]:
    """"4 — Likely" for each level of the current matrix, after an empty first choice: a risk is
    unrated until someone chooses (a required rating's placeholder asks for a choice, an optional
    one reads "Not rated"). `keep` adds a value the risk already holds on an older matrix that the
    current one no longer has, so an unchanged rating posts back unchanged."""
    choices = {"": "Not rated" if optional else "Choose…"}
    for level in levels:
        choices[str(level.value)] = f"{level.value} — {level.label}"
    if keep is not None and str(keep) not in choices:
        choices[str(keep)] = f"{keep} — {keep_label} (older matrix)".replace(" —  (", " (")
    return choices


class RatingFields:
    """Likelihood/impact selects for inherent, residual and target, shared by the risk and review forms."""

    inherent_likelihood = SelectField("Inherent likelihood",
                                      validators=[InputRequired("Choose the inherent likelihood.")])
    inherent_impact = SelectField("Inherent impact", validators=[InputRequired("Choose the inherent impact.")])
    residual_likelihood = SelectField("Residual likelihood", validators=[Optional()])
    residual_impact = SelectField("Residual impact", validators=[Optional()])
    target_likelihood = SelectField("Target likelihood", validators=[Optional()])
    target_impact = SelectField("Target impact", validators=[Optional()])
    # Shown for a risk scored on an older matrix version of the same size (services.is_rebandable).
    on_current_matrix = BooleanField("Confirm these ratings on the current matrix version")

    def set_rating_choices(self, matrix: scoring.Matrix, risk=None, risk_matrix: scoring.Matrix | None = None) -> None:
        for kind in RatingKind:
            for axis, levels, old_levels in (
                ("likelihood", matrix.likelihoods, risk_matrix.likelihoods if risk_matrix else ()),
                ("impact", matrix.impacts, risk_matrix.impacts if risk_matrix else ()),
            ):
                held = getattr(risk, f"{kind.value}_{axis}", None) if risk is not None else None
                old_label = next((level.label for level in old_levels if level.value == held), "")
                getattr(self, f"{kind.value}_{axis}").choices = level_choices(
                    levels, optional=kind != RatingKind.INHERENT, keep=held, keep_label=old_label)

    def fill_ratings(self, risk) -> None:
        for kind in RatingKind:
            for axis in ("likelihood", "impact"):
                value = getattr(risk, f"{kind.value}_{axis}")
                getattr(self, f"{kind.value}_{axis}").data = "" if value is None else str(value)

    def rating(self, kind: RatingKind) -> scoring.Rating | None:
        likelihood = int_or_none(getattr(self, f"{kind.value}_likelihood").data)
        impact = int_or_none(getattr(self, f"{kind.value}_impact").data)
        return None if likelihood is None or impact is None else scoring.Rating(likelihood, impact)

    def check_rating_pairs(self) -> bool:
        """Residual and target are optional, but a rating needs both halves."""
        complete = True
        for kind in (RatingKind.RESIDUAL, RatingKind.TARGET):
            likelihood = getattr(self, f"{kind.value}_likelihood")
            impact = getattr(self, f"{kind.value}_impact")
            if bool(likelihood.data) != bool(impact.data):
                missing, axis = (impact, "impact") if likelihood.data else (likelihood, "likelihood")
                missing.errors = [*missing.errors, f"Choose the {kind.value} {axis} too, or leave both "
                                                   f"{kind.value} selects as “Not rated”."]
                complete = False
        if self.target_likelihood.data and not self.residual_likelihood.data:
            self.residual_likelihood.errors = [*self.residual_likelihood.errors,
                                               "Rate the residual risk before setting a target."]
            complete = False
        return complete


# --- the risk ------------------------------------------------------------------------------------


class FactorForm(Form):
    """One contributing factor row; rows without a description are ignored. No validators of
    its own: RiskForm checks the rows so each message can name the row."""

    description = StringField("Contributing factor", filters=[strip])
    rating = SelectField("Rating", choices=FACTOR_LABELS, default="M", validate_choice=False)


class RiskForm(FlaskForm, RatingFields):
    version = HiddenField()
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the risk a title, like “Information Security”."),
        Length(max=200, message="Use at most 200 characters for the title.")])
    description = TextAreaField("Description", filters=[strip])
    consequences = TextAreaField("Consequences", filters=[strip])
    category_id = SelectField("Category", validators=[DataRequired("Choose a category.")])
    subcategory_id = SelectField("Subcategory", validators=[Optional()])
    department_id = SelectField("Department", validators=[Optional()])
    owner_id = SelectField("Risk owner", validators=[Optional()])
    tolerance = WholeNumberField("Tolerance level", validators=[
        InputRequired("Enter the tolerance level: the highest residual score that is tolerable.")])
    status = SelectField("Status", choices={s.value: s.label for s in EDITABLE_STATUSES},
                         default="draft", validators=[DataRequired("Choose a status.")])
    strategy = SelectField("Treatment strategy", validators=[Optional()],
                           choices={"": "Not decided", **{s.value: s.label for s in TreatmentStrategy}})
    review_frequency_months = WholeNumberField("Review every (months)", default=12, validators=[
        InputRequired("Say how often the risk is reviewed, in months (1 to 36).")])
    # Left empty on a new risk, the service sets it to today plus the review interval.
    next_review_on = IsoDateField("Next review", validators=[Optional()])
    # No min_entries: WTForms 3.3 compacts posted indices (0, 1, 4 -> 0, 1, 2) and then pads by
    # reading the formdata again, which would read row 4 twice. Rows are padded for display only.
    factors = FieldList(FormField(FactorForm), max_entries=MAX_FACTORS)
    reason = TextAreaField("Reason for the rating change", filters=[strip],
                           validators=[Length(max=2000, message="Use at most 2000 characters.")])
    control_ids = SelectMultipleField("Controls in place", coerce=int, validators=[Optional()])

    def set_choices(self, *, categories, departments: list[Department], users, matrix: scoring.Matrix,
                    risk=None, risk_matrix: scoring.Matrix | None = None, controls=()) -> None:
        """categories: [(category, [subcategories])]; the risk's own choices stay listed even
        when they were deactivated since, so an edit does not silently change them."""
        keep_category = risk.category_id if risk is not None else None
        keep_subcategory = risk.subcategory_id if risk is not None else None
        self.category_id.choices = {"": "Choose a category"}
        self.subcategory_id.choices = {"": "None"}
        for category, subcategories in categories:
            if category.active or category.id == keep_category:
                self.category_id.choices[str(category.id)] = category.name + ("" if category.active else " (inactive)")
            group = {str(s.id): f"{category.name} — {s.name}" + ("" if s.active else " (inactive)")
                     for s in subcategories
                     if (s.active and category.active) or s.id == keep_subcategory}
            if group:
                self.subcategory_id.choices[category.name] = group
        keep_department = risk.department_id if risk is not None else None
        self.department_id.choices = {"": "None (province-wide)"} | {
            str(d.id): f"{d.code} — {d.name}" + ("" if d.active else " (inactive)")
            for d in departments if d.active or d.id == keep_department}
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(u.id): f"{u.full_name} ({u.role_enum.label})" + ("" if u.active else " (inactive)") for u in users}
        if risk is not None and risk.status not in self.status.choices:
            # An accepted or closed risk may keep its status through an edit (acceptance and
            # closing have their own steps; re-scoring an accepted risk ends its acceptance).
            self.status.choices = {**self.status.choices, risk.status: RiskStatus(risk.status).label}
        self.set_rating_choices(matrix, risk, risk_matrix)
        self.control_ids.choices = control_choices(controls)

    # Set by keep_tolerance_and_owner(): the page shows the two as text, not as fields.
    tolerance_and_owner_kept = False

    def keep_tolerance_and_owner(self, risk) -> None:
        """For an editor who may not change them (services.may_set_tolerance_and_owner): the risk's
        own tolerance and owner, whatever was posted."""
        self.tolerance.data, self.tolerance.raw_data = risk.tolerance, [str(risk.tolerance)]
        self.owner_id.data = "" if risk.owner_id is None else str(risk.owner_id)
        self.tolerance_and_owner_kept = True

    def fill_from(self, risk) -> None:
        self.version.data = str(risk.version)
        for name in ("title", "description", "consequences", "tolerance", "review_frequency_months",
                     "next_review_on"):
            getattr(self, name).data = getattr(risk, name)
        for name in ("category_id", "subcategory_id", "department_id", "owner_id"):
            value = getattr(risk, name)
            getattr(self, name).data = "" if value is None else str(value)
        self.status.data = risk.status
        self.strategy.data = risk.strategy or ""
        self.fill_ratings(risk)
        self.control_ids.data = [control.id for control in risk.controls]
        for factor in risk.factors:
            self.factors.append_entry({"description": factor.description, "rating": factor.rating})
        self.pad_factor_rows()

    def pad_factor_rows(self) -> None:
        """At least FACTOR_ROWS rows, and always three empty ones to add to."""
        while len(self.factors) < min(MAX_FACTORS, max(FACTOR_ROWS, self.filled_factor_count() + 3)):
            self.factors.append_entry()

    def filled_factor_count(self) -> int:
        return sum(1 for entry in self.factors if (entry.form.description.data or "").strip())

    def factor_rows(self) -> list[tuple[str, str]]:
        return [(entry.form.description.data.strip(), entry.form.rating.data) for entry in self.factors
                if (entry.form.description.data or "").strip()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = self.check_rating_pairs() and valid
        problems = []
        for number, entry in enumerate(self.factors, start=1):
            text = entry.form.description.data or ""
            if not text.strip():
                continue
            if len(text) > 300:
                problems.append(f"Contributing factor {number} is {len(text)} characters long; use at most 300.")
            if entry.form.rating.data not in {r.value for r in FactorRating}:
                problems.append(f"Contributing factor {number}: rate it H, M or L.")
        if problems:
            self.factors.errors = [*self.factors.errors, *problems]
            valid = False
        return valid

    def to_input(self) -> RiskInput:
        inherent = self.rating(RatingKind.INHERENT)
        review_frequency_months = self.review_frequency_months.data
        if inherent is None or review_frequency_months is None:
            raise ValueError("RiskForm.to_input() needs a validated form: the inherent rating and the review "
                             "frequency are required.")
        return RiskInput(
            title=self.title.data or "",
            category_id=int_or_none(self.category_id.data) or 0,
            inherent=inherent,
            residual=self.rating(RatingKind.RESIDUAL),
            target=self.rating(RatingKind.TARGET),
            on_current_matrix=bool(self.on_current_matrix.data),
            description=self.description.data or "",
            consequences=self.consequences.data or "",
            subcategory_id=int_or_none(self.subcategory_id.data),
            department_id=int_or_none(self.department_id.data),
            owner_id=int_or_none(self.owner_id.data),
            tolerance=self.tolerance.data,
            status=self.status.data,
            strategy=self.strategy.data or None,
            review_frequency_months=review_frequency_months,
            next_review_on=self.next_review_on.data,
            factors=self.factor_rows(),
            control_ids=list(self.control_ids.data or []),
        )


# --- review, acceptance, closing -------------------------------------------------------------------


class ReviewForm(FlaskForm, RatingFields):
    version = HiddenField()
    reviewed_on = IsoDateField("Reviewed on", validators=[InputRequired("Enter the date of the review.")])
    notes = TextAreaField("Notes", filters=[strip], validators=[
        DataRequired("Write what the review found, even if it is “No change: controls still effective”."),
        Length(max=5000, message="Use at most 5000 characters.")])
    reason = TextAreaField("Reason for the rating change", filters=[strip],
                           validators=[Length(max=2000, message="Use at most 2000 characters.")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.check_rating_pairs() and valid

    def rescore_shown(self, risk) -> bool:
        """Open the re-scoring part when it was used or holds a problem."""
        rating_names = {f"{kind.value}_{axis}" for kind in RatingKind for axis in ("likelihood", "impact")}
        return (self.ratings_changed(risk) or bool(self.reason.data)
                or any(name in rating_names | {"reason"} for name in self.errors))

    def ratings_changed(self, risk) -> bool:
        return any(self.rating(kind) != (
            None if getattr(risk, f"{kind.value}_likelihood") is None
            else scoring.Rating(getattr(risk, f"{kind.value}_likelihood"), getattr(risk, f"{kind.value}_impact")))
            for kind in RatingKind)


class AcceptanceForm(FlaskForm):
    version = HiddenField()
    justification = TextAreaField("Justification", filters=[strip], validators=[
        DataRequired("Give the justification for accepting this risk."),
        Length(max=5000, message="Use at most 5000 characters.")])
    expires_on = IsoDateField("Accepted until", validators=[InputRequired("Enter the date the acceptance ends.")])


class AcceptanceRequestForm(FlaskForm):
    note = TextAreaField("Note to whoever accepts", filters=[strip], validators=[
        Length(max=2000, message="Use at most 2000 characters.")])


class WithdrawRequestForm(FlaskForm):
    reason = StringField("Why is the request withdrawn?", filters=[strip], validators=[
        DataRequired("Say why the request is withdrawn (for example: treatment is now funded)."),
        Length(max=200, message="Use at most 200 characters.")])


class CloseForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField("Why is the risk closed?", filters=[strip], validators=[
        DataRequired("Say why the risk is closed (for example: the system was decommissioned)."),
        Length(max=250, message="Use at most 250 characters.")])


class PlanApprovalForm(FlaskForm):
    # The fingerprint of the plan the owner read (app.risks.plans): an approval covers that plan only.
    plan = HiddenField()


class RebandForm(FlaskForm):
    # The risks (id:version) the page listed: a save from a page opened before someone else moved or
    # edited one of them is refused, whole.
    seen = HiddenField()
    reason = TextAreaField("Why do these ratings hold on the new version?", filters=[strip], validators=[
        DataRequired("Say why the ratings hold on the new matrix version; the reason is kept in each risk's "
                     "history."),
        Length(max=2000, message="Use at most 2000 characters.")])


# --- treatment actions -----------------------------------------------------------------------


class ActionForm(FlaskForm):
    version = HiddenField()
    title = StringField("Action", filters=[strip], validators=[
        DataRequired("Say what will be done, like “Security Operations Centre Enhancement”."),
        Length(max=200, message="Use at most 200 characters.")])
    owner_id = SelectField("Owner", validators=[Optional()])
    due_on = IsoDateField("Due on", validators=[Optional()])
    status = SelectField("Status", choices={s.value: s.label for s in ActionStatus}, default="planned",
                         validators=[DataRequired("Choose a status.")])
    progress_note = TextAreaField("Progress", filters=[strip],
                                  validators=[Length(max=5000, message="Use at most 5000 characters.")])
    control_id = SelectField("Control", validators=[Optional()])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(u.id): f"{u.full_name} ({u.role_enum.label})" + ("" if u.active else " (inactive)") for u in users}

    def set_control_choices(self, controls) -> None:
        self.control_id.choices = {"": "None", **{catalogue: {str(value): label for value, label in group}
                                                  for catalogue, group in control_choices(controls).items()}}
