"""Forms of the product lifecycle list. The rules (a product and version once in the list) are
the services'; they come back as AssetRuleError problems that app.common.saving puts next to the
fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from app.assets.products.services import WEB_ADDRESS_MESSAGE, is_web_address
from app.common.forms import IsoDateField, strip


def web_address(form, field) -> None:
    if field.data and not is_web_address(field.data):
        raise ValidationError(WEB_ADDRESS_MESSAGE)


class ProductForm(FlaskForm):
    version = HiddenField()
    name = StringField("Product", filters=[strip], validators=[
        DataRequired("Name the product, like Microsoft Windows Server."),
        Length(max=120, message="Use at most 120 characters.")])
    release = StringField("Version", filters=[strip], validators=[
        Length(max=60, message="Use at most 60 characters.")])
    end_of_support = IsoDateField("End of support", validators=[Optional()])
    source = StringField("Source", filters=[strip], validators=[
        Length(max=500, message="Use at most 500 characters."), web_address])
    note = TextAreaField("Note", filters=[strip], validators=[
        Length(max=5000, message="Use at most 5,000 characters.")])


class DeleteProductForm(FlaskForm):
    """The delete button: CSRF only (the service refuses a product in use)."""
