"""Run inside tests.namespaces.run_with_mounts: a database on a small tmpfs, a first `check` that
fills it, then a fault (the tmpfs remounted read-only, or filled to the last byte), then the
commands that must cope; prints each step's exit status and output as JSON.

Usage: python -m tests.cli.fsfaults ro-mount|full-disk WORKDIR TARGETS
       python -m tests.cli.fsfaults fills-mid-check|fills-under-daemon WORKDIR

The last two serve the document themselves (the mount is this process's own): its page fills
the tmpfs to the last byte while it is being fetched, and changes, so the version cannot be
written; then the disk is freed again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.httpserver import PolicyTestServer, RecordedRequest, Reply, read_page

ROOT = Path(__file__).resolve().parents[2]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=3",
        "-s", "RETRY_TIMES=0"]


def policywatch(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=os.environ)
    return {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


def fill(folder: Path) -> None:
    """Write until the file system says ENOSPC."""
    for size in (65536, 1):  # then the last partial block
        try:
            with open(folder / f"filler-{size}", "wb", buffering=0) as fh:
                while True:
                    fh.write(b"\0" * size)
        except OSError:
            pass


def small_disk(workdir: Path) -> Path:
    mount = workdir / "mnt"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    return mount


def free(folder: Path) -> None:
    for filler in folder.glob("filler-*"):
        filler.unlink()


def rows(db: str) -> dict[str, Any]:
    """What the database holds, read directly (and whether SQLite finds it intact)."""
    with sqlite3.connect(db) as conn:
        count = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                 for t in ("checks", "versions", "snapshots", "changes", "alerts")}
        count["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return count


class FillingPage:
    """The document: as is on the first fetch; from fetch ``fill_at`` on, changed, and the disk
    filled while it is served."""

    def __init__(self, mount: Path, fill_at: int) -> None:
        self.mount, self.fill_at = mount, fill_at
        self.policy = read_page("policy.html")

    def __call__(self, request: RecordedRequest, hit: int) -> Reply:
        if hit < self.fill_at:
            return Reply(200, self.policy, HTML)
        if hit == self.fill_at:
            fill(self.mount)
        return Reply(200, self.policy.replace(b"develop and train", b"develop, test and train"), HTML)


HTML = {"Content-Type": "text/html; charset=utf-8"}


def write_targets(path: Path, url: str, schedule: str = "1h") -> str:
    path.write_text('[platform]\nid = "test"\nname = "Test"\nselect = ["#component-container"]\n'
                    f'min_length = 200\n[documents.policy]\nname = "policy"\nurl = "{url}"\n'
                    f'schedule = "{schedule}"\n', encoding="utf-8")
    return str(path)


def fills_mid_check(workdir: Path) -> dict[str, Any]:
    mount = small_disk(workdir)
    db = str(mount / "pw.db")
    with PolicyTestServer() as server:
        server.route("/p", FillingPage(mount, fill_at=2))
        targets = write_targets(workdir / "t.toml", server.url("/p"))
        steps = {"first": policywatch("check", "--db", db, "--targets", targets, *FAST)}
        steps["check"] = policywatch("check", "--db", db, "--targets", targets, *FAST)
        hits = server.hits("/p")
    free(mount)
    steps["documents"] = policywatch("documents", "--db", db, "--format", "json")
    return {"db": db, "steps": steps, "hits": hits, "rows": rows(db)}


def fills_under_daemon(workdir: Path) -> dict[str, Any]:
    """A daemon checking every 2 s; the disk fills during its second fetch, stays full for 6 s
    (every later check of it finds no room), then is freed; stopped once it checked again."""
    mount = small_disk(workdir)
    db = str(mount / "pw.db")
    (workdir / "config.toml").write_text(
        "[schedule]\njitter = 0\ndispatch_interval = 0.5\nstop_grace = 5\nheartbeat = 1\n",
        encoding="utf-8")
    env = {**os.environ, "POLICYWATCH_CONFIG": str(workdir / "config.toml"), "PYTHONUNBUFFERED": "1"}
    with PolicyTestServer() as server, open(workdir / "daemon.log", "wb") as log:
        server.route("/p", FillingPage(mount, fill_at=2))
        targets = write_targets(workdir / "t.toml", server.url("/p"), "2s")
        daemon = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--db", db, "--targets",
                                   targets, *FAST], cwd=ROOT, env=env, stdout=log, stderr=log)
        text = lambda: (workdir / "daemon.log").read_text(errors="replace")  # noqa: E731
        during: dict[str, Any] = {}
        failed, alive = None, False
        try:
            wait(lambda: "database cannot be written" in text(), 60, "the outage line")
            time.sleep(6)
            during = rows_when_readable(db)
            free(mount)
            wait(lambda: "database writable again" in text(), 30, "the recovery line")
            wait(lambda: rows_when_readable(db)["checks"] >= 2, 30, "a check after recovery")
            alive = daemon.poll() is None
        except TimeoutError as exc:
            failed = str(exc)
        finally:
            free(mount)
            daemon.terminate()
            rc = daemon.wait(30)
    return {"db": db, "rc": rc, "alive": alive, "failed": failed, "log": text(), "during": during,
            "rows": rows(db)}


def rows_when_readable(db: str) -> dict[str, Any]:
    try:
        return rows(db)
    except sqlite3.Error as exc:
        return {"checks": -1, "error": str(exc)}


def wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def main(scenario: str, workdir: Path, targets: str) -> None:
    if scenario in ("fills-mid-check", "fills-under-daemon"):
        run = fills_mid_check if scenario == "fills-mid-check" else fills_under_daemon
        print(json.dumps(run(workdir)))
        return
    mount = small_disk(workdir)
    db = str(mount / "pw.db")
    steps = {"first": policywatch("check", "--db", db, "--targets", targets, *FAST)}
    sizes = {p.name: p.stat().st_size for p in mount.iterdir()}
    if scenario == "ro-mount":
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    else:
        fill(mount)
    steps["check"] = policywatch("check", "--db", db, "--targets", targets, *FAST)
    steps["documents"] = policywatch("documents", "--db", db, "--format", "json")
    steps["history"] = policywatch("history", "test/policy", "--db", db, "--format", "json")
    steps["status"] = policywatch("status", "--db", db, "--targets", targets, "--format", "json")
    steps["alerts"] = policywatch("alerts", "list", "--db", db, "--format", "json")
    print(json.dumps({"db": db, "sizes": sizes, "steps": steps}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
