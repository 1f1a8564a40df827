from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from app.auth.passwords import PASSWORD_RULE


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired("Enter your e-mail address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=256)])


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Authentication code",
        validators=[DataRequired("Enter the 6-digit code."), Regexp(r"^\s*\d{6}\s*$", message="The code is 6 digits.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password."), Length(max=256)],
                                 description=PASSWORD_RULE)
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."), EqualTo("new_password", "The two new passwords differ.")],
    )


class EnableMfaForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code."), Regexp(r"^\s*\d{6}\s*$", message="The code is 6 digits.")],
    )


class DisableMfaForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm.")])


class SignOutOtherSessionsForm(FlaskForm):
    """A button: the CSRF token is its only field."""
