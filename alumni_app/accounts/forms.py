"""Forms for one's own account and for managing other accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from alumni_app.auth.forms import LANGUAGE_CHOICES, NewPasswordMixin
from alumni_app.auth.passwords import verify_password
from alumni_app.forms import BaseForm, email_field
from alumni_app.permissions import Role

ROLE_LABELS = {
    Role.ALUMNUS: _l("Alumnus"),
    Role.OFFICER: _l("Officer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


class CurrentPasswordMixin:
    """Asks for the current password; the view sets `user` before validating."""

    user = None
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )

    def validate_current_password(self, field):
        if not verify_password(self.user.password_hash, field.data or ""):
            raise ValidationError(_l("The current password is not correct."))


class ProfileForm(BaseForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=120)],
        render_kw={"maxlength": 120, "autocomplete": "name"},
    )
    preferred_language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(CurrentPasswordMixin, NewPasswordMixin, BaseForm):
    def policy_context(self) -> dict:
        return {"email": self.user.email, "name": self.user.display_name}


class ChangeEmailForm(CurrentPasswordMixin, BaseForm):
    new_email = email_field(_l("New e-mail address"))


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
