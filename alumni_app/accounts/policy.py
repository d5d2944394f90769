"""Who may see and change which accounts."""

from __future__ import annotations

from alumni_app.accounts.models import User
from alumni_app.permissions import Role, is_admin, reaches, same_office, user_role

# The roles each role may hand out by invitation or role change. Managers add officers to their
# own office; managers and administrators (who approve money and manage accounts) are made by
# administrators only.
GRANTABLE = {
    Role.ADMIN: (Role.OFFICER, Role.MANAGER, Role.ADMIN),
    Role.MANAGER: (Role.OFFICER,),
}


def grantable_roles(actor) -> tuple[Role, ...]:
    return GRANTABLE.get(user_role(actor), ())


@reaches(User)
def can_view_user(actor, user) -> bool:
    """Admins see every account; managers see the staff of their own office."""
    if is_admin(actor):
        return True
    return user_role(actor) is Role.MANAGER and user.is_staff and same_office(actor, user.office_id)


def can_invite(actor, role: Role, office_id: int | None) -> bool:
    """Admins invite any staff role (an admin also without office); managers, their officers."""
    if role not in grantable_roles(actor):
        return False
    return is_admin(actor) or same_office(actor, office_id)


def can_change_role(actor, user) -> bool:
    """Only administrators change roles, and never their own (another admin must)."""
    return is_admin(actor) and actor.id != user.id


def _manages(actor, user) -> bool:
    """Admins manage anyone but themselves; managers manage the officers of their office."""
    if actor.id == user.id:
        return False
    if is_admin(actor):
        return True
    return (
        user_role(actor) is Role.MANAGER
        and user_role(user) is Role.OFFICER
        and same_office(actor, user.office_id)
    )


def can_deactivate(actor, user) -> bool:
    """Admins deactivate anyone but themselves; managers deactivate officers of their office."""
    return _manages(actor, user)


def can_reset_second_factor(actor, user) -> bool:
    """Turn off someone's lost second factor: admins for anyone else, managers for their officers.

    Never one's own: a stolen session must not be able to swap the factor that guards it.
    """
    return user.has_second_factor and _manages(actor, user)


def can_resend_invitation(actor, user) -> bool:
    return user.is_invited_pending and can_view_user(actor, user)
