"""Forms of the case pages; the rules are the case services' (CaseRuleError problems)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.common.forms import IsoDateField, MultiCheckboxField, strip
from app.policies.cases.models import AppealOutcome, Finding, Resource, Sanction, SpecialCategory
from app.policies.cases.recommendation import Action, SecurityRisk, Severity, WarningType

# Shown at every case file upload: statements and screenshots name people (POPIA: minimality).
UPLOAD_WARNING = ("Statements, e-mails and screenshots usually name people: add only what the case needs. Case files "
                  "are withheld from auditors unless HR releases them for an audit. If a file holds health, union or "
                  "criminal information, mark the case's special personal information.")
SPECIAL_HELP = ("POPIA s26: tick what the case file holds (e.g. a medical certificate, a shop steward's role, an "
                "alleged offence). Readers who see the case under a pseudonym then see none of its text or files.")


def _special_categories_field() -> MultiCheckboxField:
    return MultiCheckboxField("Special personal information in this case",
                              choices={c.value: c.label for c in SpecialCategory}, description=SPECIAL_HELP)

OVERRIDE_HELP = ("A fairness check warned: going on may make the procedure unfair. The reason is kept on the case's "
                 "record.")


def _override_field():
    return TextAreaField("Reason to go on despite the warnings", validators=[Optional(), Length(max=5000)],
                         description=OVERRIDE_HELP)


class OpenCaseForm(FlaskForm):
    employee_number = StringField("Employee number", filters=[strip], validators=[
        DataRequired("Give the employee's number, as in the employee register."), Length(max=32)])
    clause_id = SelectField("Policy clause breached", validators=[DataRequired("Choose the policy clause that was "
                                                                               "breached.")])
    incident_on = IsoDateField("Date of the incident", validators=[DataRequired("Give the date of the incident.")])
    reported_on = IsoDateField("Reported on", validators=[Optional()],
                               description="When the breach was reported: today unless it was earlier; not before "
                                           "the incident.")
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
    evidence = FileField("Evidence (optional)", description="A file showing what happened: a log extract, a "
                                                         "screenshot, a statement. More can be added on the case. "
                                                         + UPLOAD_WARNING)
    evidence_description = StringField("What the evidence shows", filters=[strip],
                                       validators=[Optional(), Length(max=300)])
    special_categories = _special_categories_field()

    def set_choices(self, *, clauses) -> None:
        groups: dict[str, dict[str, str]] = {}
        for clause in clauses:
            version = clause.version
            state = "in force" if version.state == "approved" else f"superseded {version.superseded_on}"
            # A dict per group: WTForms reads {value: label, group: {value: label}} as one list with
            # optgroups. A list here would make it read the placeholder string as a group of letters.
            groups.setdefault(f"{version.policy} {version.number} ({state})", {})[str(clause.id)] = (
                f"{clause.reference} {clause.title}")
        self.clause_id.choices = {"": "Choose the clause", **groups}


class DecisionForm(FlaskForm):
    version = HiddenField()
    action = SelectField("Corrective action", choices={a.value: a.label for a in Action})
    decided_on = IsoDateField("Decided on", validators=[Optional()],
                              description="Today unless it was decided earlier; not before the breach was reported.")
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=5000)],
                           description="Required when you choose another action than the recommended one.")


class EvidenceForm(FlaskForm):
    file = FileField("File", validators=[DataRequired("Choose the file to add.")], description=UPLOAD_WARNING)
    description = StringField("What it shows", filters=[strip], validators=[Optional(), Length(max=300)])


class MarkingForm(FlaskForm):
    """The case file's classification and its special personal information."""

    version = HiddenField()
    classification = SelectField("Classification of the case file")
    special_categories = _special_categories_field()

    def set_choices(self, classifications: list[str]) -> None:
        self.classification.choices = {label: label for label in classifications}


class ReleaseForm(FlaskForm):
    reason = TextAreaField("Why the auditors need the files", validators=[Optional(), Length(max=2000)],
                           description="The audit and what it tests, e.g. “Stage 2 audit: sample of A.6.4 "
                                       "disciplinary process”. Kept on the case and in the audit log.")


class WarningForm(FlaskForm):
    warning_type = SelectField("Kind of warning", choices={w.value: w.label for w in WarningType})
    wording = TextAreaField("Wording", validators=[DataRequired("Give the wording of the warning."),
                                                   Length(max=10_000)],
                            description="What the employee did, the clause it breaches, what is expected from now on, "
                                        "and what follows if it happens again.")
    issued_on = IsoDateField("Given on", validators=[DataRequired("Give the date the warning was given.")])
    override_reason = _override_field()


