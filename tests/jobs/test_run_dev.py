"""`make run` starts the web server and a worker side by side, and Ctrl-C stops both."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.queue_helpers import ROOT
from tests.smtp_sink import free_port


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return json.load(answer)
    except OSError:
        return None


@pytest.mark.slow
def test_run_dev_serves_with_a_worker_and_ctrl_c_stops_both(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "QUEUE_"))}
    env.update(APP_ENV="development", DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
               QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}", WORKER_HEARTBEAT_SECONDS="1",
               MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    subprocess.run([sys.executable, "-m", "flask", "--app", "alumni_app", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    run = subprocess.Popen([sys.executable, "bin/run-dev", "--port", str(port)], cwd=ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            health = _health(port)
            if health and health.get("worker", {}).get("seen"):
                break
            time.sleep(0.5)
        assert health and health["worker"]["seen"] and health["queue"]["state"] == "up", health
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert "worker: 2 at once" in output
    assert "stopping the web server and the worker" in output
    assert _health(port) is None  # the web server is gone, and so is the worker
    pids = re.search(r"worker \(pid (\d+)\) and web server \(pid (\d+)\)", output).groups()
    assert [pid for pid in pids if Path(f"/proc/{pid}").exists()] == []
