"""Sentence alignment inside a changed region: the word diff of both sides grouped into units.

A *unit* is what a person reads: the sentence (or sentences) a change touches, before and after,
with every word-level edit inside it. Two edits in one sentence are one unit; an edit across a
sentence end joins the sentences it touches; a whole added paragraph is one unit. Units are cut
only where both sides are at a sentence end inside equal text, so unit k before and unit k after
are the same sentence in both versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from changes.rules import NoiseRules
from changes.text import norm
from changes.tokens import CONTEXT_MAX_TOKENS, SideData

Seg = tuple[int, int, int, int, int]  # op, i1, i2, j1, j2 (see changes.codec.segments)


@dataclass
class Unit:
    """One unit of a region: token ranges [lo, hi) on both sides and the diff segments inside."""

    a_lo: int
    a_hi: int
    b_lo: int
    b_hi: int
    segs: list[Seg]

    @property
    def changes(self) -> list[Seg]:
        return [s for s in self.segs if s[0] != 0]


SLIDE_MAX_TOKENS = 60  # how far a pure insertion or deletion may slide to sit on sentence ends


def _slide_range(seq: list[str], p: int, q: int, before: int, after: int) -> range:
    """Shifts s (negative: left) by which the run seq[p:q] can slide within the equal text around it
    (at most `before` tokens left, `after` right) and still describe the same change."""
    left = 0
    while left < min(before, SLIDE_MAX_TOKENS) and seq[p - left - 1] == seq[q - left - 1]:
        left += 1
    right = 0
    while right < min(after, SLIDE_MAX_TOKENS) and q + right < len(seq) and seq[p + right] == seq[q + right]:
        right += 1
    return range(-left, right + 1)


def slide(segs: list[Seg], a: SideData, b: SideData) -> list[Seg]:
    """Pure insertions and deletions moved, where the text allows, to start and end at sentence
    ends ("We also collect your city. " rather than "also collect your city. We ")."""
    out = list(segs)
    for k in range(1, len(out) - 1):
        op, i1, i2, j1, j2 = out[k]
        prev, nxt = out[k - 1], out[k + 1]
        if op == 0 or prev[0] != 0 or nxt[0] != 0:
            continue
        side, p, q = (b, j1, j2) if op > 0 else (a, i1, i2)
        other, o = (a, i1) if op > 0 else (b, j1)
        if side.cut(p) and side.cut(q):
            continue
        shifts = _slide_range(side.toks, p, q, prev[2] - prev[1], nxt[2] - nxt[1])
        good = [s for s in shifts if side.cut(p + s) and side.cut(q + s) and other.cut(o + s)]
        if not good:
            continue
        s = min(good, key=abs)
        out[k - 1] = (0, prev[1], prev[2] + s, prev[3], prev[4] + s)
        out[k] = (op, i1 + s, i2 + s, j1 + s, j2 + s)
        out[k + 1] = (0, nxt[1] + s, nxt[2], nxt[3] + s, nxt[4])
    return out


def _last_cut(seg: Seg, a: SideData, b: SideData) -> int | None:
    """The offset in an equal segment of the last point where both sides may be cut."""
    _, i1, i2, j1, _ = seg
    for o in range(i2 - i1, max(0, i2 - i1 - CONTEXT_MAX_TOKENS) - 1, -1):
        if a.cut(i1 + o) and b.cut(j1 + o):
            return o
    return None


def _first_cut(seg: Seg, a: SideData, b: SideData) -> int | None:
    """The offset in an equal segment of the first point where both sides may be cut."""
    _, i1, i2, j1, _ = seg
    for o in range(0, min(i2 - i1, CONTEXT_MAX_TOKENS) + 1):
        if a.cut(i1 + o) and b.cut(j1 + o):
            return o
    return None


def units(segs: list[Seg], a: SideData, b: SideData) -> list[Unit]:
    """The diff segments of a region grouped into sentence units, in order."""
    out: list[Unit] = []
    n, k = len(segs), 0
    while k < n:
        if segs[k][0] == 0:
            k += 1
            continue
        if k == 0:
            a_lo = b_lo = 0
        else:
            prev = segs[k - 1]
            o = _last_cut(prev, a, b)
            o = max(0, prev[2] - prev[1] - CONTEXT_MAX_TOKENS) if o is None else o
            a_lo, b_lo = prev[1] + o, prev[3] + o
        e = k
        while True:
            while e + 1 < n and segs[e + 1][0] != 0:
                e += 1
            if e + 1 >= n:
                a_hi, b_hi = len(a.toks), len(b.toks)
                break
            nxt = segs[e + 1]
            o = _first_cut(nxt, a, b)
            size = nxt[2] - nxt[1]
            if o is None and e + 2 < n and size <= 2 * CONTEXT_MAX_TOKENS:
                e += 2  # no sentence end between this change and the next: one unit
                continue
            o = min(size, CONTEXT_MAX_TOKENS) if o is None else o
            a_hi, b_hi = nxt[1] + o, nxt[3] + o
            break
        inner = [(op, max(i1, a_lo), min(i2, a_hi), max(j1, b_lo), min(j2, b_hi))
                 for op, i1, i2, j1, j2 in segs[max(0, k - 1):e + 2]]
        out.append(Unit(a_lo, a_hi, b_lo, b_hi, [s for s in inner if s[1] < s[2] or s[3] < s[4]]))
        k = e + 1
    return out


def meaningful(u: Unit, a: SideData, b: SideData, noise: NoiseRules) -> list[Seg]:
    """The unit's change segments, without the edits that carry no meaning by themselves (a comma,
    a capital letter: the same normal form before and after), unless every edit is such."""
    out: list[Seg] = []
    run: list[Seg] = []
    for seg in [*u.segs, (0, 0, 0, 0, 0)]:
        if seg[0] != 0:
            run.append(seg)
            continue
        if run:
            gone = "".join("".join(a.toks[s[1]:s[2]]) for s in run)
            came = "".join("".join(b.toks[s[3]:s[4]]) for s in run)
            if norm(gone, noise) != norm(came, noise):
                out.extend(run)
            run = []
    return out or u.changes


def edits(u: Unit, a: SideData, b: SideData) -> list[tuple[int, str]]:
    """The unit as word-level operations (0 equal, -1 deleted, 1 inserted) over document text;
    whitespace at the unit's ends is left out."""
    ops: list[tuple[int, str]] = []
    for op, i1, i2, j1, j2 in u.segs:
        text = "".join(b.toks[j1:j2] if op > 0 else a.toks[i1:i2])
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        elif text:
            ops.append((op, text))
    for _ in range(2):  # each side's text starts and ends without whitespace, as Side.text
        for side in (-1, 1):
            _trim(ops, side, first=True)
            _trim(ops, side, first=False)
    out: list[tuple[int, str]] = []
    for op, text in ops:
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))
    return out


def _trim(ops: list[tuple[int, str]], side: int, first: bool) -> None:
    """Drop the whitespace at one end of one side's text (side -1 old, 1 new). When that whitespace
    is equal text the other side reads in the middle, the other side keeps it as its own edit."""
    mine = [k for k, (op, text) in enumerate(ops) if op != -side and text]
    if not mine:
        return
    k = mine[0] if first else mine[-1]
    op, text = ops[k]
    kept = text.lstrip() if first else text.rstrip()
    if kept == text:
        return
    ws = text[:len(text) - len(kept)] if first else text[len(kept):]
    ops[k] = (op, kept)
    if op == 0 and (k > 0 if first else k < len(ops) - 1):  # the other side has edits beyond it
        ops.insert(k if first else k + 1, (-side, ws))
