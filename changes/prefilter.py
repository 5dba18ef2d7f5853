"""Cheap literal pre-checks for regex cues: skip a pattern when none of its literals occur.

``literals(regex)`` reads a pattern's source and returns the lower-cased literal words one of which
every match must contain (its alternatives' leading words), or None when it cannot tell. Searching
for substrings is far cheaper than running ~60 patterns over every changed sentence.
"""

from __future__ import annotations

import re

_META = set("\\[](){}.*+?|^$")


def _split_top(source: str) -> list[str] | None:
    """Top-level alternatives of a regex source, or None on unbalanced brackets."""
    parts, depth, cur, i = [], 0, [], 0
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            cur.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return None if depth else parts


def _group_end(source: str) -> int:
    depth, i = 0, 0
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "(":
            depth += 1
        elif source[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _branch(source: str) -> set[str] | frozenset[str] | None:
    while source.startswith("\\b"):
        source = source[2:]
    if source.startswith("(?="):  # a leading lookahead (e.g. a first-letter class) consumes nothing
        end = _group_end(source)
        return None if end < 0 else _branch(source[end + 1:])
    head = re.match(r"\((?:\?:|\?P<\w+>)?", source)
    if head and not source.startswith("(?=") and not source.startswith("(?!") and not source.startswith("(?<"):
        end = _group_end(source)
        if end < 0:
            return None
        rest = source[end + 1:]
        if rest[:1] in ("?", "*") or rest.startswith("{0,"):
            skip = 1 if rest[:1] in ("?", "*") else rest.index("}") + 1
            return _branch(rest[skip:])  # optional group: what follows is required
        if rest[:1] == "{":
            return None
        return literals(source[head.end():end])
    run: list[str] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and not source[i + 1].isalnum():
            run.append(source[i + 1])  # escaped punctuation is a literal
            i += 2
            continue
        if ch in _META:
            break
        run.append(ch)
        i += 1
    if run and source[i:i + 1] in ("?", "*", "{"):
        run.pop()
    word = "".join(run).lower()
    return {word} if len(word) >= 2 else None


def literals(source: str) -> frozenset[str] | None:
    """Literal words one of which any match of `source` contains (lower-case), or None."""
    parts = _split_top(source)
    if parts is None:
        return None
    out: set[str] = set()
    for part in parts:
        lits = _branch(part)
        if not lits:
            return None
        out |= lits
    return frozenset(out)
