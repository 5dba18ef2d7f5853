"""`policywatch run` as a real process: scheduled crawls, one change, one alert, restarts, locks."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from store import Store
from store.models import Alert, Check, Document, Version
from tests.conftest import ROOT
from tests.daemon.conftest import (FAST, PYTHON, Webhook, policywatch_argv, wait_for, write_config,
                                   write_targets)
from tests.httpserver import PolicyTestServer, read_page

POLICY = read_page("policy.html")
CHANGED = POLICY.replace(b"</main>", b"<p>We may sell your personal data to third-party "
                         b"advertisers and data brokers for targeted advertising.</p></main>")


class Db:
    """Read-only views of the daemon's database, polled by the tests."""

    def __init__(self, url: str) -> None:
        self.store = Store(url, migrate=False)

    def count(self, model: Any, slug: str | None = None, **where: Any) -> int:
        q = select(func.count()).select_from(model)
        if slug is not None:
            q = q.join(Document, Document.id == model.document_id).where(Document.slug == slug)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        try:
            with self.store.session() as s:
                return int(s.scalar(q) or 0)
        except Exception:  # noqa: BLE001 - tables not created yet
            return 0

    def jobs(self) -> dict[str, float]:
        if not inspect(self.store.engine).has_table("apscheduler_jobs"):
            return {}
        with self.store.engine.connect() as conn:
            return dict(conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all())


def _run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*policywatch_argv(), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_scheduled_crawls_change_alert_restart_and_lock(
        db_url: str, tmp_path: Path, server: PolicyTestServer, webhook: Webhook,
        env: dict[str, str], spawn: Any) -> None:
    server.set("/p/policy", POLICY)
    server.set("/p/hourly", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {
        "policy": (server.url("/p/policy"), "2s"), "hourly": (server.url("/p/hourly"), "1h")})
    write_config(tmp_path / "config.toml", webhook.url)
    args = ["--db", db_url, "--targets", str(targets), *FAST]
    db = Db(db_url)
    policy = "test/policy"

    first = spawn(*args, name="first")
    wait_for(lambda: db.count(Check, policy) >= 2 and db.count(Check, "test/hourly") >= 1,
             30, "two checks of the 2s document and one of the hourly one", first)
    assert db.count(Version, policy) == 1

    server.set("/p/policy", CHANGED)
    seen = db.count(Check, policy)
    wait_for(lambda: db.count(Version, policy) == 2, 20, "the changed page's version", first)
    wait_for(lambda: webhook.count() == 1, 20, "the alert at the webhook", first)
    wait_for(lambda: db.count(Check, policy) >= max(seen + 2, 4), 20,
             "a scheduled check after the change", first)
    assert db.count(Version, policy) == 2
    assert db.count(Alert) == 1
    assert webhook.posts[0]["body"]["alerts"][0]["document"]["slug"] == policy

    # A second scheduler on the same database refuses, naming the holder.
    second = _run("run", *args, env=env)
    assert second.returncode != 0
    assert "refusing to start" in second.stderr and "daemon lock" in second.stderr
    assert f"pid {first.popen.pid}" in second.stderr

    # `status` is healthy while the daemon runs.
    status = _run("status", "--db", db_url, "--targets", str(targets), "--format", "json",
                  "--require-daemon", env=env)
    report = json.loads(status.stdout)
    assert status.returncode == 0, status.stdout + status.stderr
    assert report["daemon_running"] and report["alerts"]["sent"] == 1
    assert {d["document"]: d["outcome"] for d in report["documents"]}["test/hourly"] == "new_version"

    jobs_before = db.jobs()
    assert set(jobs_before) == {"check:test/policy", "check:test/hourly"}
    assert first.terminate() == 0
    log = first.log()
    assert "daemon stopped exit_code=0" in log
    assert "check document=test/policy outcome=new_version" in log
    assert db.count(Alert, status="sent") == 1  # the outbox was flushed

    # Restarted: the same jobs resume (the hourly one keeps its next run), nothing is re-sent.
    checks_before = db.count(Check, policy)
    hourly_checks = db.count(Check, "test/hourly")
    again = spawn(*args, name="again")
    wait_for(lambda: "schedule jobs=2 resumed=2 added=0" in again.log(), 20, "resumed jobs", again)
    wait_for(lambda: db.count(Check, policy) >= checks_before + 2, 20, "checks after restart", again)
    assert db.jobs()["check:test/hourly"] == jobs_before["check:test/hourly"]
    assert db.count(Check, "test/hourly") == hourly_checks
    assert again.terminate() == 0
    assert webhook.count() == 1
    assert db.count(Version, policy) == 2 and db.count(Alert) == 1


def test_sigterm_abandons_a_slow_crawl_and_exits_0(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    targets = write_targets(tmp_path / "targets.toml", {"slow": (server.url("/slow"), "1h")})
    write_config(tmp_path / "config.toml", stop_grace=1)
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST, "-s", "DOWNLOAD_TIMEOUT=60")
    wait_for(lambda: server.hits("/slow") >= 1, 30, "the slow fetch to start", proc)
    started = time.monotonic()
    assert proc.terminate(timeout=15) == 0
    assert time.monotonic() - started < 10
    log = proc.log()
    assert "abandoning the running rounds" in log and "daemon stopped exit_code=0" in log
    assert Db(sqlite_url).count(Check) == 0  # nothing half-recorded


