"""What a merge carries from a duplicate record to the kept one: the account with its owner's
choices, and the e-mail addresses (alumni.services.merge_records)."""

from __future__ import annotations

from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db

ADDRESS_FIELDS = ("email", "email_alt")


OWNER_CHOICES = ("visibility", "show_email", "show_phone", "consent_at", "consent_text")


def move_owner(keep: AlumnusRecord, duplicate: AlumnusRecord) -> None:
    """The account, with its owner's privacy choices, consent and photo, goes to `keep`."""
    owner = duplicate.user_id
    duplicate.user_id = None
    db.session.flush()  # one user per record: free the duplicate's row before taking it
    keep.user_id = owner
    for name in OWNER_CHOICES:
        setattr(keep, name, getattr(duplicate, name))
    if duplicate.photo_name and not keep.photo_name:
        keep.photo_name, duplicate.photo_name = duplicate.photo_name, None
    db.session.flush()


def keep_addresses(keep: AlumnusRecord, duplicate: AlumnusRecord) -> tuple[dict, list[str]]:
    """Keep the duplicate's e-mail addresses on `keep` in its free address fields.

    The person may write from either address again (a claim, the next import of the list):
    the address must lead to the kept record. Returns the fields filled, and the addresses
    that found no free field: they stay in the merge's history entry and on the duplicate.
    """
    filled, unkept = {}, []
    for address in (duplicate.email, duplicate.email_alt):
        known = {a.casefold() for a in (keep.email, keep.email_alt) if a}
        if not address or address.casefold() in known:
            continue
        free = next((f for f in ADDRESS_FIELDS if not getattr(keep, f)), None)
        if free is None:
            unkept.append(address)
        else:
            setattr(keep, free, address)
            filled[free] = address
    return filled, unkept
