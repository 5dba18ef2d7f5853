"""What changed, per document and label: the dashboard's summaries and the timeline pictures.

Queries read columns, never texts, and only the changes worth leading with (material and at
least medium, or carrying a contract label) row by row; the picture's counts are grouped by
year and labels in the database.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from changes.model import CONTRACT_LABELS
from store.models import Change, Version
from web.cache import cached
from web.chart import Grid, label_years
from web.queries import ChangeRow, Filters, changes, latest_changes

NOTABLE_SEVERITIES = ("medium", "high")


@dataclass(frozen=True)
class ChangeRef:
    """A stored material change, enough to show and link it."""

    document_id: int
    change_id: int
    old_id: int
    new_id: int
    fetched_at: datetime
    severity: str
    labels: tuple[str, ...]

    @property
    def notable(self) -> bool:
        """Worth leading with: at least medium, or about a contract label."""
        return self.severity in NOTABLE_SEVERITIES or any(l in CONTRACT_LABELS for l in self.labels)

    @classmethod
    def of(cls, row: ChangeRow) -> ChangeRef:
        c = row.change
        return cls(c.document_id, c.id, c.old_version_id, c.new_version_id, row.fetched_at,
                   c.severity or "none", tuple(c.labels or ()))


@dataclass
class DocSummary:
    """A document's latest notable change (``lead``), the minor material changes since (how
    many, and the latest), and per label the latest material change carrying it."""

    lead: ChangeRef | None = None
    minor_since: int = 0
    latest_minor: ChangeRef | None = None
    by_label: dict[str, ChangeRef] = field(default_factory=dict)


def _material(document_id: int | None) -> Any:
    latest = latest_changes(document_id)
    return (select(Change.document_id, Change.id, Change.old_version_id, Change.new_version_id,
                   Version.fetched_at, Change.severity, Change.labels)
            .join(latest, latest.c.cid == Change.id)
            .join(Version, Version.id == Change.new_version_id)
            .where(Change.material.is_(True)))


def notable_changes(session: Session, document_id: int | None = None) -> list[ChangeRef]:
    """Material changes worth leading with (at least medium, or labelled), newest first."""
    q = _material(document_id).where(or_(Change.severity.in_(NOTABLE_SEVERITIES),
                                         cast(Change.labels, Text) != "[]"))
    rows = session.execute(q.order_by(Version.fetched_at.desc(), Change.id.desc())).all()
    return [ChangeRef(r[0], r[1], r[2], r[3], r[4], r[5] or "none", tuple(r[6] or ())) for r in rows]


def summarise(notable: list[ChangeRef]) -> dict[int, DocSummary]:
    """Per document id, its lead and latest change per label, from changes newest first."""
    out: dict[int, DocSummary] = {}
    for c in notable:
        s = out.setdefault(c.document_id, DocSummary())
        if s.lead is None and c.notable:
            s.lead = c
        for label in c.labels:
            s.by_label.setdefault(label, c)
    return out


def add_latest(s: DocSummary, latest: ChangeRef, minor_since: int) -> None:
    """Complete a summary with the document's latest material change and how many material
    changes came after its lead; with no notable change, the latest one leads."""
    if s.lead is None:
        s.lead = latest
    elif latest.fetched_at > s.lead.fetched_at:
        s.latest_minor, s.minor_since = latest, minor_since


def summaries(session: Session, latest: dict[int, ChangeRow | None]) -> dict[int, DocSummary]:
    """Per document id (``latest``: each document's latest material change), its summary."""
    out = summarise(notable_changes(session))
    for doc_id, row in latest.items():
        if row is None:
            continue
        s, ref = out.setdefault(doc_id, DocSummary()), ChangeRef.of(row)
        count = 0
        if s.lead and ref.fetched_at > s.lead.fetched_at:  # count only when there are some
            since = s.lead.fetched_at + timedelta(microseconds=1)
            count = changes(session, Filters(material=True, since=since), 1, 1, doc_id).total
        add_latest(s, ref, count)
    return out


def latest_per_label(summaries: dict[int, DocSummary]) -> dict[str, ChangeRef]:
    """Per contract label, the latest material change carrying it across documents."""
    out: dict[str, ChangeRef] = {}
    for s in summaries.values():
        for label, c in s.by_label.items():
            if label in CONTRACT_LABELS and (label not in out or c.fetched_at > out[label].fetched_at):
                out[label] = c
    return out


def label_year_counts(session: Session, document_id: int | None = None) -> Counter[tuple[str, int]]:
    """Material changes counted by (contract label, year); one with no contract label counts
    once under ``""`` (the picture's "other material" row)."""
    sub = _material(document_id).subquery()
    year = extract("year", sub.c.fetched_at)
    rows = session.execute(select(year, cast(sub.c.labels, Text), func.count())
                           .group_by(year, cast(sub.c.labels, Text))).all()
    out: Counter[tuple[str, int]] = Counter()
    for y, labels, n in rows:
        mine = [l for l in json.loads(labels or "[]") if l in CONTRACT_LABELS] or [""]
        for label in mine:
            out[(label, int(y))] += n
    return out


def label_grid(session: Session, document_id: int | None = None) -> Grid:
    """The picture's grid for one document or all; cached until a change is stored."""
    newest = session.scalar(select(func.max(Change.id)))
    return cached("charts", (document_id, newest),  # type: ignore[no-any-return]
                  lambda: label_years(label_year_counts(session, document_id)))
