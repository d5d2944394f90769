"""Who may import spreadsheets, follow an import, and forget what an office's files call a place.

Imports are staff work (the routes admit staff roles only); an upload, its jobs and the names
remembered for an office belong to that office: staff of another office are told they do not
exist (404), administrators reach every office.
"""

from __future__ import annotations

from alumni_app.imports.models import ImportAlias
from alumni_app.permissions import is_staff, reaches, same_office

SAME_OFFICE = "imports.policy.can_use_upload(user, upload.office_id)"


def can_use_upload(user, office_id: int | None) -> bool:
    """Staff of the upload's office (an administrator, any office's) check and import it."""
    return is_staff(user) and office_id is not None and same_office(user, office_id)


@reaches(ImportAlias)
def can_see_alias(user, alias: ImportAlias) -> bool:
    """The names an office's files use are the office's own."""
    return is_staff(user) and same_office(user, alias.office_id)


def can_forget_alias(user, alias: ImportAlias) -> bool:
    return can_see_alias(user, alias)
