"""The database schema: documents, raw snapshots, extracted versions, checks, changes, alerts.

Snapshots (what was fetched) are kept apart from versions (the text users diff): a snapshot lets a
bad extraction be redone later (``policywatch reextract``). Both are append-only. Every fetch adds
one small ``Check`` row; only a fetch whose extracted text differs from the last version stores a
body and a version.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Document(Base):
    """One declared document (a URL as seen from one region/language), by its target id."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Snapshot(Base):
    """A raw fetch kept for re-extraction: zlib-compressed body, headers, status, hash, time."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    fetched_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int]
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)


class Version(Base):
    """An extracted text of a document, different from the version before it."""

    __tablename__ = "versions"
    __table_args__ = (Index("ix_versions_document_fetched", "document_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    fetched_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(50))
    technical: Mapped[bool] = mapped_column(Boolean, default=False)
    """True when made by re-extraction (declaration or extractor change): never alerts."""
    origin: Mapped[str] = mapped_column(String(20), default="crawl", server_default="crawl")
    """Where the text came from: ``crawl`` (our own fetch), ``backfill`` (a web-archive capture)
    or ``import`` (an Open Terms Archive repository, a dataset, a PolicyWatch export). Only
    ``crawl`` versions ever alert."""
    archive_url: Mapped[str | None] = mapped_column(Text)
    """Provenance of a backfilled or imported text: the archive capture's URL, or the
    repository, commit and path it was read from."""

    document: Mapped[Document] = relationship(lazy="joined")


class Capture(Base):
    """One archived copy of a document that backfill or import looked at, and what came of it.

    Makes both resumable: a capture already here is neither fetched nor read again, so an
    interrupted run continues where it stopped and never duplicates a version. ``key`` names the
    capture within its ``source`` (a Wayback timestamp and digest; a commit and path).
    """

    __tablename__ = "captures"
    __table_args__ = (UniqueConstraint("document_id", "source", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    source: Mapped[str] = mapped_column(String(20))
    """wayback, ota-git, ota-dataset or policywatch."""
    key: Mapped[str] = mapped_column(String(300))
    captured_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(30))
    """new_version or unchanged; for backfill also blocked or structural (never a version)."""
    detail: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Check(Base):
    """One attempt to fetch a document, whatever came of it."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_document_started", "document_id", "started_at"),
        # one check of a document per shared-frontier round; other checks (round_key NULL) take
        # no entry (migration 0005)
        Index("uq_checks_document_round", "document_id", "round_key", unique=True,
              sqlite_where=text("round_key IS NOT NULL"), postgresql_where=text("round_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    started_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(30))
    """new_version, unchanged, blocked, transient, structural or robots_disallowed."""
    http_status: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    """Hash of the extracted text, when the fetch had one (also for a text held as suspect)."""
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    repeats: Mapped[int] = mapped_column(default=1, server_default="1")
    """How many checks this row stands for: more than 1 when unchanged checks are summarised
    (setting ``unchanged_checks = "summary"``); then ``started_at`` is the last of them."""
    first_started_at: Mapped[datetime | None]
    """Start of the first check a summarised row stands for (None: the row is one check)."""
    round_key: Mapped[str | None] = mapped_column(String(64))
    """The shared-frontier round this check belongs to (``policywatch worker``); at most one check
    of a document per round, whatever the workers do. None for other checks."""


class Change(Base):
    """The diff and classification of a version pair, computed once per classifier version."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("old_version_id", "new_version_id", "classifier_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    old_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    new_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    classifier_version: Mapped[str] = mapped_column(String(50))
    material: Mapped[bool]
    severity: Mapped[str] = mapped_column(String(10))
    labels: Mapped[list[Any]] = mapped_column(default=list)
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Incident(Base):
    """A document that failed several checks in a row; closed by the next good check.

    At most one incident per document is open (``closed_at`` is null); alerts/health.py keeps them.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None]
    """Start time of the first failed check of the run that opened the incident."""
    last_failure_at: Mapped[datetime | None]


class Alert(Base):
    """The alert outbox: one row per (message, channel), written in the causing transaction.

    ``status`` is pending -> sending (claimed under a lease) -> sent, or dead after
    ``max_attempts``. ``dedup_key`` is also the idempotency key receivers see; rows of a digest
    share a ``batch_key``, fixed when first claimed, which is then the digest's idempotency key.
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_channel_status_due", "channel", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    """change, incident_opened or incident_closed."""
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    severity: Mapped[str] = mapped_column(String(10), default="none")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(40))
    batch_key: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Heartbeat(Base):
    """The daemon's sign of life: one row, rewritten every beat by `policywatch run`.

    ``pending`` lists the documents queued or crawling at the last write, so a daemon killed
    mid-check gives them a catch-up check when it starts again.
    """

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    pid: Mapped[int]
    host: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    interval: Mapped[float] = mapped_column(Float)
    """Seconds between beats: `status` calls a beat older than three of them stale."""
    pending: Mapped[list[Any]] = mapped_column(default=list)
    stopped_at: Mapped[datetime | None]
