"""Read queries for the web UI and API: pages of versions and changes, never whole histories.

Version texts are large: list queries select columns, not ``Version`` rows, and only the version
and diff pages load a text. Every list is a LIMIT/OFFSET page with its count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, Unpack

from sqlalchemy import Select, Text, and_, cast, func, select
from sqlalchemy.orm import Session, load_only

from store.models import Change, Check, Document, Incident, Snapshot, Version

T = TypeVar("T")
SEVERITIES = ("none", "low", "medium", "high")
AnySelect = Select[Unpack[tuple[Any, ...]]]


@dataclass
class Page(Generic[T]):
    """One page of a list, with what a pager needs."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass
class Filters:
    """Timeline and change-list filters; ``severity`` means "at least this severe"."""

    label: str | None = None
    severity: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    material: bool = False

    @property
    def needs_change(self) -> bool:
        return bool(self.label or self.severity or self.material)


@dataclass
class VersionRow:
    """A version in a timeline, with the classification of the change that made it."""

    id: int
    fetched_at: datetime
    previous_id: int | None
    technical: bool
    chars: int
    change_id: int | None = None
    material: bool | None = None
    severity: str | None = None
    labels: list[str] = field(default_factory=list)
    origin: str = "crawl"
    """crawl, backfill or import (store.models.Version.origin)."""


@dataclass
class ChangeRow:
    """A stored change between consecutive versions, with its document."""

    change: Change
    slug: str
    name: str
    fetched_at: datetime


def latest_changes(document_id: int | None = None) -> Any:
    """Subquery: per new version, the newest stored change from its predecessor."""
    q = (select(Change.new_version_id.label("vid"), func.max(Change.id).label("cid"))
         .join(Version, and_(Version.id == Change.new_version_id,
                             Version.previous_id == Change.old_version_id)))
    if document_id is not None:
        q = q.where(Change.document_id == document_id)
    return q.group_by(Change.new_version_id).subquery()


def _filter(q: AnySelect, f: Filters) -> AnySelect:
    if f.label:
        q = q.where(cast(Change.labels, Text).contains(f'"{f.label}"', autoescape=True))
    if f.severity:
        q = q.where(Change.severity.in_(SEVERITIES[SEVERITIES.index(f.severity):]))
    if f.material:
        q = q.where(Change.material.is_(True))
    if f.since:
        q = q.where(Version.fetched_at >= f.since)
    if f.until:
        q = q.where(Version.fetched_at <= f.until)
    return q


def _count(session: Session, q: AnySelect) -> int:
    return int(session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)


