"""`policywatch check` as cron runs it: a real process, the real spider, a loopback server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store import Store
from store.models import Alert, Change, Check, Snapshot, Version
from tests.httpserver import LINKEDIN_PAGES, PolicyTestServer

ROOT_DIR = Path(__file__).resolve().parents[2]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=2",
        "-s", "RETRY_TIMES=1", "-s", "POLICYWATCH_RETRY_BACKOFF_BASE=0.05",
        "-s", "POLICYWATCH_RETRY_AFTER_MAX=5"]

#: Failure routes of tests/httpserver.py and the outcome each must record.
FAILURES = {
    "/status/999": "blocked", "/status/403": "blocked", "/status/429": "transient",
    "/to-authwall": "blocked", "/wall": "blocked", "/captcha": "blocked",
    "/status/503": "transient", "/slow": "transient", "/reset": "transient",
    "/loop": "transient", "/truncated": "structural", "/garbage": "structural",
    "/huge": "structural", "/gzip-bomb": "structural", "/doc.pdf": "structural",
    "/status/304": "structural", "/private/policy": "robots_disallowed",
}


def policywatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True,
                          text=True, timeout=180, env={**os.environ, **(env or {})},
                          cwd=Path(__file__).resolve().parents[2])


def write_targets(path: Path, server: PolicyTestServer, routes: dict[str, str]) -> Path:
    lines = ['[platform]\nid = "test"\nname = "Test"\nselect = ["#component-container"]\n'
             'min_length = 200\n']
    for name, route in routes.items():
        lines.append(f'[documents.{name}]\nname = "{name}"\nurl = "{server.url(route)}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def counts(db_url: str) -> dict[str, int]:
    store = Store(db_url)
    with store.session() as s:
        out = {name: s.scalar(select(func.count()).select_from(model)) or 0
               for name, model in [("checks", Check), ("snapshots", Snapshot),
                                   ("versions", Version), ("changes", Change), ("alerts", Alert)]}
        out["body_bytes"] = s.scalar(select(func.coalesce(func.sum(Snapshot.body_size), 0))) or 0
    store.dispose()
    return out


@pytest.fixture
def server() -> PolicyTestServer:
    with PolicyTestServer(slow_seconds=4.0) as srv:
        yield srv


def test_failures_record_their_outcome_and_no_version(
        server: PolicyTestServer, tmp_path: Path, db_url: str) -> None:
    routes = {"policy": "/legal/privacy-policy"}
    routes |= {f"f{i}": path for i, path in enumerate(FAILURES)}
    targets = write_targets(tmp_path / "t.toml", server, routes)
    done = policywatch("check", "--db", db_url, "--targets", str(targets), "--format", "json",
                       *FAST)
    assert done.returncode == 1, done.stderr
    lines = {ln["slug"]: ln for ln in json.loads(done.stdout)}
    assert lines["test/policy"]["outcome"] == "new_version"
    for i, (path, outcome) in enumerate(FAILURES.items()):
        line = lines[f"test/f{i}"]
        assert line["outcome"] == outcome, (path, line)
        assert line["detail"], f"{path}: a failure must say why"
    assert counts(db_url) | {"body_bytes": 0} == {
        "checks": len(routes), "snapshots": 1, "versions": 1, "changes": 0, "alerts": 0, "body_bytes": 0}


def test_second_check_with_nothing_changed_adds_no_body_and_no_version(
        server: PolicyTestServer, tmp_path: Path, db_url: str) -> None:
    page = LINKEDIN_PAGES["/legal/privacy-policy"].read_bytes()
    server.set("/pp", page)
    server.set("/pp-no-validators", page.replace(b"</body>", b"<!-- v2 --></body>"),
               conditional=False)
    targets = write_targets(tmp_path / "t.toml", server,
                            {"pp": "/pp", "plain": "/pp-no-validators"})
    first = policywatch("check", "--db", db_url, "--targets", str(targets), *FAST)
    assert first.returncode == 0, first.stderr
    after_first = counts(db_url)
    assert after_first["versions"] == 2 and after_first["snapshots"] == 2

    second = policywatch("check", "--db", db_url, "--targets", str(targets), *FAST)
    assert second.returncode == 0, second.stderr
    after_second = counts(db_url)
    # two more check rows, nothing else: no snapshot body, no version, same bytes
    assert after_second == after_first | {"checks": after_first["checks"] + 2}
    assert server.requests("/pp")[-1].headers.get("If-None-Match"), "conditional request"
    assert "unchanged" in second.stderr
    # the 304 row keeps no validators (it only confirmed them), yet the next check still sends them
    sent = server.requests("/pp")[-1].headers.get("If-None-Match")
    third = policywatch("check", "--db", db_url, "--targets", str(targets), *FAST)
    assert third.returncode == 0, third.stderr
    assert server.requests("/pp")[-1].headers.get("If-None-Match") == sent
    assert counts(db_url) == after_first | {"checks": after_first["checks"] + 4}
    with Store(db_url).session() as s:
        assert s.scalars(select(Check.etag).where(Check.http_status == 304)).all() == [None, None]


def test_a_wording_change_makes_one_classified_version(
        server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    old = (Path(__file__).resolve().parents[2] / "fixtures" / "html" / "key-dates"
           / "2024-09-19-privacy-policy.html").read_bytes()
    server.set("/pp", old)
    targets = write_targets(tmp_path / "t.toml", server, {"pp": "/pp"})
    assert policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST).returncode == 0
    server.set("/pp", old.replace(b"develop and train artificial intelligence (AI) models",
                                  b"develop products"))
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), "--format", "json",
                       *FAST)
    assert done.returncode == 0, done.stderr
    [line] = json.loads(done.stdout)
    assert line["outcome"] == "new_version"
    assert "ai_training" in line["labels"]
    assert counts(sqlite_url)["changes"] == 1
    shown = policywatch("diff", "test/pp", "--db", sqlite_url, "--format", "json")
    assert json.loads(shown.stdout)["labels"] == line["labels"]


def test_a_bad_alerts_config_stops_check_before_crawling(
        server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[alerts.channels.ops]\nkind = "slack"\nwebhok_url = "http://127.0.0.1:9/x"\n')
    targets = write_targets(tmp_path / "t.toml", server, {"policy": "/legal/privacy-policy"})
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST,
                       env={"POLICYWATCH_CONFIG": str(config)})
    assert done.returncode == 2  # a configuration error (cli/exits.py)
    assert "alerts.channels.ops.webhok_url" in done.stderr
    assert server.hits("/legal/privacy-policy") == 0
    assert counts(sqlite_url)["checks"] == 0


def _policy_page(paragraphs: int) -> bytes:
    """A policy page whose text is ``paragraphs`` paragraphs long; the later ones say material things."""
    said = ["We use your personal data to provide and improve our services.",
            "We may use your personal data to train artificial intelligence models.",
            "You can opt out of this use in your settings at any time.",
            "If you live in the European Union, you may object to this processing."]
    body = "".join(f"<p>Section {i}. {said[i % len(said)]} This paragraph {i} explains it further "
                   "for members and visitors alike.</p>" for i in range(paragraphs))
    return (f'<!DOCTYPE html><html><head><title>Privacy Policy</title></head><body>'
            f'<main id="component-container"><h1>Privacy Policy</h1>{body}</main></body></html>'
            ).encode("utf-8")


def test_a_text_that_shrinks_a_lot_is_held_until_a_second_fetch_confirms_it(
        server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[alerts.channels.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
                      'secret = "s3cret"\nmin_severity = "low"\n')
    env = {"POLICYWATCH_CONFIG": str(config)}
    server.set("/pp", _policy_page(40))
    targets = write_targets(tmp_path / "t.toml", server, {"pp": "/pp"})
    assert policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST, env=env).returncode == 0

    server.set("/pp", _policy_page(16))  # the page now stops after 16 of its 40 paragraphs
    held = policywatch("check", "--db", sqlite_url, "--targets", str(targets), "--format", "json",
                       *FAST, env=env)
    assert held.returncode == 1, held.stderr  # shows up as a failed check
    [line] = json.loads(held.stdout)
    assert line["outcome"] == "structural"
    assert re.fullmatch(r"text shrank from \d+ to \d+ characters; held for confirmation", line["detail"])
    assert counts(sqlite_url) | {"body_bytes": 0} == {
        "checks": 2, "snapshots": 1, "versions": 1, "changes": 0, "alerts": 0, "body_bytes": 0}

    confirmed = policywatch("check", "--db", sqlite_url, "--targets", str(targets), "--format", "json",
                            *FAST, env=env)
    assert confirmed.returncode == 0, confirmed.stderr
    [line] = json.loads(confirmed.stdout)
    assert line["outcome"] == "new_version"
    assert "confirmed by a second fetch" in line["detail"]
    after = counts(sqlite_url)
    assert (after["versions"], after["changes"]) == (2, 1)
    assert after["alerts"] >= 1  # the confirmed change alerts as usual
