"""What an alert says, as plain JSON stored in the outbox row when the alert is enqueued.

Payloads are built inside the recording transaction from the stored change (its ``result`` dict,
the contract of ``changes.ChangeResult.to_dict()``) or incident, so the dispatcher needs nothing
but the row to render and send it, even after the data behind it has moved on.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from changes.reading import LINK, around_changes, inline, pieces, reading, subsection, unlinked
from extract.effective_date import stated_date
from store.models import Change, Document, Incident, Version

MAX_HUNKS = 8
MAX_PARTS = 3
"""Changes of one reading unit quoted in an alert (the rest are in the full diff)."""
MAX_EXCERPT = 280
MAX_QUOTE = 700
"""Removed and added text and evidence sentences are quoted whole up to this many characters."""
MAX_SENTENCES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
def plain(text: str) -> str:
    """Markdown reduced to reading text: links to their words, whitespace collapsed."""
    return " ".join(LINK.sub(r"\1", text or "").replace("**", "").split())


def shorten(text: str, limit: int) -> str:
    """``text`` whole if it fits, else as many whole sentences as fit, else whole words; an
    ellipsis marks what was left out. Never cuts a word."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        if len(kept) + len(sentence) + 3 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if not kept:
        kept = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return kept + " …"


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    return shorten(plain(text), limit)


def effective_date(text: str) -> str | None:
    """The effective (or last updated) date a policy states near its top, as written."""
    found = stated_date(text)
    return found.written if found else None


def sentences(evidence: list[str]) -> list[str]:
    """Evidence entries are ``"trigger — sentence"``; the distinct sentences, in order."""
    out: list[str] = []
    for item in evidence:
        sentence = item.split(" — ", 1)[1] if " — " in item else item
        sentence = shorten(plain(sentence), MAX_QUOTE)
        if sentence and sentence not in out:
            out.append(sentence)
    return out


def document_info(doc: Document) -> dict[str, Any]:
    return {"slug": doc.slug, "platform": doc.platform, "name": doc.name, "url": doc.url,
            "region": doc.region, "language": doc.language}


def _quoted(h: dict[str, Any]) -> dict[str, Any]:
    """One change unit's kind, removed and added sentences and its edits as one line."""
    edits = h.get("edits") or []
    return {
        "kind": h.get("kind", "modified"),
        "removed": excerpt(h.get("old", ""), MAX_QUOTE) if h.get("kind") != "added" else "",
        "added": excerpt(h.get("new", ""), MAX_QUOTE) if h.get("kind") != "removed" else "",
        "deleted_words": excerpt(pieces(edits, "-")), "inserted_words": excerpt(pieces(edits, "+")),
        "text": inline(around_changes(unlinked(edits), longest=MAX_EXCERPT)),
    }


def _hunks(result: dict[str, Any]) -> tuple[list[dict[str, Any]], int, str]:
    """The reading units to show (as ``changes.reading.reading`` groups them: labelled first, most
    severe first; at most MAX_HUNKS), how many there are, and the summary of the minor edits.
    A unit's changes are quoted, the labelled ones first, at most MAX_PARTS (in document order):
    the first in the unit's own fields, the others in ``parts`` with their section below the unit's."""
    changes = result.get("changes", [])
    r = reading(changes)
    out = []
    for unit in r.open[:MAX_HUNKS]:
        quoted = sorted(sorted(unit.parts, key=lambda i: not changes[i].get("labels"))[:MAX_PARTS])
        first = changes[quoted[0]]
        evidence: dict[str, list[str]] = {}
        for i in unit.parts:
            for label, ev in changes[i].get("evidence", {}).items():
                bucket = evidence.setdefault(label, [])
                bucket.extend(s for s in sentences(ev) if s not in bucket)
        out.append({
            "section": unit.section, "from_section": first.get("from_section", ""), "index": unit.first,
            "severity": unit.severity, "labels": list(unit.labels),
            "evidence": {label: ev[:2] for label, ev in sorted(evidence.items())},
            **_quoted(first), "edits": len(unit.parts),
            "parts": [{"section": subsection(unit, changes[i].get("section", "")), **_quoted(changes[i])}
                      for i in quoted[1:]],
        })
    return out, len(r.open), r.minor_summary()


def change_payload(doc: Document, change: Change, new: Version | None, base: str) -> dict[str, Any]:
    """The payload of a change alert."""
    result = change.result or {}
    hunks, total, minor = _hunks(result)
    evidence: dict[str, list[str]] = {}
    for h in result.get("changes", []):
        for label, ev in h.get("evidence", {}).items():
            bucket = evidence.setdefault(label, [])
            bucket.extend(s for s in sentences(ev) if s not in bucket)
    return {
        "event": "change", "change_id": change.id, "document": document_info(doc),
        "effective_date": effective_date(new.text) if new is not None else None,
        "fetched_at": new.fetched_at.isoformat() if new is not None else None,
        "severity": change.severity, "severity_reason": result.get("severity_reason", ""),
        "labels": sorted(change.labels or []),
        "evidence": {k: v[:MAX_SENTENCES] for k, v in sorted(evidence.items())},
        "regions": list(result.get("entities", {}).get("regions", [])),
        "hunks": hunks, "hunks_total": total, "minor": minor,
        "link": f"{base}/d/{doc.slug}/diff/{change.old_version_id}..{change.new_version_id}",
        "version_link": f"{base}/d/{doc.slug}/v/{change.new_version_id}",
        "page_url": doc.url, "more_link": f"{base}/changes",
    }


def incident_payload(doc: Document, incident: Incident, event: str, base: str,
                     when: datetime) -> dict[str, Any]:
    """The payload of a 'monitoring broken' (incident_opened) or recovery (incident_closed) alert."""
    since = incident.first_failure_at or incident.opened_at
    return {
        "event": event, "incident_id": incident.id, "document": document_info(doc),
        "severity": "high" if event == "incident_opened" else "low",
        "outcome": incident.outcome, "cause": incident.cause, "failures": incident.failures,
        "since": since.isoformat() if since else None, "at": when.isoformat(),
        "link": f"{base}/d/{doc.slug}", "page_url": doc.url, "more_link": f"{base}/alerts#incidents",
    }
