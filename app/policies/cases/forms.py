"""Forms of the case pages; the rules are the case services' (CaseRuleError problems)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.controls.forms import strip
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType
from app.risks.forms import IsoDateField


class OpenCaseForm(FlaskForm):
    employee_number = StringField("Employee number", filters=[strip], validators=[
        DataRequired("Give the employee's number, as in the employee register."), Length(max=32)])
    clause_id = SelectField("Policy clause breached", validators=[DataRequired("Choose the policy clause that was "
                                                                               "breached.")])
    incident_on = IsoDateField("Date of the incident", validators=[DataRequired("Give the date of the incident.")])
    description = TextAreaField("What happened", validators=[
        DataRequired("Describe what happened: when, where, what the employee did."), Length(max=10_000)],
        description="The facts only: when, where, what was done, how it came to light, who saw it.")
    severity = SelectField("Severity", choices={"": "Choose", **{s.value: s.label for s in Severity}},
                           validators=[DataRequired("Choose the severity.")])
    security_risk = SelectField("Security risk", choices={"": "Choose", **{r.value: r.label for r in SecurityRisk}},
                                validators=[DataRequired("Choose the security-risk level.")])
    risk_reference = StringField("Related risk (optional)", filters=[strip], validators=[Optional(), Length(max=32)],
                                 description="The register's reference of the risk it bears on, e.g. R-001.")
    asset_tag = StringField("Related asset tag (optional)", filters=[strip], validators=[Optional(), Length(max=64)],
                            description="The CMDB item involved, e.g. the laptop or application.")

    def set_choices(self, *, clauses) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for clause in clauses:
            version = clause.version
            state = "in force" if version.state == "approved" else f"superseded {version.superseded_on}"
            groups.setdefault(f"{version.policy} {version.number} ({state})", []).append(
                (str(clause.id), f"{clause.reference} {clause.title}"))
        self.clause_id.choices = {"": "Choose the clause", **groups}


class DecisionForm(FlaskForm):
    version = HiddenField()
    action = SelectField("Corrective action", choices={a.value: a.label for a in Action})
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=5000)],
                           description="Required when you choose another action than the recommended one.")


class EvidenceForm(FlaskForm):
    file = FileField("File", validators=[DataRequired("Choose the file to add.")])
    description = StringField("What it shows", filters=[strip], validators=[Optional(), Length(max=300)])


class WarningForm(FlaskForm):
    warning_type = SelectField("Kind of warning", choices={w.value: w.label for w in WarningType})
    wording = TextAreaField("Wording", validators=[DataRequired("Give the wording of the warning."),
                                                   Length(max=10_000)],
                            description="What the employee did, the clause it breaches, what is expected from now on, "
                                        "and what follows if it happens again.")
    issued_on = IsoDateField("Given on", validators=[DataRequired("Give the date the warning was given.")])


class SignatureForm(FlaskForm):
    acknowledged_on = IsoDateField("Signed on", validators=[Optional()])
    refused = BooleanField("The employee refused to sign")
    witness_name = StringField("Witness to the refusal", filters=[strip], validators=[Optional(), Length(max=200)])


class CloseForm(FlaskForm):
    version = HiddenField()
    outcome = TextAreaField("Outcome", validators=[DataRequired("Summarise the outcome for the record."),
                                                   Length(max=5000)])
