"""Export the stored versions: a git repository (one commit per version) or a dataset file.

The git layout is Open Terms Archive's (one file per document, one commit per version, the fetch
time as author and committer date, OTA's commit subjects) with target ids as paths
(``linkedin/privacy-policy.md``), so ``git log -p`` shows the history and ``policywatch
import-ota`` reads it back. The dataset is JSON lines (text included), or a zip in OTA's dataset
layout (``<name>/<platform>/<document>/<YYYY-MM-DDTHH-MM-SSZ>.md``) with ``manifest.jsonl``.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.git import GitError, git
from store.models import Change, Document, Version

AUTHOR = b"PolicyWatch <policywatch@localhost>"


class ExportError(Exception):
    """The export's destination is unusable (a non-empty folder, an unknown file type).
    Raised by :func:`export_git` and :func:`export_dataset`."""


@dataclass
class Row:
    """One version as exported (``text`` is left out of manifests)."""

    document: str
    platform: str
    name: str
    url: str
    version_id: int
    previous_id: int | None
    fetched_at: str
    sha256: str
    technical: bool
    origin: str
    archive_url: str | None
    severity: str | None
    labels: list[str] | None
    text: str

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.fetched_at)


def rows(session: Session, documents: Sequence[str] = ()) -> Iterator[Row]:
    """Every version (of ``documents``, if given) in date order, with its change's labels."""
    q = select(Version, Document).join(Document, Document.id == Version.document_id)
    if documents:
        q = q.where(Document.slug.in_(documents))
    changes = {(c.old_version_id, c.new_version_id): c for c in session.scalars(
        select(Change).order_by(Change.id))}
    for v, d in session.execute(q.order_by(Version.fetched_at, Version.id)):
        c = changes.get((v.previous_id or -1, v.id))
        yield Row(d.slug, d.platform, d.name, d.url, v.id, v.previous_id, v.fetched_at.isoformat(),
                  v.text_sha256, v.technical, v.origin, v.archive_url,
                  c.severity if c else None, list(c.labels) if c else None, v.text)


def _subject(row: Row, first: bool) -> str:
    if row.technical:
        return f"Apply technical or declaration upgrade on {row.document}"
    return f"{'First record of' if first else 'Record new changes of'} {row.document}"


def _message(row: Row, first: bool) -> str:
    trailers = [f"PolicyWatch-Document: {row.document}", f"PolicyWatch-Version: {row.version_id}",
                f"PolicyWatch-Origin: {row.origin}"]
    if row.archive_url:
        trailers.append(f"PolicyWatch-Source: {row.archive_url}")
    if row.severity:
        trailers.append(f"PolicyWatch-Change: {row.severity} {','.join(row.labels or []) or '-'}")
    return f"{_subject(row, first)}\n\n" + "\n".join(trailers) + "\n"


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _commit(out: IO[bytes], row: Row, first: bool) -> None:
    stamp = b"%d +0000" % int(row.when.timestamp())
    out.write(b"commit refs/heads/main\n")
    out.write(b"author " + AUTHOR + b" " + stamp + b"\ncommitter " + AUTHOR + b" " + stamp + b"\n")
    out.write(_data(_message(row, first).encode("utf-8")))
    out.write(f"M 100644 inline {row.document}.md\n".encode("utf-8"))
    out.write(_data(row.text.encode("utf-8")))


def _empty_folder(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExportError(f"{directory} exists and is not an empty folder; give a new one")
    directory.mkdir(parents=True, exist_ok=True)


def export_git(session: Session, directory: Path, documents: Sequence[str] = ()) -> int:
    """Write the versions as a new git repository in ``directory``; returns the commit count."""
    _empty_folder(directory)
    git(directory, "init", "-q")
    git(directory, "symbolic-ref", "HEAD", "refs/heads/main")
    proc = subprocess.Popen(["git", "-C", str(directory), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    seen: set[str] = set()
    count = 0
    for row in rows(session, documents):
        _commit(proc.stdin, row, row.document not in seen)
        seen.add(row.document)
        count += 1
    proc.stdin.close()
    if proc.wait() != 0:
        raise GitError(f"git fast-import failed: {proc.stderr.read().decode('utf-8', 'replace') if proc.stderr else ''}")
    if count:
        git(directory, "reset", "-q", "--hard", "main")
    return count


def _manifest_line(row: Row, file: str | None = None) -> str:
    data: dict[str, Any] = asdict(row)
    data.pop("text")
    if file is not None:
        data["file"] = file
    return json.dumps(data, ensure_ascii=False) + "\n"


def _dataset_name(row: Row, taken: set[str]) -> str:
    stamp = row.when.strftime("%Y-%m-%dT%H-%M-%S")
    name, n = f"{row.document}/{stamp}Z.md", 1
    while name in taken:  # two versions in one second
        n += 1
        name = f"{row.document}/{stamp}-{n}Z.md"
    taken.add(name)
    return name


_README = """# PolicyWatch dataset: {count} versions of {documents} documents

One Markdown file per version, `<platform>/<document>/<fetch time, UTC>.md`; `manifest.jsonl`
has one line per file: document, version id, fetch time, SHA-256 of the text, whether it is a
technical (re-extracted) version, its origin (crawl, backfill, import) and provenance, and the
classification of the change it makes. Versions imported from Open Terms Archive are theirs
(ODC-BY 1.0, "Open Terms Archive contributors"); the texts are the platforms' own.
"""


def export_dataset(session: Session, file: Path, documents: Sequence[str] = ()) -> int:
    """Write the versions to ``file``: ``.jsonl`` (texts inline) or ``.zip``; returns the count."""
    if file.suffix not in (".jsonl", ".zip"):
        raise ExportError(f"{file}: a dataset is a .jsonl or a .zip file")
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.suffix == ".jsonl":
        count = 0
        with file.open("w", encoding="utf-8") as out:
            for row in rows(session, documents):
                out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
                count += 1
        return count
    return _export_zip(session, file, documents)


def _export_zip(session: Session, file: Path, documents: Sequence[str]) -> int:
    base, taken, manifest = file.stem, set[str](), []
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in rows(session, documents):
            name = _dataset_name(row, taken)
            archive.writestr(f"{base}/{name}", row.text)
            manifest.append(_manifest_line(row, name))
        archive.writestr(f"{base}/manifest.jsonl", "".join(manifest))
        archive.writestr(f"{base}/README.md", _README.format(
            count=len(manifest), documents=len({n.rsplit("/", 1)[0] for n in taken})))
    return len(manifest)
