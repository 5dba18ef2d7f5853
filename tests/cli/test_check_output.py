"""What `policywatch check` writes on stderr: one line per fetch, a bar on a terminal, -q, -v."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_check import FAST, policywatch, write_targets
from tests.httpserver import LINKEDIN_PAGES, PolicyTestServer

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\[(\d)/2\] test/(a|b): new_version \(\d+ ms\) - HTTP 200 OK, \d+ characters$")


@pytest.fixture
def two(tmp_path: Path) -> tuple[PolicyTestServer, Path]:
    with PolicyTestServer() as srv:
        page = LINKEDIN_PAGES["/legal/privacy-policy"].read_bytes()
        srv.set("/a", page)
        srv.set("/b", page.replace(b"</main>", b"<p>Another paragraph.</p></main>"))
        yield srv, write_targets(tmp_path / "t.toml", srv, {"a": "/a", "b": "/b"})


def test_default_is_one_line_per_fetch(two: tuple[PolicyTestServer, Path], sqlite_url: str) -> None:
    _, targets = two
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert all(LINE.match(ln) for ln in lines), lines
    assert "\r" not in done.stderr  # no bar off a terminal


def test_quiet_is_silent_when_all_is_well(two: tuple[PolicyTestServer, Path], sqlite_url: str) -> None:
    _, targets = two
    done = policywatch("check", "-q", "--db", sqlite_url, "--targets", str(targets), *FAST)
    assert done.returncode == 0 and done.stderr == ""


def test_quiet_shows_a_failed_fetch(two: tuple[PolicyTestServer, Path], tmp_path: Path,
                                    sqlite_url: str) -> None:
    srv, _ = two
    targets = write_targets(tmp_path / "f.toml", srv, {"a": "/a", "gone": "/status/503"})
    done = policywatch("check", "-q", "--db", sqlite_url, "--targets", str(targets), *FAST)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("[") and "test/gone: transient" in line


def test_verbose_adds_scrapys_lines_once_and_never_a_body(
        two: tuple[PolicyTestServer, Path], sqlite_url: str) -> None:
    _, targets = two
    done = policywatch("check", "-vv", "--db", sqlite_url, "--targets", str(targets), *FAST)
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "INFO scrapy" in err and "DEBUG scrapy" in err
    assert err.count("Spider opened") == 1  # one handler: no line twice
    assert "<FetchResult test/a" in err  # the scraped item, named
    assert "component-container" not in err and "<p>" not in err  # no page body
    assert len(err.encode()) < 40_000, len(err.encode())


def test_a_terminal_gets_a_progress_bar(two: tuple[PolicyTestServer, Path], sqlite_url: str) -> None:
    _, targets = two
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "check", "--db", sqlite_url,
                             "--targets", str(targets), *FAST], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=dict(os.environ))
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(60) == 0
    text = out.decode()
    assert "[" + "#" * 15 + "." * 15 + "] 1/2 documents" in text
    assert "[" + "#" * 30 + "] 2/2 documents" in text
    shown = [ln.split("\x1b[K")[-1] for ln in text.replace("\r\n", "\n").split("\n")]
    assert sum(bool(LINE.match(ln)) for ln in shown) == 2, text
    assert text.endswith("\r\x1b[K")  # the bar is cleared at the end


def test_no_network_says_so_briefly_without_retrying(tmp_path: Path, sqlite_url: str) -> None:
    lines = ['[platform]\nid = "test"\nname = "Test"\nselect = ["main"]\n']
    for i in range(6):
        host = "policy.invalid" if i % 2 else "other.invalid"
        lines.append(f'[documents.d{i}]\nname = "d{i}"\nurl = "http://{host}/d{i}"\n')
    targets = tmp_path / "t.toml"
    targets.write_text("\n".join(lines), encoding="utf-8")
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), "--format", "json")
    assert done.returncode == 1
    results = json.loads(done.stdout)
    assert {r["outcome"] for r in results} == {"transient"}
    # no retry with back-off (2 + 4 + 8 s) and no download delay between the failed lookups
    assert max(r["duration_ms"] for r in results) < 5000, results
    err = done.stderr.splitlines()
    assert len(err) == 7, done.stderr
    assert err[-1].startswith("Error: no network? all 6 fetches failed before reaching a server")
