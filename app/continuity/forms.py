"""Forms of the continuity register. The rules (RTO within the MTD, a restore's time against the RTO,
findings for a test that did not simply pass...) are the services'; they come back as problems that
app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.common.forms import IsoDateField, strip
from app.continuity.models import IMPACT_LABELS, PlanKind, TestKind, TestOutcome
from app.nonconformities.models import Severity

LONG = Length(max=20_000, message="Use at most 20,000 characters.")
IMPACT_CHOICES = {"": "Choose", **{str(n): f"{n} {label}" for n, label in IMPACT_LABELS.items()}}


def _hours(label: str, what: str) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(f"Enter the {what} in whole hours, like 24.")])


def _impact(label: str) -> SelectField:
    return SelectField(label, choices=IMPACT_CHOICES,
                       validators=[DataRequired(f"Rate the {label.lower()} impact of an outage from 1 to 5.")])


def _people(users) -> dict[str, str]:
    return {str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}


class AnalysisForm(FlaskForm):
    version = HiddenField()
    asset_id = SelectField("Application or service", validators=[
        DataRequired("Choose the application or service of the CMDB this analysis is about.")])
    description = TextAreaField("What the service does, for whom", filters=[strip], validators=[LONG])
    owner_id = SelectField("Owner", validators=[Optional()])
    department_id = SelectField("Department", validators=[Optional()])
    rto_hours = _hours("Recovery time objective (hours)", "recovery time objective")
    rpo_hours = _hours("Recovery point objective (hours)", "recovery point objective")
    mtd_hours = _hours("Maximum tolerable downtime (hours)", "maximum tolerable downtime")
    impact_service_delivery = _impact("Service delivery")
    impact_financial = _impact("Financial")
    impact_reputational = _impact("Reputational")
    impact_legal = _impact("Legal and regulatory")
    analysed_on = IsoDateField("Analysed on", validators=[InputRequired("Enter the date of the analysis.")])
    review_on = IsoDateField("Next review", validators=[InputRequired("Enter the date of the next review.")])
    dependency_ids = StringField("Dependencies (CMDB tags)", filters=[strip], validators=[
        Length(max=4000, message="Use at most 4,000 characters.")])
    supplier_ids = SelectMultipleField("Suppliers it depends on", coerce=int, validators=[Optional()])

    def set_choices(self, items, users, departments, suppliers) -> None:
        self.supplier_ids.choices = [(supplier.id, supplier.name) for supplier in suppliers]
        self.asset_id.choices = {"": "Choose"} | {str(item.id): f"{item.tag} {item.name}" for item in items}
        self.owner_id.choices = {"": "Choose the owner"} | _people(users)
        self.department_id.choices = {"": "None"} | {str(d.id): d.name for d in departments}


class PlanForm(FlaskForm):
    kind = SelectField("Kind", choices={"": "Choose", **{kind.value: kind.label for kind in PlanKind}},
                       validators=[DataRequired("Choose a business continuity plan or a disaster recovery plan.")])
    title = StringField("Title", filters=[strip], validators=[
        DataRequired("Give the plan a title."), Length(max=200, message="Use at most 200 characters.")])
    owner_id = SelectField("Owner", validators=[Optional()])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "Choose the owner"} | _people(users)


class DraftForm(FlaskForm):
    version = HiddenField()
    change = StringField("What this version changes", filters=[strip], validators=[
        Length(max=200, message="Use at most 200 characters.")])
    body = TextAreaField("Plan", filters=[strip], validators=[LONG])
    document = FileField("Signed plan (file)")
    remove_document = BooleanField("Remove the attached file")


class IssueForm(FlaskForm):
    version = HiddenField()
    approved_on = IsoDateField("Approved on", validators=[InputRequired("Enter the date the plan was approved.")])
    next_review_on = IsoDateField("Next review", validators=[Optional()])


class NewVersionForm(FlaskForm):
    major = BooleanField("A rewrite (next major number)")


class TestForm(FlaskForm):
    tested_on = IsoDateField("Date", validators=[InputRequired("Enter the date of the test.")])
    kind = SelectField("Kind", choices={"": "Choose", **{kind.value: kind.label for kind in TestKind}},
                       validators=[DataRequired("Choose the kind of test.")])
    plan_id = SelectField("Plan tested", validators=[Optional()])
    scenario = TextAreaField("Scenario", filters=[strip], validators=[
        DataRequired("Describe the scenario that was tested."), LONG])
    outcome = SelectField("Outcome", choices={"": "Choose", **{o.value: o.label for o in TestOutcome}},
                          validators=[DataRequired("Choose the outcome of the test.")])
    recovery_minutes = IntegerField("Recovery took (minutes)", validators=[
        Optional(), NumberRange(min=0, max=525_600, message="Give the minutes from 0 to 525,600 (a year).")])
    findings = TextAreaField("Findings (one a line)", filters=[strip], validators=[LONG])
    notes = TextAreaField("Notes", filters=[strip], validators=[LONG])
    file = FileField("Evidence file (restore log, report)")

    __test__ = False

    def set_plan_choices(self, plans) -> None:
        self.plan_id.choices = {"": "None"} | {str(plan.id): str(plan) for plan in plans}


class RaiseForm(FlaskForm):
    severity = SelectField("Severity", choices={s.value: s.label for s in Severity})
    owner_id = SelectField("Owner", validators=[Optional()])
    due_on = IsoDateField("Corrective actions due", validators=[Optional()])

    def set_owner_choices(self, users) -> None:
        self.owner_id.choices = {"": "The service's owner"} | _people(users)
