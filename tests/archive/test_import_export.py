"""`policywatch import-ota` and `export`: an OTA-format repository built here from recorded
versions (fixtures/devset, from Open Terms Archive's contrib-versions), real git, round trips."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from store import Store
from store.record import sha256
from tests.archive.support import ROOT, alerting_config, policywatch, state

VERSIONS = ROOT / "fixtures" / "devset" / "versions" / "contrib" / "privacy-policy"
#: (file, commit subject) in the order OTA committed them: 2022-12-15 is a re-filter of an old
#: snapshot committed after 2023-01-04 (corpus README, "Out-of-order author dates"), 2025-09-23
#: a technical upgrade.
COMMITS = [
    ("2022-11-04", "First record of LinkedIn Privacy Policy"),
    ("2023-01-04", "Record new changes of LinkedIn Privacy Policy"),
    ("2022-12-15", "Apply technical or declaration upgrade on LinkedIn Privacy Policy"),
    ("2023-01-19", "Record new changes of LinkedIn Privacy Policy"),
    ("2024-09-19", "Record new changes of LinkedIn Privacy Policy"),
    ("2025-09-18", "Record new changes of LinkedIn Privacy Policy"),
    ("2025-09-23", "Apply technical or declaration upgrade on LinkedIn Privacy Policy"),
]
SNAPSHOT = "https://github.com/OpenTermsArchive/contrib-snapshots/commit/{}"


def _expected() -> list[tuple[str, str]]:
    """(day, subject) of the versions the commits make: in date order, a text equal to the one
    before it is no new version (the 2022-12-15 re-filter restored the 2022-11-04 text)."""
    out: list[tuple[str, str]] = []
    for day, subject in sorted(COMMITS):
        if not out or _text(out[-1][0]) != _text(day):
            out.append((day, subject))
    return out


def _text(day: str) -> str:
    return gzip.decompress((VERSIONS / f"{day}.md.gz").read_bytes()).decode("utf-8")


def _when(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=6, tzinfo=timezone.utc)


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Open Terms Archive Bot",
           "GIT_AUTHOR_EMAIL": "bot@opentermsarchive.org", "GIT_COMMITTER_NAME": "OTA",
           "GIT_COMMITTER_EMAIL": "bot@opentermsarchive.org"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def ota_repository(root: Path) -> Path:
    """A versions repository in OTA's layout and commit message format."""
    repo = root / "contrib-versions"
    (repo / "LinkedIn").mkdir(parents=True)
    (repo / "Unknown Service").mkdir()
    _git(repo, "init", "-q")
    (repo / "README.md").write_text("# Versions\n")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "Init readme", when=_when("2022-11-01"))
    for n, (day, subject) in enumerate(COMMITS):
        (repo / "LinkedIn" / "Privacy Policy.md").write_text(_text(day), encoding="utf-8")
        _git(repo, "add", "-A")
        message = (f"{subject}\n\nThis version was recorded after extracting from snapshot "
                   f"{SNAPSHOT.format(f'{n:040d}')}\n\nX-engine-version: 14.0.0")
        _git(repo, "commit", "-q", "-m", message, when=_when(day))
    (repo / "Unknown Service" / "Privacy Policy.md").write_text("Some other terms.\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "First record of Unknown Service Privacy Policy",
         when=_when("2025-10-01"))
    return repo


