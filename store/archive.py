"""Write side of history brought in from archives: versions placed by date, and capture records.

A backfilled or imported text may be older than versions already stored, so it is placed in the
chain by its date: its predecessor is the last version at or before it, and the first version
after it is re-linked to it. A text equal to either neighbour makes no version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Capture, Document, Snapshot, Version
from store.record import sha256


@dataclass
class Placed:
    """What one archived text became: a new version with its neighbours, or none (unchanged)."""

    version: Version | None
    previous: Version | None = None
    next: Version | None = None


@dataclass(frozen=True)
class ArchivedText:
    """An archived text to place: when it was captured, where it came from, how it was made."""

    captured_at: datetime
    text: str
    origin: str
    archive_url: str
    extractor_version: str = "archive"
    technical: bool = False


def _neighbours(session: Session, doc: Document, at: datetime) -> tuple[Version | None, Version | None]:
    base = select(Version).where(Version.document_id == doc.id)
    before = session.scalars(base.where(Version.fetched_at <= at)
                             .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1)).first()
    after = session.scalars(base.where(Version.fetched_at > at)
                            .order_by(Version.fetched_at, Version.id).limit(1)).first()
    return before, after


def place_version(session: Session, doc: Document, item: ArchivedText,
                  snapshot: Snapshot | None = None) -> Placed:
    """Add ``item`` as a version of ``doc`` at its capture time, unless a neighbour has its text."""
    digest = sha256(item.text)
    previous, following = _neighbours(session, doc, item.captured_at)
    if any(v is not None and v.text_sha256 == digest for v in (previous, following)):
        return Placed(version=None, previous=previous, next=following)
    version = Version(
        document_id=doc.id, snapshot_id=snapshot.id if snapshot else None,
        previous_id=previous.id if previous else None, fetched_at=item.captured_at,
        text=item.text, text_sha256=digest, extractor_version=item.extractor_version,
        technical=item.technical, origin=item.origin, archive_url=item.archive_url,
    )
    session.add(version)
    session.flush()
    if following is not None:
        following.previous_id = version.id
        session.flush()
    return Placed(version=version, previous=previous, next=following)


def seen_keys(session: Session, doc: Document, source: str) -> set[str]:
    """Keys of the captures of ``doc`` from ``source`` already recorded."""
    return set(session.scalars(select(Capture.key).where(
        Capture.document_id == doc.id, Capture.source == source)))


def add_capture(session: Session, doc: Document, source: str, key: str, captured_at: datetime,
                url: str, outcome: str, detail: str = "", version: Version | None = None) -> Capture:
    """Record that a capture was looked at (in the transaction that stored its version)."""
    capture = Capture(document_id=doc.id, source=source, key=key, captured_at=captured_at, url=url,
                      outcome=outcome, detail=detail, version_id=version.id if version else None)
    session.add(capture)
    session.flush()
    return capture


def captures(session: Session, doc: Document) -> list[Capture]:
    """Every recorded capture of a document, oldest first."""
    return list(session.scalars(select(Capture).where(Capture.document_id == doc.id)
                                .order_by(Capture.captured_at, Capture.id)))
