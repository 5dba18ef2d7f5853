"""Word-level diff of two documents with diff-match-patch, grouped into hunks.

1. Blocks (lines) of both documents are diffed as units (diff-match-patch's line-mode trick) to
   find changed regions quickly.
2. Blocks deleted in one region and inserted, with the same normal form, in another are *moved*.
3. Inside each region, the tokens of both sides are mapped to characters, diffed with
   diff-match-patch and ``diff_cleanupSemantic``, and neighbouring edits are grouped into hunks,
   each with the sentence(s) around it for the classifier.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter

from diff_match_patch import diff_match_patch

try:  # Google's C++ diff-match-patch: same algorithm, ~50x faster; optional
    import fast_diff_match_patch as _fast
except ImportError:  # pragma: no cover - exercised only without the accelerator
    _fast = None

from changes.rules import NoiseRules
from changes.structure import Block, row_label
from changes.text import display, norm, tokenize

MERGE_GAP_WORDS = 3        # edits separated by at most this many equal words form one hunk
CONTEXT_MAX_TOKENS = 100   # how far to look for a sentence boundary on each side
MOVE_MIN_CHARS = 25        # shorter blocks are not reported as moved
EDGE_TOKENS = 40           # how much of the block before/after a change the noise rules see
WORD_DIFF_MAX_TOKENS = 1500
DIRECT_DIFF_MAX_TOKENS = 3000  # smaller regions are diffed token by token in one pass  # larger changed runs are reported as one removal plus one addition
_TERMINAL = {".", "!", "?"}
_SPACE_NL = (" ", "\n")
_SPECIAL_FIRST = "\n[!<"  # first characters of tokens whose display text differs from the token


@dataclass
class Side:
    """One side (old or new) of a hunk, with what the noise rules and classifier need."""

    raw: str = ""                      # the changed span as in the document (Markdown)
    ctx: str = ""                      # display text of the sentence(s) around the change
    spans: list[tuple[int, int]] = field(default_factory=list)  # changed char spans in ctx
    prefix: str = ""                   # display text of the block before the change
    suffix: str = ""                   # display text of the block after the change
    blocks: list[str] = field(default_factory=list)              # whole blocks the change touches


@dataclass
class RawHunk:
    """A hunk before judging: kind, section and both sides."""

    kind: str
    section: str
    old: Side
    new: Side


class _Codec:
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


def _dmp(timeout: float) -> diff_match_patch:
    """The pure-Python implementation (timeout 0 = none)."""
    d = diff_match_patch()
    d.Diff_Timeout = timeout
    return d


_OPS = {"=": 0, "-": -1, "+": 1}


def dmp_diff(a: str, b: str, semantic: bool) -> list[tuple[int, str]]:
    """diff-match-patch diff of two strings (no time limit, so deterministic), optionally with
    ``diff_cleanupSemantic``; uses the C++ implementation when installed."""
    if _fast is not None:
        out = _fast.diff(a, b, timelimit=0, checklines=False, cleanup="Semantic" if semantic else "No",
                         counts_only=False)
        return [(_OPS[op], text) for op, text in out]
    d = _dmp(0)
    diffs = d.diff_main(a, b, False)
    if semantic:
        d.diff_cleanupSemantic(diffs)
    return [(op, text) for op, text in diffs]


def _regions(old: list[Block], new: list[Block]) -> list[tuple[list[int], list[int]]]:
    """Changed regions as (old block indices, new block indices)."""
    codec = _Codec()
    a, b = codec.encode([x.text for x in old]), codec.encode([x.text for x in new])
    regions: list[tuple[list[int], list[int]]] = []
    i = j = 0
    cur: tuple[list[int], list[int]] | None = None
    for op, chars in dmp_diff(a, b, semantic=False):
        n = len(chars)
        if op == 0:
            if cur:
                regions.append(cur)
                cur = None
            i, j = i + n, j + n
            continue
        cur = cur or ([], [])
        if op < 0:
            cur[0].extend(range(i, i + n))
            i += n
        else:
            cur[1].extend(range(j, j + n))
            j += n
    if cur:
        regions.append(cur)
    return regions


def _moves(regions: list[tuple[list[int], list[int]]], old: list[Block], new: list[Block],
           noise: NoiseRules) -> list[tuple[int, int]]:
    """Pairs (old block, new block) that moved between regions; removes them from the regions."""
    deleted: dict[str, list[tuple[int, int]]] = {}
    for r, (dels, _) in enumerate(regions):
        for i in dels:
            key = norm(old[i].text, noise)
            if len(key) >= MOVE_MIN_CHARS:
                deleted.setdefault(key, []).append((r, i))
    pairs: list[tuple[int, int]] = []
    for r, (_, ins) in enumerate(regions):
        for j in ins:
            cands = deleted.get(norm(new[j].text, noise)) if deleted else None
            if not cands:
                continue
            k = next((c for c in cands if c[0] != r), None)
            if k is not None:
                cands.remove(k)
                pairs.append((k[1], j))
    moved_old = {p[0] for p in pairs}
    moved_new = {p[1] for p in pairs}
    for dels, ins in regions:
        dels[:] = [i for i in dels if i not in moved_old]
        ins[:] = [j for j in ins if j not in moved_new]
    return pairs


def _side_tokens(blocks: list[Block], idx: list[int]) -> tuple[list[str], list[int], list[int]]:
    """Tokens of the blocks `idx` joined by line-break tokens, the block owning each token, and the
    positions of the line-break tokens."""
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
    return toks, owner, nl


_FIRST = itemgetter(0)
_BOUNDARY_FIRST = re.compile("[\n.!?<]")  # first characters of tokens that can end a sentence


def _boundaries(toks: list[str]) -> list[bool]:
    """For each token, whether it ends a sentence: a line end, a <br>, or terminal punctuation
    before a space or line end (computed once per side of a region)."""
    bound = [False] * len(toks)
    last = len(toks) - 1
    # tokens are never empty: one character per token, and only tokens starting with a line break,
    # terminal punctuation or "<" need a closer look
    for m in _BOUNDARY_FIRST.finditer("".join(map(_FIRST, toks))):
        k = m.start()
        t = toks[k]
        u = toks[k + 1] if k < last else "\n"  # the last token is followed by the end: like a line end
        bound[k] = t == "\n" or (t in _TERMINAL and u in _SPACE_NL) or (t[0] == "<" and t[1:3].lower() == "br")
    return bound


@dataclass
class _SideData:
    """Per-region data for one side: tokens, sentence ends, positions of the line-break tokens
    (line k of the region runs from after the (k-1)-th to the k-th), and the lines' text built on
    demand."""

    toks: list[str]
    bound: list[bool]
    nl: list[int]
    lines: dict[int, str] = field(default_factory=dict)

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


def _display(toks: list[str]) -> list[str]:
    """What a reader sees for each token (see :func:`display`); a line break reads as a space."""
    return [t if t[0] not in _SPECIAL_FIRST else " " if t == "\n" else display(t) for t in toks]


def _side(d: _SideData, start: int, end: int, changed: list[tuple[int, int]]) -> Side:
    """Build one side of a hunk for the token range [start, end) of a region; `changed` holds the
    changed token ranges, in order, all inside [start, end)."""
    toks, bound = d.toks, d.bound
    # sentence start: after the nearest sentence end among the CONTEXT_MAX_TOKENS tokens before
    before = bound[max(0, start - CONTEXT_MAX_TOKENS):start]
    before.reverse()
    lo = start - (before.index(True) if True in before else len(before))
    # sentence end: through the first sentence end among the CONTEXT_MAX_TOKENS tokens from `end`
    after = bound[end:end + CONTEXT_MAX_TOKENS]
    hi = end + (after.index(True) + 1 if True in after else len(after))
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
    )


def _section(blocks: list[Block], owner: list[int], pos: int) -> str:
    if not owner:
        return ""
    b = blocks[owner[min(pos, len(owner) - 1)]]
    label = row_label(b.text)
    if label and label != b.section.rsplit(" > ", 1)[-1]:
        return f"{b.section} > {label}" if b.section else label
    return b.section


def _units(bound: list[bool]) -> list[tuple[int, int]]:
    """Sentence units of a token list as (start, end) ranges, for the coarse pass of the word diff."""
    units: list[tuple[int, int]] = []
    s = 0
    for k, end in enumerate(bound):
        if end:
            units.append((s, k + 1))
            s = k + 1
    if s < len(bound):
        units.append((s, len(bound)))
    return units


def _token_diffs(a: list[str], b: list[str], bound_a: list[bool], bound_b: list[bool],
                 codec: _Codec) -> list[tuple[int, str]]:
    """Token diff in diff-match-patch form (ops over token codes), sentence units first.

    Diffing sentences first, then the tokens of each changed run, keeps diff-match-patch's bisection
    small on long rewritten regions; runs too large or too different to align word by word are kept
    as one deletion plus one insertion. No time limit is used, so the result is deterministic.
    """
    ca_all, cb_all = codec.encode(a), codec.encode(b)
    if len(a) + len(b) <= DIRECT_DIFF_MAX_TOKENS:
        return dmp_diff(ca_all, cb_all, semantic=True)
    ua, ub = _units(bound_a), _units(bound_b)
    unit_codec = _Codec()
    dmp = _dmp(0)
    coarse = dmp_diff(unit_codec.encode([ca_all[x:y] for x, y in ua]),
                      unit_codec.encode([cb_all[x:y] for x, y in ub]), semantic=False)
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
    dmp.diff_cleanupSemantic(out)
    return out


def _small_gap(toks: list[str], i: int, j: int) -> bool:
    """Whether tokens [i, j) hold at most MERGE_GAP_WORDS words and no line break."""
    words = 0
    for k in range(i, j):
        t = toks[k]
        if t == "\n":
            return False
        if t.strip():
            words += 1
            if words > MERGE_GAP_WORDS:
                return False
    return True


def _word_hunks(old: list[Block], new: list[Block], dels: list[int], ins: list[int],
                codec: _Codec) -> list[RawHunk]:
    a, a_owner, a_nl = _side_tokens(old, dels)
    b, b_owner, b_nl = _side_tokens(new, ins)
    bound_a, bound_b = _boundaries(a), _boundaries(b)
    diffs = _token_diffs(a, b, bound_a, bound_b, codec)
    segs: list[tuple[int, int, int, int, int]] = []  # op, i1, i2, j1, j2
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
    clusters: list[list[tuple[int, int, int, int, int]]] = []
    cur: list[tuple[int, int, int, int, int]] = []
    for k, seg in enumerate(segs):
        if seg[0] != 0:
            cur.append(seg)
            continue
        if cur and k + 1 < len(segs) and _small_gap(a, seg[1], seg[2]):
            cur.append(seg)
        elif cur:
            clusters.append(cur)
            cur = []
    if cur:
        clusters.append(cur)
    hunks = []
    da, db = _SideData(a, bound_a, a_nl), _SideData(b, bound_b, b_nl)
    for cl in clusters:
        while cl and cl[-1][0] == 0:
            cl.pop()
        i1, i2, j1, j2 = cl[0][1], cl[-1][2], cl[0][3], cl[-1][4]
        old_changed = [(s[1], s[2]) for s in cl if s[0] < 0]
        new_changed = [(s[3], s[4]) for s in cl if s[0] > 0]
        kind = "added" if i1 == i2 else "removed" if j1 == j2 else "modified"
        section = _section(new, b_owner, j1) if b_owner and kind != "removed" else _section(old, a_owner, i1)
        hunks.append(RawHunk(kind, section, _side(da, i1, i2, old_changed), _side(db, j1, j2, new_changed)))
    return hunks


def diff_blocks(old: list[Block], new: list[Block], noise: NoiseRules) -> list[RawHunk]:
    """All hunks between two block lists, in document order (moved blocks last)."""
    regions = _regions(old, new)
    moves = _moves(regions, old, new, noise)
    codec = _Codec()
    hunks: list[RawHunk] = []
    for dels, ins in regions:
        if dels or ins:
            hunks.extend(_word_hunks(old, new, dels, ins, codec))
    for i, j in moves:
        hunks.append(RawHunk("moved", new[j].section, Side(raw=old[i].text, blocks=[old[i].text]),
                             Side(raw=new[j].text, blocks=[new[j].text])))
    return hunks
