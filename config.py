"""Settings for alumni_app: a class per environment, each value overridable from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def env(name: str, default: str | None = None) -> str | None:
    """Return an environment variable, treating an empty value as unset."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_int_list(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of whole numbers, e.g. CHECKIN_MONTHS=3,6,12,24."""
    value = env(name)
    if value is None:
        return default
    return tuple(int(part) for part in value.split(",") if part.strip())


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Request size: a 10 MB form field is refused with 413, never read into memory. Uploads get
    # MAX_CONTENT_LENGTH; every other request MAX_FORM_CONTENT_LENGTH.
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 24 * 1024 * 1024)
    MAX_FORM_CONTENT_LENGTH = env_int("MAX_FORM_CONTENT_LENGTH", 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = env_int("MAX_FORM_MEMORY_SIZE", 512 * 1024)
    # One uploaded document (evidence, scanned paper copies): larger files are refused (413).
    UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

    # Spreadsheet imports: the largest file taken through the web page (bigger files go through
    # `flask import-alumni`), and where an upload waits between its dry run and its commit. With
    # several app servers IMPORT_FOLDER must be a folder they all share.
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    IMPORT_FOLDER = env("IMPORT_FOLDER")
    # Dry runs and imports are jobs of the queue (`flask worker`); the review page refreshes itself
    # every IMPORT_REFRESH_SECONDS while one runs, and the worker writes the rows done at most
    # every IMPORT_PROGRESS_SECONDS (a job without a sign of life for JOB_STALE_SECONDS is shown
    # interrupted).
    IMPORT_REFRESH_SECONDS = env_int("IMPORT_REFRESH_SECONDS", 2)
    IMPORT_PROGRESS_SECONDS = float(env("IMPORT_PROGRESS_SECONDS", "2"))

    # Cookies. The Flask session only carries a pointer to a server-side session row.
    SESSION_COOKIE_NAME = "alumni_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_NAME = "alumni_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    # "Keep me logged in": the session lasts at most REMEMBER_DAYS, and ends sooner when the
    # device is not used for REMEMBER_IDLE_DAYS (a forgotten laptop does not stay logged in).
    REMEMBER_COOKIE_DURATION = timedelta(days=env_int("REMEMBER_DAYS", 14))
    REMEMBER_IDLE_TIMEOUT = timedelta(days=env_int("REMEMBER_IDLE_DAYS", 7))
    SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))

    # Passwords: argon2id at or above the OWASP minimum (t=2, m=19 MiB, p=1).
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 19 * 1024)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)

    # Throttling of failed logins, shared between workers through RATELIMIT_STORAGE_URI.
    # Production refuses memory:// (each worker would count on its own) unless
    # RATELIMIT_ALLOW_MEMORY=1 says that a single worker serves the app.
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "alumni")
    LOGIN_LIMIT_PER_ACCOUNT = env("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = env("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # A browser that logged in to an account passes its address's back-off for that account
    # (alumni_app/auth/known_browsers.py) for this many days after its last login there.
    LOGIN_KNOWN_BROWSER_DAYS = env_int("LOGIN_KNOWN_BROWSER_DAYS", 180)
    EMAIL_LIMIT_PER_ADDRESS = env("EMAIL_LIMIT_PER_ADDRESS", "10 per hour")

    # Tokens sent by e-mail.
    RESET_TOKEN_HOURS = env_int("RESET_TOKEN_HOURS", 2)
    VERIFY_TOKEN_HOURS = env_int("VERIFY_TOKEN_HOURS", 48)
    INVITE_TOKEN_DAYS = env_int("INVITE_TOKEN_DAYS", 7)

    # E-mail: "smtp" in production, "file" (instance/outbox) in development, "memory" in tests.
    MAIL_BACKEND = env("MAIL_BACKEND", "file")
    MAIL_SERVER = env("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Alumni Network <no-reply@alumni.local>")
    MAIL_OUTBOX_DIR = env("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
    # A sender holds a message it took this long; after that another may send it (it died).
    MAIL_CLAIM_SECONDS = env_int("MAIL_CLAIM_SECONDS", 300)
    # Bounce reports that come later (alumni_app/messages/bounces.py). MAIL_BOUNCE_ADDRESS,
    # e.g. bounces@example.org, makes each bulk e-mail's envelope sender
    # bounces+<signed row tag>@example.org (the mail server must deliver "bounces+anything"
    # to "bounces"); MAIL_BOUNCE_MAILDIR is the Maildir folder the reports are delivered to,
    # read every five minutes by the worker. Both off unless set.
    MAIL_BOUNCE_ADDRESS = env("MAIL_BOUNCE_ADDRESS")
    MAIL_BOUNCE_MAILDIR = env("MAIL_BOUNCE_MAILDIR")

    # Telegram, a second channel for bulk messages (alumni_app/messages/telegram.py): off
    # unless enabled and given the office's bot; TELEGRAM_API_URL points elsewhere for tests.
    TELEGRAM_ENABLED = env_bool("TELEGRAM_ENABLED", False)
    TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN")
    TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME", "")
    TELEGRAM_API_URL = env("TELEGRAM_API_URL")

    # Background work goes through a task queue run by `flask worker`: SQLite in the instance
    # folder by default (nothing to install), Redis when QUEUE_URL (or REDIS_URL) says so, e.g.
    # redis://127.0.0.1:6379/1 (several workers on several machines share it). QUEUE_IMMEDIATE
    # runs each task inline where it is queued (tests).
    QUEUE_URL = env("QUEUE_URL", env("REDIS_URL"))
    QUEUE_NAME = env("QUEUE_NAME", "alumni")
    QUEUE_IMMEDIATE = env_bool("QUEUE_IMMEDIATE", False)
    QUEUE_WORKERS = env_int("QUEUE_WORKERS", 2)
    # An idle worker looks at a SQLite queue at least this often (Redis wakes it at once).
    QUEUE_POLL_SECONDS = float(env("QUEUE_POLL_SECONDS", "0.5"))
    # A task that fails is tried again this many times, the first after QUEUE_RETRY_DELAY
    # seconds, each wait twice the one before; then its job shows as failed.
    QUEUE_RETRIES = env_int("QUEUE_RETRIES", 3)
    QUEUE_RETRY_DELAY = float(env("QUEUE_RETRY_DELAY", "30"))
    # Each worker writes a heartbeat this often; /healthz reports whether one was seen lately.
    WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 30)
    WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 180)
    # A running job that gave no sign of life this long is reported interrupted (its worker died).
    JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 300)
    # Daily reminders go out at this hour of each office's own day (its time zone).
    REMINDER_HOUR = env_int("REMINDER_HOUR", 9)

    # Links in e-mails are absolute; behind a proxy set SERVER_NAME / PREFERRED_URL_SCHEME.
    SERVER_NAME = env("SERVER_NAME")
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = {"en": "English", "ru": "Русский"}

    # Hashed, precompressed static files written by `make static` (alumni_app/static_files.py);
    # without them the plain files are served.
    STATIC_BUILD_DIR = env("STATIC_BUILD_DIR", str(BASE_DIR / "alumni_app" / "static_build"))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SEND_HSTS = False
    TOTP_ISSUER = env("TOTP_ISSUER", "KCCP Alumni")
    PAGE_SIZE = env_int("PAGE_SIZE", 25)

    # Action plans: check-ins fall due these many months after a course ends, and are overdue
    # this many days later (or after the plan was written, if later: plans/checkins.py); a
    # reminder of the same kind for the same plan goes out at most once per interval.
    CHECKIN_MONTHS = env_int_list("CHECKIN_MONTHS", (3, 6, 12, 24))
    CHECKIN_GRACE_DAYS = env_int("CHECKIN_GRACE_DAYS", 30)
    REMINDER_INTERVAL_DAYS = env_int("REMINDER_INTERVAL_DAYS", 14)

    # Mini-grants: report reminders go out this many days before a due date (and once after it);
    # a grantee moves up to this share of a budget line's planned amount without a manager.
    GRANT_REMINDER_DAYS_BEFORE = env_int("GRANT_REMINDER_DAYS_BEFORE", 7)
    GRANT_FREE_MOVE_SHARE = env("GRANT_FREE_MOVE_SHARE", "0.10")
    # A review still not sent this many days after it was assigned shows as overdue.
    REVIEW_OVERDUE_DAYS = env_int("REVIEW_OVERDUE_DAYS", 14)
    # "Recount now" recounts in the request up to this many courses taken in the office (a
    # fraction of a second); beyond, it queues the recount for a worker (see README).
    FIGURES_INLINE_MAX_ROWS = env_int("FIGURES_INLINE_MAX_ROWS", 20000)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'alumni.db'}")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    QUEUE_IMMEDIATE = True  # tasks run inline; the queue's own tests start real workers
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "memory"
    RATELIMIT_STORAGE_URI = "memory://"
    # A fast hash in tests; production parameters are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    # The plain files whatever was built: the static files' tests build their own.
    STATIC_BUILD_DIR = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "https")
    MAIL_BACKEND = env("MAIL_BACKEND", "smtp")
    SEND_HSTS = True
    REQUIRED = ("SECRET_KEY", "DATABASE_URL")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """Pick the settings class named by APP_ENV (development by default)."""
    name = name or env("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        choices = ", ".join(CONFIGS)
        message = f"alumni_app: unknown APP_ENV {name!r}; use one of {choices}"
        raise SystemExit(message) from None
