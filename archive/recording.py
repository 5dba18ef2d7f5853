"""Record one archived capture: store its text by date and classify the changes it makes.

The one write path of backfill and import, each capture in its own transaction with its
``captures`` row, so a run killed at any point resumes without duplicating a version. Unlike
``ingest.Recorder`` it never enqueues an alert: history is browsable, not news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ingest import change_between
from store.archive import ArchivedText, Placed, add_capture, place_version
from store.models import Document, Version
from store.record import Fetch, make_snapshot


@dataclass(frozen=True)
class CaptureRef:
    """Which capture is being recorded: its source, key, time and URL."""

    source: str
    key: str
    captured_at: datetime
    url: str


@dataclass
class CaptureLine:
    """What one capture came to, for progress output and ``--format json``."""

    document: str
    captured_at: datetime
    url: str
    outcome: str
    detail: str = ""
    version_id: int | None = None
    severity: str | None = None
    labels: tuple[str, ...] = ()


def _classify(session: Session, placed: Placed, line: CaptureLine) -> None:
    """Classify the pairs a placed version makes (never alerting); its own goes on ``line``."""
    new = placed.version
    assert new is not None
    if placed.previous is not None and not new.technical:
        change = change_between(session, placed.previous, new)
        line.severity, line.labels = change.severity, tuple(change.labels)
    if placed.next is not None and not placed.next.technical:
        change_between(session, new, placed.next)


def record_text(session: Session, doc: Document, ref: CaptureRef, item: ArchivedText,
                fetch: Fetch | None = None, detail: str = "") -> CaptureLine:
    """Place an archived text (with its raw fetch, if any) and record the capture
    (``detail``: its provenance in words, e.g. the commit message's subject)."""
    placed = place_version(session, doc, item)
    version: Version | None = placed.version
    line = CaptureLine(doc.slug, ref.captured_at, ref.url, "new_version" if version else "unchanged")
    if version is not None:
        if fetch is not None and fetch.body is not None:
            snapshot = make_snapshot(doc, fetch, fetch.body)
            session.add(snapshot)
            session.flush()
            version.snapshot_id = snapshot.id
        _classify(session, placed, line)
        line.version_id = version.id
    else:
        line.detail = "same text as the version next to it"
    add_capture(session, doc, ref.source, ref.key, ref.captured_at, ref.url, line.outcome,
                "; ".join(filter(None, (detail, line.detail))), version)
    return line


def record_failure(session: Session, doc: Document, ref: CaptureRef, outcome: str,
                   detail: str) -> CaptureLine:
    """Record a capture that gave no text (a sign-up wall, an error page): never a version."""
    add_capture(session, doc, ref.source, ref.key, ref.captured_at, ref.url, outcome, detail)
    return CaptureLine(doc.slug, ref.captured_at, ref.url, outcome, detail)