def test_second_signal_abandons_at_once(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    targets = write_targets(tmp_path / "targets.toml", {"slow": (server.url("/slow"), "1h")})
    write_config(tmp_path / "config.toml", stop_grace=60)
    proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST, "-s", "DOWNLOAD_TIMEOUT=60")
    wait_for(lambda: server.hits("/slow") >= 1, 30, "the slow fetch to start", proc)
    proc.popen.send_signal(signal.SIGINT)
    wait_for(lambda: "stopping reason=SIGINT" in proc.log(), 10, "the first signal", proc)
    assert proc.terminate(timeout=15, sig=signal.SIGINT) == 0
    assert "stop requested again" in proc.log()


def test_status_needs_attention(sqlite_url: str, tmp_path: Path, env: dict[str, str]) -> None:
    targets = write_targets(tmp_path / "targets.toml", {
        "ok": ("http://127.0.0.1:9/ok", "1h"), "broken": ("http://127.0.0.1:9/b", "1h"),
        "never": ("http://127.0.0.1:9/n", "1h")})
    write_config(tmp_path / "config.toml")
    store = Store(sqlite_url)
    now = datetime.now(UTC)
    with store.session() as s:
        docs = {}
        for key in ("ok", "broken", "never"):
            docs[key] = Document(slug=f"test/{key}", platform="test", name=key, url="http://x")
            s.add(docs[key])
        s.flush()
        s.add(Check(document_id=docs["ok"].id, started_at=now, outcome="unchanged"))
        s.add(Check(document_id=docs["broken"].id, started_at=now, outcome="blocked",
                    detail="HTTP 999"))
        s.add(Alert(dedup_key="k:hook", channel="hook", kind="change", status="dead"))
    result = _run("status", "--db", sqlite_url, "--targets", str(targets), "--format", "json",
                  "--require-daemon", env=env)
    assert result.returncode == 1, result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert "test/broken: last check blocked" in problems
    assert "test/never: never checked" in problems
    assert not any(p.startswith("test/ok") for p in problems)
    assert any("dead alert" in p for p in problems)
    assert any("no `policywatch run`" in p for p in problems)
    text_out = _run("status", "--db", sqlite_url, "--targets", str(targets), env=env)
    assert text_out.returncode == 1 and "needs attention:" in text_out.stdout


def test_check_refuses_while_a_round_holds_the_crawl_lock(
        sqlite_url: str, tmp_path: Path, env: dict[str, str]) -> None:
    from daemon.locks import lock_for

    targets = write_targets(tmp_path / "targets.toml", {"p": ("http://127.0.0.1:9/p", "1h")})
    lock = lock_for(Store(sqlite_url).engine, "crawl", "policywatch run")
    lock.acquire()
    try:
        result = subprocess.run([PYTHON, "-m", "cli.main", "check", "--db", sqlite_url,
                                 "--targets", str(targets), "-q"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        lock.release()
    assert result.returncode != 0
    assert "crawl lock" in result.stderr


def test_a_round_waits_while_another_crawl_holds_the_lock(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    from daemon.locks import lock_for

    server.set("/p/policy", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"policy": (server.url("/p/policy"), "1h")})
    write_config(tmp_path / "config.toml")
    store = Store(sqlite_url)
    check = lock_for(store.engine, "crawl", "policywatch check")
    check.acquire()  # as a running `policywatch check` would
    try:
        proc = spawn("--db", sqlite_url, "--targets", str(targets), *FAST)
        wait_for(lambda: "round postponed" in proc.log(), 20, "the postponed round", proc)
        assert "held by policywatch check" in proc.log()
        assert server.hits("/p/policy") == 0
    finally:
        check.release()
    wait_for(lambda: Db(sqlite_url).count(Check) == 1, 20, "the check after the lock is free", proc)
    assert proc.terminate() == 0


def test_sigkill_leaves_no_stale_lock_and_restart_resumes(
        sqlite_url: str, tmp_path: Path, server: PolicyTestServer, spawn: Any) -> None:
    server.set("/p/policy", POLICY)
    targets = write_targets(tmp_path / "targets.toml", {"policy": (server.url("/p/policy"), "2s")})
    write_config(tmp_path / "config.toml")
    args = ["--db", sqlite_url, "--targets", str(targets), *FAST]
    db = Db(sqlite_url)
    crashed = spawn(*args, name="crashed")
    wait_for(lambda: db.count(Check) >= 1, 30, "a first check", crashed)
    crashed.terminate(sig=signal.SIGKILL)
    checks = db.count(Check)
    again = spawn(*args, name="again")
    wait_for(lambda: "resumed=1 added=0" in again.log(), 20, "the resumed schedule", again)
    wait_for(lambda: db.count(Check) >= checks + 1, 20, "a check after the crash", again)
    assert again.terminate() == 0
    assert db.count(Version) == 1
