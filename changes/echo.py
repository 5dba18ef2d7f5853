"""Echoes: changed words that the other version still says, elsewhere or nearly the same.

A diff aligns text locally; readers and the labelling rules do not. When a policy announces an update
by printing the new text above the old one, when a block of definitions moves from section 3.6 to
1.1 with one clause edited, or when the old copy is dropped on the effective date, the local diff
reports whole sections as added or removed, although almost every sentence in them is still in the
other version. Only what neither version says elsewhere is a change.

:class:`SentenceIndex` holds one version's sentences. :func:`novel_spans` keeps, of a hunk side's
changed spans, the words that are really new (or really gone): a sentence found word for word in
the other version contributes nothing, and a sentence whose nearest sentence in the other version
is a close match contributes only the words that differ from it. Short sentences ("Learn more.",
"You can opt out at any time.") are common boilerplate, so they are only matched exactly and only
when they are long enough to be specific (``MIN_EXACT_WORDS``).
"""

from __future__ import annotations

import functools
import heapq
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from operator import itemgetter

from changes.text import to_display

MIN_EXACT_WORDS = 8      # a shorter sentence found elsewhere in the other version still counts as changed
MIN_NEAR_WORDS = 8       # sentences shorter than this are not matched approximately
NEAR_SIMILARITY = 0.6    # Dice coefficient of word sets for a "nearly the same" sentence
LABEL_MAX_WORDS = 4      # a run-in label ("Affiliates.") before the sentence it names
MIN_KEY_LETTERS = 5      # shorter words ("the", "data") are not used to find candidates
COPY_MIN_SENTENCES = 10  # a copy of the other version holds at least this many of its sentences ...
COPY_MIN_SHARE = 0.6     # ... and this share of its own long sentences are found there ...
COPY_SIMILARITY = 0.4    # a sentence of the stretch this close to one of the copy differs by its edits only
COPY_MAX_STRETCH = 1.5   # ... within a stretch at most this many times its length
CANDIDATE_KEYS = 8       # candidates come from the postings of a sentence's rarest words
MAX_POSTING = 40         # words in more sentences than this are too common to find candidates by

# Where sentences split: after a sentence end the split starts past the mark (group 1).
_SPLIT_PLAIN = re.compile(r"[.!?;:]([\s\"'”’)*_]+)(?=\S)|\n+|\s[*•·|]\s|<br\s*/?>", re.I)
# The same matches (same spans, same group 1), written to start with one character class that holds
# every alternative's first character: the regex engine then scans for those characters in a tight
# loop and tries a match only there, instead of at every position; each alternative checks, by a
# one-character look-behind, which character it started with.
_SPLIT = re.compile(r"[.!?;:\s<](?:(?<=[.!?;:])([\s\"'”’)*_]+)(?=\S)|(?<=\n)\n*|(?<=\s)[*•·|]\s|(?<=<)br\s*/?>)",
                    re.I)
