"""Turn untrusted policy text into safe HTML: word diffs and evidence highlighted with <mark>.

Every piece of policy text goes through ``markupsafe.escape`` here; the only tags added are
``<mark>``, ``<del>`` and ``<ins>``, built by this module. Templates never use ``|safe``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from markupsafe import Markup, escape

from changes.reading import Reading, ReadingUnit, spaced, subsection

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_EVIDENCE_SEP = " — "
_MARK_OPEN, _MARK_CLOSE = '<mark class="evidence">', "</mark>"


@dataclass
class Evidence:
    """One evidence sentence of a hunk: its label, the phrases that matched, the sentence."""

    label: str
    phrases: list[str]
    sentence: Markup


@dataclass
class HunkView:
    """A hunk of ``Change.result`` ready for a template."""

    index: int
    section: str
    from_section: str
    kind: str
    labels: list[str]
    severity: str
    material: bool
    note: str
    old: Markup
    new: Markup
    inline: Markup
    evidence: list[Evidence]
    entities: dict[str, list[str]]


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    words = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                      re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str] | None) -> Markup:
    """``text`` escaped, with every match of ``pattern`` wrapped in <mark class="evidence">."""
    if pattern is None:
        return escape(text)
    out, pos = [], 0
    for m in pattern.finditer(text):  # str.join of escaped pieces: Markup.format is slow
        out += [escape(text[pos:m.start()]), _MARK_OPEN, escape(m.group(0)), _MARK_CLOSE]
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def _wrap(tag: str, text: str, pattern: re.Pattern[str] | None) -> Markup:
    """``text`` escaped and highlighted inside <del> or <ins> (``tag`` is one of ours)."""
    return Markup(f"<{tag}>{highlight(text, pattern)}</{tag}>") if text else Markup("")


def word_diff(old: str, new: str, pattern: re.Pattern[str] | None = None) -> tuple[Markup, Markup, Markup]:
    """(old side, new side, inline) of a word diff, deletions in <del>, insertions in <ins>."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    ops: list[list[str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        gone, came = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            ops.append(["=", gone])
            continue
        ops += [[o, t] for o, t in (("-", gone), ("+", came)) if t]
    return edits_diff(ops, pattern)


def edits_diff(edits: list[list[str]],
               pattern: re.Pattern[str] | None = None) -> tuple[Markup, Markup, Markup]:
    """(old side, new side, inline) of a unit's word-level edits, as :func:`word_diff` gives them;
    inline, a deletion and an insertion that touch are kept apart by a space."""
    left: list[Markup] = []
    right: list[Markup] = []
    inline: list[Markup] = []
    for op, text in spaced(edits):
        if not op:  # a separator, inline only
            inline.append(escape(text))
        elif op == "=":
            same = highlight(text, pattern)
            left.append(same)
            right.append(same)
            inline.append(same)
        else:
            side, tag = (left, "del") if op == "-" else (right, "ins")
            wrapped = _wrap(tag, text, pattern)
            side.append(wrapped)
            inline.append(wrapped)
    return Markup("".join(left)), Markup("".join(right)), Markup("".join(inline))


def _display(text: str) -> str:
    return text.replace("<br>", "\n")


def evidence(hunk: dict[str, Any]) -> list[Evidence]:
    """The hunk's evidence, one item per (label, sentence), with the matching phrases marked."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for label, items in sorted(hunk.get("evidence", {}).items()):
        for item in items:
            phrase, sep, sentence = str(item).partition(_EVIDENCE_SEP)
            if not sep:
                phrase, sentence = "", phrase
            grouped.setdefault((label, sentence), []).append(phrase)
    return [Evidence(label, [p for p in phrases if p], highlight(sentence, _phrase_pattern(phrases)))
            for (label, sentence), phrases in grouped.items()]


def hunk_view(index: int, hunk: dict[str, Any]) -> HunkView:
    """A stored hunk (``Change.result["changes"][i]``) rendered for the diff page."""
    items = evidence(hunk)
    pattern = _phrase_pattern([p for e in items for p in e.phrases])
    if hunk.get("edits"):
        old, new, inline = edits_diff([[op, _display(t)] for op, t in hunk["edits"]], pattern)
    else:  # stored before change units had edits
        old, new, inline = word_diff(_display(hunk.get("old", "")), _display(hunk.get("new", "")),
                                     pattern)
    return HunkView(index=index, section=hunk.get("section", ""),
                    from_section=hunk.get("from_section", ""), kind=hunk.get("kind", ""),
                    labels=list(hunk.get("labels", [])), severity=hunk.get("severity", "none"),
                    material=bool(hunk.get("material", True)), note=hunk.get("note", ""),
                    old=old, new=new, inline=inline, evidence=items,
                    entities=dict(hunk.get("entities", {})))


@dataclass
class UnitView:
    """A reading unit ready for a template: its section, labels and severity, and its parts (the
    change units it groups, in document order) with each part's section below the unit's."""

    index: int
    """The first part's index: the unit's anchor is ``#h<index>``, as a single unit's always was."""
    section: str
    from_section: str
    kind: str
    labels: list[str]
    severity: str
    material: bool
    note: str
    parts: list[tuple[str, HunkView]]


def unit_view(unit: ReadingUnit, changes: list[dict[str, Any]]) -> UnitView:
    """A reading unit of a stored result (``Change.result["changes"]``) rendered for the diff page."""
    parts = [(subsection(unit, changes[i].get("section", "")), hunk_view(i, changes[i])) for i in unit.parts]
    kinds = {h.kind for _, h in parts}
    first = parts[0][1]
    return UnitView(index=first.index, section=unit.section, from_section=first.from_section,
                    kind=first.kind if len(kinds) == 1 else "modified", labels=list(unit.labels),
                    severity=unit.severity, material=unit.material, note=first.note, parts=parts)


@dataclass
class ReadingView:
    """The diff page's units: open ones (labelled first), the folded minor edits, the noise."""

    open: list[UnitView]
    minor: list[UnitView]
    minor_summary: str
    minor_edits: int
    noise: list[UnitView]


def reading_view(r: Reading, changes: list[dict[str, Any]], noise: bool) -> ReadingView:
    """The page's units; the units without meaning only when ``noise`` (the "show all" view)."""
    def views(units: list[ReadingUnit]) -> list[UnitView]:
        return [unit_view(u, changes) for u in units]
    return ReadingView(views(r.open), views(r.minor), r.minor_summary(), r.minor_edits(),
                       views(r.noise) if noise else [])


def labelled_nav(labelled: list[UnitView]) -> dict[int, tuple[UnitView | None, UnitView | None]]:
    """For each labelled unit (by index), the labelled units before and after it on the page."""
    return {h.index: (labelled[k - 1] if k else None, labelled[k + 1] if k + 1 < len(labelled) else None)
            for k, h in enumerate(labelled)}
