"""When a phrase first appeared in each document and when it was last seen.

One row per document instead of one per version: the versions of a document are read in fetch
order (ids, dates and whether the text holds the phrase, never the texts), cut into runs of
consecutive versions that hold it, and each run links to the change that brought the phrase in
and the one that took it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from store.models import Document, Version

SNIPPET_CHARS = 120


@dataclass(frozen=True)
class Point:
    """A version in a document's history."""

    id: int
    fetched_at: datetime


@dataclass(frozen=True)
class Run:
    """Consecutive versions holding the phrase: from ``first`` (brought in by the change from
    ``before``, None when it was there from the first version) to ``last`` (taken out by the
    change to ``removed_in``, None while the latest version still holds it)."""

    first: Point
    last: Point
    before: Point | None
    removed_in: Point | None
    versions: int


@dataclass
class PhraseHistory:
    """A document whose text holds (or held) the phrase, with the text around it."""

    document: Document
    runs: list[Run] = field(default_factory=list)
    snippet: tuple[str, str, str] = ("", "", "")

    @property
    def present(self) -> bool:
        return bool(self.runs) and self.runs[-1].removed_in is None


def runs(history: list[tuple[Point, bool]]) -> list[Run]:
    """The runs of a document's versions, in fetch order, as (version, holds the phrase)."""
    out: list[Run] = []
    start: int | None = None
    for i, (_, holds) in enumerate([*history, (None, False)]):
        if holds and start is None:
            start = i
        elif not holds and start is not None:
            out.append(Run(history[start][0], history[i - 1][0],
                           history[start - 1][0] if start else None,
                           history[i][0] if i < len(history) else None, i - start))
            start = None
    return out


def phrase_histories(session: Session, q: str, slug: str | None = None) -> list[PhraseHistory]:
    """Per document that ever held ``q`` (case-insensitive), its runs; latest first-seen last."""
    holds = Version.text.icontains(q, autoescape=True)
    docs = select(Version.document_id).where(holds).distinct()
    if slug:
        docs = docs.join(Document, Document.id == Version.document_id).where(Document.slug == slug)
    rows = session.execute(
        select(Version.document_id, Version.id, Version.fetched_at, case((holds, 1), else_=0))
        .where(Version.document_id.in_(docs))
        .order_by(Version.document_id, Version.fetched_at, Version.id)).all()
    per_doc: dict[int, list[tuple[Point, bool]]] = {}
    for doc_id, vid, at, flag in rows:
        per_doc.setdefault(doc_id, []).append((Point(vid, at), bool(flag)))
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(per_doc)))}
    out = [PhraseHistory(documents[d], runs(h)) for d, h in per_doc.items()]
    texts = dict(session.execute(select(Version.id, Version.text).where(
        Version.id.in_([h.runs[-1].last.id for h in out]))).all())
    for h in out:
        h.snippet = snippet(texts.get(h.runs[-1].last.id, ""), q)
    return sorted(out, key=lambda h: (h.runs[0].first.fetched_at, h.document.slug))


def snippet(text: str, q: str) -> tuple[str, str, str]:
    """The text around the first match of ``q``: (before, match, after), cut with "…"."""
    m = re.search(re.escape(q), text, re.IGNORECASE)
    if m is None:
        return text[:SNIPPET_CHARS], "", ""
    start, end = max(0, m.start() - SNIPPET_CHARS), min(len(text), m.end() + SNIPPET_CHARS)
    before = ("…" if start else "") + text[start:m.start()]
    return before, m.group(0), text[m.end():end] + ("…" if end < len(text) else "")
