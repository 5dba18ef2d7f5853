"""Blocks moved between changed regions: by their normal form, or by their words when also edited.

A block deleted in one changed region and inserted in another is *moved*. With the same normal form
it is a move without rewording (never material); an edited block counts as moved when it is long
enough and shares most of its words with its new form, more than with anything in its own region.
"""

from __future__ import annotations

import re
from collections import Counter

from changes.echo import top_hits
from changes.rules import NoiseRules
from changes.structure import Block
from changes.text import norm

MOVE_MIN_CHARS = 25        # shorter blocks are not reported as moved
EDITED_MIN_CHARS = 80      # an edited block must be at least this long to count as moved
EDITED_MIN_SHARED = 0.7    # ... and share this part of its words with its new form (Dice)
RARE_IN_BLOCKS = 4         # a word in at most this many inserted blocks points to a candidate
CANDIDATES = 3             # inserted blocks compared with each deleted one

Region = tuple[list[int], list[int]]  # (old block indices, new block indices)


def _exact(regions: list[Region], old: list[Block], new: list[Block],
           noise: NoiseRules) -> list[tuple[int, int]]:
    deleted: dict[str, list[tuple[int, int]]] = {}
    for r, (dels, _) in enumerate(regions):
        for i in dels:
            key = norm(old[i].text, noise)
            if len(key) >= MOVE_MIN_CHARS:
                deleted.setdefault(key, []).append((r, i))
    pairs: list[tuple[int, int]] = []
    if not deleted:
        return pairs
    for r, (_, ins) in enumerate(regions):
        for j in ins:
            cands = deleted.get(norm(new[j].text, noise))
            if not cands:
                continue
            k = next((c for c in cands if c[0] != r), None)
            if k is not None:
                cands.remove(k)
                pairs.append((k[1], j))
    return pairs


_WORD = re.compile(r"[^\W\d_]{2,}")
_WORD_ASCII = re.compile(r"[^\W\d_]{2,}", re.ASCII)  # the same on ASCII text, without Unicode look-ups


def _bag(text: str) -> frozenset[str]:
    """The distinct words of a block (link targets too: cheap, and alike on both sides)."""
    low = text.lower()
    return frozenset((_WORD_ASCII if low.isascii() else _WORD).findall(low))


def _edited(regions: list[Region], old: list[Block], new: list[Block]) -> list[tuple[int, int]]:
    """Edited moves: pairs whose word sets overlap most (Dice), each the other's best, across regions.
    Candidates are the inserted blocks sharing the most rare words (in at most RARE_IN_BLOCKS
    inserted blocks) with a deleted one, so a long rewrite costs little."""
    dels = [(r, i, _bag(old[i].text)) for r, (d, _) in enumerate(regions) for i in d
            if len(old[i].text) >= EDITED_MIN_CHARS]
    ins = [(r, j, _bag(new[j].text)) for r, (_, n) in enumerate(regions) for j in n
           if len(new[j].text) >= EDITED_MIN_CHARS]
    if not dels or not ins:
        return []
    postings: dict[str, list[int]] = {}
    for k, (_, _, b) in enumerate(ins):
        for w in b:
            postings.setdefault(w, []).append(k)
    best_for_new: dict[int, tuple[float, int]] = {}
    best_for_old: dict[int, tuple[float, int, int, int]] = {}
    for r, i, a in dels:
        hits: Counter[int] = Counter()
        for w in a:
            found = postings.get(w)
            if found and len(found) <= RARE_IN_BLOCKS:
                hits.update(found)
        for k in top_hits(hits, CANDIDATES):
            s, j, b = ins[k]
            dice = 2 * len(a & b) / (len(a) + len(b))
            if dice > best_for_old.get(i, (0.0, 0, 0, 0))[0]:
                best_for_old[i] = (dice, j, r, s)
            if dice > best_for_new.get(j, (0.0, 0))[0]:
                best_for_new[j] = (dice, i)
    return [(i, j) for i, (dice, j, r, s) in best_for_old.items()
            if dice >= EDITED_MIN_SHARED and r != s and best_for_new[j][1] == i]


def find_moves(regions: list[Region], old: list[Block], new: list[Block],
               noise: NoiseRules) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(unchanged moves, edited moves) as (old block, new block) pairs; removes them from the regions."""
    exact = _exact(regions, old, new, noise)
    _drop(regions, exact)
    edited = _edited(regions, old, new)
    _drop(regions, edited)
    return exact, edited


def _drop(regions: list[Region], pairs: list[tuple[int, int]]) -> None:
    moved_old = {p[0] for p in pairs}
    moved_new = {p[1] for p in pairs}
    for dels, ins in regions:
        dels[:] = [i for i in dels if i not in moved_old]
        ins[:] = [j for j in ins if j not in moved_new]


def runs(pairs: list[tuple[int, int]], old: list[Block], new: list[Block]) -> list[list[tuple[int, int]]]:
    """Unchanged moves grouped into runs of consecutive blocks (on both sides, same sections), so a
    moved list or paragraph group is shown once."""
    out: list[list[tuple[int, int]]] = []
    for i, j in sorted(pairs, key=lambda p: p[1]):
        last = out[-1][-1] if out else None
        if last and (i, j) == (last[0] + 1, last[1] + 1) and old[i].section == old[last[0]].section \
                and new[j].section == new[last[1]].section:
            out[-1].append((i, j))
        else:
            out.append([(i, j)])
    return out
