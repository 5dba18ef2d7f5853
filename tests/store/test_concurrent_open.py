"""Processes opening a fresh database at the same moment migrate it one after the other."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from store import Store

ROOT = Path(__file__).resolve().parents[2]
#: Each process waits for the same start time, then opens (and so migrates) the database.
OPEN_AT = """
import sys, time
from store import Store
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
Store(url).dispose()
print("opened")
"""


def test_processes_opening_a_fresh_database_at_once_all_succeed(db_url: str) -> None:
    start = time.time() + 3.0  # every process has imported by then
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AT, db_url, str(start)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and out.strip() == "opened", err[-2000:]
    store = Store(db_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    store.dispose()
