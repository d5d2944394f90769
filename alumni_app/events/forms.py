"""Forms of the event pages; the services check the rules that need the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from alumni_app.events.labels import KIND_LABELS, LANGUAGE_LABELS
from alumni_app.events.notes import NoteValues
from alumni_app.events.services import EventValues, GuestValues, SessionValues
from alumni_app.forms import BaseForm, WholeNumberField, positive_int
from alumni_app.plans.forms import CheckboxesField

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _when(label, required=True):
    validators = [InputRequired(message=_l("Enter a date and time."))] if required else [
        Optional()]
    return DateTimeLocalField(label, format=DATETIME_FORMATS, validators=validators)


class EventForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    title_en = StringField(_l("Title in English"), validators=[
        DataRequired(message=_l("Give the event a title in English.")), Length(max=200)],
        render_kw={"maxlength": 200})
    title_ru = StringField(_l("Title in Russian"), validators=[Length(max=200)],
                           render_kw={"maxlength": 200})
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Length(max=10_000)], render_kw={"rows": 4})
    description_ru = TextAreaField(_l("Description in Russian"),
                                   validators=[Length(max=10_000)], render_kw={"rows": 4})
    starts_at = _when(_l("Starts (office time)"))
    ends_at = _when(_l("Ends (office time)"))
    venue = StringField(_l("Venue"), validators=[Length(max=200)], render_kw={"maxlength": 200})
    address = StringField(_l("Address"), validators=[Length(max=300)],
                          render_kw={"maxlength": 300})
    online_url = StringField(_l("Online link"), validators=[Length(max=500)],
                             render_kw={"maxlength": 500, "inputmode": "url"})
    capacity = WholeNumberField(_l("Capacity (empty: no limit)"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l(
            "The capacity is a number from 1 to 100,000, or empty for no limit."))])
    registration_deadline = _when(_l("Registration deadline (office time, optional)"),
                                  required=False)
    open_registration = BooleanField(_l("Any alumnus of the office may register (not only "
                                        "those invited)"))

    def values(self) -> EventValues:
        return EventValues(
            kind=self.kind.data, title_en=self.title_en.data or "",
            title_ru=self.title_ru.data or "", description_en=self.description_en.data or "",
            description_ru=self.description_ru.data or "", starts_at=self.starts_at.data,
            ends_at=self.ends_at.data, venue=self.venue.data or "",
            address=self.address.data or "", online_url=self.online_url.data or "",
            capacity=self.capacity.data, registration_deadline=self.registration_deadline.data,
            open_registration=self.open_registration.data)


class PostponeForm(BaseForm):
    starts_at = _when(_l("New start (office time)"))
    ends_at = _when(_l("New end (office time)"))


class SessionForm(BaseForm):
    starts_at = _when(_l("Starts (office time)"))
    ends_at = _when(_l("Ends (office time, optional)"), required=False)
    title_en = StringField(_l("Title in English"), validators=[
        DataRequired(message=_l("Give the session a title in English.")), Length(max=300)],
        render_kw={"maxlength": 300})
    title_ru = StringField(_l("Title in Russian"), validators=[Length(max=300)],
                           render_kw={"maxlength": 300})
    room = StringField(_l("Room"), validators=[Length(max=120)], render_kw={"maxlength": 120})

    def values(self, formdata) -> SessionValues:
        def ids(name):
            return [n for n in (positive_int(v) for v in formdata.getlist(name)) if n][:50]

        return SessionValues(starts_at=self.starts_at.data, ends_at=self.ends_at.data,
                             title_en=self.title_en.data or "", title_ru=self.title_ru.data or "",
                             room=self.room.data or "", record_ids=ids("speaker_records"),
                             guest_ids=ids("speaker_guests"))


class GuestForm(BaseForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the guest's name.")), Length(max=200)],
        render_kw={"maxlength": 200})
    organization = StringField(_l("Organization"), validators=[Length(max=200)],
                               render_kw={"maxlength": 200})
    position = StringField(_l("Position"), validators=[Length(max=200)],
                           render_kw={"maxlength": 200})
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("A guest needs an e-mail address: the invitation goes there.")),
        Length(max=254), Email(message=_l("Enter a valid e-mail address, like name@example.org."),
                               check_deliverability=False)],
        render_kw={"maxlength": 254})
    phone = StringField(_l("Phone"), validators=[Length(max=40)], render_kw={"maxlength": 40})
    language = SelectField(_l("Language of the e-mails"), choices=list(LANGUAGE_LABELS.items()))

    def values(self) -> GuestValues:
        return GuestValues(name=self.name.data or "", email=self.email.data or "",
                           organization=self.organization.data or "",
                           position=self.position.data or "", phone=self.phone.data or "",
                           language=self.language.data)


class AnswerForm(BaseForm):
    """An alumnus's yes or no (the button pressed says which)."""


class ProposalForm(BaseForm):
    title = StringField(_l("Session title"), validators=[
        DataRequired(message=_l("Give the session a title.")), Length(max=300)],
        render_kw={"maxlength": 300})
    starts_at = _when(_l("Starts (office time)"))


NOTE_KIND_CHOICES = [("challenge", _l("Challenge")), ("need", _l("Need")), ("idea", _l("Idea"))]


class NoteForm(BaseForm):
    """A note of a session's discussion; the sessions and barriers are set by `note_form`."""

    session_id = SelectField(_l("Session"), coerce=int, validate_choice=False)
    kind = SelectField(_l("Kind of note"), choices=NOTE_KIND_CHOICES, validate_choice=False)
    text = TextAreaField(_l("What was said"), validators=[
        DataRequired(message=_l("Write the note: up to 5,000 characters.")),
        Length(max=5000, message=_l("Write the note: up to 5,000 characters."))],
        render_kw={"rows": 3, "maxlength": 5000})
    barrier_ids = CheckboxesField(_l("Barriers it names"), coerce=int, validate_choice=False)

    def values(self) -> NoteValues:
        return NoteValues(session_id=self.session_id.data, kind=self.kind.data or "",
                          text=self.text.data or "", barrier_ids=list(self.barrier_ids.data or []))


def note_form(event, barriers, locale: str, **kwargs) -> NoteForm:
    form = NoteForm(**kwargs)
    form.session_id.choices = [(s.id, s.title(locale)) for s in event.sessions]
    form.barrier_ids.choices = [(b.id, b.name(locale)) for b in barriers]
    return form


def notes_form(event, locale: str, **kwargs) -> NoteForm:
    """The note form of `event`: its sessions, and the barriers in use."""
    import sqlalchemy as sa

    from alumni_app.extensions import db
    from alumni_app.plans.models import Barrier

    barriers = db.session.scalars(sa.select(Barrier).where(Barrier.is_active)
                                  .order_by(Barrier.name_en))
    return note_form(event, list(barriers), locale, **kwargs)
