"""The audit log's words for background jobs."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.jobs.models import Job
from alumni_app.jobs.queue import TASKS
from alumni_app.permissions import is_admin

ACTIONS = {
    "job.retried": Wording(_l("Background job started again"),
                           _l("%(actor)s started the background job %(subject)s again")),
}


def _name(job: Job) -> str:
    task = TASKS.get(job.kind)
    return f"{getattr(task, 'label', job.kind)} #{job.id}"


def _url(_job: Job, reader) -> str | None:
    return url_for("jobs.index") if is_admin(reader) else None


def register(app) -> None:
    register_words(app, ACTIONS, {"Job": Subject(Job, _name, _url)})
