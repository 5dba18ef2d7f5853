"""Sentence alignment inside a changed region: the word diff of both sides grouped into units.

A *unit* is what a person reads: the sentence (or sentences) a change touches, before and after,
with every word-level edit inside it. Two edits in one sentence are one unit; an edit across a
sentence end joins the sentences it touches; a whole added paragraph is one unit. Units are cut
only where both sides are at a sentence end inside equal text, so unit k before and unit k after
are the same sentence in both versions.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter

from changes.codec import Codec, dmp, dmp_diff
from changes.hunk import Side
from changes.rules import NoiseRules
from changes.structure import Block
from changes.text import display, norm, tokenize

CONTEXT_MAX_TOKENS = 100   # how far to look for a sentence end on each side of a change
EDGE_TOKENS = 40           # how much of the block before/after a change the noise rules see
WORD_DIFF_MAX_TOKENS = 1500  # larger changed runs are reported as one removal plus one addition
DIRECT_DIFF_MAX_TOKENS = 3000  # smaller regions are diffed token by token in one pass
_TERMINAL = {".", "!", "?"}
_SPACE_NL = (" ", "\n")
_SPECIAL_FIRST = "\n[!<"  # first characters of tokens whose display text differs from the token
_FIRST = itemgetter(0)
_BOUNDARY_FIRST = re.compile("[\n.!?<]")  # first characters of tokens that can end a sentence

Seg = tuple[int, int, int, int, int]  # op, i1, i2, j1, j2 (see changes.codec.segments)


@dataclass
class SideData:
    """One side of a region: tokens, the block owning each, sentence ends, positions of the line-break
    tokens (line k runs from after the (k-1)-th to the k-th), lines built on demand."""

    toks: list[str]
    owner: list[int]
    nl: list[int]
    bound: list[bool] = field(default_factory=list)
    lines: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bound = boundaries(self.toks)

    def cut(self, x: int) -> bool:
        """Whether a unit may start or end before token x: at either end, or after a sentence end
        and the space after it (a run of spaces is one token)."""
        if x <= 0 or x >= len(self.toks):
            return True
        return self.bound[x - 1] or (self.toks[x - 1] == " " and x > 1 and self.bound[x - 2])

    def line_of(self, k: int) -> int:
        """The line of token k (a line-break token belongs to the line it ends)."""
        return bisect_left(self.nl, k)

    def line(self, k: int) -> str:
        text = self.lines.get(k)
        if text is None:
            nl = self.nl
            text = "".join(self.toks[nl[k - 1] + 1 if k else 0:nl[k] if k < len(nl) else len(self.toks)])
            self.lines[k] = text
        return text


def side_tokens(blocks: list[Block], idx: list[int]) -> SideData:
    """The tokens of the blocks `idx` joined by line-break tokens, with their owners."""
    toks: list[str] = []
    owner: list[int] = []
    nl: list[int] = []
    for n, b in enumerate(idx):
        if n:
            nl.append(len(toks))
            toks.append("\n")
            owner.append(b)
        text = blocks[b].text
        t = tokenize(text)
        if "\n" in text:  # only for hand-made blocks: parsed blocks are single lines
            base = len(toks)
            nl.extend(base + k for k, x in enumerate(t) if x == "\n")
        toks.extend(t)
        owner.extend([b] * len(t))
    return SideData(toks, owner, nl)


def boundaries(toks: list[str]) -> list[bool]:
    """For each token, whether it ends a sentence: a line end, a <br>, or terminal punctuation
    before a space or line end."""
    bound = [False] * len(toks)
    last = len(toks) - 1
    # tokens are never empty: only those starting with a line break, terminal punctuation or "<"
    # need a closer look
    for m in _BOUNDARY_FIRST.finditer("".join(map(_FIRST, toks))):
        k = m.start()
        t = toks[k]
        u = toks[k + 1] if k < last else "\n"  # the last token is followed by the end: like a line end
        bound[k] = t == "\n" or (t in _TERMINAL and u in _SPACE_NL) or (t[0] == "<" and t[1:3].lower() == "br")
    return bound


def _sentences(bound: list[bool]) -> list[tuple[int, int]]:
    """Sentences of a token list as (start, end) ranges, for the coarse pass of the word diff."""
    out: list[tuple[int, int]] = []
    s = 0
    for k, end in enumerate(bound):
        if end:
            out.append((s, k + 1))
            s = k + 1
    if s < len(bound):
        out.append((s, len(bound)))
    return out


def token_diffs(a: SideData, b: SideData, codec: Codec) -> list[tuple[int, str]]:
    """Token diff in diff-match-patch form (ops over token codes), sentences first.

    Diffing sentences first, then the tokens of each changed run, keeps diff-match-patch's bisection
    small on long rewritten regions; runs too large or too different to align word by word are kept
    as one deletion plus one insertion. No time limit is used, so the result is deterministic.
    """
    ca_all, cb_all = codec.encode(a.toks), codec.encode(b.toks)
    if len(ca_all) + len(cb_all) <= DIRECT_DIFF_MAX_TOKENS:
        return dmp_diff(ca_all, cb_all, semantic=True)
    ua, ub = _sentences(a.bound), _sentences(b.bound)
    sentence_codec = Codec()
    coarse = dmp_diff(sentence_codec.encode([ca_all[x:y] for x, y in ua]),
                      sentence_codec.encode([cb_all[x:y] for x, y in ub]), semantic=False)
    out: list[tuple[int, str]] = []
    i = j = 0
    pa: list[tuple[int, int]] = []
    pb: list[tuple[int, int]] = []

    def flush() -> None:
        ca = ca_all[pa[0][0]:pa[-1][1]] if pa else ""
        cb = cb_all[pb[0][0]:pb[-1][1]] if pb else ""
        pa.clear()
        pb.clear()
        if not ca or not cb:
            out.extend(x for x in ((-1, ca), (1, cb)) if x[1])
            return
        shared = len(set(ca) & set(cb)) / max(1, min(len(set(ca)), len(set(cb))))
        if len(ca) + len(cb) > WORD_DIFF_MAX_TOKENS or shared < 0.3:
            out.extend([(-1, ca), (1, cb)])
            return
        out.extend(dmp_diff(ca, cb, semantic=False))

    for op, chars in coarse:
        n = len(chars)
        if op == 0:
            flush()
            out.append((0, ca_all[ua[i][0]:ua[i + n - 1][1]]))
            i, j = i + n, j + n
        elif op < 0:
            pa.extend(ua[i:i + n])
            i += n
        else:
            pb.extend(ub[j:j + n])
            j += n
    flush()
    dmp(0).diff_cleanupSemantic(out)
    return out


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


def _display(toks: list[str]) -> list[str]:
    """What a reader sees for each token (see :func:`display`); a line break reads as a space."""
    return [t if t[0] not in _SPECIAL_FIRST else " " if t == "\n" else display(t) for t in toks]


def side_view(d: SideData, lo: int, hi: int, start: int, end: int,
              changed: list[tuple[int, int]]) -> Side:
    """One side of a unit: tokens [lo, hi), changes from `start` to `end`; `changed` holds the
    changed token ranges, in order, all inside [start, end)."""
    toks = d.toks
    # the block around the change: up to EDGE_TOKENS tokens each side, not past a line break
    edge = toks[max(0, start - EDGE_TOKENS):start]
    edge.reverse()
    bstart = start - (edge.index("\n") if "\n" in edge else len(edge))
    edge = toks[end:end + EDGE_TOKENS]
    bend = end + (edge.index("\n") if "\n" in edge else len(edge))
    base = min(lo, bstart)  # display text only of the tokens this side shows
    disp = _display(toks[base:max(hi, bend)])
    spans: list[tuple[int, int]] = []
    offsets = list(accumulate(map(len, disp[lo - base:hi - base]), initial=0))  # of token k: [k - lo]
    for r1, r2 in changed:
        for k in range(r1, r2):
            t = disp[k - base]
            if t.strip():
                pos = offsets[k - lo]
                if spans and spans[-1][1] >= pos - 1:
                    spans[-1] = (spans[-1][0], pos + len(t))  # merge with the previous changed word
                else:
                    spans.append((pos, pos + len(t)))
    if toks:
        first = d.line_of(min(start, len(toks) - 1))
        last = d.line_of(max(min(end, len(toks)) - 1, 0)) if end > start else first
        blocks = [x for x in map(d.line, range(first, last + 1)) if x.strip()]
    else:
        blocks = []
    return Side(
        raw="".join(toks[start:end]).strip(),
        ctx="".join(disp[lo - base:hi - base]),
        spans=spans,
        prefix="".join(disp[bstart - base:start - base]),
        suffix="".join(disp[end - base:bend - base]),
        blocks=blocks,
        text="".join(toks[lo:hi]).strip(),
    )
