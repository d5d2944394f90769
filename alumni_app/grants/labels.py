"""Translated names of the grant workflow's states, categories and choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from alumni_app.grants.models import AppState, BudgetCategory, CallState, TeamState

CALL_STATE_LABELS = {
    CallState.DRAFT: _l("draft"),
    CallState.PUBLISHED: _l("published"),
    CallState.CLOSED: _l("closed"),
}
APP_STATE_LABELS = {
    AppState.DRAFT: _l("draft"),
    AppState.SUBMITTED: _l("submitted"),
    AppState.IN_REVIEW: _l("under review"),
    AppState.REVISION_REQUESTED: _l("sent back for revision"),
    AppState.APPROVED: _l("approved"),
    AppState.REJECTED: _l("rejected"),
    AppState.INELIGIBLE: _l("not eligible"),
    AppState.WITHDRAWN: _l("withdrawn"),
    AppState.CLOSED: _l("closed"),
}
TEAM_STATE_LABELS = {
    TeamState.INVITED: _l("waiting for confirmation"),
    TeamState.CONFIRMED: _l("confirmed"),
    TeamState.DECLINED: _l("declined"),
}
CATEGORY_LABELS = {
    BudgetCategory.PERSONNEL: _l("Personnel and fees"),
    BudgetCategory.TRAVEL: _l("Travel and transport"),
    BudgetCategory.VENUE: _l("Venue and catering"),
    BudgetCategory.EQUIPMENT: _l("Equipment"),
    BudgetCategory.MATERIALS: _l("Materials and supplies"),
    BudgetCategory.SERVICES: _l("Services"),
    BudgetCategory.PRINTING: _l("Printing and publications"),
    BudgetCategory.OTHER: _l("Other"),
}
RECOMMENDATION_LABELS = {
    "fund": _l("Fund"),
    "fund_with_changes": _l("Fund with changes"),
    "do_not_fund": _l("Do not fund"),
}
REVIEW_STATE_LABELS = {
    "assigned": _l("not yet submitted"),
    "conflict": _l("conflict of interest declared"),
    "submitted": _l("submitted"),
}
REPORT_KIND_LABELS = {"interim": _l("Interim report"), "final": _l("Final report")}
REPORT_STATE_LABELS = {
    "due": _l("due"),
    "submitted": _l("submitted, waiting for the office"),
    "returned": _l("sent back for corrections"),
    "accepted": _l("accepted"),
}
TRANCHE_STATE_LABELS = {"planned": _l("planned"), "released": _l("released")}
MOVE_STATE_LABELS = {"pending": _l("waiting for a manager"), "approved": _l("approved"),
                     "refused": _l("refused")}
# Each language by its own name, as language pickers show them (not translated).
PROPOSAL_LANGUAGE_LABELS = {
    "en": "English", "ru": "Русский", "tg": "Тоҷикӣ", "ky": "Кыргызча", "kk": "Қазақша",
}
EVENT_LABELS = {
    "created": _l("Draft started"),
    "submit": _l("Submitted"),
    "resubmit": _l("Revised and submitted again"),
    "withdraw": _l("Withdrawn"),
    "mark_eligible": _l("Found eligible, sent to review"),
    "mark_ineligible": _l("Found not eligible"),
    "request_revision": _l("Revision requested"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "close": _l("Grant closed"),
    "team_invited": _l("Co-applicant invited"),
    "team_removed": _l("Co-applicant removed"),
    "team_confirmed": _l("Co-applicant confirmed"),
    "team_declined": _l("Co-applicant declined"),
    "reviewer_assigned": _l("Reviewer assigned"),
    "reviewers_reminded": _l("Reviewers reminded"),
    "conflict_declared": _l("Conflict of interest declared"),
    "review_submitted": _l("Review submitted"),
    "tranche_release": _l("Tranche released"),
    "report_submit": _l("Report submitted"),
    "report_accept": _l("Report accepted"),
    "report_return": _l("Report sent back"),
    "move_apply": _l("Money moved between budget lines"),
    "move_applied": _l("Money moved between budget lines"),
    "move_requested": _l("Move between budget lines requested"),
    "move_approve": _l("Move between budget lines approved"),
    "move_refuse": _l("Move between budget lines refused"),
    "refund_recorded": _l("Unspent money returned"),
}
CALL_EVENT_LABELS = {
    "created": _l("Call drafted"),
    "edited": _l("Call edited"),
    "publish": _l("Call published"),
    "close": _l("Call closed early"),
    "extend": _l("Call extended"),
    "mailed": _l("Call sent by e-mail"),
}


def state_label(obj) -> str:
    labels = {"GrantCall": CALL_STATE_LABELS, "GrantApplication": APP_STATE_LABELS,
              "Tranche": TRANCHE_STATE_LABELS, "GrantReport": REPORT_STATE_LABELS,
              "Reallocation": MOVE_STATE_LABELS}[type(obj).__name__]
    return str(labels.get(obj.state, obj.state))


def label(labels: dict, value) -> str:
    return str(labels.get(value, value)) if value else ""


def event_label(event) -> str:
    table = EVENT_LABELS if event.application_id else CALL_EVENT_LABELS
    return str(table.get(event.action, event.action))