class SignatureForm(FlaskForm):
    acknowledged_on = IsoDateField("Signed on", validators=[Optional()])
    refused = BooleanField("The employee refused to sign")
    witness_name = StringField("Witness to the refusal", filters=[strip], validators=[Optional(), Length(max=200)])


class CloseForm(FlaskForm):
    version = HiddenField()
    outcome = TextAreaField("Outcome", validators=[DataRequired("Summarise the outcome for the record."),
                                                   Length(max=5000)])


class RevocationForm(FlaskForm):
    resources = MultiCheckboxField("Resources revoked", choices={r.value: r.label for r in Resource})
    application_tag = StringField("Application (CMDB tag)", filters=[strip], validators=[Optional(), Length(max=64)],
                                  description="When “An application” is ticked: its tag in the CMDB, e.g. APP-0001.")
    other = StringField("Other resource", filters=[strip], validators=[Optional(), Length(max=200)],
                        description="When “Other” is ticked: what else is revoked.")
    starts_on = IsoDateField("From", validators=[DataRequired("Give the date the revocation starts.")])
    ends_on = IsoDateField("Until", validators=[DataRequired("Give the date the privileges are given back: a "
                                                             "revocation is for a limited period.")])
    no_harm_confirmed = BooleanField("I confirm the revocation does not harm the employee's job functions")
    no_harm_note = TextAreaField("How the job functions are kept", validators=[Optional(), Length(max=5000)],
                                 description="E.g. who copies files for the employee, which access stays.")
    override_reason = _override_field()


class RestorationForm(FlaskForm):
    restored_on = IsoDateField("Restored on", validators=[DataRequired("Give the date the privileges were given "
                                                                       "back.")])


class TrainingForm(FlaskForm):
    course = StringField("Course", filters=[strip], validators=[DataRequired("Name the course the employee must "
                                                                             "attend."), Length(max=200)])
    provider = StringField("Provider (optional)", filters=[strip], validators=[Optional(), Length(max=200)])
    due_on = IsoDateField("Complete by", validators=[DataRequired("Give the date by which the training must be "
                                                                  "completed.")])


class TrainingCompletionForm(FlaskForm):
    completed_on = IsoDateField("Completed on", validators=[DataRequired("Give the date the employee completed the "
                                                                         "training.")])
    evidence = FileField("Certificate or attendance register (optional)", description=UPLOAD_WARNING)
    override_reason = _override_field()


class DestroyForm(FlaskForm):
    confirmed = BooleanField("I confirm: destroy this case and its evidence files",
                             validators=[DataRequired("Tick the confirmation to destroy the case.")])


# --- the disciplinary procedure (app/policies/cases/disciplinary.py has the rules) ------------------


class InvestigationForm(FlaskForm):
    investigator = StringField("Investigator", filters=[strip], validators=[
        DataRequired("Name the investigator."), Length(max=200)])
    started_on = IsoDateField("Started on", validators=[DataRequired("Give the date the investigation started.")])
    override_reason = _override_field()


class InvestigationDoneForm(FlaskForm):
    completed_on = IsoDateField("Completed on", validators=[DataRequired("Give the date the investigation was "
                                                                         "completed.")])
    findings = TextAreaField("Findings", validators=[DataRequired("Give the investigation's findings."),
                                                     Length(max=20_000)],
                             description="What the evidence shows, and whether there is a case to answer.")


class SuspensionForm(FlaskForm):
    starts_on = IsoDateField("From", validators=[DataRequired("Give the date the suspension starts.")])
    ends_on = IsoDateField("Until (optional)", validators=[Optional()])
    review_on = IsoDateField("Review on (optional)", validators=[Optional()],
                             description="When the need for the suspension is looked at again.")
    with_pay = BooleanField("On full pay", default=True,
                            description="A precautionary suspension is not a sanction: it is always on full pay.")
    reasons = TextAreaField("Reasons", validators=[DataRequired("Give the reasons for the suspension."),
                                                   Length(max=5000)],
                            description="Why the employee must stay away while the inquiry is pending.")
    override_reason = _override_field()


class SuspensionEndForm(FlaskForm):
    lifted_on = IsoDateField("Lifted on", validators=[DataRequired("Give the date the suspension was lifted.")],
                             description="The day the employee returns to work; the inquiry goes on.")


