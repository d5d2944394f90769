"""Forms for logging in, registering, resets, invitations and the second factor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from alumni_app.auth.passwords import MAX_LENGTH, password_problem
from alumni_app.forms import BaseForm, email_field

LANGUAGE_CHOICES = [("en", "English"), ("ru", "Русский")]


class LoginForm(BaseForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH * 4)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))  # the page says how long
    next = HiddenField()


class NewPasswordMixin:
    """A new password typed twice and checked against the policy."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password."))],
        description=_l("At least 10 characters. A few unrelated words make a good password."),
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )

    def policy_context(self) -> dict:
        return {}

    def validate_password(self, field):
        problem = password_problem(field.data or "", **self.policy_context())
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, BaseForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name", "maxlength": 120},
    )
    email = email_field()
    preferred_language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)

    def policy_context(self) -> dict:
        return {"email": self.email.data or "", "name": self.display_name.data or ""}


class EmailRequestForm(BaseForm):
    email = email_field()


class ResetPasswordForm(NewPasswordMixin, BaseForm):
    email_for_policy: str = ""
    name_for_policy: str = ""

    def policy_context(self) -> dict:
        return {"email": self.email_for_policy, "name": self.name_for_policy}


class AcceptInvitationForm(NewPasswordMixin, BaseForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)],
        render_kw={"maxlength": 120},
    )
    email_for_policy: str = ""

    def policy_context(self) -> dict:
        return {"email": self.email_for_policy, "name": self.display_name.data or ""}


class ConfirmForm(BaseForm):
    """A form with nothing but its CSRF token: confirms a POST-only action."""


class TotpForm(BaseForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(message=_l("Enter the 6-digit code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )


class RecoveryCodeForm(BaseForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(message=_l("Enter one of your recovery codes.")), Length(max=40)],
        render_kw={"autocomplete": "off", "maxlength": 40},
    )

