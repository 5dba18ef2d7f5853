"""Run inside tests.namespaces.run_with_mounts: a database on a small tmpfs, a first `check` that
fills it, then a fault (the tmpfs remounted read-only, or filled to the last byte), then the
commands that must cope; prints each step's exit status and output as JSON.

Usage: python -m tests.cli.fsfaults ro-mount|full-disk WORKDIR TARGETS
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def main(scenario: str, workdir: Path, targets: str) -> None:
    mount = workdir / "mnt"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
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
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
