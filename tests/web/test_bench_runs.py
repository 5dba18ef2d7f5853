"""bench/web_latency.py still runs end to end (issue 11: it had stopped at an import). A tiny
run, for the script's sake only: the figures come from the bench itself, never from a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_web_latency_bench_runs_on_a_small_history(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "bench/web_latency.py", "--versions", "20", "--runs", "1",
                           "--db", str(tmp_path / "bench.db"), "--readers", "2", "--reader-runs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "timeline page 1" in done.stdout and "2 readers at once" in done.stdout, done.stdout
