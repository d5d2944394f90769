"""The audit log, for managers (their office) and administrators (everything)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import aliased

from alumni_app.accounts.models import User
from alumni_app.audit import AuditEvent
from alumni_app.extensions import db
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import Role, role_required, scope_to_office

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@role_required(Role.MANAGER, Role.ADMIN)
def index():
    """List audit events, newest first, filtered by kind of action."""
    actor = aliased(User)
    query = scope_to_office(
        sa.select(AuditEvent, actor.display_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        AuditEvent.office_id,
        current_user,
    )
    actions = db.session.scalars(
        scope_to_office(sa.select(AuditEvent.action).distinct(), AuditEvent.office_id,
                        current_user).order_by(AuditEvent.action)
    ).all()
    if (action := request.args.get("action")) in actions:
        query = query.where(AuditEvent.action == action)
    page = paginate(query, parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"], rows=True)
    return render_template("admin/audit.html", page=page, actions=actions, args=request.args)
