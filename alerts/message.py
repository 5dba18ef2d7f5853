"""Rendering: outbox payloads -> a channel-neutral :class:`Message` and its plain-text form.

Channels turn a Message into their own format (Block Kit, MIME, JSON); none of them builds
wording of its own beyond layout, so every channel says the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}
LABELS = {"ai_training": "AI training", "opt_out": "opt-out", "regions": "regions"}
PLATFORMS = {"linkedin": "LinkedIn"}


_DEL = re.compile(r"\[-(.*?)-\]", re.S)
_INS = re.compile(r"\{\+(.*?)\+\}", re.S)


def place(h: dict[str, Any]) -> str:
    """Where a change unit is: its section, or "moved from X -> to Y"."""
    section = h.get("section") or "(top)"
    if h.get("kind") == "moved":
        return f"moved from {h.get('from_section') or '(top)'} -> to {section}"
    return section


def marked(text: str, escape: Callable[[str], str], deleted: tuple[str, str],
           inserted: tuple[str, str]) -> str:
    """A unit's inline text (deletions in [-...-], insertions in {+...+}) escaped for a channel, with
    the channel's own marks around deletions and insertions."""
    def mark(marks: tuple[str, str]) -> Callable[[re.Match[str]], str]:
        def wrap(m: re.Match[str]) -> str:  # spaces outside the marks: Slack needs ~word~, not ~ word~
            core = m.group(1).strip()
            if not core:
                return m.group(1)
            lead = m.group(1)[:len(m.group(1)) - len(m.group(1).lstrip())]
            trail = m.group(1)[len(m.group(1).rstrip()):]
            return f"{lead}{marks[0]}{core}{marks[1]}{trail}"
        return wrap

    return _INS.sub(mark(inserted), _DEL.sub(mark(deleted), escape(text)))


def label_name(label: str) -> str:
    return LABELS.get(label, label.replace("_", " "))


def top_severity(payloads: list[dict[str, Any]]) -> str:
    return max((p.get("severity", "none") for p in payloads), key=lambda s: RANK.get(s, 0),
               default="none")


def document_title(payload: dict[str, Any]) -> str:
    doc = payload["document"]
    variant = f" ({doc['region']})" if doc.get("region") else ""
    platform = PLATFORMS.get(doc["platform"], doc["platform"].capitalize())
    return f"{platform} {doc['name']}{variant}"


def headline(payload: dict[str, Any]) -> str:
    """One line naming the document and what happened, without the severity."""
    title = document_title(payload)
    event = payload.get("event")
    if event == "incident_opened":
        return f"Monitoring broken: {title} ({payload.get('outcome')})"
    if event == "incident_closed":
        return f"Monitoring recovered: {title}"
    labels = ", ".join(label_name(x) for x in payload.get("labels", []))
    return f"{title} changed" + (f": {labels}" if labels else "")


def when(iso: str | None) -> str:
    """An ISO timestamp as ``2024-09-19 06:00 UTC`` (as given when it is not ISO)."""
    if not iso:
        return "?"
    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def facts(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) lines shown under the headline."""
    out: list[tuple[str, str]] = []
    if payload.get("event") == "change":
        if payload.get("fetched_at"):
            out.append(("Detected", when(payload["fetched_at"])))
        if payload.get("effective_date"):
            out.append(("Policy effective", f"{payload['effective_date']} (as the policy states)"))
        if payload.get("restores"):
            back = payload["restores"]
            out.append(("Reverts", f"the text is again that of version {back['version_id']}, first fetched "
                                   f"{when(back['fetched_at'])}: the change since then was undone"))
        reason = payload.get("severity_reason")
        out.append(("Severity", payload["severity"] + (f" — {reason}" if reason else "")))
        if payload.get("labels"):
            out.append(("Labels", ", ".join(label_name(x) for x in payload["labels"])))
        if payload.get("regions"):
            out.append(("Regions", ", ".join(payload["regions"])))
    elif payload.get("event") == "incident_opened":
        out.append(("Cause", payload.get("cause", "")))
        out.append(("Failed checks", str(payload.get("failures", ""))))
    else:
        out.append(("Broken since", when(payload.get("since"))))
        out.append(("Recovered at", when(payload.get("at"))))
    return out


def links(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, URL) of the pages a reader may open: the diff, the new version, the live page."""
    if payload.get("event") != "change":
        out = [("Timeline", payload["link"])]
    else:
        out = [("Full diff", payload["link"])]
        out += [("This version", payload["version_link"])] if payload.get("version_link") else []
    page = payload.get("page_url") or payload.get("document", {}).get("url")
    return out + ([("Live page", page)] if page else [])