# _SPLIT for a text without "*", "•", "·" or "|": the list-mark alternative cannot match there, so
# no match starts at a space and the engine only stops at the rarer characters.
_SPLIT_UNMARKED = re.compile(r"[.!?;:\n<](?:(?<=[.!?;:])([\s\"'”’)*_]+)(?=\S)|(?<=\n)\n*|(?<=<)br\s*/?>)", re.I)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_WORDS_OF = itemgetter(1)


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences (or list items, lines) of a display text."""
    out = []
    start = 0
    marked = "*" in text or "|" in text or "•" in text or "·" in text
    for m in (_SPLIT if marked else _SPLIT_UNMARKED).finditer(text):
        cut = m.start(1) if m.start(1) >= 0 else m.start()
        if cut > start:
            out.append((start, cut))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def overlaps(a: int, b: int, spans: list[tuple[int, int]], ends: list[int]) -> bool:
    """Whether [a, b) overlaps one of `spans` (in order, not overlapping; `ends` their ends)."""
    k = bisect_right(ends, a)
    return k < len(spans) and spans[k][0] < b


def _low(text: str) -> str:
    """Lower case with one apostrophe, same length as `text` when possible (offsets carry over)."""
    low = text.lower().replace("’", "'")
    return low if len(low) == len(text) else text.replace("’", "'")


_BOUNDARY_END = re.compile(r"[.!?;:][\s\"'”’)*_]*$|\s[*•·|]\s*$")
_BOUNDARY_START = re.compile(r"^\s*[*•·|]\s")
Piece = tuple[str, tuple[str, ...]]  # a sentence's display text and its words


@functools.lru_cache(maxsize=16384)
def _line(line: str) -> tuple[tuple[Piece, ...], bool, bool]:
    """One line's sentences, and whether the line starts and ends at a sentence boundary when the
    lines of a document are joined by spaces (cached: two versions share most lines)."""
    display = to_display(line)
    low = _low(display)
    if len(low) != len(display):
        display = low
    ranges = [(display[a:b], tuple(_WORD.findall(low, a, b))) for a, b in sentence_ranges(low)]
    pieces = tuple(filter(_WORDS_OF, ranges))  # the ranges that hold words
    # the last sentence is complete when the line ends a sentence or only marks follow it ("... . |")
    ends = _boundary_end(low) or bool(pieces) and not ranges[-1][1]
    return pieces, bool(_BOUNDARY_START.match(low)), ends


_END_MARKS = "\"'”’)*_"  # the characters besides whitespace that _BOUNDARY_END allows after the mark


def _boundary_end(text: str) -> bool:
    """``bool(_BOUNDARY_END.search(text))`` without a search from every position: strip the
    trailing marks and whitespace (``\\s`` and str.isspace() are the same characters), then look
    at what is left."""
    t = text.rstrip()
    if len(t) >= 2 and t[-1] in "*•·|" and t[-2].isspace():
        return True  # \s[*•·|]\s*$
    while True:
        u = t.rstrip(_END_MARKS).rstrip()
        if u == t:
            return t[-1:] in (".", "!", "?", ";", ":")
        t = u


def sentences(text: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The sentences of a document cut as in a hunk's context, where its lines are joined by
    spaces (a line without a sentence end runs on into the next): display texts and words."""
    texts: list[str] = []
    words: list[tuple[str, ...]] = []
    open_text = ""  # a sentence still running at the end of the previous line, and its words
    open_words: tuple[str, ...] = ()
    for line in text.split("\n"):
        if not line.strip():
            continue
        pieces, starts, ends = _line(line)
        if not pieces:
            if open_words and (starts or ends):  # a line of marks only ("* * *") ends the sentence
                texts.append(open_text)
                words.append(open_words)
                open_text, open_words = "", ()
            continue
        first = 0
        if open_words:
            if starts:
                texts.append(open_text)
                words.append(open_words)
            else:
                texts.append(open_text + " " + pieces[0][0])
                words.append(open_words + pieces[0][1])
                first = 1
            open_text, open_words = "", ()
        rest = pieces[first:]
        if not ends and rest:
            (open_text, open_words), rest = rest[-1], rest[:-1]
        elif not ends and first == 1:  # the run-on sentence goes on past this line
            open_text, open_words = texts.pop(), words.pop()
        for t, ws in rest:
            texts.append(t)
            words.append(ws)
    if open_words:
        texts.append(open_text)
        words.append(open_words)
    return texts, words


@functools.lru_cache(maxsize=16384)
def _keys(ws: tuple[str, ...]) -> frozenset[str]:
    """The words of a sentence long enough to find candidates by (cached: versions share sentences)."""
    return frozenset(w for w in ws if len(w) >= MIN_KEY_LETTERS)


