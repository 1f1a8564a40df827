"""Forms of the CMDB. The rules (unique tag, sites, ratings, classification, dates) are the
services'; they come back as AssetRuleError problems that app.common.saving puts next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.assets import reported
from app.assets.models import AssetKind, Disposition, Lifecycle, LinkSpeed, RelationKind, SiteType
from app.common.forms import IsoDateField, strip

RATING_CHOICES = {"": "Not rated", **{str(level): str(level) for level in range(1, 6)}}


def _text(label: str, limit: int, **kwargs) -> StringField:
    return StringField(label, filters=[strip], validators=[
        Optional(), Length(max=limit, message=f"Use at most {limit} characters.")], **kwargs)


class AssetForm(FlaskForm):
    version = HiddenField()
    tag = StringField("Asset tag or CI number", filters=[strip], validators=[
        DataRequired("Give the asset tag or CI number, like DOH-PC-00412."),
        Length(max=64, message="Use at most 64 characters.")])
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Give the item a name."), Length(max=200, message="Use at most 200 characters.")])
    kind = SelectField("Type", choices={"": "Choose a type", **{kind.value: kind.label for kind in AssetKind}},
                       validators=[DataRequired("Choose the type of item.")])
    status = SelectField("Lifecycle status", choices={status.value: status.label for status in Lifecycle},
                         default=Lifecycle.IN_USE.value)
    owner_id = SelectField("Owner", validators=[Optional()])
    custodian = _text("Custodian", 200, description="Who runs and protects it day to day, e.g. ICT Operations.")
    department_id = SelectField("Department", validators=[Optional()])
    site_tag = _text("Site", 64, description="The tag of the site it is at, e.g. SITE-0412.")
    classification = SelectField("Classification", validators=[Optional()])
    confidentiality = SelectField("Confidentiality", choices=RATING_CHOICES, validators=[Optional()])
    integrity = SelectField("Integrity", choices=RATING_CHOICES, validators=[Optional()])
    availability = SelectField("Availability", choices=RATING_CHOICES, validators=[Optional()])
    business_impact = SelectField("Business impact", choices=RATING_CHOICES, validators=[Optional()],
                                  description="1 (lowest) to 5 (highest): what losing it would do to the "
                                              "department's services. The refresh list ranks by it first.")
    manufacturer = _text("Manufacturer", 120)
    model = _text("Model", 120)
    serial = _text("Serial number", 120)
    product_id = SelectField("Operating system or product", validators=[Optional()])
    purchased_on = IsoDateField("Purchase date", validators=[Optional()])
    end_of_support_set = IsoDateField("End of support (this item)", validators=[Optional()],
                                      description="Leave empty to use the product's date.")
    device_profile_id = SelectField("Device profile", validators=[Optional()],
                                    description="The standard profile it belongs to and is replaced with, "
                                                "from the device profile catalogue.")
    ip_address = _text("IP address", 64)
    hostname = _text("Host name", 255)
    notes = TextAreaField("Notes", filters=[strip], validators=[
        Length(max=10000, message="Use at most 10,000 characters.")])
    site_type = SelectField("Site type", choices={"": "Not a site", **{kind.value: kind.label for kind in SiteType}},
                            validators=[Optional()])
    link_speed = SelectField("Link speed", choices={"": "Not set", **{s.value: s.label for s in LinkSpeed}},
                             validators=[Optional()])

    def set_choices(self, *, users, departments: dict[str, str], classifications: list[str], products,
                    device_profiles) -> None:
        self.owner_id.choices = {"": "Nobody yet"} | {
            str(user.id): user.full_name + ("" if user.active else " (inactive)") for user in users}
        self.department_id.choices = departments
        self.classification.choices = {"": "Not classified"} | {label: label for label in classifications}
        self.product_id.choices = {"": "None"} | {str(product.id): str(product) for product in products}
        self.device_profile_id.choices = {"": "None"} | {str(profile.id): str(profile) for profile in device_profiles}


class DeleteAssetForm(FlaskForm):
    version = HiddenField()
    confirmed = BooleanField("Delete it with its relations")


class RelationForm(FlaskForm):
    kind = SelectField("Relation", choices={kind.value: kind.label for kind in RelationKind})
    target_tag = StringField("Other item's tag", filters=[strip], validators=[
        DataRequired("Give the tag of the other item."), Length(max=64, message="Use at most 64 characters.")])


class RiskLinksForm(FlaskForm):
    version = HiddenField()
    risk_ids = SelectMultipleField("Risks", coerce=int)


class DispositionForm(FlaskForm):
    year = IntegerField("Year", validators=[DataRequired("Give the year."),
                                            NumberRange(min=2000, max=2100, message="Give a year like 2024.")])
    disposition = SelectField("Disposition", choices={"": "None (undecided)", **{
        value.value: f"{value.group.value}: {value.label}" for value in Disposition}}, validators=[Optional()])


class ReportedPortfolioForm(FlaskForm):
    """A year's portfolio table as reported: a text field per cell (app.assets.reported.CELLS, added
    below), read by the service, which says which cell is not a figure and why."""

    version = HiddenField()
    year = StringField("Year", filters=[strip], validators=[
        DataRequired("Give the year the table reports, like 2023."),
        Regexp(r"^\d{4}$", message="Give the year as four digits, like 2023.")])
    source = StringField("Reported in", filters=[strip], validators=[
        DataRequired("Name where the table was reported, like “Digital Government budget deck, 2 June 2023”."),
        Length(max=300, message="Use at most 300 characters.")])


for _cell in reported.CELLS:
    setattr(ReportedPortfolioForm, _cell.key, StringField(_cell.label, filters=[strip], validators=[
        Length(max=20, message="Use at most 20 characters.")]))