def quotes(h: dict[str, Any], parts: bool = True) -> list[tuple[str, str]]:
    """A change unit's ("Removed", sentences) and ("Added", sentences), whichever it has, then (with
    ``parts``) its further parts' (named with their section below the unit's: "Added (Ad Choices)")."""
    out: list[tuple[str, str]] = []
    for part in [h, *(h.get("parts", []) if parts else [])]:
        sub = f" ({part['section']})" if part is not h and part.get("section") else ""
        out += [(name + sub, part[key]) for name, key in (("Removed", "removed"), ("Added", "added"))
                if part.get(key)]
    return out


def more_edits(p: dict[str, Any]) -> str:
    """What the message leaves to the full diff: units not shown and the minor edits, or ""."""
    shown = len(p.get("hunks", []))
    more = p.get("hunks_total", shown) - shown
    parts = [f"{more} more change{'s' if more != 1 else ''}"] if more > 0 else []
    parts += [p["minor"]] if p.get("minor") else []
    return " and ".join(parts) + " in the full diff" if parts else ""


TEST_NOTE = ("This is a TEST alert sent by `policywatch test-alert`: it shows a past change as a "
             "sample; nothing has changed now.")


@dataclass
class Message:
    """What one delivery says: one payload, or a digest of several (most severe first)."""

    key: str
    """Idempotency key: the row's dedup_key, or the digest's batch_key."""
    payloads: list[dict[str, Any]]
    digest: bool = False
    channel: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    retry: bool = False
    """Sent before without a known outcome: a channel that can look for it first should."""
    since: datetime | None = None
    """When the oldest alert of the message was enqueued (how far back a lookup must go)."""

    def __post_init__(self) -> None:
        self.payloads = sorted(self.payloads, key=lambda p: -RANK.get(p.get("severity", "none"), 0))

    @property
    def test(self) -> bool:
        """A ``test-alert`` sample (its payloads carry ``sample``)."""
        return any(p.get("sample") for p in self.payloads)

    @property
    def severity(self) -> str:
        return top_severity(self.payloads)

    @property
    def more_link(self) -> str:
        """Where the rest of a digest cut short can be read."""
        return next((p["more_link"] for p in self.payloads if p.get("more_link")), "")

    @property
    def subject(self) -> str:
        """Stable, severity first: ``[HIGH] PolicyWatch: LinkedIn Privacy Policy changed: AI training``;
        a test alert's starts with ``[TEST]``."""
        sev, test = self.severity.upper(), "[TEST] " if self.test else ""
        if not self.digest or len(self.payloads) == 1:
            return f"{test}[{sev}] PolicyWatch: {headline(self.payloads[0])}"
        changes = sum(1 for p in self.payloads if p.get("event") == "change")
        other = len(self.payloads) - changes
        parts = [f"{changes} change{'s' if changes != 1 else ''}"] if changes else []
        parts += [f"{other} monitoring notice{'s' if other != 1 else ''}"] if other else []
        return f"{test}[{sev}] PolicyWatch digest: {', '.join(parts)}"

    def text(self) -> str:
        """The whole message as plain text (email's text part, webhooks' ``text``, Apprise's body)."""
        blocks = [entry_text(p) for p in self.payloads]
        head = self.subject + "\n" + "=" * min(len(self.subject), 72) + "\n\n"
        note = TEST_NOTE + "\n\n" if self.test else ""
        return head + note + "\n\n".join(blocks) + "\n"


def entry_text(p: dict[str, Any]) -> str:
    """One payload as plain text: headline, facts, removed and added sentences per section, links."""
    lines = [f"[{p.get('severity', 'none').upper()}] {headline(p)}"]
    lines += [f"{name}: {value}" for name, value in facts(p)]
    hunks = p.get("hunks", [])
    if hunks:
        shown = f"{len(hunks)} of {p.get('hunks_total', len(hunks))}"
        lines.append(f"Changes ({shown} shown):")
        for h in hunks:
            tag = f" [{', '.join(label_name(x) for x in h['labels'])}]" if h.get("labels") else ""
            lines.append(f"  § {place(h)}{tag}")
            lines += [f"    {name}: “{text}”" for name, text in quotes(h)]
    if more_edits(p):
        lines.append(f"Also: {more_edits(p)}.")
    lines += [f"{name}: {url}" for name, url in links(p)]
    return "\n".join(lines)


def summary(p: dict[str, Any]) -> str:
    """One payload in a few lines (its first change only): for notifications and chat fallbacks."""
    lines = [f"[{p.get('severity', 'none').upper()}] {headline(p)}"]
    lines += [f"{name}: {value}" for name, value in facts(p)]
    for h in p.get("hunks", [])[:1]:
        lines += [f"{name} (§ {place(h)}): “{text}”" for name, text in quotes(h, parts=False)]
    lines += [f"{name}: {url}" for name, url in links(p)[:1]]
    return "\n".join(lines)