class SentenceIndex:
    """The sentences of one version, for exact and approximate look-up."""

    def __init__(self, text: str, similarity: float = NEAR_SIMILARITY) -> None:
        self.similarity = similarity
        self._texts, self.sentences = sentences(text)
        n = len(self.sentences)  # each sentence's first index (later repeats overwritten by earlier ones)
        self._first = dict(zip(reversed(self.sentences), range(n - 1, -1, -1)))
        self._sets: dict[int, set[str]] = {}  # sentence k's distinct words, for the similarity of candidates
        self._postings: dict[str, list[int]] | None = None
        self._cache: dict[tuple[str, ...], int | None] = {}

    def __contains__(self, ws: tuple[str, ...]) -> bool:
        return ws in self._first

    def text(self, k: int) -> str:
        """Sentence k as a reader sees it."""
        return self._texts[k].strip()

    def _index(self) -> dict[str, list[int]]:
        """Word -> sentences holding it, for the words rare enough to find candidates by."""
        if self._postings is None:
            postings: defaultdict[str, list[int]] = defaultdict(list)
            for k, ws in enumerate(self.sentences):
                for w in _keys(ws):
                    postings[w].append(k)
            self._postings = {w: ks for w, ks in postings.items() if len(ks) <= MAX_POSTING}
        return self._postings

    def locate(self, ws: tuple[str, ...], near: bool = True) -> int | None:
        """The sentence of this version that ``ws`` repeats or (``near``) nearly repeats, or None."""
        if not near:
            return self._first[ws] if ws in self._first and len(ws) >= MIN_EXACT_WORDS else None
        if ws in self._cache:
            return self._cache[ws]
        found: int | None = None
        if ws in self._first and len(ws) >= MIN_EXACT_WORDS:
            found = self._first[ws]
        elif len(ws) >= MIN_NEAR_WORDS:
            mine = set(ws)
            postings = self._index()
            # the rarest words find the candidates. Ties in rarity go by the postings' own order
            # (two C-level sorts, the second stable) and ties in hits to the lowest sentence, so
            # the result never follows a set's hash order (PYTHONHASHSEED)
            keys = sorted(postings[w] for w in mine if w in postings)
            keys.sort(key=len)
            hits: Counter[int] = Counter()
            for ks in keys[:CANDIDATE_KEYS]:
                hits.update(ks)
            best_sim = self.similarity
            for k in top_hits(hits, 8):
                other = self._sets.get(k)
                if other is None:
                    other = self._sets[k] = set(self.sentences[k])
                sim = 2 * len(mine & other) / (len(mine) + len(other))
                if sim >= best_sim:
                    found, best_sim = k, sim
        self._cache[ws] = found
        return found


def top_hits(hits: Counter[int], n: int) -> list[int]:
    """The n keys with the most hits, ties to the lowest key: the same on every run (Counter's
    most_common breaks ties by insertion order, which may follow a set's hash order)."""
    return [k for k, _ in heapq.nlargest(n, sorted(hits.items()), key=itemgetter(1))]


def _label_of_echo(k: int, units: list[tuple[list[tuple[int, int]], str, tuple[str, ...]]], low: str) -> bool:
    """Whether sentence k is a short sentence next to an echoed one that it belongs to: one the
    other version also holds ("Learn more."), or a run-in label whose words the echoed sentence
    repeats ("Designated Countries. We use the term “Designated Countries” to refer to ...")."""
    changed, status, ws = units[k]
    if len(ws) >= MIN_EXACT_WORDS:
        return False
    if status == "short":  # the nearest longer sentence on either side (past other short ones) is echoed
        for step in (-1, 1):
            n = k + step
            while 0 <= n < len(units) and units[n][1] == "short":
                n += step
            if 0 <= n < len(units) and units[n][1] == "echo":
                return True
        return False
    nxt = units[k + 1] if k + 1 < len(units) else None
    return (nxt is not None and nxt[1] == "echo" and len(ws) <= LABEL_MAX_WORDS and set(ws) <= set(nxt[2]))


def _context_unit(text: str, last: bool) -> list[tuple[list[tuple[int, int]], str, tuple[str, ...]]]:
    """The unchanged sentence of the block just before (``last``) or after a change, as a
    neighbour that both versions hold."""
    ranges = sentence_ranges(text)
    if not ranges:
        return []
    a, b = ranges[-1] if last else ranges[0]
    ws = tuple(_WORD.findall(_low(text[a:b])))
    return [([], "echo", ws)] if ws else []


