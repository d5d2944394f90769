"""Failed-login throttling holds across two gunicorn workers when the counters live in Redis."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from alumni_app import create_app
from alumni_app.extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_workers(tmp_path):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    url = f"sqlite:///{tmp_path / 'throttle.db'}"
    app = create_app({**factories.TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        user = factories.make_user(role="alumnus", email="target@example.org")
        email = user.email
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": uuid.uuid4().hex,
           "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
           "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "MAIL_BACKEND": "memory",
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "alumni_app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base, email
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _attempt(base: str, email: str, password: str):
    """One login attempt in a fresh browser (new cookie jar, new connection)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    try:
        response = opener.open(base + "/login", data=data.encode(), timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, error.headers
    return response.status, response.headers


@pytest.mark.slow
def test_failed_logins_are_limited_across_workers(two_workers):
    base, email = two_workers
    statuses = [_attempt(base, email, "wrong password here")[0] for _ in range(5)]
    assert statuses == [401] * 5
    status, headers = _attempt(base, email, factories.PASSWORD)  # even the right password waits
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= 15 * 60
    status, _ = _attempt(base, "someone-else@example.org", "wrong password here")
    assert status == 401  # another account from the same address is not locked out yet
