"""Read side of the store: documents, their history, a version by id or date, stored changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from store.models import Change, Check, Document, Incident, Version


class NotFound(LookupError):
    """Raised by store/ queries when a document, version or change does not exist."""


@dataclass
class DocumentStatus:
    document: Document
    versions: int
    last_check: Check | None
    latest: Version | None


def document(session: Session, slug: str) -> Document:
    doc = session.scalars(select(Document).where(Document.slug == slug)).first()
    if doc is None:
        known = ", ".join(session.scalars(select(Document.slug).order_by(Document.slug)))
        raise NotFound(f"no document {slug!r} (known: {known or 'none'})")
    return doc


def documents(session: Session) -> list[DocumentStatus]:
    counts = dict(session.execute(
        select(Version.document_id, func.count()).group_by(Version.document_id)).all())
    out = []
    for doc in session.scalars(select(Document).order_by(Document.slug)):
        last_check = session.scalars(
            select(Check).where(Check.document_id == doc.id)
            .order_by(Check.started_at.desc(), Check.id.desc()).limit(1)).first()
        latest = session.scalars(
            select(Version).where(Version.document_id == doc.id)
            .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1)).first()
        out.append(DocumentStatus(doc, counts.get(doc.id, 0), last_check, latest))
    return out


def history(session: Session, doc: Document) -> list[Version]:
    """Every version of a document, oldest first."""
    return list(session.scalars(
        select(Version).where(Version.document_id == doc.id)
        .order_by(Version.fetched_at, Version.id)))


def version(session: Session, doc: Document, version_id: int | None = None,
            at: datetime | None = None) -> Version:
    """A version by id, the one in force at a date, or the latest."""
    q = select(Version).where(Version.document_id == doc.id)
    if version_id is not None:
        q = q.where(Version.id == version_id)
    elif at is not None:
        q = q.where(Version.fetched_at <= at)
    found = session.scalars(q.order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1)).first()
    if found is None:
        what = f"version {version_id}" if version_id is not None else (
            f"a version at {at:%Y-%m-%d %H:%M}" if at else "any version")
        raise NotFound(f"{doc.slug} has no {what}")
    return found


def stored_change(session: Session, old_id: int, new_id: int, classifier_version: str) -> Change | None:
    return session.scalars(select(Change).where(
        Change.old_version_id == old_id, Change.new_version_id == new_id,
        Change.classifier_version == classifier_version)).first()


def checks(session: Session, doc: Document, limit: int = 50) -> list[Check]:
    return list(session.scalars(
        select(Check).where(Check.document_id == doc.id)
        .order_by(Check.started_at.desc(), Check.id.desc()).limit(limit)))


def open_incidents(session: Session) -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.closed_at.is_(None))))


FLIP_LOOKBACK = 12
"""How many of a document's latest versions :func:`flip` looks at."""


@dataclass
class Flip:
    """A new version whose text is that of an earlier version, not the one just before it: a
    change undone, or a page alternating between texts (an A/B test, a stale cache, two editions
    served at one address)."""

    restores: Version
    """The latest earlier version with the same text."""
    alternations: int
    """Versions at the top of the history, the new one included, that alternate between two texts
    within the window (A -> B -> A is 3; A -> B -> A -> B is 4)."""
    since: datetime
    """When the oldest of those versions was fetched."""


def flip(session: Session, new: Version, window_days: float) -> Flip | None:
    """Whether ``new`` brings back an earlier text (None when it does not, or the window is 0)."""
    if window_days <= 0:
        return None
    recent = list(session.scalars(
        select(Version).options(load_only(Version.id, Version.document_id, Version.fetched_at,
                                          Version.text_sha256, Version.technical))
        .where(Version.document_id == new.document_id, Version.id <= new.id,
               Version.technical.is_(False))
        .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(FLIP_LOOKBACK)))
    if len(recent) < 3 or recent[0].id != new.id:
        return None
    restores = next((v for v in recent[2:] if v.text_sha256 == new.text_sha256), None)
    if restores is None:
        return None
    a, b = recent[0].text_sha256, recent[1].text_sha256
    oldest = new.fetched_at.timestamp() - window_days * 86400
    run = 2
    for k, v in enumerate(recent[2:], start=2):
        if v.text_sha256 != (a if k % 2 == 0 else b) or v.fetched_at.timestamp() < oldest:
            break
        run += 1
    return Flip(restores=restores, alternations=run, since=recent[run - 1].fetched_at)
