"""The recorded history the demo replays: which recorded page each declared document serves, when.

Markdown versions (Open Terms Archive, see fixtures/devset/README.md) are rendered to HTML inside
a LinkedIn-like page whose volatile markup (``data-call-tree-id``, ``section-<epoch>`` ids, a
nonce) changes on every request, as LinkedIn's does. Raw HTML snapshots (fixtures/html/bursts/)
are served byte for byte. Only wording changes may become versions.
"""

from __future__ import annotations

import gzip
import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import markdown

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VERSIONS = FIXTURES / "devset" / "versions"


@dataclass(frozen=True)
class Recorded:
    """One recorded file: a gzipped Markdown version or a raw HTML snapshot."""

    when: datetime
    name: str
    path: Path

    def text(self) -> str:
        return gzip.decompress(self.path.read_bytes()).decode("utf-8")


def recorded(folder: Path, since: str = "") -> list[Recorded]:
    """The recorded files of a folder (``*.md.gz`` versions or ``*.html`` snapshots), oldest first."""
    files = [f for f in folder.iterdir() if f.name.endswith((".md.gz", ".html"))]
    out = [Recorded(recorded_at(f), f.name.split(".")[0], f) for f in files]
    return sorted((r for r in out if r.name >= since), key=lambda r: r.when)


def recorded_versions(collection: str, document: str) -> list[Recorded]:
    """Open Terms Archive's recorded Markdown versions of one LinkedIn document."""
    return recorded(VERSIONS / collection / document)


@dataclass(frozen=True)
class Source:
    """Recorded files that the declared document ``target_id`` serves, from ``since`` on."""

    target_id: str
    folder: Path
    title: str
    since: str = ""

    def files(self) -> list[Recorded]:
        return recorded(self.folder, self.since)


SOURCES = (
    Source("linkedin/privacy-policy", VERSIONS / "contrib" / "privacy-policy", "Privacy Policy"),
    # pga's User Agreement history starts when the archive switched to its URL (2023-10-15),
    # its EU notice history when it switched to /legal/privacy/eu (2025-06-10).
    Source("linkedin/user-agreement", VERSIONS / "pga" / "terms-of-service", "User Agreement",
           "2023-10-15"),
    Source("linkedin/eu-privacy-notice", VERSIONS / "pga" / "privacy-policy",
           "European Regional Privacy Notice", "2025-06-10"),
    # Real raw snapshots two hours apart whose markup differs and whose text does not.
    Source("linkedin/privacy-policy@in",
           FIXTURES / "html" / "bursts" / "india" / "privacy-policy" / "2025-05-30",
           "Privacy Policy (Hindi)"),
)


@dataclass(frozen=True)
class Step:
    """At ``file.when``, the document ``source.target_id`` starts serving ``file``."""

    source: Source
    file: Recorded

    @property
    def when(self) -> datetime:
        return self.file.when

    def page(self) -> Callable[[], bytes]:
        if self.file.path.suffix == ".html":
            body = self.file.path.read_bytes()
            return lambda: body
        text = self.file.text()
        return lambda: render(self.source.title, text)


def recorded_at(path: Path) -> datetime:
    """The time in a recorded file's name: ``YYYY-MM-DD[_HHMM]`` or ``YYYY-MM-DDTHHMMSS`` (UTC)."""
    stem = path.name.split(".")[0]
    if "T" in stem:
        return datetime.strptime(stem, "%Y-%m-%dT%H%M%S").replace(tzinfo=timezone.utc)
    day, _, hhmm = stem.partition("_")
    when = datetime.fromisoformat(day).replace(tzinfo=timezone.utc, hour=6)
    if hhmm:
        when = when.replace(hour=int(hhmm[:2]), minute=int(hhmm[2:]))
    return when


def steps(sources: tuple[Source, ...] = SOURCES) -> list[Step]:
    """Every recorded file of every source, in date order."""
    out = [Step(src, f) for src in sources for f in src.files()]
    return sorted(out, key=lambda s: (s.when, s.source.target_id))


def render(title: str, markdown_text: str) -> bytes:
    """A LinkedIn-like legal page around the rendered Markdown, with fresh volatile markup."""
    body = markdown.markdown(markdown_text, extensions=["tables"])
    epoch = int(time.time() * 1000)
    nonce = secrets.token_hex(8)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | LinkedIn</title>
<meta name="csrf" content="{nonce}"></head>
<body data-browser-id="{secrets.token_hex(6)}">
<header class="nav"><a href="/">LinkedIn</a> <span data-page-instance="{nonce}">Sign in</span></header>
<main id="main-content">
<div id="component-container" data-call-tree-id="{secrets.token_hex(12)}">
<section id="section-{epoch}-01" aria-controls="section-{epoch}-02">
{body}
</section>
</div>
</main>
<footer><span>LinkedIn Corporation &copy; {datetime.now().year}</span></footer>
</body></html>"""
    return page.encode("utf-8")
