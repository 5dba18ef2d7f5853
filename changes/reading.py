"""How change units are read: their order, their grouping into reading units (consecutive units of
one subsection; labelled ones open, minor edits folded) and their word-level edits as one line.

Shared by the command line, the alert messages, the feeds and the web UI, so they all show the
same thing.
``edits`` are a unit's operations as in ``ChangeResult.to_dict()``: ``[op, text]`` with op "=", "-"
or "+".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from changes.model import SEVERITY_ORDER

Edit = tuple[str, str]
MARKS = {"-": ("[-", "-]"), "+": ("{+", "+}")}
_WS = re.compile(r"\s+")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def reading_order(changes: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indices of a result's changes as a reader takes them: labelled material changes first, most
    severe first (document order among equals), then the others in document order."""
    def key(i: int) -> tuple[int, int, int]:
        h = changes[i]
        labelled = bool(h.get("labels")) and h.get("material", True)
        rank = SEVERITY_ORDER.get(h.get("severity", "none"), 0) if labelled else 0
        return (0 if labelled else 1, -rank, i)
    return sorted(range(len(changes)), key=key)


def spaced(edits: Sequence[Sequence[str]]) -> list[Edit]:
    """The edits with a separator ``("", " ")`` between a deletion and an insertion that touch
    without a space, so that reading them inline never glues two words ("including" + "and" is not
    "includingand"). The separator belongs to neither side."""
    out: list[Edit] = []
    for op, text in edits:
        if out and op != "=" and out[-1][0] not in ("=", op) and text[:1].strip() and out[-1][1][-1:].strip():
            out.append(("", " "))
        out.append((op, text))
    return out


def inline(edits: Sequence[Sequence[str]]) -> str:
    """The edits as one text, deletions as [-...-] and insertions as {+...+}."""
    parts = []
    for op, text in spaced(edits):
        lo, hi = MARKS.get(op, ("", ""))
        parts.append(f"{lo}{text}{hi}")
    return "".join(parts)


def pieces(edits: Sequence[Sequence[str]], op: str, sep: str = " … ") -> str:
    """What was deleted (op "-") or inserted ("+"), pieces joined by `sep`."""
    return sep.join(" ".join(t.split()) for o, t in edits if o == op and t.strip())


def unlinked(edits: Sequence[Sequence[str]]) -> list[Edit]:
    """The edits with each Markdown link (or image) written out as its words, target left out."""
    return [(op, LINK.sub(r"\1", text)) for op, text in edits]


def around_changes(edits: Sequence[Sequence[str]], keep: int = 80, longest: int = 400) -> list[Edit]:
    """The edits with whitespace collapsed, equal text shortened to `keep` characters on each side of
    a change and a deleted or inserted piece to `longest` characters."""
    out: list[Edit] = []
    last = len(edits) - 1
    for k, (op, text) in enumerate(edits):
        text = _WS.sub(" ", text)
        if op == "=" and len(text) > 2 * keep + 1:
            head = "" if k == 0 else text[:keep].rsplit(" ", 1)[0] + " "
            tail = "" if k == last else " " + text[-keep:].split(" ", 1)[-1]
            text = f"{head}…{tail}"
        elif op != "=" and len(text) > longest:
            text = text[:longest - 1].rstrip() + "…"
        out.append((op, text))
    return out


GROUP_DEPTH = 2
"""Consecutive units are read together when their section paths agree this deep: a numbered
section and its subsection ("2. How We Use Your Data > 2.4 Advertising"), the level a reader
navigates by; the unnumbered run-in headings below it ("Ad Choices") are parts of one change."""
SEP = " > "


@dataclass(frozen=True)
class ReadingUnit:
    """What a reader takes as one change: consecutive units (``parts``, indices into the result's
    changes, in document order) of one section, under that section's path."""

    section: str
    parts: tuple[int, ...]
    labels: tuple[str, ...]
    severity: str
    material: bool

    @property
    def first(self) -> int:
        return self.parts[0]

    @property
    def labelled(self) -> bool:
        return bool(self.labels) and self.material


