"""An alumnus's own pages: profile, privacy, photo, data download, erasure and claiming a record."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from alumni_app.alumni import claims, directory, photos, policy, services
from alumni_app.alumni import privacy as privacy_rules
from alumni_app.alumni.data_labels import code_label, event_details, readable_time
from alumni_app.alumni.forms import POST_DATE_MESSAGES, PostChangeMixin, ProfileFieldsMixin
from alumni_app.alumni.models import AlumnusRecord, Visibility
from alumni_app.auth.forms import ConfirmForm
from alumni_app.countries import country_name
from alumni_app.extensions import db
from alumni_app.forms import BaseForm, WholeNumberField, form_status
from alumni_app.offices.models import Office
from alumni_app.permissions import Role, object_rule, public, require, role_required
from alumni_app.times import register_alumnus_zone
from alumni_app.training.labels import name_choices
from alumni_app.training.models import Sector

bp = Blueprint("profile", __name__, url_prefix="/me")


@bp.record_once
def _register_hooks(state) -> None:
    """Alumni read times in the zone of the office that keeps their record; a course's page
    counts its people of the viewer's office through the records."""
    register_alumnus_zone(state.app, policy.record_office_zone)
    directory.register_course_people(state.app)

VISIBILITY_LABELS = {
    Visibility.STAFF: _l("Only the staff of my office"),
    Visibility.COUNTRY: _l("Alumni of my country"),
    Visibility.ALL: _l("All alumni"),
}


class ProfileForm(PostChangeMixin, ProfileFieldsMixin, BaseForm):
    """The fields an alumnus may change on their own record, and nothing else."""

    def values(self) -> dict:
        return {name: getattr(self, name).data or "" for name in services.PROFILE_FIELDS}


class PrivacyForm(BaseForm):
    visibility = RadioField(_l("Who sees me in the directory"),
                            choices=[(v.value, label) for v, label in VISIBILITY_LABELS.items()],
                            validators=[DataRequired(message=_l("Choose who sees you."))])
    show_email = BooleanField(_l("Show my e-mail address to the alumni who see me"))
    show_phone = BooleanField(_l("Show my phone number to the alumni who see me"))
    consent = BooleanField(privacy_rules.CONSENT_WORDING)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.visibility.data != Visibility.STAFF.value and not self.consent.data:
            self.consent.errors = [*self.consent.errors, claims.MESSAGES["consent-required"]]
            return False
        return valid


class PhotoForm(BaseForm):
    photo = FileField(_l("Photo (JPEG or PNG, at most 5 MB)"),
                      validators=[FileRequired(message=_l("Choose a picture to upload."))],
                      render_kw={"accept": "image/jpeg,image/png"})


class ClaimRequestForm(BaseForm):
    office_id = SelectField(_l("Country of your office"), coerce=int, validate_choice=True)
    given_name = StringField(_l("Given name"), validators=[
        DataRequired(message=_l("Enter your given name.")), Length(max=100)],
        render_kw={"maxlength": 100})
    family_name = StringField(_l("Family name"), validators=[
        DataRequired(message=_l("Enter your family name.")), Length(max=100)],
        render_kw={"maxlength": 100})
    birth_year = WholeNumberField(_l("Year of birth"), validators=[
        DataRequired(message=_l("Enter a year like 1985.")),
        NumberRange(min=1900, max=2100, message=_l("Enter a year like 1985."))])
    course = StringField(_l("Course you took (title and year)"), validators=[
        DataRequired(message=_l("Enter the course you took.")), Length(max=300)],
        render_kw={"maxlength": 300})
    note = TextAreaField(_l("Anything else that helps the office find you"),
                         validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 3, "maxlength": 1000})

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("office_id", "given_name", "family_name", "birth_year", "course")} | {
                    "note": self.note.data or ""}


def _own() -> AlumnusRecord | None:
    record = policy.own_record(current_user)
    if record is not None:
        require(policy.can_edit_profile(current_user, record), record)
    return record


def _profile_form(record: AlumnusRecord) -> ProfileForm:
    form = ProfileForm(obj=record, data={"sector_ids": [s.id for s in record.sectors]})
    form.current_post = (record.organization, record.position)
    form.sector_ids.choices = name_choices(
        db.session.scalars(sa.select(Sector).where(Sector.is_active)))
    return form


def _edit_page(record, form, photo_form, status: int):
    return render_template("profile/edit.html", record=record, form=form,
                           photo_form=photo_form), status


@bp.route("", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description="alumni.policy.can_edit_profile")
def edit():
    """Edit one's own profile: contact details, post, sectors, about; never names or courses."""
    record = _own()
    if record is None:
        return redirect(url_for("profile.claim"))
    form = _profile_form(record)
    if form.validate_on_submit():
        try:
            services.update_record(current_user, record, form.values(),
                                   fields=services.PROFILE_FIELDS,
                                   sector_ids=form.sector_ids.data, **form.post_values())
        except services.PostDateError as exc:
            form.moved_on.errors.append(str(POST_DATE_MESSAGES[exc.code]) % {
                k: format_date(v) for k, v in exc.params.items()})
        else:
            db.session.commit()
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("profile.edit"))
    return _edit_page(record, form, PhotoForm(formdata=None), form_status())


@bp.route("/privacy", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description="alumni.policy.can_edit_profile")
def privacy():
    """Choose who sees one's profile and contact details; record consent with its wording."""
    record = _own()
    if record is None:
        return redirect(url_for("profile.claim"))
    wording = str(privacy_rules.CONSENT_WORDING)
    form = PrivacyForm(obj=record, data={"consent": privacy_rules.has_consent(record)})
    if form.validate_on_submit():
        privacy_rules.save_privacy(current_user, record, visibility=form.visibility.data,
                            show_email=form.show_email.data, show_phone=form.show_phone.data,
                            consent=form.consent.data, wording=wording)
        db.session.commit()
        flash(_("Your privacy settings were saved."), "success")
        return redirect(url_for("profile.privacy"))
    return render_template("profile/privacy.html", record=record, form=form,
                           consent_current=privacy_rules.has_consent(record)), form_status()