YES_NO = {"": "Choose", "no": "No", "yes": "Yes"}


class UnionForm(FlaskForm):
    union_representative = SelectField(
        "Is the employee a shop steward, or an office-bearer or official of a trade union?", choices=YES_NO,
        validators=[DataRequired("Answer the question: the union must be informed and consulted first if so.")])
    union_name = StringField("Trade union", filters=[strip], validators=[Optional(), Length(max=200)],
                             description="E.g. SAMWU, IMATU, NEHAWU, PSA.")
    informed_on = IsoDateField("Union informed and consulted on", validators=[Optional()],
                               description="Before the notice of the hearing (Schedule 8 item 4(2)).")
    informed_whom = StringField("Whom at the union", filters=[strip], validators=[Optional(), Length(max=200)],
                                description="Name and position, e.g. the branch secretary.")
    notes = TextAreaField("How, and what the union said (optional)", validators=[Optional(), Length(max=5000)])


class AllegationForm(FlaskForm):
    text = TextAreaField("Allegation", validators=[DataRequired("Write the allegation."), Length(max=5000)],
                         description="What the employee is alleged to have done, when, and which rule it breaks.")


class NoticeForm(FlaskForm):
    issued_on = IsoDateField("Notice issued on", validators=[DataRequired("Give the date the notice was issued.")])
    hearing_on = IsoDateField("Hearing date", validators=[DataRequired("Give the date of the hearing.")])
    hearing_time = StringField("Hearing time", default="09:00", filters=[strip],
                               validators=[DataRequired("Give the time of the hearing."), Length(max=5)],
                               description="24-hour, e.g. 09:30.")
    venue = StringField("Venue", filters=[strip], validators=[DataRequired("Give the venue of the hearing."),
                                                              Length(max=300)])
    language = StringField("The employee's language", filters=[strip], validators=[Optional(), Length(max=40)],
                           description="One the employee understands; left empty, the employee record's language. "
                                       "The letter is in English: for another language it says an interpreter will "
                                       "be at the hearing, or that a translation is attached once you upload one.")
    issued_by_name = StringField("Issued by", filters=[strip], validators=[Optional(), Length(max=200)],
                                 description="Who signs the letter; left empty, you.")
    issued_by_position = StringField("Their position", filters=[strip], validators=[Optional(), Length(max=200)],
                                     description="As printed under the signature, e.g. HR Practitioner; left "
                                                 "empty, yours.")
    chair = StringField("Chair", filters=[strip], validators=[DataRequired("Name the chair of the hearing."),
                                                              Length(max=200)])
    allegations_included = BooleanField("The notice sets out the allegations in writing", default=True)
    representation_stated = BooleanField("It states the right to a representative (shop steward or fellow "
                                         "employee)", default=True)
    interpreter_stated = BooleanField("It states the right to an interpreter", default=True)
    dismissal_possible = BooleanField("It states that dismissal is a possible outcome", default=True,
                                      description="Untick only if the organisation will not dismiss for these "
                                                  "allegations: a dismissal would then need a reason to go on.")
    override_reason = _override_field()


class HearingForm(FlaskForm):
    held_on = IsoDateField("Held on", validators=[DataRequired("Give the date of the hearing.")])
    chair = StringField("Chair", filters=[strip], validators=[DataRequired("Name the chair of the hearing."),
                                                              Length(max=200)])
    attendees = TextAreaField("Attendees", validators=[Optional(), Length(max=5000)])
    employee_present = BooleanField("The employee attended", default=True)
    representative = StringField("Representative (optional)", filters=[strip], validators=[Optional(),
                                                                                             Length(max=200)])
    interpreter = StringField("Interpreter (optional)", filters=[strip], validators=[Optional(), Length(max=200)])
    employee_response = TextAreaField("The employee's response", validators=[Optional(), Length(max=20_000)],
                                      description="Their answer to each allegation and what they put forward.")
    evidence_summary = TextAreaField("Evidence", validators=[Optional(), Length(max=20_000)],
                                     description="The evidence and witnesses heard, on both sides.")
    override_reason = _override_field()


class FindingForm(FlaskForm):
    finding = SelectField("Finding", choices={"": "Choose", **{f.value: f.label for f in Finding}},
                          validators=[DataRequired("Choose the finding.")])
    reasons = TextAreaField("Reasons", validators=[DataRequired("Give the reasons for the finding."),
                                                   Length(max=10_000)])


