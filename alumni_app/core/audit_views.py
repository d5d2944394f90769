"""The audit log, for managers (their office) and administrators (everything)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from alumni_app import audit_words
from alumni_app.alumni.data_labels import event_details
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import Role, role_required, scope_to_office

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@role_required(Role.MANAGER, Role.ADMIN)
def index():
    """List audit events in words, newest first, filtered by kind of action."""
    query = scope_to_office(
        sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        AuditEvent.office_id,
        current_user,
    )
    actions = db.session.scalars(
        scope_to_office(sa.select(AuditEvent.action).distinct(), AuditEvent.office_id,
                        current_user)
    ).all()
    if (action := request.args.get("action")) in actions:
        query = query.where(AuditEvent.action == action)
    page = paginate(query, parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"])
    return render_template("admin/audit.html", page=page, entries=audit_words.describe(
        page.items), actions=audit_words.action_choices(actions), args=request.args,
        details=event_details)
