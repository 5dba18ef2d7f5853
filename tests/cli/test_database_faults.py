"""A database that cannot be written -- a read-only file, a read-only mount, a full disk -- is
found before anything is fetched: `check` says so in one line naming the file and the cause and
exits 4, and the commands that only read still work. Real file systems: tmpfs mounts in a mount
namespace of their own, and a real unprivileged user for the read-only file."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli import exits
from tests.cli.test_check import FAST, ROOT_DIR, policywatch, write_targets
from tests.httpserver import PolicyTestServer
from tests.namespaces import run_with_mounts

PAGE = "/legal/privacy-policy"


@pytest.fixture
def server() -> Iterator[PolicyTestServer]:
    with PolicyTestServer() as srv:
        yield srv


def _faulted(server: PolicyTestServer, tmp_path: Path, scenario: str) -> dict[str, Any]:
    targets = write_targets(tmp_path / "t.toml", server, {"policy": PAGE})
    ran = run_with_mounts("-m", "tests.cli.fsfaults", scenario, str(tmp_path), str(targets))
    assert ran.returncode == 0, ran.stderr[-3000:]
    report: dict[str, Any] = json.loads(ran.stdout)
    assert report["steps"]["first"]["rc"] == 0, report["steps"]["first"]["stderr"][-3000:]
    assert server.hits(PAGE) == 1  # the check after the fault fetched nothing
    return report


def _one_line(step: dict[str, Any]) -> str:
    lines = step["stderr"].strip().splitlines()
    assert len(lines) == 1, step["stderr"][-3000:]
    return str(lines[0])


def _reading_works(steps: dict[str, Any]) -> None:
    for name in ("documents", "history", "status", "alerts"):
        assert steps[name]["rc"] == 0, (name, steps[name]["stderr"][-2000:])
    assert [d["slug"] for d in json.loads(steps["documents"]["stdout"])] == ["test/policy"]
    assert len(json.loads(steps["history"]["stdout"])) == 1


def test_a_read_only_mount(server: PolicyTestServer, tmp_path: Path) -> None:
    report = _faulted(server, tmp_path, "ro-mount")
    check = report["steps"]["check"]
    assert check["rc"] == exits.DATABASE
    assert _one_line(check).startswith(f"Error: database {report['db']}: on a read-only file system (")
    _reading_works(report["steps"])


def test_a_full_disk(server: PolicyTestServer, tmp_path: Path) -> None:
    report = _faulted(server, tmp_path, "full-disk")
    check = report["steps"]["check"]
    assert check["rc"] == exits.DATABASE
    assert _one_line(check).startswith(f"Error: database {report['db']}: disk full (0 bytes free")
    _reading_works(report["steps"])


def test_the_disk_filling_during_a_check(tmp_path: Path) -> None:
    """The write of a fetched version fails (the page filled the disk while it was served):
    `check` stops with one line naming the file and the cause, exit 4, and records nothing."""
    ran = run_with_mounts("-m", "tests.cli.fsfaults", "fills-mid-check", str(tmp_path))
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout)
    steps = report["steps"]
    assert steps["first"]["rc"] == 0, steps["first"]["stderr"][-3000:]
    assert report["hits"] == 2  # the second check fetched the page, then could not record it
    check = steps["check"]
    assert check["rc"] == exits.DATABASE, check["stderr"][-3000:]
    assert _one_line(check) == (f"Error: database {report['db']}: disk full (0 bytes free on its "
                                "file system) (database or disk is full)")
    # nothing half-way: the first check's rows only, and an intact file
    assert report["rows"] == {"checks": 1, "versions": 1, "snapshots": 1, "changes": 0,
                              "alerts": 0, "integrity": "ok"}
    assert steps["documents"]["rc"] == 0


def test_the_disk_filling_under_the_daemon(tmp_path: Path) -> None:
    """The daemon logs a full disk once as a state change, keeps running, and checks again
    once there is room."""
    ran = run_with_mounts("-m", "tests.cli.fsfaults", "fills-under-daemon", str(tmp_path))
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout)
    log = report["log"]
    assert report["failed"] is None, log
    assert report["alive"] and report["rc"] == 0, log
    assert "Traceback" not in log, log
    assert log.count("database cannot be written") == 1, log
    assert f"database {report['db']}: disk full" in log, log
    assert log.count("database writable again") == 1, log
    assert report["during"]["checks"] == 1, report["during"]  # nothing recorded while full
    assert report["rows"]["checks"] >= 2 and report["rows"]["versions"] == 2, report["rows"]
    assert report["rows"]["integrity"] == "ok"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can write in (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="pw-ro-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    user = pwd.getpwnam("nobody")
    env = {**os.environ, "HOME": "/nonexistent", "PYTHONDONTWRITEBYTECODE": "1",
           "POLICYWATCH_CONFIG": "/nonexistent/config.toml"}
    return subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                           "--clear-groups", sys.executable, "-m", "cli.main", *args],
                          capture_output=True, text=True, timeout=180, cwd=ROOT_DIR, env=env)


def test_a_read_only_database_file(server: PolicyTestServer, shared_dir: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv(1) to run as an unprivileged user")
    if _as_nobody("--help").returncode != 0:  # e.g. a checkout under a 0700 directory (mktemp -d)
        pytest.skip("the unprivileged user cannot read this checkout or its virtualenv")
    targets = write_targets(shared_dir / "t.toml", server, {"policy": PAGE})
    targets.chmod(0o644)
    db = shared_dir / "pw.db"
    assert policywatch("check", "--db", str(db), "--targets", str(targets), *FAST).returncode == 0
    for path in shared_dir.iterdir():  # the user's own database, made read-only
        os.chown(path, pwd.getpwnam("nobody").pw_uid, -1)
    db.chmod(0o444)

    check = _as_nobody("check", "--db", str(db), "--targets", str(targets), *FAST)
    assert check.returncode == exits.DATABASE, check.stderr[-3000:]
    assert _one_line({"stderr": check.stderr}).startswith(
        f"Error: database {db}: the file is read-only (no write permission) (")
    assert server.hits(PAGE) == 1
    documents = _as_nobody("documents", "--db", str(db), "--format", "json")
    assert documents.returncode == 0, documents.stderr[-3000:]
    assert [d["slug"] for d in json.loads(documents.stdout)] == ["test/policy"]
    status = _as_nobody("status", "--db", str(db), "--targets", str(targets))
    assert status.returncode == 0, status.stderr[-3000:]


def test_a_store_opened_read_only_finds_the_same_lock_files(tmp_path: Path) -> None:
    """`status` opens the database read-only and must still see the daemon's lock."""
    from daemon.locks import FileLock, lock_for
    from store import Store

    db = tmp_path / "pw.db"
    Store(str(db)).dispose()
    reader = Store(str(db), read_only=True)
    assert reader.read_only and str(reader.engine.url.database).startswith("file:")
    lock = lock_for(reader.engine, "daemon")
    assert isinstance(lock, FileLock) and lock.path == Path(f"{db}.daemon.lock")
    reader.dispose()
