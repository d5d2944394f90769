"""Staff pages for the annual meeting's proposals: presenters and topics from the figures."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alumni_app.events import services
from alumni_app.events.forms import (
    AnswerForm,
    ProposalForm,
)
from alumni_app.events.models import Event
from alumni_app.events.staff_common import bp, event_for_staff
from alumni_app.extensions import db
from alumni_app.forms import attempt
from alumni_app.permissions import STAFF_ROLES, object_rule


def _proposal(event: Event, proposal_id: int):
    from alumni_app.events.models import Proposal

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.event_id != event.id:
        abort(404)
    return proposal


def _proposals_page(event: Event, status: int = 200, form=None, failed_id=None):
    from alumni_app.events.models import Proposal
    from alumni_app.plans.models import Barrier
    from alumni_app.training.models import Sector

    found = db.session.scalars(sa.select(Proposal).where(Proposal.event_id == event.id)
                               .order_by(Proposal.kind, Proposal.sector_id, Proposal.id)).all()
    return render_template(
        "events/staff/proposals.html", event=event, proposals=found,
        sectors={s.id: s for s in db.session.scalars(sa.select(Sector))},
        barriers={b.id: b for b in db.session.scalars(sa.select(Barrier))},
        form=form or ProposalForm(formdata=None), failed_id=failed_id,
        default_start=services.to_local(event.starts_at, event.office),
        locale=str(get_locale())), status


@bp.get("/<int:event_id>/proposals")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposals(event_id: int):
    """Presenters and topics proposed from the follow-up figures, to accept or ignore."""
    return _proposals_page(event_for_staff(event_id))


@bp.post("/<int:event_id>/proposals/refresh")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposals_refresh(event_id: int):
    from alumni_app.events import proposals as proposing

    event = event_for_staff(event_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, proposing.refresh, current_user, event)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _proposals_page(event, outcome.status)
    flash(_("%(count)s proposals from the past year's results.", count=outcome.value),
          "success")
    return redirect(url_for("event_staff.proposals", event_id=event.id))


@bp.post("/<int:event_id>/proposals/<int:proposal_id>/accept")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposal_accept(event_id: int, proposal_id: int):
    from alumni_app.events import proposals as proposing

    event = event_for_staff(event_id)
    proposal = _proposal(event, proposal_id)
    form = ProposalForm()
    if form.validate_on_submit():
        outcome = attempt(form, proposing.accept, current_user, proposal, form.title.data,
                          form.starts_at.data)
        if outcome:
            flash(_("The session was added to the agenda."), "success")
            return redirect(url_for("event_staff.proposals", event_id=event.id))
        return _proposals_page(event, outcome.status, form, proposal.id)
    return _proposals_page(event, 400, form, proposal.id)


@bp.post("/<int:event_id>/proposals/<int:proposal_id>/ignore")
@object_rule(*STAFF_ROLES, description="events.policy.is_office_staff")
def proposal_ignore(event_id: int, proposal_id: int):
    from alumni_app.events import proposals as proposing

    event = event_for_staff(event_id)
    proposal = _proposal(event, proposal_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = attempt(form, proposing.ignore, current_user, proposal)
    if not outcome:
        flash(outcome.error.message, "danger")
        return _proposals_page(event, outcome.status)
    return redirect(url_for("event_staff.proposals", event_id=event.id))

