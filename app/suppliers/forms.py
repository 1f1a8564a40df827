"""Forms of the supplier register. The rules (a unique name, an operator's contract, a cloud service's
region and exit plan, who may own a supplier) are the services'; they come back as SupplierRuleError
problems that app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.suppliers.models import AssessmentResult, Criticality, SecurityClause, SupplierStatus

LONG = Length(max=10000, message="Use at most 10,000 characters.")
SHORT = Length(max=200, message="Use at most 200 characters.")


class SupplierForm(FlaskForm):
    version = HiddenField()
    name = StringField("Name", filters=[strip], validators=[DataRequired("Give the supplier's name."), SHORT])
    services = TextAreaField("Services supplied", filters=[strip], validators=[LONG])
    information = TextAreaField("Information they see or hold", filters=[strip], validators=[LONG])
    contact = StringField("Contact", filters=[strip], validators=[SHORT])
    status = SelectField("Status", choices={s.value: s.label for s in SupplierStatus},
                         default=SupplierStatus.ACTIVE.value, validators=[DataRequired("Choose the status.")])
    criticality = SelectField("Criticality", choices={c.value: c.label for c in Criticality},
                              default=Criticality.MEDIUM.value,
                              validators=[DataRequired("Choose how critical the supplier is.")])
    owner_id = SelectField("Owner", validators=[Optional()])
    is_operator = BooleanField("Operator under POPIA (processes personal information for us)")
    operator_contract_on = IsoDateField("Operator contract signed on", validators=[Optional()])
    operator_contract_reference = StringField("Operator contract reference", filters=[strip], validators=[SHORT])
    contract_reference = StringField("Contract reference", filters=[strip], validators=[SHORT])
    contract_start = IsoDateField("Contract starts", validators=[Optional()])
    contract_end = IsoDateField("Contract ends", validators=[Optional()])
    security_clauses = MultiCheckboxField("Security clauses in the agreement",
                                          choices={c.value: c.label for c in SecurityClause})
    is_cloud = BooleanField("Cloud service (A.5.23)")
    hosting_region = StringField("Hosting region", filters=[strip], validators=[SHORT])
    exit_plan = TextAreaField("Exit plan", filters=[strip], validators=[LONG])
    assessment_due_on = IsoDateField("Next security assessment due", validators=[Optional()])
    review_on = IsoDateField("Next review", validators=[Optional()])
    asset_tags = TextAreaField("CMDB items and applications (tags)", filters=[strip], validators=[LONG])
    risk_ids = SelectMultipleField("Risks", coerce=int, validate_choice=False)
    notes = TextAreaField("Notes", filters=[strip], validators=[LONG])

    def set_choices(self, *, users, risks) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(user.id): f"{user.full_name} ({user.role_enum.label})" + ("" if user.active else " (inactive)")
            for user in users}
        self.risk_ids.choices = [(risk.id, str(risk)) for risk in risks]

    def tags(self) -> list[str]:
        """One tag a line, or several separated by commas."""
        return [tag.strip() for line in (self.asset_tags.data or "").splitlines() for tag in line.split(",")
                if tag.strip()]


class AssessmentForm(FlaskForm):
    version = HiddenField()
    assessed_on = IsoDateField("Assessed on", validators=[InputRequired("Enter the date of the assessment.")])
    result = SelectField("Result", choices={"": "Choose", **{r.value: r.label for r in AssessmentResult}},
                         validators=[DataRequired("Choose the assessment's result.")])
    summary = TextAreaField("What was assessed and found", filters=[strip], validators=[
        DataRequired("Say what was assessed and what was found."), LONG])
    next_due_on = IsoDateField("Next assessment due", validators=[Optional()])
    file = FileField("Evidence file")


class ReviewForm(FlaskForm):
    version = HiddenField()
    reviewed_on = IsoDateField("Reviewed on", validators=[InputRequired("Enter the date of the review.")])
    next_review_on = IsoDateField("Next review", validators=[InputRequired("Set when the supplier is next reviewed.")])
    note = TextAreaField("What the review found", filters=[strip], validators=[
        DataRequired("Say what the review found."), LONG])
