"""The audit log's words for events."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.events.models import Event, Guest, Invitation
from alumni_app.permissions import same_office

ACTIONS = {
    "event.created": Wording(_l("Event created"), _l("%(actor)s created the event %(subject)s")),
    "event.edited": Wording(_l("Event changed"), _l("%(actor)s changed the event %(subject)s")),
    "event.publish": Wording(_l("Event published"),
                             _l("%(actor)s published the event %(subject)s")),
    "event.postpone": Wording(_l("Event postponed"),
                              _l("%(actor)s postponed the event %(subject)s")),
    "event.cancel": Wording(_l("Event cancelled"),
                            _l("%(actor)s cancelled the event %(subject)s")),
    "event.finish": Wording(_l("Event finished"),
                            _l("%(actor)s marked the event %(subject)s as finished")),
    "event.session_added": Wording(_l("Agenda session added"),
                                   _l("%(actor)s added a session to the agenda of %(subject)s")),
    "event.session_edited": Wording(_l("Agenda session changed"),
                                    _l("%(actor)s changed a session of the agenda of "
                                       "%(subject)s")),
    "event.session_removed": Wording(_l("Agenda session removed"),
                                     _l("%(actor)s removed a session from the agenda of "
                                        "%(subject)s")),
    "event.note_added": Wording(_l("Discussion note added"),
                                _l("%(actor)s added a note of the discussion at %(subject)s")),
    "event.note_removed": Wording(_l("Discussion note removed"),
                                  _l("%(actor)s removed a note of the discussion at "
                                     "%(subject)s")),
    "event.guest_saved": Wording(_l("Guest saved"), _l("%(actor)s saved the guest %(subject)s")),
    "event.invited": Wording(_l("People invited"),
                             _l("%(actor)s invited people to %(subject)s")),
    "event.answered": Wording(_l("Answer to an invitation"),
                              _l("%(actor)s recorded an answer of %(subject)s"),
                              _l("%(actor)s answered an invitation (%(subject)s)")),
    "event.moved_up": Wording(_l("Moved up from the waiting list"),
                              _l("%(actor)s freed a seat: %(subject)s moved up from the "
                                 "waiting list")),
    "event.checked_in": Wording(_l("Checked in"), _l("%(actor)s checked in %(subject)s")),
    "event.proposed": Wording(_l("Agenda proposed"),
                              _l("%(actor)s had the agenda of %(subject)s proposed")),
}


def _event_url(event: Event, reader) -> str | None:
    if same_office(reader, event.office_id):
        return url_for("event_staff.detail", event_id=event.id)
    return None


def _guest_url(guest: Guest, reader) -> str | None:
    if same_office(reader, guest.office_id):
        return url_for("event_staff.guest_edit", guest_id=guest.id)
    return None


def _invitation_name(invitation: Invitation) -> str:
    return f"{invitation.name} · {invitation.event.title_en}"


def register(app) -> None:
    register_words(app, ACTIONS, {
        "Event": Subject(Event, lambda e: e.title_en, _event_url),
        "Guest": Subject(Guest, lambda g: g.name, _guest_url),
        "Invitation": Subject(Invitation, _invitation_name),
    })
