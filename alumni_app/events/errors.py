"""What an event's services refuse, in words the person reads next to the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from alumni_app.errors import DomainError


class EventError(DomainError):
    MESSAGES = {
        "in-past": _l("The event cannot start in the past."),
        "ends-before": _l("The end must come after the start."),
        "too-far": _l("Give a date within the next five years."),
        "deadline-after": _l("The registration deadline must come before the event starts."),
        "capacity-below": _l("%(registered)s people already hold a seat: the capacity cannot "
                             "be lower than that."),
        "capacity-range": _l("The capacity is a number from 1 to 100,000, or empty for no "
                             "limit."),
        "place-needed": _l("Give a venue with its address, or a link for an online event."),
        "link-invalid": _l("A link starts with https:// or http://."),
        "title-needed": _l("Give the event a title in English."),
        "nobody": _l("Nobody matches these filters: widen them or choose people by hand."),
        "email-needed": _l("A guest needs an e-mail address: the invitation goes there."),
        "email-taken": _l("Another guest of the office has this e-mail address."),
        "guest-name": _l("Give the guest's name."),
        "after-deadline": _l("Answers closed on %(deadline)s."),
        "not-open": _l("This event does not take answers now: it is %(state)s."),
        "not-invited": _l("This event is by invitation only."),
        "no-record": _l("Your account is not linked to an alumni record yet."),
        "not-coming": _l("Only people who said they are coming can be checked in."),
        "not-live": _l("People are checked in while the event is published."),
        "session-outside": _l("A session takes place between the event's start and end."),
        "session-title": _l("Give the session a title in English."),
        "session-ends-before": _l("A session ends after it starts."),
        "unknown-speaker": _l("Choose speakers from the office's alumni and guests."),
        "already-invited": _l("Everyone chosen is invited already."),
        "not-annual": _l("Proposals are made for the annual meeting."),
        "decided": _l("This proposal was already %(state)s."),
        "proposal-title": _l("Give the session a title."),
        "note-session": _l("Choose a session of this event's agenda."),
        "note-kind": _l("Choose whether it is a challenge, a need or an idea."),
        "note-text": _l("Write the note: up to 5,000 characters."),
        "note-barrier": _l("Choose barriers from the list."),
        "session-has-notes": _l("This session has notes of its discussion: remove them "
                                "first."),
        "not-attended": _l("A certificate of attendance is given to people checked in at the "
                           "event."),
    }
    status = 400