class SanctionForm(FlaskForm):
    sanction = SelectField("Sanction", choices={"": "Choose", **{s.value: s.label for s in Sanction}},
                           validators=[DataRequired("Choose the sanction.")])
    decided_on = IsoDateField("Decided on", validators=[DataRequired("Give the date the sanction was decided.")])
    reasons = TextAreaField("Reasons", validators=[Optional(), Length(max=20_000)],
                            description="Why this sanction: the seriousness, the employee's record and circumstances.")
    rule_existed = BooleanField("The employee broke a rule or standard of conduct")
    rule_valid = BooleanField("The rule is valid and reasonable")
    rule_known = BooleanField("The employee knew the rule, or could reasonably be expected to")
    consistently_applied = BooleanField("The rule has been applied consistently")
    sanction_appropriate = BooleanField("The sanction is appropriate")
    rule_importance = TextAreaField("Importance of the rule", validators=[Optional(), Length(max=5000)])
    harm_caused = TextAreaField("Actual or potential harm caused", validators=[Optional(), Length(max=5000)])
    representations_on_sanction = BooleanField("The employee made (or was offered the chance to make) "
                                               "representations on the sanction")
    clean_record = SelectField("Is the employee's disciplinary record clean?", choices={
        "": "Choose", "yes": "Yes: no valid warnings or earlier sanctions", "no": "No"}, validators=[Optional()])
    service_years = IntegerField("Length of service (completed years)", validators=[
        Optional(), NumberRange(min=0, max=60, message="Between 0 and 60 years (0 for less than a year).")])
    record_weighed = TextAreaField("How the record and the length of service were weighed",
                                   validators=[Optional(), Length(max=5000)],
                                   description="Required for a dismissal (Schedule 8 item 3(5); the 2025 Code item "
                                               "8): why they do, or do not, outweigh the misconduct.")
    wrongdoing_acknowledged = BooleanField("The employee acknowledged the wrongdoing")
    business_impact = TextAreaField("Impact on the organisation's work", validators=[Optional(), Length(max=5000)])
    override_reason = _override_field()


class OutcomeForm(FlaskForm):
    issued_on = IsoDateField("Written outcome given on", validators=[DataRequired("Give the date the written "
                                                                                  "outcome was given.")])
    referral_notice_given = BooleanField("It tells the employee of the right to refer a dispute to the bargaining "
                                         "council or the CCMA within 30 days")
    override_reason = _override_field()


class AppealForm(FlaskForm):
    lodged_on = IsoDateField("Lodged on", validators=[DataRequired("Give the date the appeal was lodged.")])
    grounds = TextAreaField("Grounds", validators=[DataRequired("Give the grounds of the appeal."),
                                                   Length(max=10_000)])


class AppealOutcomeForm(FlaskForm):
    chair = StringField("Chair of the appeal", filters=[strip], validators=[
        DataRequired("Name the chair of the appeal (the appeal authority)."), Length(max=200)],
        description="Someone who took no part in the case: not the hearing's chair or the investigator.")
    chair_position = StringField("Position", filters=[strip], validators=[
        DataRequired("Give the appeal chair's position."), Length(max=200)])
    chair_senior = BooleanField("The appeal chair is senior to the chair of the hearing and took no part in the "
                                "case before")
    outcome = SelectField("Outcome", choices={"": "Choose", **{o.value: o.label for o in AppealOutcome}},
                          validators=[DataRequired("Choose the outcome of the appeal.")])
    outcome_on = IsoDateField("Decided on", validators=[DataRequired("Give the date of the appeal's outcome.")])
    varied_sanction = SelectField("Sanction in its place (when varied)",
                                  choices={"": "—", **{s.value: s.label for s in Sanction}}, validators=[Optional()])
    reasons = TextAreaField("Reasons", validators=[DataRequired("Give the reasons for the appeal's outcome."),
                                                   Length(max=10_000)])


class NoticeTranslationForm(FlaskForm):
    file = FileField("Translation of the notice", validators=[DataRequired("Choose the file of the translation.")],
                     description="The notice translated into the employee's language (PDF or a scan); kept as case "
                                 "evidence, and the letter then says it is attached.")


class CodeTransitionForm(FlaskForm):
    override_reason = TextAreaField("Why the procedure is fair under both codes", validators=[
        DataRequired("Say why the procedure is fair under both codes."), Length(max=5000)],
        description="E.g. the notice gave the employee the 2025 Code's right to make representations on the "
                    "sanction; the sanction weighed the 2025 Code's factors. Kept on the case's record.")
