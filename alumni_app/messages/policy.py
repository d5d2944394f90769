"""Who may manage, read and download announcements, and see a message's delivery log."""

from __future__ import annotations

from alumni_app.messages.models import Announcement, BulkMessage
from alumni_app.permissions import is_admin, is_staff, reaches, same_office


def can_manage(user, announcement: Announcement) -> bool:
    """Staff of its office; administrators for every office and for those to everyone."""
    if announcement.office_id is None:
        return is_admin(user)
    return is_staff(user) and same_office(user, announcement.office_id)


def can_read(user, announcement: Announcement) -> bool:
    from alumni_app.messages.announcements import is_for

    return can_manage(user, announcement) or is_for(user, announcement)


@reaches(Announcement)
def reaches_announcement(user, announcement: Announcement) -> bool:
    return can_read(user, announcement)


@reaches(BulkMessage)
def can_see_message(user, message: BulkMessage) -> bool:
    if message.office_id is None:
        return is_admin(user)
    return is_staff(user) and same_office(user, message.office_id)
