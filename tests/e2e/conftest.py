"""Browser tests: the demo data served by a real HTTP server, driven by Debian's chromium.

`playwright install` cannot download browsers here, so Playwright launches /usr/bin/chromium
(apt-get install -y chromium). Without it the tests are skipped, except when CI is set: there
they fail, so a missing browser never passes unnoticed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from huey.storage import MemoryStorage
from werkzeug.serving import make_server

from alumni_app import create_app
from alumni_app.extensions import db
from alumni_app.jobs import huey
from tests import factories
from tests.queue_helpers import running_worker

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MISSING_CHROMIUM = "chromium is not installed: apt-get install -y chromium"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed() -> None:
    """Skip the browser tests without chromium, but fail them in CI (CI set and non-empty)."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI"):
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="package")
def browser(_chromium_installed):
    """One chromium for the browser tests; every test gets its own context. Closed when the
    browser tests are done: Playwright's sync API keeps an asyncio loop running in the main
    thread, which would make `asyncio.run` (the Telegram client) fail in the tests after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context (no cookies), asking for English."""
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


class _ErrorRecords(logging.Handler):
    """Collects the errors one served application logs (its 500 handler logs the traceback).

    Only records logged inside that application's context count: a session-scoped server
    stays up while other tests run in the same process and log errors on purpose (a broken
    mail template, a route that explodes), and those are not this server's.
    """

    def __init__(self, app) -> None:
        super().__init__(level=logging.ERROR)
        self.app = app
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if has_app_context() and current_app._get_current_object() is self.app:
            self.records.append(logging.Formatter().format(record))


@contextlib.contextmanager
def serve_demo(folder: Path, seed_more: Callable[[], object] | None = None, *,
               worker: bool = False) -> Iterator[str]:
    """Serve the app with the demo data over HTTP on 127.0.0.1 and yield its base URL.

    The database is a SQLite file in `folder`, so the server's threads share it; this holds
    even when TEST_DATABASE_URL points the rest of the suite at PostgreSQL. `seed_more` runs
    in the app context after the demo data is seeded, before the first request. Fails the
    test if the application logged an error meanwhile. With `worker`, background tasks wait
    in a real queue (a SQLite file) for a worker running beside the server, as in production;
    without, they run inline.
    """
    from alumni_app import demo

    app = create_app({
        **factories.TEST_SETTINGS,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.db'}",
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
        "IMPORT_FOLDER": str(folder / "imports"),
        "IMPORT_REFRESH_SECONDS": 1,
        **({"QUEUE_IMMEDIATE": False, "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
            "QUEUE_NAME": f"e2e_{uuid.uuid4().hex[:12]}", "QUEUE_POLL_SECONDS": 0.1,
            "WORKER_HEARTBEAT_SECONDS": 1} if worker else {}),
    })
    with app.app_context():
        db.create_all()
        demo.seed()
        if seed_more is not None:
            seed_more()
        db.session.commit()
        db.session.remove()

    errors = _ErrorRecords(app)
    app_logger = logging.getLogger("alumni_app")
    app_logger.addHandler(errors)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        with running_worker(app) if worker else contextlib.nullcontext():
            yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app_logger.removeHandler(errors)
        with app.app_context():
            db.engine.dispose()
        if worker:  # the next app built gives the queue its own settings; this one's go
            huey.flush()
            huey.storage = MemoryStorage(huey.name)
    if errors.records:
        pytest.fail("the application logged errors while serving the test:\n\n"
                    + "\n\n".join(errors.records), pytrace=False)


@pytest.fixture
def live_server(tmp_path) -> Iterator[str]:
    """The demo data served over HTTP, function-scoped: every test starts from the freshly
    seeded demo data (used TOTP codes, changed language preferences and login-failure
    counters do not leak between tests)."""
    with serve_demo(tmp_path) as base_url:
        yield base_url


@pytest.fixture
def live_server_with_worker(tmp_path) -> Iterator[str]:
    """As live_server, with the background work done by a worker beside the server."""
    with serve_demo(tmp_path, worker=True) as base_url:
        yield base_url


@pytest.fixture(scope="package")
def journeys(browser, tmp_path_factory) -> Iterator:
    """The demo data plus what the journeys' pages show, served once for the session, and
    one logged-in browser session per role (tests/e2e/journeys.py)."""
    from tests.e2e.journeys import Visitors, seed_journeys

    ids: dict[str, int] = {}
    with serve_demo(tmp_path_factory.mktemp("journeys"),
                    lambda: ids.update(seed_journeys())) as base_url:
        visitors = Visitors(browser, base_url, ids)
        yield visitors
        visitors.close()
