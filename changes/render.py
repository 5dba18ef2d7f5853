"""Readable terminal rendering of a :class:`ChangeResult`: each change unit as its sentence with the
word edits inline ([-deleted-] {+inserted+}), labels beside it, most severe labelled change first."""

from __future__ import annotations

import re
import textwrap

from changes.model import ChangeResult, Hunk
from changes.reading import (Reading, ReadingUnit, around_changes, inline, reading, subsection,
                              unlinked)

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


def _tail(labels: list[str] | tuple[str, ...], material: bool, severity: str, note: str, color: bool) -> str:
    tags = " ".join(f"[{lab}]" for lab in labels)
    tail = f"  {_c(tags, 'magenta', color)}" if tags else ""
    if material:
        return tail + "  " + _c(severity, _SEV_COLOR.get(severity, "dim"), color)
    return tail + "  " + _c(f"not material: {note}", "dim", color)


def _details(h: Hunk, color: bool, width: int) -> list[str]:
    """A unit's sentence with the edits, evidence and entities (its lines below the header)."""
    out = _body(h, color, width)
    for lab, items in sorted(h.evidence.items()):
        for item in items[:2]:
            out.append(_c(f"    {lab}: " + textwrap.shorten(item, width), "dim", color))
    for kind, values in sorted(h.entities.items()):
        out.append(f"    {kind}: " + ", ".join(values))
    return out


def render_hunk(h: Hunk, color: bool, width: int = 96) -> str:
    """One unit: header (kind, section, labels, severity), its sentence with the edits, evidence
    and entities."""
    head = f"{_KIND_MARK.get(h.kind, '?')} {h.kind:<8} {where(h)}"
    return "\n".join([_c(head, "bold", color) + _tail(h.labels, h.material, h.severity, h.note, color),
                      *_details(h, color, width)])


def render_unit(unit: ReadingUnit, hunks: list[Hunk], color: bool, width: int = 96) -> str:
    """A reading unit: one header (section, labels, severity), then each of its parts, the parts
    after the first under their own kind and section below the unit's."""
    first = hunks[unit.first]
    if len(unit.parts) == 1:
        return render_hunk(first, color, width)
    head = f"~ {len(unit.parts)} edits {unit.section or '(top of document)'}"
    out = [_c(head, "bold", color) + _tail(unit.labels, unit.material, unit.severity, first.note, color)]
    for k, i in enumerate(unit.parts):
        h = hunks[i]
        sub = subsection(unit, h.section)
        if k or sub:
            tags = " ".join(f"[{lab}]" for lab in h.labels) if h.material else ""
            out.append(f"  {_KIND_MARK.get(h.kind, '?')} {h.kind} {sub}".rstrip()
                       + (f"  {_c(tags, 'magenta', color)}" if tags else ""))
        out += _details(h, color, width)
    return "\n".join(out)


def render_minor(r: Reading, hunks: list[Hunk], color: bool, width: int = 96) -> list[str]:
    """The folded minor edits: a summary line, then per unit its section and each edit in at most
    two lines (link targets left out)."""
    if not r.minor:
        return []
    out = [_c(r.minor_summary() + ":", "bold", color)]
    for unit in r.minor:
        out.append(f"  {unit.section or '(top of document)'}")
        for i in unit.parts:
            h = hunks[i]
            sub = subsection(unit, h.section)
            text = inline(around_changes(unlinked(h.edits), keep=40)) if h.edits else h.new or h.old
            lines = textwrap.wrap(f"{sub + ': ' if sub else ''}{text}".replace("<br>", " "), width - 6)
            if len(lines) > 2:
                lines = [lines[0], lines[1] + " …"]
            out += _paint([f"    {_KIND_MARK.get(h.kind, '?')} {lines[0]}",
                           *(f"      {line}" for line in lines[1:])], color)
    return out


def render_text(result: ChangeResult, color: bool, show_noise: bool = False) -> str:
    """The whole result as :func:`changes.reading.reading` groups it: a summary line, the open
    units (most severe labelled first), the minor edits folded into short lines (and, on request,
    the changes without meaning)."""
    sev = _c(result.severity.upper(), _SEV_COLOR.get(result.severity, "dim"), color)
    labels = ", ".join(result.labels) or "no tracked labels"
    r = reading([h.to_dict() for h in result.changes])
    noise = sum(len(u.parts) for u in r.noise)
    lines = [
        f"{sev}  material: {'yes' if result.material else 'no'}  labels: {labels}",
        f"  {result.severity_reason}",
        f"  {len(result.material_changes)} material change(s) in {len(r.open)} unit(s)"
        f" and {r.minor_edits()} minor edit(s), {noise} not material",
        "",
    ]
    for unit in r.open:
        lines += [render_unit(unit, result.changes, color), ""]
    lines += render_minor(r, result.changes, color)
    if show_noise:
        lines += [""] + [render_unit(u, result.changes, color) + "\n" for u in r.noise]
    elif noise:
        lines += ["", _c(f"({noise} change(s) without meaning hidden: formatting, links, tracking, ...)", "dim", color)]
    return "\n".join(lines).rstrip() + "\n"
