"""Readable terminal rendering of a :class:`ChangeResult`: a word diff with labels beside each hunk."""

from __future__ import annotations

import textwrap

from changes.model import ChangeResult, Hunk

_SGR = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "dim": "2", "bold": "1"}
_SEV_COLOR = {"high": "red", "medium": "yellow", "low": "blue", "none": "dim"}
_KIND_MARK = {"added": "+", "removed": "-", "modified": "~", "moved": ">"}


def _c(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if color and text else text


def _body(h: Hunk, color: bool, width: int) -> list[str]:
    lines: list[str] = []
    old, new = h.old.replace("<br>", " "), h.new.replace("<br>", " ")
    if h.kind == "moved":
        return ["    " + line for line in textwrap.wrap("(moved) " + new, width)[:3]]
    if old:
        lines += [_c("    - " + line, "red", color) for line in textwrap.wrap(old, width) or [""]]
    if new:
        lines += [_c("    + " + line, "green", color) for line in textwrap.wrap(new, width) or [""]]
    return lines


def render_hunk(h: Hunk, color: bool, width: int = 96) -> str:
    """One hunk: header (kind, section, labels, severity), old/new text, evidence and entities."""
    labels = " ".join(f"[{lab}]" for lab in h.labels)
    head = f"{_KIND_MARK.get(h.kind, '?')} {h.kind:<8} {h.section or '(top of document)'}"
    tail = f"  {_c(labels, 'magenta', color)}" if labels else ""
    if h.material:
        tail += "  " + _c(h.severity, _SEV_COLOR.get(h.severity, "dim"), color)
    else:
        tail += "  " + _c(f"not material: {h.note}", "dim", color)
    out = [_c(head, "bold", color) + tail, *_body(h, color, width)]
    for lab, items in sorted(h.evidence.items()):
        for item in items[:2]:
            out.append(_c(f"    {lab}: " + textwrap.shorten(item, width), "dim", color))
    for kind, values in sorted(h.entities.items()):
        out.append(f"    {kind}: " + ", ".join(values))
    return "\n".join(out)


def render_text(result: ChangeResult, color: bool, show_noise: bool = False) -> str:
    """The whole result: a summary line, then each material hunk (and, on request, the noise)."""
    sev = _c(result.severity.upper(), _SEV_COLOR.get(result.severity, "dim"), color)
    labels = ", ".join(result.labels) or "no tracked labels"
    noise = sum(1 for h in result.changes if not h.material)
    lines = [
        f"{sev}  material: {'yes' if result.material else 'no'}  labels: {labels}",
        f"  {result.severity_reason}",
        f"  {len(result.material_changes)} material change(s), {noise} not material",
        "",
    ]
    for h in result.changes:
        if h.material or show_noise:
            lines += [render_hunk(h, color), ""]
    if noise and not show_noise:
        lines.append(_c(f"({noise} change(s) without meaning hidden: formatting, links, tracking, ...)", "dim", color))
    return "\n".join(lines).rstrip() + "\n"
