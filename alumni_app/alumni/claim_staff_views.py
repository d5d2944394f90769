"""Staff pages for claims and erasure: the queues, confirm or reject a match, invite, anonymise."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from alumni_app.alumni import claims, policy, privacy
from alumni_app.alumni.claim_models import ClaimRequest, ErasureRequest
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.auth.forms import ConfirmForm
from alumni_app.extensions import db
from alumni_app.forms import MAX_ID, BaseForm, WholeNumberField, form_status
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import STAFF_ROLES, object_rule, require, role_required

bp = Blueprint("claims", __name__, url_prefix="/records/claims")


class ConfirmClaimForm(BaseForm):
    record_id = WholeNumberField(_l("Number of the person's record"), validators=[
        InputRequired(message=_l("Enter the number shown on the record's page.")),
        NumberRange(min=1, max=MAX_ID, message=_l("Enter the number shown on the record's page."))])


class RejectClaimForm(BaseForm):
    note = TextAreaField(_l("Reason (kept for the office)"),
                         validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2, "maxlength": 500})


def _load_claim(claim_id: int) -> ClaimRequest:
    claim = db.session.get(ClaimRequest, claim_id) or abort(404)
    require(policy.can_review_claim(current_user, claim), claim)
    return claim


def _load_erasure(erasure_id: int) -> ErasureRequest:
    erasure = db.session.get(ErasureRequest, erasure_id) or abort(404)
    require(policy.can_handle_erasure(current_user, erasure), erasure)
    return erasure


def _review_page(claim: ClaimRequest, confirm_form=None, reject_form=None, status: int = 200):
    return render_template(
        "claims/review.html", claim=claim, candidates=claims.match_candidates(claim),
        confirm_form=confirm_form or ConfirmClaimForm(formdata=None),
        reject_form=reject_form or RejectClaimForm(formdata=None),
        hidden_form=ConfirmForm(formdata=None)), status


@bp.get("")
@role_required(*STAFF_ROLES)
def index():
    """List the office's open requests to be matched to a record."""
    page = paginate(claims.claim_queue(current_user), parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"])
    waiting = claims.erasure_queue(current_user).order_by(None).subquery()
    erasure_count = db.session.scalar(sa.select(sa.func.count()).select_from(waiting))
    return render_template("claims/index.html", page=page, erasure_count=erasure_count)


@bp.get("/<int:claim_id>")
@object_rule(*STAFF_ROLES, description="alumni.policy.can_review_claim")
def review(claim_id: int):
    """Show a request next to the office's records that match it."""
    return _review_page(_load_claim(claim_id))


@bp.post("/<int:claim_id>/confirm")
@object_rule(*STAFF_ROLES, description="alumni.policy.can_review_claim")
def confirm(claim_id: int):
    """Link the chosen record to the account that asked."""
    claim = _load_claim(claim_id)
    form = ConfirmClaimForm()
    if form.validate_on_submit():
        record = db.session.get(AlumnusRecord, form.record_id.data)
        if record is None or not policy.can_edit_record(current_user, record):
            form.record_id.errors.append(_("No record of this office has that number."))
        else:
            try:
                claims.confirm_claim(current_user, claim, record)
            except claims.ClaimError as exc:
                form.record_id.errors.append(claims.MESSAGES[exc.code])
            else:
                db.session.commit()
                flash(_("The record is now linked to the account."), "success")
                return redirect(url_for("claims.index"))
    return _review_page(claim, confirm_form=form, status=409 if claim.state != "pending" else 400)


@bp.post("/<int:claim_id>/reject")
@object_rule(*STAFF_ROLES, description="alumni.policy.can_review_claim")
def reject(claim_id: int):
    """Close a request that matches no record of the office."""
    claim = _load_claim(claim_id)
    form = RejectClaimForm()
    if form.validate_on_submit():
        try:
            claims.reject_claim(current_user, claim, form.note.data or "")
        except claims.ClaimError as exc:
            form.note.errors.append(claims.MESSAGES[exc.code])
        else:
            db.session.commit()
            flash(_("The request was rejected."), "info")
            return redirect(url_for("claims.index"))
    return _review_page(claim, reject_form=form, status=400)


@bp.route("/invite/<int:record_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="alumni.policy.can_invite_to_claim")
def invite(record_id: int):
    """Confirm, then e-mail the person a link to claim their record."""
    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    require(policy.can_invite_to_claim(current_user, record), record)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            claims.send_claim_invitation(current_user, record)
        except claims.ClaimError as exc:
            error = claims.MESSAGES[exc.code]
        else:
            db.session.commit()
            flash(_("The invitation was sent to %(email)s.", email=record.email), "success")
            return redirect(url_for("directory.record", record_id=record.id))
    status = 409 if error else form_status()
    return render_template("claims/invite.html", record=record, form=form, error=error), status


@bp.get("/erasures")
@role_required(*STAFF_ROLES)
def erasures():
    """List the office's open requests for erasure."""
    page = paginate(claims.erasure_queue(current_user), parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"])
    return render_template("claims/erasures.html", page=page)


@bp.route("/erasures/<int:erasure_id>", methods=["GET", "POST"])
@object_rule(*STAFF_ROLES, description="alumni.policy.can_handle_erasure")
def anonymise(erasure_id: int):
    """Confirm, then anonymise the person; courses and counts stay."""
    erasure = _load_erasure(erasure_id)
    form = ConfirmForm()
    if erasure.state != "pending" or not form.validate_on_submit():
        status = 200 if request.method == "GET" else 409 if erasure.state != "pending" else 400
        return render_template("claims/anonymise.html", erasure=erasure, form=form), status
    try:
        privacy.anonymise(current_user, erasure)
    except claims.ClaimError as exc:
        db.session.rollback()
        return render_template("claims/anonymise.html", erasure=erasure, form=form,
                               error=claims.MESSAGES[exc.code]), 409
    db.session.commit()
    flash(_("The person's data was erased."), "success")
    return redirect(url_for("claims.erasures"))
