"""Who may change the course catalog and the lists of sectors and regions."""

from __future__ import annotations

from alumni_app.permissions import is_admin, is_staff, reaches, same_office
from alumni_app.training.models import Region


def can_manage_sectors(user) -> bool:
    """Staff of any office see and extend the shared list of sectors (officers too)."""
    return is_staff(user)


def can_add_sector(user) -> bool:
    return is_staff(user)


def can_change_sector(user) -> bool:
    """Only administrators rename or retire a sector: every office's records and courses use it."""
    return is_admin(user)


def can_manage_region(user, office_id: int | None) -> bool:
    """Staff extend their own office's regions (an administrator, any office's)."""
    return is_staff(user) and same_office(user, office_id)


@reaches(Region)
def can_see_region(user, region: Region) -> bool:
    """Staff see their own office's regions (administrators, all)."""
    return not is_staff(user) or same_office(user, region.office_id)


def can_manage_regions(user) -> bool:
    """Whether the user may add regions to some office (their own)."""
    return is_staff(user)
