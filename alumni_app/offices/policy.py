"""Who may manage offices."""

from alumni_app.permissions import is_admin


def can_manage_offices(user) -> bool:
    return is_admin(user)
