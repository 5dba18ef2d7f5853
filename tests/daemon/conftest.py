"""Fixtures for daemon tests: the loopback policy server, a webhook receiver, daemon processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.httpserver import PolicyTestServer

PYTHON = sys.executable
#: Scrapy settings for fast loopback crawls.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0",
        "-s", "DOWNLOAD_TIMEOUT=10"]


def policywatch_argv() -> list[str]:
    """`policywatch` as a subprocess."""
    return [PYTHON, "-m", "cli.main"]


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition",
             proc: DaemonProcess | None = None) -> Any:
    """Poll ``predicate`` every 0.1 s until truthy; fail with ``what`` (and the daemon's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.popen.poll() is not None:
            pytest.fail(f"daemon exited ({proc.popen.returncode}) waiting for {what}:\n{proc.log()}")
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}"
                + (f"\n--- daemon log ---\n{proc.log()}" if proc else ""))


class Webhook:
    """A loopback receiver: records each POSTed JSON document."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with owner.lock:
                    owner.posts.append({"headers": dict(self.headers.items()),
                                        "body": json.loads(body)})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """quiet"""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.posts)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class DaemonProcess:
    """A `policywatch run` subprocess whose stderr goes to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._fh = log_path.open("ab")
        self.popen = subprocess.Popen([*policywatch_argv(), *args], cwd=ROOT, env=env,
                                      stdout=self._fh, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> int:
        self.popen.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        finally:
            self._fh.close()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)
        self._fh.close()


@pytest.fixture
def server() -> Iterator[PolicyTestServer]:
    with PolicyTestServer(slow_seconds=30.0) as srv:
        yield srv


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a daemon process: no inherited PolicyWatch settings, a tmp config."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("POLICYWATCH_")}
    out["POLICYWATCH_CONFIG"] = str(tmp_path / "config.toml")
    out["XDG_DATA_HOME"] = str(tmp_path / "data")
    out["PYTHONUNBUFFERED"] = "1"
    out["POLICYWATCH_ALLOW_PRIVATE_TARGETS"] = "1"  # the pages are served on loopback
    return out


@pytest.fixture
def spawn(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Start `policywatch run ...` processes; any left running are killed afterwards."""
    procs: list[DaemonProcess] = []

    def start(*args: str, name: str = "daemon") -> DaemonProcess:
        proc = DaemonProcess(["run", *args], env, tmp_path / f"{name}-{len(procs)}.log")
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()


def write_targets(path: Path, docs: dict[str, tuple[str, str]]) -> Path:
    """A declaration file: {document key: (url, schedule)} on platform "test"."""
    lines = ['[platform]', 'id = "test"', 'name = "Test"', 'select = ["#component-container"]',
             'min_length = 100', '']
    for key, (url, schedule) in docs.items():
        lines += [f"[documents.{key}]", f'name = "{key}"', f'url = "{url}"',
                  f'schedule = "{schedule}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_config(path: Path, webhook_url: str | None = None, **schedule: Any) -> Path:
    table = {"jitter": 0, "dispatch_interval": 0.5, "stop_grace": 5, **schedule}
    lines = ["[schedule]", *(f"{k} = {json.dumps(v)}" for k, v in table.items()), ""]
    if webhook_url:
        lines += ["[alerts]", "backoff_seconds = 0.5", "",
                  "[alerts.channels.hook]", 'kind = "webhook"', f'url = "{webhook_url}"',
                  'secret = "test-secret"', 'min_severity = "low"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
