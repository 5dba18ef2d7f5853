"""Read Open Terms Archive versions: a versions repository, or a dataset release (zip).

A versions repository holds ``<Service>/<Terms type>.md``; each commit records one version,
its author date the fetch time, its message the kind of record ("First record of …",
"Record new changes of …", "Apply technical or declaration upgrade on …"; older engines wrote
"Start tracking …", "Update …", "Refilter …") and the snapshot it was extracted from. A dataset
release is a zip of ``<name>/<Service>/<Terms type>/<YYYY-MM-DDTHH-MM-SSZ>.md`` with a README and
a LICENSE. PolicyWatch's own exports use the same layouts, with target ids for service/type.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from archive.git import Blobs, git, is_repository, log_entries

#: Commit subjects of versions that re-extract an old snapshot: no change of the terms.
TECHNICAL_SUBJECTS = ("Apply technical or declaration upgrade", "Refilter")
_SNAPSHOT = re.compile(r"snapshot (https?://\S+)")
_DATASET_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(?:-\d+)?Z$")


class SourceError(Exception):
    """A path is neither a versions repository nor a dataset zip, or is unreadable.
    Raised by :func:`read_versions`."""


@dataclass(frozen=True)
class OtaVersion:
    """One recorded version of one service's terms type."""

    service: str
    terms_type: str
    fetched_at: datetime
    text: str
    source: str
    """ota-git or ota-dataset."""
    key: str
    """Names it within its source: ``commit:path`` or the zip entry."""
    url: str
    """Provenance: where it was read from."""
    technical: bool = False
    detail: str = ""


def read_versions(path: Path) -> Iterator[OtaVersion]:
    """Every version in a versions repository or a dataset zip."""
    if path.is_file() and zipfile.is_zipfile(path):
        yield from dataset_versions(path)
    elif path.is_dir() and is_repository(path):
        yield from repository_versions(path)
    else:
        raise SourceError(f"{path}: neither a git repository of versions nor a dataset zip")


def _location(repo: Path) -> str:
    try:
        remote = git(repo, "remote", "get-url", "origin").decode().strip()
    except Exception:  # noqa: BLE001 - no remote: the local path says where
        return str(repo.resolve())
    return remote.removesuffix(".git")


def _provenance(location: str, commit: str, path: str) -> str:
    if location.startswith("https://github.com/"):
        from urllib.parse import quote

        return f"{location}/blob/{commit}/{quote(path)}"
    return f"{location}@{commit}:{path}"


def _detail(message: str) -> str:
    subject = message.splitlines()[0] if message else ""
    snapshot = _SNAPSHOT.search(message)
    return f"{subject}; snapshot {snapshot.group(1)}" if snapshot else subject


def repository_versions(repo: Path) -> Iterator[OtaVersion]:
    """The versions a versions repository's commits record, in commit order."""
    location = _location(repo)
    with Blobs(repo) as blobs:
        for commit, date, message, files in log_entries(repo):
            for name in files:
                parts = name.split("/")
                if len(parts) != 2 or not parts[1].endswith(".md"):
                    continue  # README.md, workflows: not a version
                yield OtaVersion(
                    service=parts[0], terms_type=parts[1].removesuffix(".md"),
                    fetched_at=datetime.fromisoformat(date).astimezone(timezone.utc),
                    text=blobs.read(commit, name).decode("utf-8"), source="ota-git",
                    key=f"{commit}:{name}", url=_provenance(location, commit, name),
                    technical=message.startswith(TECHNICAL_SUBJECTS), detail=_detail(message))


def _dataset_time(stem: str) -> datetime | None:
    match = _DATASET_DATE.match(stem)
    if match is None:
        return None
    day, hh, mm, ss = match.groups()
    return datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}+00:00")


def dataset_versions(path: Path) -> Iterator[OtaVersion]:
    """The versions of a dataset zip, oldest first."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts = info.filename.split("/")
            when = _dataset_time(parts[-1].removesuffix(".md")) if len(parts) == 4 else None
            if when is None or not parts[-1].endswith(".md"):
                continue  # README.md, LICENSE, manifest: not a version
            text = archive.read(info).decode("utf-8")
            found.append(OtaVersion(
                service=parts[1], terms_type=parts[2], fetched_at=when, text=text,
                source="ota-dataset", key=info.filename, url=f"{path.resolve()}!/{info.filename}"))
    yield from sorted(found, key=lambda v: (v.fetched_at, v.key))
