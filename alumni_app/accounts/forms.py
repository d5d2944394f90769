"""Forms for one's own account and for managing other accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from alumni_app.auth.forms import LANGUAGE_CHOICES, NewPasswordMixin, TotpForm
from alumni_app.auth.passwords import MAX_LENGTH
from alumni_app.auth.services import LoginThrottled, check_current_password
from alumni_app.forms import BaseForm, email_field
from alumni_app.permissions import Role
from alumni_app.throttle import retry_message

ROLE_LABELS = {
    Role.ALUMNUS: _l("Alumnus"),
    Role.OFFICER: _l("Officer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


class CurrentPasswordMixin:
    """Asks for the current password; the view sets `user` before validating.

    Failed checks are throttled per account: over the limit `retry_after` holds the seconds to
    wait and the field says when to try again (the view answers 429).
    """

    user = None
    purpose = "current-password"
    retry_after = 0
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")),
                    Length(max=MAX_LENGTH * 4)],
        render_kw={"autocomplete": "current-password"},
    )

    def validate_current_password(self, field):
        try:
            correct = check_current_password(self.user, field.data or "", purpose=self.purpose)
        except LoginThrottled as exc:
            self.retry_after = exc.retry_after
            raise ValidationError(retry_message(exc.retry_after)) from None
        if not correct:
            raise ValidationError(_l("The current password is not correct."))


class ProfileForm(BaseForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)],
        render_kw={"maxlength": 120, "autocomplete": "name"},
    )
    preferred_language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordMixin, BaseForm):
    purpose = "password-change"

    def policy_context(self) -> dict:
        return {"email": self.user.email, "name": self.user.display_name}


class ChangeEmailForm(CurrentPasswordMixin, BaseForm):
    purpose = "email-change"
    new_email = email_field(_l("New e-mail address"))


class DisableSecondFactorForm(CurrentPasswordMixin, BaseForm):
    purpose = "second-factor-disable"


class ResetSecondFactorForm(CurrentPasswordMixin, BaseForm):
    """Resetting another person's second factor: a stolen staff session alone must not."""

    purpose = "second-factor-reset"


class SetUpSecondFactorForm(CurrentPasswordMixin, TotpForm):
    """Turning a second factor on: a stolen session alone must not lock its owner out."""

    purpose = "second-factor-setup"


class NewRecoveryCodesForm(CurrentPasswordMixin, BaseForm):
    """Shows new recovery codes: a stolen session alone must not read them."""

    purpose = "recovery-codes"


class InviteForm(BaseForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=120)],
        render_kw={"maxlength": 120},
    )
    email = email_field()
    role = SelectField(_l("Role"), validators=[DataRequired()])
    office_id = SelectField(_l("Office"), coerce=int, validate_choice=True)
    preferred_language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)


class ChangeRoleForm(BaseForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    office_id = SelectField(_l("Office"), coerce=int)
