"""Tokens of one side of a changed region, its sentence ends, the word diff of two sides, and the
view of one side of a change unit that the noise rules and the classifier read (``Side``)."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter

from changes.codec import Codec, dmp, dmp_diff
from changes.hunk import Side
from changes.structure import Block
from changes.text import display, tokenize

CONTEXT_MAX_TOKENS = 100   # how far to look for a sentence end on each side of a change
EDGE_TOKENS = 40           # how much of the block before/after a change the noise rules see
WORD_DIFF_MAX_TOKENS = 1500  # larger changed runs are reported as one removal plus one addition
DIRECT_DIFF_MAX_TOKENS = 3000  # smaller regions are diffed token by token in one pass
_TERMINAL = {".", "!", "?"}
_SPACE_NL = (" ", "\n")
_SPECIAL_FIRST = "\n[!<"  # first characters of tokens whose display text differs from the token
_FIRST = itemgetter(0)
_BOUNDARY_FIRST = re.compile("[\n.!?<]")  # first characters of tokens that can end a sentence


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