@dataclass(frozen=True)
class Reading:
    """A result as a reader takes it: the units open on the page (labelled or above low severity,
    most severe first), the minor edits folded into one group (document order), and the units
    without meaning (not material: formatting, links), each list of :class:`ReadingUnit`."""

    open: list[ReadingUnit]
    minor: list[ReadingUnit]
    noise: list[ReadingUnit]

    def minor_edits(self) -> int:
        return sum(len(u.parts) for u in self.minor)

    def minor_sections(self) -> list[str]:
        """The top-level sections the minor edits are in, in document order."""
        out: list[str] = []
        for u in self.minor:
            top = u.section.split(SEP, 1)[0] or "(top of document)"
            if top not in out:
                out.append(top)
        return out

    def minor_summary(self) -> str:
        """ "N minor edits in sections X, Y" (or "" when there are none)."""
        n = self.minor_edits()
        if not n:
            return ""
        sections = self.minor_sections()
        where = f"in section{'s' if len(sections) != 1 else ''} " + ", ".join(sections)
        return f"{n} minor edit{'s' if n != 1 else ''} {where}"

    def to_dict(self) -> dict[str, Any]:
        """The grouping as JSON: each unit's section, parts, labels, severity and material flag."""
        def units(us: list[ReadingUnit]) -> list[dict[str, Any]]:
            return [{"section": u.section, "changes": list(u.parts), "labels": list(u.labels),
                     "severity": u.severity, "material": u.material} for u in us]
        return {"open": units(self.open), "minor": units(self.minor), "noise": units(self.noise),
                "minor_summary": self.minor_summary()}


def _key(h: Mapping[str, Any]) -> str | None:
    """The path prefix consecutive units must share to be read together; None: never grouped
    (a moved block is shown on its own, with where it came from)."""
    if h.get("kind") == "moved" or h.get("from_section"):
        return None
    return SEP.join(str(h.get("section", "")).split(SEP)[:GROUP_DEPTH])


def _common(sections: list[str]) -> str:
    paths = [s.split(SEP) for s in sections]
    out: list[str] = []
    for names in zip(*paths):
        if any(n != names[0] for n in names):
            break
        out.append(names[0])
    return SEP.join(out)


def _unit(changes: Sequence[Mapping[str, Any]], parts: list[int]) -> ReadingUnit:
    hs = [changes[i] for i in parts]
    material = [h for h in hs if h.get("material", True)]
    labels = sorted({lab for h in material for lab in h.get("labels", [])})
    severity = max((str(h.get("severity", "none")) for h in material or hs),
                   key=lambda s: SEVERITY_ORDER.get(s, 0), default="none")
    return ReadingUnit(_common([str(h.get("section", "")) for h in hs]), tuple(parts), tuple(labels),
                       severity, bool(material))


def group(changes: Sequence[Mapping[str, Any]]) -> list[ReadingUnit]:
    """The material changes as reading units, in document order: consecutive changes whose sections
    agree to GROUP_DEPTH levels are one unit (a change without meaning between them does not
    separate them)."""
    out: list[list[int]] = []
    last_key: str | None = None
    for i, h in enumerate(changes):
        if not h.get("material", True):
            continue
        key = _key(h)
        if out and key is not None and key == last_key:
            out[-1].append(i)
        else:
            out.append([i])
        last_key = key
    return [_unit(changes, parts) for parts in out]


def reading(changes: Sequence[Mapping[str, Any]]) -> Reading:
    """The result's changes grouped into reading units and split into open, minor and noise."""
    shown: list[ReadingUnit] = []
    minor: list[ReadingUnit] = []
    for u in group(changes):
        (shown if u.labelled or SEVERITY_ORDER.get(u.severity, 0) > SEVERITY_ORDER["low"] else minor).append(u)
    shown.sort(key=lambda u: (0 if u.labelled else 1, -SEVERITY_ORDER.get(u.severity, 0), u.first))
    noise = [_unit(changes, [i]) for i, h in enumerate(changes) if not h.get("material", True)]
    return Reading(shown, minor, noise)


def subsection(unit: ReadingUnit, section: str) -> str:
    """A part's section below its unit's ("Ad Choices" in "... > 2.4 Advertising"), or ""."""
    if section == unit.section:
        return ""
    return section[len(unit.section):].removeprefix(SEP) if section.startswith(unit.section) else section


def with_reading(result: Mapping[str, Any]) -> dict[str, Any]:
    """A result dict (``ChangeResult.to_dict()``) with its grouping added as ``reading`` (see
    :meth:`Reading.to_dict`): the JSON the command line and the API give out."""
    return {**result, "reading": reading(result.get("changes", [])).to_dict()}
