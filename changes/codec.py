"""diff-match-patch over sequences: items (tokens, blocks) coded as single characters.

Uses Google's C++ build (``fast_diff_match_patch``, same algorithm and semantic cleanup) when
installed, else the pure-Python package; no time limit, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

from diff_match_patch import diff_match_patch

try:  # Google's C++ diff-match-patch: same algorithm, ~50x faster; optional
    import fast_diff_match_patch as _fast
except ImportError:  # pragma: no cover - exercised only without the accelerator
    _fast = None

_OPS = {"=": 0, "-": -1, "+": 1}


class Codec:
    """Maps tokens (or blocks) to single characters so diff-match-patch diffs them as units."""

    def __init__(self) -> None:
        self.index: dict[str, str] = {}

    def encode(self, items: Sequence[str]) -> str:
        index = self.index
        for item in dict.fromkeys(items):  # new items get codes in order of first appearance
            if item not in index:
                n = len(index) + 0x100
                if n >= 0xD800:
                    n += 0x800  # skip surrogates
                index[item] = chr(n)
        return "".join(map(index.__getitem__, items))


def dmp(timeout: float) -> diff_match_patch:
    """The pure-Python implementation (timeout 0 = none)."""
    d = diff_match_patch()
    d.Diff_Timeout = timeout
    return d


def dmp_diff(a: str, b: str, semantic: bool) -> list[tuple[int, str]]:
    """diff-match-patch diff of two strings (no time limit, so deterministic), optionally with
    ``diff_cleanupSemantic``; uses the C++ implementation when installed."""
    if _fast is not None:
        out = _fast.diff(a, b, timelimit=0, checklines=False, cleanup="Semantic" if semantic else "No",
                         counts_only=False)
        return [(_OPS[op], text) for op, text in out]
    d = dmp(0)
    diffs = d.diff_main(a, b, False)
    if semantic:
        d.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs]


def segments(diffs: list[tuple[int, str]]) -> list[tuple[int, int, int, int, int]]:
    """A diff as (op, i1, i2, j1, j2) segments over the coded sequences (op 0, -1 or 1)."""
    segs: list[tuple[int, int, int, int, int]] = []
    i = j = 0
    for op, chars in diffs:
        n = len(chars)
        if op == 0:
            segs.append((0, i, i + n, j, j + n))
            i, j = i + n, j + n
        elif op < 0:
            segs.append((-1, i, i + n, j, j))
            i += n
        else:
            segs.append((1, i, i, j, j + n))
            j += n
    return segs
