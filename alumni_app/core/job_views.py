"""The jobs page, for administrators: recent and failed background jobs, the workers, a retry."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alumni_app.accounts.models import User
from alumni_app.db import utcnow
from alumni_app.extensions import db
from alumni_app.jobs import TASKS, queue_length, tracking
from alumni_app.jobs.models import RETRYABLE, Job, JobState
from alumni_app.jobs.worker import recent_workers
from alumni_app.offices.models import Office
from alumni_app.pagination import paginate, parse_page
from alumni_app.permissions import Role, role_required

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

STATES = {
    JobState.QUEUED: _l("Waiting for a worker"),
    JobState.RUNNING: _l("Running"),
    JobState.RETRYING: _l("Failed, will be tried again"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
    JobState.INTERRUPTED: _l("Interrupted: its worker stopped while it ran"),
}
COUNTS = {"sent": _l("sent"), "delivered": _l("delivered"), "failed": _l("not delivered"),
          "already_sent": _l("already sent"), "deleted": _l("deleted"),
          "seconds": _l("seconds"), "rows": _l("rows"), "created": _l("created"),
          "updated": _l("updated"), "unchanged": _l("unchanged"),
          "with_errors": _l("with errors"), "nothing_to_do": _l("nothing to do")}


def _listing(failed_only: bool, kind: str | None = None) -> sa.Select:
    query = (sa.select(Job, User.display_name, Office.name)
             .outerjoin(User, User.id == Job.actor_id)
             .outerjoin(Office, Office.id == Job.office_id)
             .order_by(Job.created_at.desc(), Job.id.desc()))
    if failed_only:
        query = query.where(tracking.failed_condition())
    if kind:
        query = query.where(Job.kind.startswith(kind, autoescape=True))
    return query


@bp.get("")
@role_required(Role.ADMIN)
def index():
    """List recent background jobs (or those that failed), the workers and the queue."""
    failed_only = request.args.get("show") == "failed"
    kind = request.args.get("kind", "").strip()[:60] or None
    page = paginate(_listing(failed_only, kind), parse_page(request.args.get("page")),
                    current_app.config["PAGE_SIZE"], rows=True)
    now = utcnow()
    # Rows done: a running SQLite import's count is in the queue's store until it commits.
    rows = [(job, actor, office, tracking.shown_state(job, now), tracking.rows_done(job))
            for job, actor, office in page.items]
    stale = now - timedelta(seconds=current_app.config["WORKER_STALE_SECONDS"])
    return render_template(
        "admin/jobs.html", page=page, rows=rows, failed_only=failed_only, kind=kind, states=STATES,
        counts=COUNTS, tasks=TASKS, retryable=RETRYABLE, workers=recent_workers(),
        stale=stale, waiting=queue_length(), inline=current_app.config["QUEUE_IMMEDIATE"])


@bp.post("/<int:job_id>/retry")
@role_required(Role.ADMIN)
def retry(job_id: int):
    """Put a failed or interrupted job on the queue again."""
    job = db.session.get(Job, job_id) or abort(404)
    try:
        tracking.queue_again(job, current_user)
    except tracking.NotRetryable:
        flash(_("This job has not failed, or was already started again: nothing was "
                "started."), "info")
    except tracking.QueueUnreachable:
        flash(_("The job queue cannot be reached just now, so the job was not started "
                "again. Try again in a few minutes."), "danger")
    else:
        flash(_("The job was queued again."), "success")
    return redirect(url_for("jobs.index", show=request.args.get("show") or None))
