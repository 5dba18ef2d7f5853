"""Readable terminal rendering of a :class:`ChangeResult`: each change unit as its sentence with the
word edits inline ([-deleted-] {+inserted+}), labels beside it, most severe labelled change first."""

from __future__ import annotations

import re
import textwrap

from changes.model import ChangeResult, Hunk
from changes.reading import around_changes, inline, reading_order

_SGR = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "dim": "2", "bold": "1"}
_SEV_COLOR = {"high": "red", "medium": "yellow", "low": "blue", "none": "dim"}
_KIND_MARK = {"added": "+", "removed": "-", "modified": "~", "moved": ">"}
_MARK = re.compile(r"(\[-|-\]|\{\+|\+\})")
_OPEN = {"[-": "red", "{+": "green"}


def _c(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if color and text else text


def _paint(lines: list[str], color: bool) -> list[str]:
    """Colour deletions red and insertions green, also where one runs over several lines."""
    if not color:
        return lines
    out, style = [], ""
    for line in lines:
        parts = []
        for piece in _MARK.split(line):
            if piece in _OPEN:
                style = _OPEN[piece]
            parts.append(_c(piece, style, True) if style else piece)
            if piece in ("-]", "+}"):
                style = ""
        out.append("".join(parts))
    return out


def _body(h: Hunk, color: bool, width: int) -> list[str]:
    if h.kind == "moved" and not any(op != "=" for op, _ in h.edits):
        return ["    " + line for line in textwrap.wrap("(moved unchanged) " + h.new, width)[:3]]
    if h.edits:
        text = inline(around_changes(h.edits, keep=240)).replace("<br>", " ")
        return _paint(textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="    "), color)
    lines: list[str] = []  # a result stored before units had edits
    old, new = h.old.replace("<br>", " "), h.new.replace("<br>", " ")
    if old:
        lines += [_c("    - " + line, "red", color) for line in textwrap.wrap(old, width) or [""]]
    if new:
        lines += [_c("    + " + line, "green", color) for line in textwrap.wrap(new, width) or [""]]
    return lines


def where(h: Hunk) -> str:
    """The unit's section, or "moved from X -> to Y"."""
    section = h.section or "(top of document)"
    if h.kind == "moved":
        return f"moved from {h.from_section or '(top of document)'} -> to {section}"
    return section


def render_hunk(h: Hunk, color: bool, width: int = 96) -> str:
    """One unit: header (kind, section, labels, severity), its sentence with the edits, evidence
    and entities."""
    labels = " ".join(f"[{lab}]" for lab in h.labels)
    head = f"{_KIND_MARK.get(h.kind, '?')} {h.kind:<8} {where(h)}"
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
    """The whole result: a summary line, then each material unit, most severe labelled first (and,
    on request, the noise)."""
    sev = _c(result.severity.upper(), _SEV_COLOR.get(result.severity, "dim"), color)
    labels = ", ".join(result.labels) or "no tracked labels"
    noise = sum(1 for h in result.changes if not h.material)
    lines = [
        f"{sev}  material: {'yes' if result.material else 'no'}  labels: {labels}",
        f"  {result.severity_reason}",
        f"  {len(result.material_changes)} material change(s), {noise} not material",
        "",
    ]
    for i in reading_order([h.to_dict() for h in result.changes]):
        h = result.changes[i]
        if h.material or show_noise:
            lines += [render_hunk(h, color), ""]
    if noise and not show_noise:
        lines.append(_c(f"({noise} change(s) without meaning hidden: formatting, links, tracking, ...)", "dim", color))
    return "\n".join(lines).rstrip() + "\n"
