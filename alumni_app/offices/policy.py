"""Who may manage offices."""

from alumni_app.offices.models import Office
from alumni_app.permissions import is_admin, is_staff, reaches, same_office


def can_manage_offices(user) -> bool:
    return is_admin(user)


@reaches(Office)
def can_see_office(user, office: Office) -> bool:
    """Staff work in their own office (administrators in all); offices are no secret else."""
    return not is_staff(user) or same_office(user, office.id)
