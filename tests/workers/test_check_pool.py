"""`policywatch check` on the loopback corpus with the CPU worker pool and batched recording:
the same checks, versions and changes as done in one process, and no row for an unchanged
check beyond its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bench.corpus import CorpusServer
from bench.crawl_throughput import declarations
from store.models import Change, Check, Snapshot, Version
from tests.conftest import ROOT

N = 10
pytestmark = pytest.mark.timeout(600)


def _check(db: str, decl: Path, tmp: Path, workers: str) -> list[dict[str, object]]:
    env = dict(os.environ, POLICYWATCH_CONFIG=str(tmp / "none.toml"), POLICYWATCH_CPU_WORKERS=workers,
               POLICYWATCH_CPU_WORKERS_FROM="1",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "cli.main", "check", "--quiet", "--format", "json",
                           "--db", db, "--targets", str(decl), "-s", "DOWNLOAD_DELAY=0",
                           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"],
                          env=env, capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout))


def _rows(db: str) -> tuple[int, ...]:
    engine = create_engine(db)
    with engine.connect() as conn:
        counts = tuple(int(conn.execute(select(func.count()).select_from(m)).scalar() or 0)
                       for m in (Check, Version, Snapshot, Change))
    engine.dispose()
    return counts


def test_pool_and_in_process_record_the_same(tmp_path: Path) -> None:
    with CorpusServer(N, hosts=2) as corpus:
        decl = tmp_path / "corpus.toml"
        decl.write_text(declarations(corpus.urls()))
        results = {}
        for workers in ("2", "0"):
            db = f"sqlite:///{tmp_path / f'w{workers}.db'}"
            corpus.phase("first")
            first = _check(db, decl, tmp_path, workers)
            corpus.phase("unchanged")
            before = _rows(db)
            unchanged = _check(db, decl, tmp_path, workers)
            after = _rows(db)
            corpus.phase("changed")
            changed = _check(db, decl, tmp_path, workers)
            assert [ln["outcome"] for ln in first] == ["new_version"] * N
            assert [ln["outcome"] for ln in unchanged] == ["unchanged"] * N
            assert after == (before[0] + N, *before[1:]), "an unchanged check wrote more than its check row"
            results[workers] = sorted((ln["slug"], ln["outcome"], ln["severity"], tuple(ln["labels"]))
                                      for ln in changed)
            assert any(outcome == "new_version" for _, outcome, _, _ in results[workers])
        assert results["2"] == results["0"]
