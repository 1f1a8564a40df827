"""Forms of the policy pages. The rules (unique code, what a draft needs before review, what an
approval needs) are the services' and workflow's; they come back as PolicyRuleError problems."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.common.choices import control_choices
from app.common.forms import IsoDateField, strip


def _text(label: str, limit: int, required: str | None = None, **kwargs) -> StringField:
    first = DataRequired(required) if required else Optional()
    return StringField(label, filters=[strip], validators=[
        first, Length(max=limit, message=f"Use at most {limit} characters.")], **kwargs)


class PolicyForm(FlaskForm):
    version = HiddenField()
    code = _text("Code", 32, "Give a short code, like ICT-SEC-001.",
                 description="A short reference, as on the document: letters, digits and dashes.")
    title = _text("Title", 200, "Give the policy's title, like ICT Security Policy.")
    owner_id = SelectField("Owner", validators=[Optional()],
                           description="Keeps the policy current and answers for it in the audit.")
    control_ids = SelectMultipleField("Annex A and internal controls it answers", coerce=int, validators=[Optional()])

    def set_choices(self, *, users, controls) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(u.id): f"{u.full_name} ({u.role_enum.label})" + ("" if u.active else " (inactive)") for u in users}
        self.control_ids.choices = control_choices(controls)


class DraftForm(FlaskForm):
    version = HiddenField()
    change = _text("State / change", 200, description="The history table's entry, e.g. Original, or Changes "
                                                      "to clause 4 after the annual review.")
    author_name = _text("Author", 200)
    author_designation = _text("Author's designation", 200, description="e.g. Security Officer")
    author_contact = _text("Author's contact details", 200, description="Telephone or e-mail address")
    body = TextAreaField("Policy text", validators=[Optional(), Length(max=200_000, message="Keep the text under "
                                                                                           "200,000 characters.")],
                         description="Markdown: # headings, **bold**, lists and tables. Number the clause headings "
                                     "(## 4.2 Password length) so that cases can cite them.")
    document = FileField("Signed PDF", description="Optional: the signed document as approved.")
    remove_document = BooleanField("Remove the attached PDF")


class NewPolicyForm(PolicyForm):
    change = DraftForm.change
    author_name = DraftForm.author_name
    author_designation = DraftForm.author_designation
    author_contact = DraftForm.author_contact
    body = DraftForm.body


class ClauseForm(FlaskForm):
    reference = _text("Clause", 32, "Give the clause number, like 4.2.")
    title = _text("Title", 200, "Give the clause's title, like Password length.")
    text = TextAreaField("Text (optional)", validators=[Optional(), Length(max=5000)])


class ReviewerForm(FlaskForm):
    name = _text("Reviewer", 200, "Give the reviewer's name.")
    designation = _text("Designation", 200)
    reviewed_on = IsoDateField("Reviewed on", validators=[DataRequired("Give the date of the review.")])


class StepForm(FlaskForm):
    """A button that moves a version (send for review, start a version, discard): CSRF and the version."""

    version = HiddenField()


class ReturnForm(StepForm):
    reason = _text("What must change", 500, "Say what must change before the version is reviewed again.")


class NewVersionForm(FlaskForm):
    major = BooleanField("A rewrite: number it as a new major version (2.0 rather than 1.1)")


class ApprovalForm(StepForm):
    approver_name = _text("Approved by", 200, "Give the name of the person who approved the policy.")
    approver_designation = _text("Designation", 200, "Give the approver's designation (e.g. Head of Department).")
    approved_on = IsoDateField("Approved on", validators=[DataRequired("Give the date the policy was approved.")])
    next_review_on = IsoDateField("Next review", validators=[Optional()])


class SignatureForm(FlaskForm):
    """Sign a document-control row: `how` is in_app (the signed-in person the row names) or scan."""

    slot = HiddenField()
    how = HiddenField()
    scan = FileField("Signed scan", description="A PDF, PNG or JPEG of the page signed by hand, checked like evidence.")


class RecordAcknowledgementsForm(FlaskForm):
    employee_numbers = TextAreaField("Employee numbers", validators=[
        DataRequired("Give the employee numbers of the people who signed, one per line.")],
        description="One per line (or separated by commas), as on the signed attendance or acknowledgement sheet.")
    acknowledged_on = IsoDateField("Signed on", validators=[DataRequired("Give the date the employees signed.")])
    sheet = FileField("Scanned signed sheet", description=(
        "Required: a PDF, PNG or JPEG of the page the employees signed, checked like evidence. It names everyone "
        "on it and shows their signatures, so only HR, security officers and administrators can open it."))

    def numbers(self) -> list[str]:
        return (self.employee_numbers.data or "").replace(",", "\n").replace(";", "\n").split()
