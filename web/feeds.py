"""Atom feeds of material changes (feedgen): all documents, one document, one label.

Entry ids are tag URIs built from the document slug and version pair, so they stay the same
whatever host serves the feed; links point at the diff page under the configured public base URL,
or else on the host that was asked, once ``web.hosts`` has checked it.
Summaries are plain text (``type="text"``), so a reader never renders policy text as HTML.
"""

from __future__ import annotations

from datetime import datetime, timezone

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response

from changes.reading import reading, reading_order
from web import params, queries
from web.db import db
from web.hosts import external
from web.queries import ChangeRow, Filters

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ENTRIES = 50
EVIDENCE_PER_FEED_ENTRY = 5
TAG = "tag:policywatch,2024:"


def _summary(row: ChangeRow) -> str:
    result = row.change.result
    lines = [f"Severity {row.change.severity}: {result.get('severity_reason', '')}".strip()]
    shown = 0
    changes = result.get("changes", [])
    for hunk in (changes[i] for i in reading_order(changes)):  # most severe labelled unit first
        if not hunk.get("material") or not hunk.get("evidence"):
            continue
        for label, items in sorted(hunk["evidence"].items()):
            if items and shown < EVIDENCE_PER_FEED_ENTRY:
                lines.append(f"[{label}] {hunk.get('section') or '(top)'}: {items[0]}")
                shown += 1
    minor = reading(changes).minor_summary()
    return "\n".join(lines + ([f"Also {minor}."] if minor else []))


def _feed(feed_id: str, title: str, self_url: str, alternate: str, f: Filters,
          document_id: int | None = None) -> Response:
    rows = queries.changes(db(), f, 1, ENTRIES, document_id, count=False).items
    fg = FeedGenerator()
    fg.id(TAG + feed_id)
    fg.title(title)
    fg.author({"name": "PolicyWatch"})
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=alternate, rel="alternate", type="text/html")
    fg.generator("PolicyWatch")
    fg.updated(rows[0].fetched_at if rows else datetime(2000, 1, 1, tzinfo=timezone.utc))
    for row in reversed(rows):  # feedgen prepends: add oldest first to list newest first
        c = row.change
        entry = fg.add_entry()
        entry.id(f"{TAG}d/{row.slug}/diff/{c.old_version_id}..{c.new_version_id}")
        labels = ", ".join(c.labels) or "no tracked labels"
        entry.title(f"{row.name} ({row.slug}): {c.severity} change, {labels}")
        entry.link(href=external("views.diff", slug=row.slug, old_id=c.old_version_id,
                                 new_id=c.new_version_id), rel="alternate")
        entry.updated(row.fetched_at)
        entry.published(row.fetched_at)
        entry.summary(_summary(row), type="text")
        for label in c.labels:
            entry.category(term=label)
    return Response(fg.atom_str(pretty=True), mimetype="application/atom+xml")


@bp.get("/changes.atom")
def all_changes() -> Response:
    """Every material change, newest first."""
    return _feed("changes", "PolicyWatch: material changes",
                 external("feeds.all_changes"),
                 external("views.dashboard"), Filters(material=True))


@bp.get("/d/<path:slug>.atom")
def document(slug: str) -> Response:
    """The material changes of one document."""
    doc = params.document(slug)
    return _feed(f"d/{doc.slug}", f"PolicyWatch: {doc.name} ({doc.slug})",
                 external("feeds.document", slug=doc.slug),
                 external("views.timeline", slug=doc.slug),
                 Filters(material=True), doc.id)


@bp.get("/label/<label>.atom")
def label(label: str) -> Response:
    """The material changes that carry one label (e.g. ai_training)."""
    name = params.label(label) or ""
    return _feed(f"label/{name}", f"PolicyWatch: changes labelled {name}",
                 external("feeds.label", label=name),
                 external("activity.changes", label=name),
                 Filters(label=name, material=True))
