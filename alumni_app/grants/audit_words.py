"""The audit log's words for the Mini-Grant Scheme: each workflow step, "grant.<machine>.<action>",
titled as on the application's timeline (labels.EVENT_LABELS)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alumni_app.audit_words import Subject, Wording
from alumni_app.audit_words import register as register_words
from alumni_app.extensions import db
from alumni_app.grants.labels import CALL_EVENT_LABELS, EVENT_LABELS
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.grants.money_models import GrantReport, Reallocation, Tranche
from alumni_app.permissions import is_staff

# By the key of the timeline's labels: the application's steps by their action, the other
# machines' as "<machine>_<action>".
SENTENCES = {
    "created": _l("%(actor)s started a draft application %(subject)s"),
    "submit": _l("%(actor)s submitted the application %(subject)s"),
    "resubmit": _l("%(actor)s revised and submitted again the application %(subject)s"),
    "withdraw": _l("%(actor)s withdrew the application %(subject)s"),
    "mark_eligible": _l("%(actor)s found the application %(subject)s eligible"),
    "mark_ineligible": _l("%(actor)s found the application %(subject)s not eligible"),
    "request_revision": _l("%(actor)s asked for a revision of the application %(subject)s"),
    "approve": _l("%(actor)s approved the application %(subject)s"),
    "reject": _l("%(actor)s rejected the application %(subject)s"),
    "close": _l("%(actor)s closed the grant %(subject)s"),
    "team_invited": _l("%(actor)s invited a co-applicant to %(subject)s"),
    "team_removed": _l("%(actor)s removed a co-applicant from %(subject)s"),
    "team_confirmed": _l("%(actor)s confirmed taking part in %(subject)s"),
    "team_declined": _l("%(actor)s declined taking part in %(subject)s"),
    "reviewer_assigned": _l("%(actor)s assigned a reviewer to %(subject)s"),
    "reviewers_reminded": _l("%(actor)s reminded the reviewers of %(subject)s"),
    "conflict_declared": _l("%(actor)s declared a conflict of interest on %(subject)s"),
    "review_submitted": _l("%(actor)s submitted a review of %(subject)s"),
    "refund_recorded": _l("%(actor)s recorded unspent money returned on %(subject)s"),
    "tranche_release": _l("%(actor)s released %(subject)s"),
    "report_submit": _l("%(actor)s submitted %(subject)s"),
    "report_accept": _l("%(actor)s accepted %(subject)s"),
    "report_return": _l("%(actor)s sent back %(subject)s"),
    "move_apply": _l("%(actor)s moved money between budget lines of %(subject)s"),
    "move_requested": _l("%(actor)s asked to move money between budget lines of %(subject)s"),
    "move_approve": _l("%(actor)s approved a move between budget lines of %(subject)s"),
    "move_refuse": _l("%(actor)s refused a move between budget lines of %(subject)s"),
}
CALL_SENTENCES = {
    "created": _l("%(actor)s drafted the call %(subject)s"),
    "edited": _l("%(actor)s edited the call %(subject)s"),
    "publish": _l("%(actor)s published the call %(subject)s"),
    "close": _l("%(actor)s closed the call %(subject)s early"),
    "extend": _l("%(actor)s extended the call %(subject)s"),
    "mailed": _l("%(actor)s sent the call %(subject)s by e-mail"),
}


def resolve(code: str) -> Wording | None:
    """The words of "grant.<machine>.<action>"; None for a code of another feature."""
    family, _, rest = code.partition(".")
    machine, _, action = rest.partition(".")
    if family != "grant" or not action:
        return None
    if machine == "call":
        labels, sentences, key = CALL_EVENT_LABELS, CALL_SENTENCES, action
    else:
        labels, sentences = EVENT_LABELS, SENTENCES
        key = action if machine == "application" else f"{machine}_{action}"
    if key not in labels or key not in sentences:
        return None
    title = labels[key]
    if machine == "application":  # "Submitted" says enough on the application's own page only
        title = _l("Mini-grant application: %(step)s", step=labels[key])
    return Wording(title, sentences[key])


def _application_url(application_id: int, reader) -> str | None:
    if not is_staff(reader):
        return None
    return url_for("grant_staff.application", application_id=application_id)


def _titled(application: GrantApplication | None) -> str:
    return (application.title if application else "") or _("untitled")


def _application_of(obj) -> GrantApplication | None:
    return db.session.get(GrantApplication, obj.application_id)


def _tranche_name(tranche: Tranche) -> str:
    return _("tranche %(number)s of “%(title)s”", number=tranche.number,
             title=_titled(_application_of(tranche)))


def _report_name(report: GrantReport) -> str:
    return _("the report on tranche %(number)s of “%(title)s”", number=report.tranche_number,
             title=_titled(_application_of(report)))


def _report_url(report: GrantReport, reader) -> str | None:
    return url_for("grant_money.staff_report", report_id=report.id) if is_staff(reader) else None


def _call_url(call: GrantCall, reader) -> str | None:
    return url_for("grant_calls.detail", call_id=call.id) if is_staff(reader) else None


SUBJECTS = {
    "GrantApplication": Subject(GrantApplication, _titled,
                                lambda a, reader: _application_url(a.id, reader)),
    "GrantCall": Subject(GrantCall, lambda c: c.title, _call_url),
    "Tranche": Subject(Tranche, _tranche_name,
                       lambda t, reader: _application_url(t.application_id, reader)),
    "GrantReport": Subject(GrantReport, _report_name, _report_url),
    "Reallocation": Subject(Reallocation, lambda m: _titled(_application_of(m)),
                            lambda m, reader: _application_url(m.application_id, reader)),
}


def register(app) -> None:
    register_words(app, subjects=SUBJECTS, resolver=resolve)
