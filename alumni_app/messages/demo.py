"""Demo announcements for the Tajikistan office: a pinned call already sent by e-mail to the
office's alumni (its delivery log filled), a public success story, and a group announcement for
those trained in health."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from alumni_app.accounts.models import User
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.audiences import Audience
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.messages import announcements, bulk
from alumni_app.messages.announcements import Values
from alumni_app.messages.models import BouncedAddress, MailOptOut
from alumni_app.offices.models import Office
from alumni_app.permissions import Role
from alumni_app.training.models import Course

log = logging.getLogger("alumni_app.messages")

CALL = {
    "title_en": "Young Leaders 2027: applications open",
    "body_en": "## Who can apply\n\nAlumni of the **Young Leaders** and local governance "
               "courses who work in public administration.\n\n- Apply by **1 March 2027**\n"
               "- Interviews in Dushanbe in April\n\nRead the "
               "[call on the JICA site](https://www.jica.go.jp/english/).",
    "title_ru": "Молодые лидеры 2027: приём заявок открыт",
    "body_ru": "## Кто может подать заявку\n\nВыпускники курсов **Young Leaders** и местного "
               "самоуправления, работающие в госуправлении.\n\n- Заявки до **1 марта 2027**\n"
               "- Собеседования в Душанбе в апреле\n\nПодробнее — "
               "[на сайте JICA](https://www.jica.go.jp/english/).",
}
STORY = {
    "title_en": "Clean water for schools in Sughd",
    "body_en": "Alumni of the irrigation course brought safe drinking water to **twelve rural "
               "schools** with a mini-grant: pumps repaired, filters installed, and caretakers "
               "trained to keep them running.",
    "title_ru": "Чистая вода для школ Согда",
    "body_ru": "Выпускники курса по ирригации на мини-грант обеспечили питьевой водой "
               "**двенадцать сельских школ**: отремонтированы насосы, установлены фильтры, "
               "обучены смотрители.",
}
HEALTH = {
    "title_en": "Maternal health seminar in Dushanbe",
    "body_en": "A one-day seminar for alumni of the health courses on *what changed since "
               "your training*. Lunch provided.",
    "title_ru": "Семинар по охране материнства в Душанбе",
    "body_ru": "Однодневный семинар для выпускников курсов здравоохранения: *что изменилось "
               "после вашего обучения*. Обед предоставляется.",
}


def seed() -> None:
    office = db.session.scalar(sa.select(Office).where(Office.code == "TJ"))
    if office is None:
        return
    office.reply_to = office.reply_to or "tajikistan.office@example.org"  # their Reply-To
    officer = db.session.scalar(sa.select(User).where(
        User.office_id == office.id, User.role == Role.OFFICER.value).order_by(User.id))
    now = utcnow()
    call = announcements.save(officer, None, Values(
        **CALL, is_pinned=True, office_id=office.id, publish_at=now - timedelta(days=2),
        expires_at=now + timedelta(days=90)))
    announcements.save(officer, None, Values(
        **STORY, is_public=True, public_consent=True, office_id=office.id,
        publish_at=now - timedelta(days=20)))
    health = db.session.scalar(sa.select(Course.id).where(Course.code == "J2004102"))
    if health is not None:
        announcements.save(officer, None, Values(
            **HEALTH, scope="group", office_id=office.id,
            audience=Audience(office_id=office.id, course_id=health),
            publish_at=now - timedelta(days=1)))
    _addresses(office)
    with current_app.test_request_context():
        message = bulk.send_announcement(officer, call)
        db.session.commit()
        try:
            bulk.deliver(message.id)
        except bulk.MailServerTrouble as trouble:  # no mail server: the log shows it queued
            log.warning("demo e-mail left queued: %s", trouble)


def _addresses(office: Office) -> None:
    """Most synthetic records of the office get an address (the demo's log shows some
    without); one person turned announcements off and one address bounces."""
    records = list(db.session.scalars(sa.select(AlumnusRecord).where(
        AlumnusRecord.office_id == office.id, AlumnusRecord.user_id.is_(None),
        AlumnusRecord.email == "").order_by(AlumnusRecord.id)))
    for number, record in enumerate(records):
        if number % 4 != 3:
            record.email = f"alumnus{record.id}@example.org"
    with_address = [r for r in records if r.email]
    if len(with_address) > 2:
        db.session.add(MailOptOut(record_id=with_address[0].id, kind="announcements"))
        db.session.add(BouncedAddress(address=with_address[1].email,
                                      reason="550 5.1.1 Mailbox does not exist"))
    db.session.flush()