def _import(path: Path, db: str, tmp_path: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    done = policywatch("import-ota", str(path), "--db", db, "--format", "json", *extra,
                       env={"POLICYWATCH_CONFIG": str(alerting_config(tmp_path))})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_an_ota_repository_gives_its_versions_by_date_with_provenance(tmp_path: Path,
                                                                       sqlite_url: str) -> None:
    repo = ota_repository(tmp_path)
    report = _import(repo, sqlite_url, tmp_path)
    assert report["unmapped"] == {"Unknown Service/Privacy Policy": 1}
    by_date = _expected()
    assert len(by_date) == len(COMMITS) - 1
    assert report["new_versions"] == len(by_date)

    got = state(sqlite_url)
    assert [(v[0], v[1], v[2]) for v in got["versions"]] == [
        ("linkedin/privacy-policy", _when(day), sha256(_text(day))) for day, _ in by_date]
    assert [v[6] for v in got["versions"]] == ["technical" in s for _, s in by_date]
    assert {v[3] for v in got["versions"]} == {"import"}
    assert all(v[4].startswith(f"{repo.resolve()}@") and v[4].endswith(":LinkedIn/Privacy Policy.md")
               for v in got["versions"])
    assert [v[5] for v in got["versions"]] == [None] + [v[2] for v in got["versions"][:-1]]
    assert len(got["changes"]) == len(by_date) - 2  # classified; the technical one is not
    assert got["alerts"] == 0 and got["checks"] == 0
    outcomes = {key.split(":")[0]: outcome for _, key, _, outcome, _ in got["captures"]}
    assert sorted(outcomes.values()).count("unchanged") == 1 and len(outcomes) == len(COMMITS)

    again = _import(repo, sqlite_url, tmp_path)
    assert (again["new_versions"], again["known"]) == (0, len(COMMITS))
    assert state(sqlite_url) == got


def _log(repo: Path) -> str:
    """What `git log -p` shows, without PolicyWatch's trailers (version ids, provenance)."""
    return _git(repo, "log", "-p", "--reverse", "--format=%aI %s")


def test_export_to_git_and_import_again_round_trips(tmp_path: Path) -> None:
    first = f"sqlite:///{tmp_path / 'first.db'}"
    _import(ota_repository(tmp_path), first, tmp_path)
    exported = tmp_path / "export"
    done = policywatch("export", "git", str(exported), "--db", first)
    assert done.returncode == 0, done.stderr
    assert (exported / "linkedin" / "privacy-policy.md").read_text(encoding="utf-8") == _text("2025-09-23")
    log = _log(exported)
    assert log.count("diff --git") == len(_expected())  # one commit per version, each a diff
    assert _git(exported, "log", "--format=%aI", "--reverse").split() == [
        _when(day).isoformat() for day, _ in _expected()]

    second = f"sqlite:///{tmp_path / 'second.db'}"
    _import(exported, second, tmp_path)
    a, b = state(first), state(second)
    keep = [0, 1, 2, 5, 6]  # document, time, text, predecessor, technical (provenance differs)
    assert [[v[i] for i in keep] for v in b["versions"]] == [[v[i] for i in keep] for v in a["versions"]]
    assert b["changes"] == a["changes"]

    again = tmp_path / "again"
    assert policywatch("export", "git", str(again), "--db", second).returncode == 0
    assert _log(again) == log


@pytest.mark.parametrize("suffix", [".zip", ".jsonl"])
def test_export_dataset(tmp_path: Path, suffix: str) -> None:
    db = f"sqlite:///{tmp_path / 'first.db'}"
    _import(ota_repository(tmp_path), db, tmp_path)
    file = tmp_path / f"linkedin-dataset{suffix}"
    done = policywatch("export", "dataset", str(file), "--db", db)
    assert done.returncode == 0, done.stderr
    if suffix == ".jsonl":
        lines = [json.loads(ln) for ln in file.read_text(encoding="utf-8").splitlines()]
        assert [ln["text"] for ln in lines] == [_text(day) for day, _ in _expected()]
        assert [ln["fetched_at"] for ln in lines] == [_when(d).isoformat() for d, _ in _expected()]
        return
    with zipfile.ZipFile(file) as archive:
        names = archive.namelist()
        manifest = [json.loads(ln) for ln in archive.read("linkedin-dataset/manifest.jsonl").splitlines()]
    assert "linkedin-dataset/README.md" in names
    assert [m["file"] for m in manifest] == [
        f"linkedin/privacy-policy/{day}T06-00-00Z.md" for day, _ in _expected()]
    second = f"sqlite:///{tmp_path / 'second.db'}"
    _import(file, second, tmp_path)  # OTA's dataset layout: import-ota reads it back
    assert [v[:3] for v in state(second)["versions"]] == [v[:3] for v in state(db)["versions"]]


def test_an_ota_dataset_release_is_imported(tmp_path: Path, sqlite_url: str) -> None:
    release = tmp_path / "contrib-dataset-2026-01-01.zip"
    with zipfile.ZipFile(release, "w") as archive:  # OTA's layout (engine scripts/dataset)
        archive.writestr("contrib-dataset-2026-01-01/README.md", "# Contrib dataset\n")
        archive.writestr("contrib-dataset-2026-01-01/LICENSE", "ODC-BY 1.0\n")
        for day, _ in reversed(_expected()):
            archive.writestr(f"contrib-dataset-2026-01-01/LinkedIn/Privacy Policy/{day}T06-00-00Z.md",
                             _text(day))
        archive.writestr("contrib-dataset-2026-01-01/Other/Privacy Policy/2024-01-01T00-00-00Z.md", "x")
    report = _import(release, sqlite_url, tmp_path)
    assert report["unmapped"] == {"Other/Privacy Policy": 1}
    got = state(sqlite_url)
    assert [(v[1], v[2]) for v in got["versions"]] == [
        (_when(day), sha256(_text(day))) for day, _ in _expected()]
    assert all(v[4].startswith(f"{release.resolve()}!/contrib-dataset-2026-01-01/LinkedIn/")
               for v in got["versions"])
    assert _import(release, sqlite_url, tmp_path)["known"] == len(_expected())


def test_what_is_not_versions_is_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    done = policywatch("import-ota", str(tmp_path / "notes.txt"), "--db", sqlite_url)
    assert done.returncode == 1 and "neither a git repository of versions nor a dataset zip" in done.stderr
    bad_map = policywatch("import-ota", str(tmp_path), "--db", sqlite_url, "--map", "A/B=nope/doc")
    assert bad_map.returncode == 2 and "no declared document nope/doc" in bad_map.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    taken = policywatch("export", "git", str(tmp_path / "full"), "--db", sqlite_url)
    assert taken.returncode == 1 and "is not an empty folder" in taken.stderr


def test_imported_history_is_browsable_and_marked_in_the_web_ui(tmp_path: Path) -> None:
    from web.app import create_app

    db = f"sqlite:///{tmp_path / 'web.db'}"
    _import(ota_repository(tmp_path), db, tmp_path)
    store = Store(db)
    client = create_app(store).test_client()
    timeline = client.get("/d/linkedin/privacy-policy").get_data(as_text=True)
    assert timeline.count('class="badge origin"') == len(_expected())
    assert ">imported</span>" in timeline
    newest = max(state(db)["versions"], key=lambda v: v[1])
    page = client.get("/d/linkedin/privacy-policy/v/" + str(_version_id(store, newest[2])))
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body[:300]
    assert "Provenance" in body and newest[4] in body and "never alerted" in body
    api = client.get("/api/d/linkedin/privacy-policy/versions").get_json()
    assert {item["origin"] for item in api["items"]} == {"import"}
    one = client.get(api["items"][0]["links"]["self"] + "?text=0").get_json()
    assert (one["origin"], one["archive_url"]) == ("import", newest[4])
    store.dispose()


def _version_id(store: Store, sha: str) -> int:
    from sqlalchemy import select

    from store.models import Version

    with store.session() as s:
        return int(s.scalar(select(Version.id).where(Version.text_sha256 == sha)))
