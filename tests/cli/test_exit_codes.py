"""`policywatch check` exit statuses: 0 ok, 1 a fetch failed, 2 usage or configuration error,
3 another crawl holds the lock, 4 database error (real processes, real databases)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cli import exits
from daemon.locks import lock_for
from store import Store
from tests.cli.test_check import FAST, ROOT_DIR, counts, policywatch, write_targets
from tests.httpserver import PolicyTestServer


@pytest.fixture
def server() -> PolicyTestServer:
    with PolicyTestServer() as srv:
        yield srv


def test_the_statuses_are_documented() -> None:
    shown = policywatch("check", "--help").stdout
    for code in range(5):
        assert re.search(rf"\n\s+{code}  \w", shown), code
    readme = (ROOT_DIR / "README.md").read_text(encoding="utf-8")
    assert "| 3 |" in readme and "| 4 |" in readme
    assert (exits.OK, exits.FETCH_FAILED, exits.USAGE, exits.LOCKED, exits.DATABASE) == (0, 1, 2, 3, 4)


def test_ok_and_a_failed_fetch(server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    good = write_targets(tmp_path / "good.toml", server, {"policy": "/legal/privacy-policy"})
    assert policywatch("check", "--db", sqlite_url, "--targets", str(good), *FAST).returncode == 0
    bad = write_targets(tmp_path / "bad.toml", server, {"gone": "/status/404"})
    assert policywatch("check", "--db", sqlite_url, "--targets", str(bad), *FAST).returncode == 1


def test_another_crawl_holding_the_lock_is_3(server: PolicyTestServer, tmp_path: Path, db_url: str) -> None:
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    store = Store(db_url)
    lock = lock_for(store.engine, "crawl", "policywatch run")
    lock.acquire()
    try:
        done = policywatch("check", "--db", db_url, "--targets", str(targets), *FAST)
    finally:
        lock.release()
        store.dispose()
    assert done.returncode == exits.LOCKED, done.stderr
    assert "refusing to check: the crawl lock" in done.stderr
    assert server.hits("/legal/privacy-policy") == 0


@pytest.mark.parametrize(("config", "named"), [
    ('[alerts.channels.hook]\nkind = "webhook"\nurl = "ftp://hooks.example.com/x"\nsecret = "s3cret"\n',
     "alerts.channels.hook.url: Value error, must be an http:// or https:// URL, not ftp scheme"),
    ('[policywatch]\nincident_after = "many"\n', "setting incident_after"),
])
def test_a_configuration_error_is_2_and_fetches_nothing(
        server: PolicyTestServer, tmp_path: Path, sqlite_url: str, config: str, named: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST,
                       env={"POLICYWATCH_CONFIG": str(path)})
    assert done.returncode == exits.USAGE, done.stderr
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert server.hits("/legal/privacy-policy") == 0


def test_a_bad_declaration_is_2(tmp_path: Path, sqlite_url: str) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[platform]\nid = "x"\nname = "X"\n[documents.p]\nname = "P"\nurl = "ftp://x/p"\n')
    done = policywatch("check", "--db", sqlite_url, "--targets", str(bad), *FAST)
    assert done.returncode == exits.USAGE and "documents.p.url" in done.stderr


def test_a_database_that_cannot_be_reached_is_4(server: PolicyTestServer, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    done = policywatch("check", "--db", f"postgresql://nobody@127.0.0.1:{port}/none", "--targets",
                       str(targets), *FAST)
    assert done.returncode == exits.DATABASE, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"Error: cannot open database postgresql+psycopg://nobody@127.0.0.1:{port}/none: ")
    assert server.hits("/legal/privacy-policy") == 0


def test_checks_started_together_on_a_fresh_database_never_fail_on_the_migration(
        server: PolicyTestServer, tmp_path: Path, db_url: str) -> None:
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    argv = [sys.executable, "-m", "cli.main", "check", "--db", db_url, "--targets", str(targets), *FAST]
    procs = [subprocess.Popen(argv, cwd=ROOT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [(p, *p.communicate(timeout=180)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    for proc, _out, err in results:
        assert proc.returncode in (exits.OK, exits.LOCKED), err[-2000:]
        assert "already exists" not in err and "UniqueViolation" not in err
    assert codes[0] == exits.OK
    assert counts(db_url)["versions"] == 1


def test_a_read_only_postgresql_database_is_4(server: PolicyTestServer, tmp_path: Path, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's read-only cases are in test_database_faults.py")
    Store(db_url).dispose()  # migrated; from now on every transaction is read-only
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    url = f"{db_url}%20-cdefault_transaction_read_only%3Don"
    done = policywatch("check", "--db", url, "--targets", str(targets), *FAST)
    assert done.returncode == exits.DATABASE, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Error: cannot write to database postgresql+psycopg://") and "read-only" in line
    assert server.hits("/legal/privacy-policy") == 0
