"""Build real histories in a store without crawling: recorded corpus texts through ingest.

The Fetch and Target here carry the same fields as crawler.items.FetchResult and
crawler.targets.Target; they are plain data, fed to the real store, classifier and alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from demo.pages import Recorded, recorded_versions


@dataclass(frozen=True)
class Target:
    id: str = "linkedin/privacy-policy"
    platform: str = "linkedin"
    name: str = "Privacy Policy"
    url: str = "https://www.linkedin.com/legal/privacy-policy"
    region: str | None = None
    language: str | None = "en"


@dataclass
class Fetch:
    outcome: str
    text: str | None = None
    body: bytes | None = None
    status: int | None = 200
    target_id: str = "linkedin/privacy-policy"
    url: str = "https://www.linkedin.com/legal/privacy-policy"
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extractor_version: str = "test"
    detail: str = ""
    etag: str | None = None
    last_modified: str | None = None
    validators_sent: tuple[str | None, str | None] | None = None
    started_at: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)
    duration_ms: int = 5


def corpus_versions(collection: str, document: str) -> list[Recorded]:
    """The recorded versions of one corpus document (fixtures/devset), oldest first."""
    return recorded_versions(collection, document)


def fetched(target: Target, when: datetime, text: str) -> Fetch:
    return Fetch("fetched", text=text, body=text.encode("utf-8"), target_id=target.id,
                 url=target.url, started_at=when)


def replay(store: object, target: Target, steps: Iterable[tuple[datetime, str]]) -> list[object]:
    """Record each (time, text) as a successful fetch through ingest.Recorder; returns its lines."""
    from ingest import Recorder

    recorder = Recorder(store, [target])  # type: ignore[arg-type]
    for when, text in steps:
        recorder(fetched(target, when, text))
    return recorder.lines