@bp.post("/photo")
@object_rule(Role.ALUMNUS, description="alumni.policy.can_edit_profile")
def upload_photo():
    """Replace one's photo with an uploaded JPEG or PNG (checked, re-encoded, resized)."""
    record = _own() or abort(404)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            old = photos.set_photo(current_user, record,
                                   form.photo.data.read(photos.PHOTO_MAX_BYTES + 1))
        except claims.PrivacyError as exc:
            form.photo.errors.append(claims.MESSAGES[exc.code])
        else:
            db.session.commit()
            photos.delete_photo_file(old)  # only once the new name is committed
            flash(_("Your photo was saved."), "success")
            return redirect(url_for("profile.edit"))
    return _edit_page(record, _profile_form(record), form, 400)


upload_photo.accepts_uploads = True


@bp.route("/photo/remove", methods=["GET", "POST"])
@object_rule(Role.ALUMNUS, description="alumni.policy.can_edit_profile")
def remove_photo():
    """Confirm, then remove one's photo."""
    record = _own() or abort(404)
    form = ConfirmForm()
    if not record.photo_name or not form.validate_on_submit():
        return render_template("profile/remove_photo.html", record=record, form=form)
    old = photos.remove_photo(current_user, record)
    db.session.commit()
    photos.delete_photo_file(old)
    flash(_("Your photo was removed."), "info")
    return redirect(url_for("profile.edit"))


@bp.get("/photos/<int:record_id>")
@object_rule(description="alumni.policy.can_view_record")
def photo(record_id: int):
    """Send a person's photo to those who may see the person."""
    record = db.session.get(AlumnusRecord, record_id) or abort(404)
    if not policy.can_view_record(current_user, record, policy.own_record(current_user)):
        abort(404)
    path = photos.photo_path(record.photo_name)
    if path is None or not path.is_file():
        abort(404)
    # nosniff comes with every response (security.set_security_headers).
    return send_file(path, mimetype="image/jpeg", as_attachment=True,
                     download_name=f"photo-{record.id}.jpg", max_age=0)


@bp.get("/data")
@role_required(Role.ALUMNUS)
def data():
    """Show everything the app holds about the user, readably."""
    return render_template("profile/data.html", data=privacy_rules.export_data(current_user),
                           sections=privacy_rules.export_sections(), when=readable_time,
                           label=code_label, details=event_details,
                           state_label=privacy_rules.section_state_label)


@bp.get("/data.json")
@role_required(Role.ALUMNUS)
def data_json():
    """Download everything the app holds about the user as JSON."""
    data = privacy_rules.export_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-alumni-data.json"'})


@bp.route("/erasure", methods=["GET", "POST"])
@role_required(Role.ALUMNUS)
def erasure():
    """Confirm, then ask the office to erase one's personal data."""
    pending = claims.pending_erasure(current_user)
    form = ConfirmForm()
    if pending is not None or not form.validate_on_submit():
        status = 409 if pending is not None and request.method == "POST" else 200
        return render_template("profile/erasure.html", form=form, pending=pending), status
    privacy_rules.request_erasure(current_user)
    db.session.commit()
    flash(_("Your request was sent. Once the office erases your data, this account is closed."),
          "info")
    return redirect(url_for("profile.erasure"))


def _claim_form() -> ClaimRequestForm:
    form = ClaimRequestForm()
    offices = db.session.scalars(sa.select(Office).where(Office.is_active).order_by(Office.country))
    form.office_id.choices = [(o.id, country_name(o.country)) for o in offices]
    return form


@bp.route("/claim", methods=["GET", "POST"])
@role_required(Role.ALUMNUS)
def claim():
    """Ask one's office to find one's record by name, year of birth and course."""
    if policy.own_record(current_user) is not None:
        return redirect(url_for("profile.edit"))
    pending = claims.pending_claim(current_user)
    form = _claim_form()
    if pending is None and form.validate_on_submit():
        try:
            claims.request_claim(current_user, **form.values())
        except claims.ClaimError as exc:
            form.family_name.errors.append(claims.MESSAGES[exc.code])
        else:
            db.session.commit()
            flash(_("Your request was sent to the office."), "success")
            return redirect(url_for("profile.claim"))
    status = 409 if pending is not None and request.method == "POST" else form_status()
    return render_template("profile/claim.html", form=form, pending=pending), status


def _invalid_link():
    return render_template("profile/invalid_link.html"), 410


@bp.route("/claim/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """From an e-mailed link: log in (or register) first, then confirm to link the record."""
    invitation = claims.find_invitation(token)
    if invitation is None:
        return _invalid_link()
    if not current_user.is_authenticated:
        return render_template("profile/claim_login.html",
                               login_url=url_for("auth.login", next=request.path))
    record, form = claims.invitation_record(invitation), ConfirmForm()
    problem = claims.claim_problem(record, current_user)
    if problem is None and form.validate_on_submit():
        try:
            claims.accept_invitation(current_user, token)
        except claims.LinkInvalid:
            return _invalid_link()
        except claims.ClaimError as exc:
            problem = exc.code
        else:
            db.session.commit()
            flash(_("The record is now linked to your account."), "success")
            return redirect(url_for("profile.edit"))
    status = 200 if request.method == "GET" else 409 if problem else 400
    return render_template("profile/accept.html", record=record, form=form,
                           problem=claims.MESSAGES.get(problem) if problem else None), status
