"""The alumni network application: create_app() builds it."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_for, env, env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | str | dict | None = None) -> Flask:
    """Build the application; `config` is a settings class, its name, or overrides (a dict)."""
    overrides = config if isinstance(config, dict) else {}
    settings = config_for(config if isinstance(config, str) else None)
    if isinstance(config, type):
        settings = config
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=False,
    )
    app.config.from_object(settings)
    app.config.update(overrides)
    _refuse_unsafe_production(app)
    _refuse_broken_settings(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if env_int("PROXY_FIX_HOPS", 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=env_int("PROXY_FIX_HOPS", 0), x_proto=1)
    _configure_logging(app)
    register_converters(app)
    # First of all before_request hooks: CSRFProtect reads the form in its own hook.
    app.before_request(_limit_request_size)
    app.before_request(_refuse_nul_in_query)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_audit_words(app)
    register_dashboard_items(app)
    register_commands(app)
    register_tasks()
    return app


def _limit_request_size() -> None:
    """Only upload views accept MAX_CONTENT_LENGTH; every other request gets the form limit."""
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "accepts_uploads", False):
        request.max_content_length = current_app.config["MAX_FORM_CONTENT_LENGTH"]


def _refuse_nul_in_query() -> None:
    """A NUL character in the query string is nobody's search: 400 (the databases refuse it)."""
    if any("\x00" in value for values in request.args.listvalues() for value in values):
        from flask_babel import gettext as _
        from werkzeug.exceptions import BadRequest

        refused = BadRequest()
        refused.user_message = _("The address contains a character that is not allowed (a NUL "
                                 "character). Check the link, or type the address again.")
        raise refused


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    problems = [name for name in ("SECRET_KEY", "DATABASE_URL") if not env(name)]
    storage = env("RATELIMIT_STORAGE_URI", "memory://")
    # Per-worker counters let each gunicorn worker grant the full number of failed logins.
    if storage.startswith("memory://") and not env_bool("RATELIMIT_ALLOW_MEMORY", False):
        problems.append("RATELIMIT_STORAGE_URI to shared storage such as redis://127.0.0.1:6379/0"
                        " (or RATELIMIT_ALLOW_MEMORY=1 for a single worker)")
    if problems:
        raise SystemExit(
            f"alumni_app: refusing to start in production: set {' and '.join(problems)}."
        )
    app.config["SECRET_KEY"] = env("SECRET_KEY")
    app.config["SQLALCHEMY_DATABASE_URI"] = env("DATABASE_URL")
    app.config["RATELIMIT_STORAGE_URI"] = storage


