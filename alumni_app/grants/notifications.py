"""E-mails of the grant workflow, each in its recipient's language.

Messages go to the outbox in the same transaction as the change that caused them and are
delivered after the commit by a worker of the task queue (mail.py): a slow or failing mail
server never blocks or undoes a transition, and what failed stays in the outbox for the next
delivery (retries, then the schedule's every minute). A message that cannot even be written
is logged and skipped, for the same reason.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from sqlalchemy.exc import SQLAlchemyError

from alumni_app.accounts.models import User
from alumni_app.extensions import db
from alumni_app.grants import reads
from alumni_app.mail import send_email
from alumni_app.permissions import Role

log = logging.getLogger("alumni_app.grants")


def _send(user: User | None, template: str, **context):
    """Queue one message; return it, or None when the user cannot or could not be written to."""
    if user is None or not user.is_active:
        return None
    try:
        return send_email(user.email, f"grants/{template}",
                          locale=user.preferred_language or "en", user=user, **context)
    except SQLAlchemyError:
        raise  # the transaction itself is broken: the change cannot be saved either
    except Exception:  # noqa: BLE001 - a message that cannot be written must not undo the change
        log.exception("grant notification %s to user %s not queued", template, user.id)
        return None


def _url(endpoint: str, **values) -> str:
    """An absolute link; outside a request (cron, shell) SERVER_NAME or localhost is the host."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context():
        return url_for(endpoint, _external=True, **values)


def _application_url(application) -> str:
    return _url("grants.application", application_id=application.id)


def _staff_url(application) -> str:
    return _url("grant_staff.application", application_id=application.id)


def _managers(office_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.office_id == office_id, User.role == Role.MANAGER.value, User.is_active)))


def submitted(application, version) -> None:
    """The applicant's receipt, and word to the office's managers (the first screening)."""
    _send(application.applicant, "submitted", application=application, version=version,
          url=_application_url(application))
    for manager in _managers(application.call.office_id):
        _send(manager, "submitted_staff", application=application, version=version,
              url=_staff_url(application))


def team_invitation(member) -> None:
    application = member.application
    _send(member.user, "team_invitation", application=application,
          applicant=application.applicant, url=_application_url(application))


def revision_requested(application, message: str) -> None:
    _send(application.applicant, "revision_requested", application=application,
          message=message, url=_application_url(application))


def decision(application) -> None:
    """Approved, rejected or found not eligible: the applicant reads the outcome and why."""
    _send(application.applicant, "decision", application=application,
          reports=reads.reports(application), tranches=reads.tranches(application),
          url=_application_url(application))


def reviewer_assigned(review, application) -> None:
    _send(review.reviewer, "reviewer_assigned", application=application,
          url=_staff_url(application))


def reviewer_reminder(review, application) -> None:
    _send(review.reviewer, "reviewer_reminder", application=application,
          url=_staff_url(application))


def comment_shared(application, comment) -> None:
    _send(application.applicant, "comment", application=application, comment=comment,
          url=_application_url(application))


def tranche_released(application, tranche) -> None:
    report = next((r for r in reads.reports(application)
                   if r.tranche_number == tranche.number), None)
    _send(application.applicant, "tranche_released", application=application,
          tranche=tranche, report=report, url=_application_url(application))


def report_submitted(application, report) -> None:
    for manager in _managers(application.call.office_id):
        _send(manager, "report_submitted", application=application, report=report,
              url=_staff_url(application))


def report_reviewed(application, report) -> None:
    _send(application.applicant, "report_reviewed", application=application, report=report,
          url=_application_url(application))


def report_reminder(application, report, kind: str):
    return _send(application.applicant, "report_reminder", application=application, report=report,
          kind=kind, url=_application_url(application))


def move_requested(application, move) -> None:
    for manager in _managers(application.call.office_id):
        _send(manager, "move_requested", application=application, move=move,
              url=_staff_url(application))


def grant_closed(application) -> None:
    _send(application.applicant, "grant_closed", application=application,
          url=_application_url(application))
