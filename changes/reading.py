"""How change units are read: their order and their word-level edits as one line of text.

Shared by the command line, the alert messages and the web UI, so they all show the same thing.
``edits`` are a unit's operations as in ``ChangeResult.to_dict()``: ``[op, text]`` with op "=", "-"
or "+".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from changes.model import SEVERITY_ORDER

Edit = tuple[str, str]
MARKS = {"-": ("[-", "-]"), "+": ("{+", "+}")}
_WS = re.compile(r"\s+")


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
