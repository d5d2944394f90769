"""The audit log's words for accounts, logins, passwords and second factors."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.accounts import policy
from alumni_app.accounts.models import User
from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words

W = Wording
ACTIONS = {
    "account.registered": W(_l("Account registered"), _l("%(actor)s registered")),
    "account.register_existing": W(_l("Registration tried again with this address"),
                                   _l("Someone tried to register again with the address of "
                                      "%(subject)s")),
    "account.email_verified": W(_l("E-mail address confirmed"),
                                _l("%(actor)s confirmed their e-mail address")),
    "account.created": W(_l("Account created"), _l("%(actor)s created an account for %(subject)s")),
    "account.invited": W(_l("Invited to the network"), _l("%(actor)s invited %(subject)s")),
    "account.invitation_accepted": W(_l("Invitation accepted"),
                                     _l("%(actor)s accepted the invitation")),
    "account.profile_changed": W(_l("Name or language changed"),
                                 _l("%(actor)s changed their name or language")),
    "account.email_change_requested": W(_l("Change of e-mail address asked for"),
                                        _l("%(actor)s asked to change their e-mail address")),
    "account.email_changed": W(_l("E-mail address changed"),
                               _l("%(actor)s changed their e-mail address")),
    "account.role_changed": W(_l("Role changed"), _l("%(actor)s changed the role of %(subject)s")),
    "account.deactivated": W(_l("Account deactivated"),
                             _l("%(actor)s deactivated the account of %(subject)s")),
    "account.reactivated": W(_l("Account reactivated"),
                             _l("%(actor)s reactivated the account of %(subject)s")),
    "login.succeeded": W(_l("Logged in"), _l("%(actor)s logged in")),
    "login.failed": W(_l("Login failed"), _l("A login as %(subject)s failed")),
    "login.throttled": W(_l("Logins held back"),
                         _l("Logins were held back after too many failed attempts")),
    "logout": W(_l("Logged out"), _l("%(actor)s logged out")),
    "password.changed": W(_l("Password changed"),
                          _l("%(actor)s changed the password of %(subject)s"),
                          _l("%(actor)s changed their password")),
    "password.rehashed": W(_l("Stored password protection renewed"),
                           _l("The stored protection of %(subject)s's password was renewed")),
    "password.reset_requested": W(_l("Password reset link asked for"),
                                  _l("A password reset link was sent to %(subject)s")),
    "password.reset_requested_unknown": W(
        _l("Password reset asked for an unknown address"),
        _l("Someone asked to reset the password of an address without an account")),
    "password.check_failed": W(_l("Wrong current password typed"),
                               _l("%(actor)s typed a wrong current password")),
    "password.check_throttled": W(_l("Current password not checked: too many attempts"),
                                  _l("%(actor)s typed a wrong current password too often")),
    "second_factor.enabled": W(_l("Second factor turned on"),
                               _l("%(actor)s turned on a second factor")),
    "second_factor.disabled": W(_l("Second factor turned off"),
                                _l("%(actor)s turned off their second factor")),
    "second_factor.reset": W(_l("Second factor reset"),
                             _l("%(actor)s reset the second factor of %(subject)s")),
    "second_factor.codes_regenerated": W(_l("New recovery codes made"),
                                         _l("%(actor)s made new recovery codes")),
}


def _user_url(user: User, reader) -> str | None:
    if reader is None or not getattr(reader, "is_authenticated", False):
        return None
    return url_for("users.detail", user_id=user.id) if policy.can_view_user(reader, user) else None


def register(app) -> None:
    register_words(app, ACTIONS, {"User": Subject(User, lambda u: u.display_name, _user_url)})
