"""The audit log's words for records, their courses and posts, claims and erasure."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.alumni.claim_models import ClaimRequest, ErasureRequest
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.permissions import is_staff

W = Wording
ACTIONS = {
    "record.created": W(_l("Record created"), _l("%(actor)s created the record of %(subject)s")),
    "record.updated": W(_l("Record changed"), _l("%(actor)s changed the record of %(subject)s")),
    "record.merged": W(_l("A duplicate was merged into this record"),
                       _l("%(actor)s merged a duplicate into the record of %(subject)s")),
    "record.deactivated": W(_l("Record deactivated"),
                            _l("%(actor)s deactivated the record of %(subject)s")),
    "record.reactivated": W(_l("Record reactivated"),
                            _l("%(actor)s reactivated the record of %(subject)s")),
    "record.privacy_changed": W(_l("Privacy settings changed"),
                                _l("%(actor)s changed the privacy settings of %(subject)s")),
    "record.photo_changed": W(_l("Photo changed"),
                              _l("%(actor)s changed the photo of %(subject)s")),
    "record.photo_removed": W(_l("Photo removed"),
                              _l("%(actor)s removed the photo of %(subject)s")),
    "record.erased": W(_l("Personal data erased"),
                       _l("%(actor)s erased the personal data of %(subject)s")),
    "record.post_added": W(_l("Earlier post added"),
                           _l("%(actor)s added an earlier post to the record of %(subject)s")),
    "record.post_updated": W(_l("Earlier post corrected"),
                             _l("%(actor)s corrected an earlier post of %(subject)s")),
    "record.post_deleted": W(_l("Earlier post deleted"),
                             _l("%(actor)s deleted an earlier post of %(subject)s")),
    "participation.added": W(_l("Course added"),
                             _l("%(actor)s added a course to the record of %(subject)s")),
    "participation.updated": W(_l("Nomination corrected"),
                               _l("%(actor)s corrected a nomination of %(subject)s")),
    "participation.removed": W(_l("Course removed"),
                               _l("%(actor)s removed a course from the record of %(subject)s")),
    "claim.invited": W(_l("Invited to claim the record"),
                       _l("%(actor)s invited %(subject)s to claim their record")),
    "claim.accepted": W(_l("Record claimed by invitation"),
                        _l("%(actor)s claimed the record of %(subject)s by invitation")),
    "claim.confirmed": W(_l("Claim confirmed by the office"),
                         _l("%(actor)s confirmed the claim to the record of %(subject)s")),
    "claim.requested": W(_l("Asked to be matched to a record"),
                         _l("%(actor)s asked to be matched to a record: %(subject)s")),
    "claim.rejected": W(_l("Match not confirmed by the office"),
                        _l("%(actor)s did not confirm the match asked for: %(subject)s")),
    "erasure.requested": W(_l("Erasure asked for"),
                           _l("%(actor)s asked for their personal data to be erased")),
}


def _record_url(record: AlumnusRecord, reader) -> str | None:
    return url_for("directory.record", record_id=record.id) if is_staff(reader) else None


def _claim_url(claim: ClaimRequest, reader) -> str | None:
    return url_for("claims.review", claim_id=claim.id) if is_staff(reader) else None


def _erasure_url(erasure: ErasureRequest, reader) -> str | None:
    return url_for("claims.anonymise", erasure_id=erasure.id) if is_staff(reader) else None


def _claim_name(claim: ClaimRequest) -> str:
    return " ".join(p for p in (claim.given_name, claim.family_name) if p) or "—"


SUBJECTS = {
    "AlumnusRecord": Subject(AlumnusRecord, lambda r: r.display_name, _record_url),
    "ClaimRequest": Subject(ClaimRequest, _claim_name, _claim_url),
    "ErasureRequest": Subject(ErasureRequest, lambda e: e.user.display_name if e.user else "—",
                              _erasure_url),
}


def register(app) -> None:
    register_words(app, ACTIONS, SUBJECTS)
