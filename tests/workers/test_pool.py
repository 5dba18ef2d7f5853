"""The CPU worker pool's processes do not outlive the crawler process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_pool_workers_exit_when_their_crawler_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import operator, os, time\n"
        "from workers import pool\n"
        "if __name__ == '__main__':\n"
        "    pids = set(pool.shared().map(operator.call, [os.getpid] * 8))\n"
        "    print(' '.join(map(str, pids)), flush=True)\n"
        "    time.sleep(600)\n")
    env = dict(os.environ, POLICYWATCH_CPU_WORKERS="2", PYTHONPATH=str(ROOT))
    parent = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers and parent.pid not in workers
    assert all(_alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers), "a pool worker outlived its crawler"
