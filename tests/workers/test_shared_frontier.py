"""Several `policywatch worker` processes on one Redis frontier and one PostgreSQL store.

Real Redis (127.0.0.1:6379, a key prefix of its own per test run), real PostgreSQL (a schema of its
own), real worker processes crawling the loopback corpus (bench/corpus.py): every document is
checked exactly once per round, one version per real change, no duplicate alert, also when one
worker is SIGKILLed mid-round.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.corpus import CorpusServer
from bench.crawl_throughput import declarations
from store import Store
from store.models import Alert, Change, Check, Version
from tests.conftest import ROOT, pg_schema

REDIS_URL = os.environ.get("POLICYWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
N = 12
pytestmark = pytest.mark.timeout(900)


def _require(what: str, exc: Exception) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI: {exc}")
    pytest.skip(f"no {what}: {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


@pytest.fixture
def prefix() -> Iterator[str]:
    import redis

    name = "pwtest-" + uuid.uuid4().hex[:10]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001
        _require(f"Redis at {REDIS_URL}", exc)
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


@pytest.fixture(scope="module")
def corpus() -> Iterator[CorpusServer]:
    with CorpusServer(N, hosts=3) as server:
        yield server


def _env(tmp: Path, db: str) -> dict[str, str]:
    config = tmp / "config.toml"
    config.write_text('[alerts.channels.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\nsecret = "test-secret"\n'
                      'min_severity = "low"\n')
    return dict(os.environ, POLICYWATCH_CONFIG=str(config), POLICYWATCH_DB=db,
                POLICYWATCH_CPU_WORKERS="0", PYTHONPATH=str(ROOT))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def _round(prefix: str, decl: Path, env: dict[str, str], workers: int,
           kill_after: int | None, engine: object) -> str:
    """Enqueue a round, run ``workers`` workers until the frontier is empty; SIGKILL the first
    once ``kill_after`` checks of the round are recorded. Returns the round key."""
    out = subprocess.run(_cli("enqueue", "--redis", REDIS_URL, "--prefix", prefix, "--targets", str(decl),
                              "--format", "json"), env=env, capture_output=True, text=True, check=True)
    import json

    key = json.loads(out.stdout)["round"]
    args = ("worker", "--redis", REDIS_URL, "--prefix", prefix, "--targets", str(decl),
            "--batch", "4", "--lease", "3", "--until-empty", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    procs = [subprocess.Popen(_cli(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(workers)]
    if kill_after is not None:
        deadline = time.monotonic() + 300
        while _checks(engine, key) < kill_after and time.monotonic() < deadline:
            time.sleep(0.05)
        procs[0].send_signal(signal.SIGKILL)
    for p in procs:
        _, err = p.communicate(timeout=500)
        if p.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"worker exit {p.returncode}: {err.decode()[-3000:]}")
    return str(key)


def _checks(engine: object, key: str) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(Check)
                                .where(Check.round_key == key)).scalar())


def _per_document(engine: object, key: str) -> dict[int, int]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(Check.document_id, func.count()).where(Check.round_key == key)
                            .group_by(Check.document_id)).all()
    return {doc: n for doc, n in rows}


def test_workers_check_each_document_once_per_round_even_when_one_is_killed(
        corpus: CorpusServer, pg_url: str, prefix: str, tmp_path: Path) -> None:
    decl = tmp_path / "corpus.toml"
    decl.write_text(declarations(corpus.urls()))
    env = _env(tmp_path, pg_url)
    store = Store(pg_url)
    engine = store.engine

    corpus.phase("first")
    first = _round(prefix, decl, env, workers=2, kill_after=None, engine=engine)
    assert sorted(_per_document(engine, first).values()) == [1] * N
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Version)).scalar() == N

    corpus.phase("changed")
    second = _round(prefix, decl, env, workers=3, kill_after=3, engine=engine)
    assert sorted(_per_document(engine, second).values()) == [1] * N, "a document checked twice or never"
    with engine.connect() as conn:
        new = conn.execute(select(func.count()).select_from(Check).where(
            Check.round_key == second, Check.outcome == "new_version")).scalar()
        versions = conn.execute(select(Version.document_id, func.count()).group_by(Version.document_id)).all()
        changes = conn.execute(select(func.count()).select_from(Change)).scalar()
        alerts = conn.execute(select(Alert.change_id, Alert.channel, func.count())
                              .where(Alert.kind == "change").group_by(Alert.change_id, Alert.channel)).all()
    assert new and new >= N // 2, "the changed pass made too few versions to prove anything"
    assert len(versions) == N and all(n <= 2 for _, n in versions)
    assert sum(n for _, n in versions) == N + new, "one version per real change"
    assert changes == new
    assert alerts, "no material change alerted: the test cannot see duplicates"
    assert all(n == 1 for _, _, n in alerts), "an alert enqueued twice"
    store.dispose()
