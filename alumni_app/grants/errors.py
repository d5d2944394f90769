"""The error grant services raise for a broken rule: a code, its message, a field, a status."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from alumni_app import storage
from alumni_app.errors import DomainError
from alumni_app.grants.template_helpers import money


class GrantError(DomainError):
    """A refused change; `message` is in the user's language, `field` names the form field."""

    status = 400

    def format_param(self, value):
        return money(value) if isinstance(value, Decimal) else value


WORKFLOW_MESSAGES = {
    "unknown-action": _l("This action does not exist."),
    "wrong-state": _l("This cannot be done now: the application is %(state)s."),
    "wrong-call-state": _l("This cannot be done now: the call is %(state)s."),
    "wrong-part-state": _l("This cannot be done now: it is %(state)s."),
    "not-yours": _l("You may not do this."),
    "message-required": _l("Write a message saying why: the applicant will read it."),
    "changed-meanwhile": _l("Someone else changed this at the same moment. Reload the page to "
                            "see where things stand."),
    "reviews-missing": _l("%(done)s of the %(required)s required reviews are in: a decision "
                          "waits for all of them."),
    "decider-reviewed": _l("You reviewed this application: another manager decides on it."),
    "final-report-open": _l("The grant closes once its final report is accepted."),
    "money-unsettled": _l("%(amount)s of the money paid out is neither spent on accepted "
                          "receipts nor returned: record the refund first."),
    "tranches-unreleased": _l("Some tranches are still planned: release them before closing "
                              "the grant."),
    "previous-unreleased": _l("Tranche %(number)s has not been released yet."),
    "previous-report": _l("The report on tranche %(number)s must be accepted before the next "
                          "tranche is released."),
    "previous-unaccounted": _l("Accepted receipts and refunds account for %(accounted)s of "
                               "the %(disbursed)s paid out so far: all of it must be "
                               "accounted for before the next tranche."),
    "receipts-short": _l("The receipts add up to %(spent)s and %(returned)s was returned, "
                         "of the %(disbursed)s paid out so far: add the receipts for the rest, "
                         "or return the unspent money to the office, before you submit this "
                         "report."),
    "tranche-not-released": _l("This report accounts for tranche %(number)s, which has not "
                               "been paid yet."),
    "report-incomplete": _l("Say what was done before you submit the report."),
    "receipts-missing": _l("Add the receipts for the money spent before you submit the "
                           "report."),
    "people-missing": _l("Say how many people the project reached before you submit the "
                         "final report."),
    "receipts-over-disbursed": _l("The receipts add up to %(spent)s, more than the "
                                  "%(disbursed)s paid out so far."),
    "move-too-large": _l("The line “%(line)s” has only %(available)s left to move."),
    "move-over-share": _l("Moves in and out of the line “%(line)s” may add up to "
                          "%(allowance)s without a manager (%(moved)s moved so far): a manager "
                          "decides on this one."),
    "over-approved": _l("This would pay out more than the %(approved)s approved."),
}


class WorkflowError(GrantError):
    """A transition refused; `status` is 403 (not yours), 409 (state) or 400 (input)."""

    MESSAGES = WORKFLOW_MESSAGES

    def __init__(self, code: str, status: int = 409, **params):
        super().__init__(code, None, status, **params)


def save_upload(upload, *, actor, field: str):
    """storage.save_upload(), its refusal (UploadRefused, a DomainError) named after the form
    field the file came in, so `forms.attempt()` shows it next to that field."""
    try:
        return storage.save_upload(upload, actor=actor)
    except storage.UploadRefused as refused:
        refused.field = field
        raise
