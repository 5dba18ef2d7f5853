"""The daemon under trouble: a hanging host, kill -9, SIGSTOP, a database outage, edits, signals."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.models import Check, Document
from tests.conftest import ROOT
from tests.daemon.conftest import FAST, policywatch_argv, wait_for, write_config, write_targets
from tests.daemon.test_daemon import POLICY, Db
from tests.httpserver import PolicyTestServer, Reply
from tests.tcprelay import TcpRelay

HTML = {"Content-Type": "text/html; charset=utf-8"}


def check_times(db: Db, slug: str) -> list[datetime]:
    with db.store.session() as s:
        return list(s.scalars(select(Check.started_at).join(Document)
                              .where(Document.slug == slug).order_by(Check.started_at)))


def status(db_url: str, targets: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    done = subprocess.run([*policywatch_argv(), "status", "--db", db_url, "--targets", str(targets),
                           "--format", "json", "--require-daemon"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def hanging() -> Iterator[PolicyTestServer]:
    """A second host (127.0.0.2) whose every page hangs for 30 s."""
    with PolicyTestServer(host="127.0.0.2") as srv:
        srv.route("/hang", lambda request, hit: Reply(200, POLICY, HTML, delay=30.0))
        yield srv


def test_a_hanging_host_does_not_delay_other_hosts(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, hanging: PolicyTestServer,
        spawn: Any) -> None:
    server.set("/p/a", POLICY)
    server.set("/p/b", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {
        "a": (server.url("/p/a"), "2s"), "b": (server.url("/p/b"), "2s"),
        "hang": (hanging.url("/hang"), "2s")})
    write_config(tmp_path / "config.toml")
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST, "-s", "DOWNLOAD_TIMEOUT=25")
    db = Db(sqlite_url)
    wait_for(lambda: hanging.hits("/hang") >= 1, 30, "the hanging fetch to start", proc)
    before = {d: db.count(Check, f"test/{d}") for d in ("a", "b")}
    time.sleep(9)  # the hanging fetch lasts 25 s; the 2 s documents keep their schedule meanwhile
    assert hanging.hits("/hang") == 1 and db.count(Check, "test/hang") == 0
    for doc in ("a", "b"):
        assert db.count(Check, f"test/{doc}") - before[doc] >= 3, proc.log()
    assert proc.terminate() == 0


def test_the_check_in_flight_at_kill_9_is_caught_up_at_start(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    server.set("/p/doc", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"doc": (server.url("/p/doc"), "15s")})
    write_config(tmp_path / "config.toml")
    args = ["--db", sqlite_url, "--targets", str(targets), *FAST, "-s", "DOWNLOAD_TIMEOUT=60"]
    db = Db(sqlite_url)
    first = spawn(*args, name="first")
    wait_for(lambda: db.count(Check) == 1, 30, "the first check", first)
    server.route("/p/doc", lambda request, hit: Reply(200, POLICY, HTML, delay=60.0))
    wait_for(lambda: server.hits("/p/doc") == 2, 30, "the second check, hanging", first)
    first.kill()
    server.set("/p/doc", POLICY)
    again = spawn(*args, name="again")
    wait_for(lambda: "catch_up=1" in again.log(), 20, "a catch-up at start", again)
    wait_for(lambda: db.count(Check) == 2, 8, "the lost check, caught up at once", again)
    assert again.terminate() == 0


def test_sigstop_makes_the_heartbeat_stale_and_sigcont_catches_up_once(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any,
        env: dict[str, str]) -> None:
    server.set("/p/doc", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"doc": (server.url("/p/doc"), "10s")})
    write_config(tmp_path / "config.toml", heartbeat=1)
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST)
    db = Db(sqlite_url)
    wait_for(lambda: db.count(Check) == 1, 30, "a first check", proc)
    code, report = status(sqlite_url, targets, env)
    assert code == 0 and report["daemon_running"] and not report["heartbeat_stale"], report

    proc.popen.send_signal(signal.SIGSTOP)
    try:
        next_run = db.jobs()["check:test/doc"]
        time.sleep(5)
        code, report = status(sqlite_url, targets, env)
        assert code == 1 and report["heartbeat_stale"]
        assert any("heartbeat" in p for p in report["problems"]), report["problems"]
        time.sleep(max(0.0, next_run + 5 - time.time()))  # the next run is now long past
        code, report = status(sqlite_url, targets, env)
        assert code == 1 and any(p.startswith("test/doc: next run overdue by")
                                 for p in report["problems"]), report["problems"]
        # continue 2 s before a point of the old schedule, 18 s after the next run was due
        time.sleep(max(0.0, next_run + 18 - time.time()))
    finally:
        proc.popen.send_signal(signal.SIGCONT)
    resumed = time.time()
    wait_for(lambda: db.count(Check) == 2, 10, "the catch-up check", proc)
    time.sleep(max(0.0, resumed + 5 - time.time()))
    assert db.count(Check) == 2, "a second check seconds after the catch-up"
    code, report = status(sqlite_url, targets, env)
    assert code == 0, report["problems"]
    assert proc.terminate() == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_database_outage_is_logged_as_state_changes(
        db_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    server.set("/p/doc", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"doc": (server.url("/p/doc"), "2s")})
    write_config(tmp_path / "config.toml", heartbeat=1)
    db = Db(db_url)
    with TcpRelay(5432) as relay:
        via_relay = db_url.replace(":5432/", f":{relay.port}/")
        proc = spawn("--db", via_relay, "--targets", str(targets), *FAST)
        wait_for(lambda: db.count(Check) >= 2, 30, "checks before the outage", proc)
        # the network fails silently (the server keeps its sessions) while a round is in flight,
        # so the round ends, and releases the crawl lock, during the outage
        server.route("/p/doc", lambda request, hit: Reply(200, POLICY, HTML, delay=2.0))
        hits = server.hits("/p/doc")
        wait_for(lambda: server.hits("/p/doc") > hits, 10, "a fetch in flight", proc)
        relay.cut(keep_upstream=True)
        server.set("/p/doc", POLICY)
        before = len(proc.log().splitlines())
        wait_for(lambda: "database unreachable" in proc.log(), 20, "the outage line", proc)
        time.sleep(12)
        during = proc.log().splitlines()[before:]
        checks = db.count(Check)
        relay.restore()
        wait_for(lambda: "database reachable again" in proc.log(), 20, "the recovery line", proc)
        wait_for(lambda: db.count(Check) >= checks + 2, 60, "checks after the outage", proc)
        assert proc.terminate() == 0
    log = proc.log()
    assert "Traceback" not in log, log
    assert log.count("database unreachable") == 1
    assert log.count("database reachable again") == 1
    assert len(during) <= 4, "\n".join(during)


def test_sighup_reloads_the_declarations_and_an_unreloaded_edit_is_logged(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    server.set("/p/a", POLICY)
    server.set("/p/b", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"a": (server.url("/p/a"), "1h")})
    write_config(tmp_path / "config.toml", heartbeat=1)
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST)
    db = Db(sqlite_url)
    wait_for(lambda: db.count(Check, "test/a") == 1, 30, "the first check", proc)
    write_targets(targets, {"a": (server.url("/p/a"), "1h"), "b": (server.url("/p/b"), "1h")})
    wait_for(lambda: "declarations changed on disk" in proc.log(), 10, "the warning", proc)
    assert db.count(Check, "test/b") == 0
    proc.popen.send_signal(signal.SIGHUP)
    wait_for(lambda: "reloaded declarations: documents=2 added=1" in proc.log(), 10, "reload", proc)
    wait_for(lambda: db.count(Check, "test/b") == 1, 20, "the new document's check", proc)
    targets.write_text("[platform]\nid = 'test'\nbroken", encoding="utf-8")
    proc.popen.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload failed, keeping the declarations in use" in proc.log(), 10,
             "the refused reload", proc)
    assert proc.popen.poll() is None
    assert proc.terminate() == 0


def _catches_sigterm(pid: int) -> bool:
    """Whether process ``pid`` has a SIGTERM handler installed (SigCgt in /proc/PID/status)."""
    try:
        status_lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return False
    mask = next((ln.split()[1] for ln in status_lines if ln.startswith("SigCgt:")), "0")
    return bool(int(mask, 16) & (1 << (signal.SIGTERM - 1)))


def test_sigterm_during_start_up_exits_0(sqlite_url: str, tmp_path: Path, spawn: Any) -> None:
    targets = write_targets(tmp_path / "targets.toml", {"a": ("http://127.0.0.1:9/a", "1h")})
    write_config(tmp_path / "config.toml")
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST)
    started = time.monotonic()
    while not _catches_sigterm(proc.popen.pid) and time.monotonic() - started < 1.0:
        time.sleep(0.005)
    # the interpreter's own start takes ~0.15 s; then the handler is the first thing installed
    assert _catches_sigterm(proc.popen.pid), "no SIGTERM handler one second after start"
    assert proc.terminate(timeout=60) == 0, proc.log()  # during the imports: exit 0, not 143
    assert "stopped before start" in proc.log() or "daemon stopped exit_code=0" in proc.log()


def test_systemd_notifications_on_a_real_socket(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any,
        env: dict[str, str]) -> None:
    server.set("/p/a", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"a": (server.url("/p/a"), "1h")})
    write_config(tmp_path / "config.toml", heartbeat=30)
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(30)
    env.update(NOTIFY_SOCKET=str(path), WATCHDOG_USEC="1000000")  # ping every 0.5 s
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST)
    try:
        got: list[str] = []
        while got.count("WATCHDOG=1") < 3:
            got += sock.recv(4096).decode().splitlines()
        assert "READY=1" in got
        assert proc.terminate() == 0
        sock.settimeout(1)
        while "STOPPING=1" not in got:
            got += sock.recv(4096).decode().splitlines()
    finally:
        sock.close()