def timeline(session: Session, doc: Document, f: Filters, page: int, per_page: int) -> Page[VersionRow]:
    """One page of a document's versions, newest first, filtered by its change's labels."""
    latest = latest_changes(doc.id)
    q = (select(Version.id, Version.fetched_at, Version.previous_id, Version.technical,
                Change.id, Change.material, Change.severity, Change.labels)
         .where(Version.document_id == doc.id)
         .join(latest, latest.c.vid == Version.id, isouter=not f.needs_change)
         .join(Change, Change.id == latest.c.cid, isouter=not f.needs_change))
    q = _filter(q, f)
    if f.needs_change:
        total = _count(session, q)
    else:  # no join needed to count
        total = _count(session, _filter(select(Version.id).where(Version.document_id == doc.id), f))
    rows = session.execute(q.add_columns(func.length(Version.text), Version.origin)
                           .order_by(Version.fetched_at.desc(), Version.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    items = [VersionRow(r[0], r[1], r[2], bool(r[3]), int(r[8] or 0), r[4], r[5], r[6],
                        list(r[7] or []), r[9]) for r in rows]
    return Page(items, page, per_page, total)


def changes(session: Session, f: Filters, page: int = 1, per_page: int = 50,
            document_id: int | None = None, count: bool = True) -> Page[ChangeRow]:
    """Stored changes between consecutive versions, newest first (one per version pair)."""
    latest = latest_changes(document_id)
    q = (select(Change, Document.slug, Document.name, Version.fetched_at)
         .join(latest, latest.c.cid == Change.id)
         .join(Version, Version.id == Change.new_version_id)
         .join(Document, Document.id == Change.document_id))
    q = _filter(q, f)
    total = _count(session, q) if count else 0
    rows = session.execute(q.order_by(Version.fetched_at.desc(), Change.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([ChangeRow(*r) for r in rows], page, per_page, total)


@dataclass
class DashRow:
    """A document on the dashboard."""

    document: Document
    versions: int
    latest_id: int | None
    latest_at: datetime | None
    last_check: Check | None
    open_incidents: int
    latest_material: ChangeRow | None


def dashboard(session: Session) -> list[DashRow]:
    """Every document with its last check, open incidents and latest material change."""
    counts = dict(session.execute(select(Version.document_id, func.count())
                                  .group_by(Version.document_id)).all())
    incidents = dict(session.execute(select(Incident.document_id, func.count())
                                     .where(Incident.closed_at.is_(None))
                                     .group_by(Incident.document_id)).all())
    out = []
    for doc in session.scalars(select(Document).order_by(Document.slug)):
        last_check = session.scalars(select(Check).where(Check.document_id == doc.id)
                                     .order_by(Check.started_at.desc(), Check.id.desc())
                                     .limit(1)).first()
        latest = session.execute(select(Version.id, Version.fetched_at)
                                 .where(Version.document_id == doc.id)
                                 .order_by(Version.fetched_at.desc(), Version.id.desc())
                                 .limit(1)).first()
        material = changes(session, Filters(material=True), 1, 1, doc.id, count=False).items
        out.append(DashRow(doc, counts.get(doc.id, 0), latest[0] if latest else None,
                           latest[1] if latest else None, last_check, incidents.get(doc.id, 0),
                           material[0] if material else None))
    return out


def version(session: Session, doc: Document, version_id: int) -> Version | None:
    """A version of this document with its text, or None."""
    return session.scalars(select(Version).where(Version.document_id == doc.id,
                                                 Version.id == version_id)).first()


def version_at(session: Session, doc: Document, at: datetime) -> int | None:
    """The id of the version in force at a moment (the last fetched at or before it)."""
    return session.scalar(select(Version.id).where(Version.document_id == doc.id,
                                                   Version.fetched_at <= at)
                          .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1))


def neighbours(session: Session, v: Version) -> tuple[int | None, int | None]:
    """Ids of the versions just before and just after ``v`` in fetch order."""
    base = select(Version.id).where(Version.document_id == v.document_id)
    older = session.scalar(base.where(
        (Version.fetched_at < v.fetched_at) | and_(Version.fetched_at == v.fetched_at,
                                                   Version.id < v.id))
        .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1))
    newer = session.scalar(base.where(
        (Version.fetched_at > v.fetched_at) | and_(Version.fetched_at == v.fetched_at,
                                                   Version.id > v.id))
        .order_by(Version.fetched_at, Version.id).limit(1))
    return older, newer


def snapshot(session: Session, snapshot_id: int | None) -> Snapshot | None:
    """A snapshot's metadata (without its body)."""
    if snapshot_id is None:
        return None
    return session.scalars(select(Snapshot).options(load_only(
        Snapshot.id, Snapshot.fetched_at, Snapshot.url, Snapshot.status, Snapshot.headers,
        Snapshot.body_size, Snapshot.body_sha256)).where(Snapshot.id == snapshot_id)).first()


def stored_change(session: Session, old_id: int, new_id: int, classifier: str) -> Change | None:
    """The stored change of a pair: by the current classifier if any, else the newest."""
    rows = session.scalars(select(Change).where(Change.old_version_id == old_id,
                                                Change.new_version_id == new_id)
                           .order_by(Change.id.desc())).all()
    current = [c for c in rows if c.classifier_version == classifier]
    return (current or rows)[0] if rows else None