def novel_spans(ctx: str, spans: list[tuple[int, int]], other: SentenceIndex,
                before: str = "", after: str = "", near: bool = True) -> list[tuple[int, int]]:
    """The parts of ``spans`` (changed character ranges of ``ctx``) holding words that the other
    version does not say in the same sentence: echoed words are dropped, the rest kept as word
    ranges. A short sentence the other version also holds counts as echoed when a changed sentence
    next to it is echoed too (a heading or link label inside a repeated block); ``before`` and
    ``after`` are the unchanged text around the change in its block, for those neighbours.
    ``near`` = False looks for repeats only (a unit the diff aligned already has its edits)."""
    if not spans:
        return []
    units: list[tuple[list[tuple[int, int]], str, tuple[str, ...]]] = []  # (changed word ranges, status, words)
    units += _context_unit(before, last=True)
    low = _low(ctx)
    ends = [e for _, e in spans]
    for a, b in sentence_ranges(ctx):
        found = [m.span() for m in _WORD.finditer(low, a, b)]
        if not found:
            continue
        ws = tuple(low[s:e] for s, e in found)
        if not overlaps(a, b, spans, ends):
            units.append(([], "echo", ws))  # unchanged: both versions hold it here
            continue
        k = other.locate(ws, near)
        match = other.sentences[k] if k is not None else None
        if match == ws:
            units.append(([], "echo", ws))
        elif match is not None:
            changed = []
            for op, i1, i2, _, _ in SequenceMatcher(None, ws, match, autojunk=False).get_opcodes():
                if op in ("replace", "delete"):
                    changed.extend(found[i1:i2])
            units.append((changed, "echo", ws))
        else:
            units.append((found, "short" if ws in other and len(ws) < MIN_EXACT_WORDS else "novel", ws))
    units += _context_unit(after, last=False)
    out: list[tuple[int, int]] = []
    for k, (changed, status, _) in enumerate(units):
        if status in ("short", "novel") and _label_of_echo(k, units, low):
            continue
        for s, e in changed:
            if overlaps(s, e, spans, ends):
                if out and out[-1][1] >= s - 1:
                    out[-1] = (out[-1][0], e)
                else:
                    out.append((s, e))
    return out


def counterpart(ctx: str, spans: list[tuple[int, int]], other: SentenceIndex) -> list[tuple[str, list[tuple[int, int]]]]:
    """When the changed text is a copy of a stretch of the other version (a policy printed twice
    while an update is announced, the old copy dropped on the effective date), the sentences of
    that stretch which the copy lacks, each with the words that differ from the copy's closest
    sentence: what the removal puts into effect, or what the announced text leaves out. Empty
    when the change is no such copy."""
    if sum(e - s for s, e in spans) < COPY_MIN_SENTENCES * MIN_NEAR_WORDS * 3:
        return []  # too short to hold COPY_MIN_SENTENCES long sentences
    ends = [e for _, e in spans]
    matched: set[int] = set()
    total = 0
    mine: list[str] = []
    for a, b in sentence_ranges(ctx):
        if not overlaps(a, b, spans, ends):
            continue
        mine.append(ctx[a:b])
        ws = tuple(_WORD.findall(_low(ctx[a:b])))
        if len(ws) < MIN_NEAR_WORDS:
            continue
        total += 1
        k = other.locate(ws)
        if k is not None:
            matched.add(k)
    if len(matched) < COPY_MIN_SENTENCES or len(matched) < COPY_MIN_SHARE * total:
        return []
    lo, hi = min(matched), max(matched)
    stretch = sum(1 for k in range(lo, hi + 1) if len(other.sentences[k]) >= MIN_NEAR_WORDS)
    if stretch > COPY_MAX_STRETCH * total:
        return []  # matches scattered over the other version: a restructure, not a copy
    copy = SentenceIndex("\n".join(mine), similarity=COPY_SIMILARITY)
    out = []
    for k in range(lo, hi + 1):
        if k in matched or len(other.sentences[k]) < MIN_NEAR_WORDS:
            continue
        text = other.text(k)
        changed = novel_spans(text, [(0, len(text))], copy)
        if changed:
            out.append((text, changed))
    return out
