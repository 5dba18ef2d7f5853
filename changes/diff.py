"""Word-level diff of two documents, grouped into change units a person reads.

1. Blocks (lines) of both documents are diffed as units (diff-match-patch's line-mode trick) to
   find changed regions quickly.
2. Blocks deleted in one region and inserted in another are *moved* (``changes.moves``): once,
   with where they came from, and with their edits when they were also reworded.
3. Inside each region, the tokens of both sides are diffed word by word and grouped into sentence
   units (``changes.align``, over ``changes.tokens``): one unit per changed sentence, with every
   edit inside it.

Units come out in document order, each a :class:`RawHunk` for the classifier.
"""

from __future__ import annotations

from changes.align import Seg, Unit, edits, meaningful, slide, units
from changes.tokens import SideData, side_tokens, side_view, token_diffs
from changes.codec import Codec, dmp_diff, segments
from changes.hunk import RawHunk, Side
from changes.moves import find_moves, runs
from changes.rules import NoiseRules
from changes.structure import Block, row_label

__all__ = ["RawHunk", "Side", "diff_blocks", "dmp_diff"]

Region = tuple[list[int], list[int]]


def _regions(old: list[Block], new: list[Block]) -> tuple[list[Region], list[int]]:
    """Changed regions as (old block indices, new block indices), and the new block index at which
    each region starts (where a pure deletion sits in the new document)."""
    codec = Codec()
    a, b = codec.encode([x.text for x in old]), codec.encode([x.text for x in new])
    regions: list[Region] = []
    starts: list[int] = []
    cur: Region | None = None
    for op, i1, i2, j1, j2 in segments(dmp_diff(a, b, semantic=False)):
        if op == 0:
            cur = None
            continue
        if cur is None:
            cur = ([], [])
            regions.append(cur)
            starts.append(j1)
        cur[0].extend(range(i1, i2))
        cur[1].extend(range(j1, j2))
    return regions, starts


def _section(blocks: list[Block], owner: list[int], pos: int) -> str:
    if not owner:
        return ""
    b = blocks[owner[min(pos, len(owner) - 1)]]
    label = row_label(b.text)
    if label and label != b.section.rsplit(" > ", 1)[-1]:
        return f"{b.section} > {label}" if b.section else label
    return b.section


Keyed = tuple[tuple[int, int, int], RawHunk]  # (new block, old block, sequence) for document order


def _hunk(u: Unit, ch: list[Seg], a: SideData, b: SideData, kind: str, section: str,
          from_section: str = "", moved: bool = False) -> RawHunk:
    """The RawHunk of a unit whose changed segments (what the classifier sees) are `ch`."""
    i1, i2, j1, j2 = ch[0][1], ch[-1][2], ch[0][3], ch[-1][4]
    return RawHunk(kind, section,
                   side_view(a, u.a_lo, u.a_hi, i1, i2, [(s[1], s[2]) for s in ch if s[0] < 0]),
                   side_view(b, u.b_lo, u.b_hi, j1, j2, [(s[3], s[4]) for s in ch if s[0] > 0]),
                   edits(u, a, b), from_section, moved)


def _region_units(old: list[Block], new: list[Block], dels: list[int], ins: list[int], at: int,
                  codec: Codec, noise: NoiseRules) -> list[Keyed]:
    a, b = side_tokens(old, dels), side_tokens(new, ins)
    out: list[Keyed] = []
    for u in units(slide(segments(token_diffs(a, b, codec)), a, b), a, b):
        ch = meaningful(u, a, b, noise)  # what the classifier and the noise rules see as changed
        i1, i2, j1, j2 = ch[0][1], ch[-1][2], ch[0][3], ch[-1][4]
        kind = "added" if i1 == i2 else "removed" if j1 == j2 else "modified"
        if b.owner and kind != "removed":
            section = _section(new, b.owner, j1)
        else:
            section = _section(old, a.owner, i1)
        jkey = b.owner[min(j1, len(b.owner) - 1)] if b.owner else at
        ikey = a.owner[min(i1, len(a.owner) - 1)] if a.owner else -1
        out.append(((jkey, ikey, len(out)), _hunk(u, ch, a, b, kind, section)))
    return out


def _moved_unchanged(old: list[Block], new: list[Block], run: list[tuple[int, int]]) -> Keyed:
    a = "\n".join(old[i].text for i, _ in run)
    b = "\n".join(new[j].text for _, j in run)
    i, j = run[0]
    hunk = RawHunk("moved", new[j].section, Side(raw=a, blocks=[old[x].text for x, _ in run], text=a),
                   Side(raw=b, blocks=[new[y].text for _, y in run], text=b), [(0, b)],
                   from_section=old[i].section, moved=True)
    return (j, i, 0), hunk


def _moved_edited(old: list[Block], new: list[Block], i: int, j: int, codec: Codec,
                  noise: NoiseRules) -> Keyed:
    """A block moved and reworded: one unit over the whole block, classified as modified."""
    a, b = side_tokens(old, [i]), side_tokens(new, [j])
    u = Unit(0, len(a.toks), 0, len(b.toks), segments(token_diffs(a, b, codec)))
    if not u.changes:  # the same tokens: nothing but the move
        return _moved_unchanged(old, new, [(i, j)])
    hunk = _hunk(u, meaningful(u, a, b, noise), a, b, "modified", new[j].section, old[i].section, True)
    return (j, i, 0), hunk


def diff_blocks(old: list[Block], new: list[Block], noise: NoiseRules) -> list[RawHunk]:
    """All change units between two block lists, in document order (moved blocks where they landed)."""
    regions, starts = _regions(old, new)
    exact, edited = find_moves(regions, old, new, noise)
    codec = Codec()
    keyed: list[Keyed] = []
    for (dels, ins), at in zip(regions, starts):
        if dels or ins:
            keyed.extend(_region_units(old, new, dels, ins, at, codec, noise))
    keyed.extend(_moved_unchanged(old, new, run) for run in runs(exact, old, new))
    keyed.extend(_moved_edited(old, new, i, j, codec, noise) for i, j in edited)
    keyed.sort(key=lambda kh: kh[0])
    return [h for _, h in keyed]

