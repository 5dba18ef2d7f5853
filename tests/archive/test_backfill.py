"""`policywatch backfill`: recorded CDX answer and real captures on loopback, the real spider."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.archive.support import (DOC, FAST, ORIGINAL, ROOT, alerting_config, command,
                                   declarations, policywatch, state)
from tests.wayback import WaybackServer

#: Open Terms Archive recorded versions of this page on these days (corpus
#: linkedin/versions/cote-d-ivoire/terms-of-service/): the real changes.
OTA_VERSIONS = ["2023-03-14", "2023-04-06"]
#: Captures that must be fetched: status 200, not a revisit, not the digest of the one before.
FETCHED = ["20230314113122", "20230320053131", "20230322120000", "20230327043127",
           "20230406223136", "20230410043128", "20230420000000", "20230529043130",
           "20230626043114"]


@pytest.fixture
def archive() -> WaybackServer:
    with WaybackServer() as server:
        yield server


def _env(archive: WaybackServer, tmp_path: Path) -> dict[str, str]:
    return {"POLICYWATCH_ARCHIVE_URL": archive.base_url,
            "POLICYWATCH_CONFIG": str(alerting_config(tmp_path))}


def _backfill(archive: WaybackServer, tmp_path: Path, db: str, *extra: str
              ) -> subprocess.CompletedProcess[str]:
    return policywatch("backfill", DOC, "--db", db, "--targets", str(declarations(tmp_path)),
                       "--format", "json", *FAST, *extra, env=_env(archive, tmp_path))


def _at(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def test_backfill_makes_exactly_the_versions_of_the_real_changes_and_never_alerts(
        archive: WaybackServer, tmp_path: Path, sqlite_url: str) -> None:
    done = _backfill(archive, tmp_path, sqlite_url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["listed"], report["known"], report["stopped"]) == (9, 0, None)

    # redirects (301), errors (503), revisits and same-digest neighbours are never fetched
    assert sorted(archive.hits) == FETCHED and set(archive.hits.values()) == {1}
    [query] = archive.queries
    assert query["url"] == [ORIGINAL] and query["collapse"] == ["digest"]
    assert query["output"] == ["json"] and query["filter"] == ["statuscode:200"]

    got = state(sqlite_url)
    assert [v[1].date().isoformat() for v in got["versions"]] == OTA_VERSIONS
    first, second = got["versions"]
    assert (first[1], first[3]) == (_at("20230314113122"), "backfill")
    assert first[4] == f"{archive.base_url}/web/20230314113122id_/{ORIGINAL}"
    assert second[1] == _at("20230406223136") and second[5] == first[2]  # chained
    [change] = got["changes"]
    assert change[:2] == (first[2], second[2]) and change[2] != "none"  # classified, material
    assert got["alerts"] == 0 and got["checks"] == 0  # history never alerts, is no check
    outcomes = {key.split(":")[0]: outcome for _, key, _, outcome, _ in got["captures"]}
    assert outcomes == {
        "20230314113122": "new_version", "20230320053131": "unchanged",
        "20230322120000": "blocked",  # the sign-up wall: never a version
        "20230327043127": "unchanged", "20230406223136": "new_version",
        "20230410043128": "unchanged", "20230420000000": "blocked",  # replay redirected to a wall
        "20230529043130": "unchanged", "20230626043114": "unchanged"}

    history = policywatch("history", DOC, "--db", sqlite_url, "--format", "json")
    rows = json.loads(history.stdout)
    assert [r["origin"] for r in rows] == ["backfill", "backfill"]
    assert rows[1]["change"]["material"] is True

    again = _backfill(archive, tmp_path, sqlite_url)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["known"] == 9
    assert sum(archive.hits.values()) == len(FETCHED)  # nothing fetched twice
    assert state(sqlite_url) == got


def test_since_and_until_bound_the_captures(archive: WaybackServer, tmp_path: Path,
                                            sqlite_url: str) -> None:
    done = _backfill(archive, tmp_path, sqlite_url, "--since", "2023-04-01", "--until", "2023-04-30")
    assert done.returncode == 0, done.stderr
    assert sorted(archive.hits) == ["20230406223136", "20230410043128", "20230420000000"]
    assert archive.queries[0]["from"] == ["20230401"] and archive.queries[0]["to"] == ["20230430"]
    [version] = state(sqlite_url)["versions"]
    assert version[1] == _at("20230406223136") and version[5] is None


def _wait_for(predicate, seconds: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_killed_half_way_and_run_again_it_ends_in_the_same_state(
        archive: WaybackServer, tmp_path: Path) -> None:
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    assert _backfill(archive, tmp_path, whole).returncode == 0
    reference = state(whole)

    killed = f"sqlite:///{tmp_path / 'killed.db'}"
    archive.hits.clear()
    archive.hold("20230406223136")  # the capture with the real change
    args = ["backfill", DOC, "--db", killed, "--targets", str(declarations(tmp_path)), *FAST,
            "-s", "DOWNLOAD_TIMEOUT=120"]
    proc = subprocess.Popen(command(*args), cwd=ROOT, env={**os.environ, **_env(archive, tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert archive.reached.wait(120), "the backfill never asked for the held capture"
        assert _wait_for(lambda: len(state(killed)["captures"]) == 4)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        archive.release()
    half = state(killed)
    assert len(half["versions"]) == 1 and len(half["captures"]) == 4

    archive.hits.clear()
    rerun = _backfill(archive, tmp_path, killed)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["known"] == 4
    assert sorted(archive.hits) == FETCHED[4:]  # continued where it stopped
    assert state(killed) == reference


def test_an_unreachable_archive_is_a_clear_error_that_stores_nothing(
        tmp_path: Path, sqlite_url: str) -> None:
    done = policywatch("backfill", DOC, "--db", sqlite_url, "--targets",
                       str(declarations(tmp_path)), env={"POLICYWATCH_ARCHIVE_URL": "http://127.0.0.1:9",
                                                         "POLICYWATCH_CONFIG": str(tmp_path / "none.toml")})
    assert done.returncode == 1
    assert "cannot reach the CDX API at http://127.0.0.1:9/cdx/search/cdx" in done.stderr
    assert "Traceback" not in done.stderr
    assert state(sqlite_url)["versions"] == []


def test_a_transient_failure_stops_the_run_there_and_the_next_run_continues(
        archive: WaybackServer, tmp_path: Path, sqlite_url: str) -> None:
    recorded = archive.replay["20230406223136"]
    archive.replay["20230406223136"] = {"kind": "unavailable"}  # HTTP 503, after the retries
    stopped = _backfill(archive, tmp_path, sqlite_url)
    assert stopped.returncode == 1
    report = json.loads(stopped.stdout)
    assert report["stopped"].startswith("capture 20230406223136")
    assert "HTTP 503" in report["stopped"]
    assert len(state(sqlite_url)["captures"]) == 4  # nothing after the failed capture

    archive.replay["20230406223136"] = recorded
    done = _backfill(archive, tmp_path, sqlite_url)
    assert done.returncode == 0, done.stderr
    got = state(sqlite_url)
    assert [v[1].date().isoformat() for v in got["versions"]] == OTA_VERSIONS
    assert len(got["captures"]) == 9