def _refuse_broken_settings(app: Flask) -> None:
    """Settings that would only fail later, in a worker, are refused at start."""
    bounce = (app.config.get("MAIL_BOUNCE_ADDRESS") or "").strip()
    local, at, domain = bounce.rpartition("@")
    if bounce and not (at and local and domain):
        raise SystemExit(f"alumni_app: MAIL_BOUNCE_ADDRESS must be an e-mail address such as "
                         f"bounces@example.org, not {bounce!r}")


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    from alumni_app import search_text
    from alumni_app.accounts.models import User  # noqa: F401 - models register their tables
    from alumni_app.auth.sessions import load_session_user
    from alumni_app.db import tune_postgresql, tune_sqlite
    from alumni_app.extensions import babel, csrf, db, login_manager, migrate
    from alumni_app.i18n import select_locale, select_timezone
    from alumni_app.jobs import queue as jobs

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    # No ping query per request: a local SQLite file cannot drop a pooled connection, and
    # psycopg connections are checked by tune_postgresql() without a round trip.
    if url.get_backend_name() == "sqlite" or url.get_driver_name() == "psycopg":
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    db.init_app(app)
    with app.app_context():
        tune_postgresql(db.engine)
        tune_sqlite(db.engine)
        search_text.register(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        # The app's catalogs, then the fact sheet's Japanese (a locale no page is offered in).
        default_translation_directories=";".join(
            str(Path(__file__).parent / folder) for folder in ("translations",
                                                               "reports/translations")),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    _import_all_models()
    jobs.init_app(app)


def _import_all_models() -> None:
    from alumni_app import audit, mail, storage  # noqa: F401
    from alumni_app.accounts import models as account_models  # noqa: F401

    # The policies register who may see each kind of object (permissions.reaches).
    from alumni_app.accounts import policy as account_policy  # noqa: F401
    from alumni_app.alumni import claim_models  # noqa: F401
    from alumni_app.alumni import models as alumni_models  # noqa: F401
    from alumni_app.alumni import policy as alumni_policy  # noqa: F401
    from alumni_app.events import models as event_models  # noqa: F401
    from alumni_app.events import policy as event_policy  # noqa: F401
    from alumni_app.grants import models as grant_models  # noqa: F401
    from alumni_app.grants import money_models, review_models  # noqa: F401
    from alumni_app.grants import policy as grant_policy  # noqa: F401
    from alumni_app.imports import models as import_models  # noqa: F401
    from alumni_app.imports import policy as import_policy  # noqa: F401
    from alumni_app.jobs import models as job_models  # noqa: F401
    from alumni_app.messages import models as message_models  # noqa: F401
    from alumni_app.messages import policy as message_policy  # noqa: F401
    from alumni_app.offices import models as office_models  # noqa: F401
    from alumni_app.offices import policy as office_policy  # noqa: F401
    from alumni_app.plans import models as plan_models  # noqa: F401
    from alumni_app.plans import policy as plan_policy  # noqa: F401
    from alumni_app.reports import models as report_models  # noqa: F401
    from alumni_app.training import models as training_models  # noqa: F401
    from alumni_app.training import policy as training_policy  # noqa: F401


def register_converters(app: Flask) -> None:
    from alumni_app import routing

    routing.register(app)


def register_blueprints(app: Flask) -> None:
    from alumni_app import call_mail, messages
    from alumni_app.accounts.admin_views import bp as admin_users_bp
    from alumni_app.accounts.views import bp as accounts_bp
    from alumni_app.alumni.claim_staff_views import bp as claims_bp
    from alumni_app.alumni.profile_views import bp as profile_bp
    from alumni_app.alumni.record_parts_views import bp as record_parts_bp
    from alumni_app.alumni.staff_views import bp as records_bp
    from alumni_app.alumni.views import bp as directory_bp
    from alumni_app.auth.views import bp as auth_bp
    from alumni_app.core.audit_views import bp as audit_bp
    from alumni_app.core.job_views import bp as jobs_bp
    from alumni_app.core.views import bp as core_bp
    from alumni_app.events import after_views, proposal_views, staff_people_views  # noqa: F401
    from alumni_app.events import staff_views as event_staff_views
    from alumni_app.events import views as event_views
    from alumni_app.events.certificate_views import bp as certificates_bp
    from alumni_app.grants import call_views, money_views, staff_views
    from alumni_app.grants import views as grant_views
    from alumni_app.imports.views import bp as imports_bp
    from alumni_app.offices.views import bp as offices_bp
    from alumni_app.plans.activity_views import bp as activities_bp
    from alumni_app.plans.staff_views import bp as plan_staff_bp
    from alumni_app.plans.views import bp as plans_bp
    from alumni_app.reports import rate_views
    from alumni_app.reports import staff_views as report_views
    from alumni_app.training.views import bp as courses_bp

    for blueprint in (
        core_bp, auth_bp, accounts_bp, admin_users_bp, offices_bp, audit_bp, jobs_bp, directory_bp,
        records_bp, courses_bp, profile_bp, claims_bp, imports_bp, plans_bp, plan_staff_bp,
        activities_bp, grant_views.bp, call_views.bp, staff_views.bp, money_views.bp,
        money_views.staff_bp,
        record_parts_bp, report_views.bp, rate_views.bp,
        event_staff_views.bp, event_views.bp, certificates_bp, *messages.blueprints(),
        *call_mail.blueprints(),
    ):
        app.register_blueprint(blueprint)
    messages.init_app(app)
    call_mail.init_app(app)


def register_request_hooks(app: Flask) -> None:
    from alumni_app.errors import register_error_handlers
    from alumni_app.mail import queue_delivery
    from alumni_app.permissions import enforce_route_rule
    from alumni_app.security import set_security_headers

    @app.before_request
    def _load_user_then_check_access():
        if request.endpoint != "static":
            _ = current_user.is_authenticated  # load before the locale is chosen
        return enforce_route_rule()

    @app.teardown_request
    def _forget_request_state(_exc=None):
        # g lives on the app context, which an outer context (a shell, a test) may share
        # between requests: never let one request's user, mail queue or language (Flask-Babel
        # keeps the locale and time zone it selected in g) reach the next.
        for key in ("_login_user", "request_id", "queued_mail_ids", "_flask_babel"):
            g.pop(key, None)

    app.after_request(queue_delivery)
    app.after_request(set_security_headers)
    register_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from alumni_app import static_files, templating

    templating.register(app)
    static_files.register(app)
    from alumni_app.training import labels as training_labels  # its words, through a hook

    training_labels.register(app)


def register_audit_words(app: Flask) -> None:
    """Each feature's words for the actions it records (alumni_app.audit_words)."""
    from alumni_app import audit_words
    from alumni_app.accounts import audit_words as accounts
    from alumni_app.alumni import audit_words as alumni
    from alumni_app.events import audit_words as events
    from alumni_app.grants import audit_words as grants
    from alumni_app.imports import audit_words as imports
    from alumni_app.jobs import audit_words as jobs
    from alumni_app.messages import audit_words as messages
    from alumni_app.offices import audit_words as offices
    from alumni_app.plans import audit_words as plans
    from alumni_app.reports import audit_words as reports
    from alumni_app.training import audit_words as training

    audit_words.register_core(app)
    for feature in (accounts, offices, alumni, training, imports, plans, grants, jobs, reports,
                    events, messages):
        feature.register(app)


def register_dashboard_items(app: Flask) -> None:
    """Each feature's work for the staff dashboard and next steps for the alumnus's
    (alumni_app.core.dashboard_items), in the order the dashboards list them."""
    from alumni_app.accounts import work as accounts
    from alumni_app.alumni import work as alumni
    from alumni_app.core import dashboard_items
    from alumni_app.events import work as events
    from alumni_app.grants import work as grants
    from alumni_app.jobs import work as jobs
    from alumni_app.messages import work as messages
    from alumni_app.plans import work as plans

    dashboard_items.register(app, work=grants.work_items_for, next_steps=grants.next_steps_for)
    dashboard_items.register(app, work=plans.work_items_for, next_steps=plans.next_steps_for)
    dashboard_items.register(app, work=alumni.work_items_for, next_steps=alumni.next_steps_for)
    dashboard_items.register(app, work=jobs.work_items_for)
    dashboard_items.register(app, work=accounts.work_items_for)
    dashboard_items.register(app, work=events.work_items_for, next_steps=events.next_steps_for)
    dashboard_items.register(app, work=messages.work_items_for,
                             next_steps=messages.next_steps_for)


def register_commands(app: Flask) -> None:
    from alumni_app.cli import register
    from alumni_app.grants.tasks import send_grant_reminders_command
    from alumni_app.imports import cli as import_cli
    from alumni_app.jobs.worker import worker_command
    from alumni_app.messages.bounces import read_bounces_command
    from alumni_app.plans.tasks import send_reminders_command
    from alumni_app.reports.cli import refresh_figures_command

    register(app)
    import_cli.register(app)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_grant_reminders_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(refresh_figures_command)
    app.cli.add_command(read_bounces_command)


def register_tasks() -> None:
    """Import every module that declares tasks, so workers and the schedule know them all."""
    from alumni_app import mail  # noqa: F401
    from alumni_app.auth import tasks as auth_tasks  # noqa: F401
    from alumni_app.events import tasks as event_tasks  # noqa: F401
    from alumni_app.grants import tasks as grant_tasks  # noqa: F401
    from alumni_app.imports import tasks as import_tasks  # noqa: F401
    from alumni_app.jobs import tasks as job_tasks  # noqa: F401
    from alumni_app.messages import bulk as message_tasks  # noqa: F401
    from alumni_app.plans import tasks as plan_tasks  # noqa: F401
    from alumni_app.reports import tasks as report_tasks  # noqa: F401
