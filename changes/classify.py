"""Label a hunk from the rules' vocabulary, with evidence, entities and severity.

A cue is *direct* when its match overlaps the words that changed, *anchored* when it is direct or
within the label's ``window`` of words from a changed word, and *context* when it only occurs
elsewhere in the changed sentence. Anchored cues count their full weight; context cues count
``context_factor`` times their weight and, for labels with ``anchored = true``, only when some cue
of that label is anchored. So a sentence about AI training that gains "and messages" is still
about AI training, while an edit to a sentence that merely names the EU or mentions consent
somewhere else is not about regions or opt-out. Cues inside a label's ``mask`` (postal addresses,
business parties' consents) are ignored.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from re import _constants as _sre, _parser  # type: ignore[attr-defined]

from changes.diff import RawHunk, Side
from changes.echo import overlaps, sentence_ranges
from changes.literals import gate_literals, present, satisfied
from changes.rules import DIGIT, Label, Pre, Rules, SeverityRule
from changes.text import _prefilter, case_trap, literals_allow

MAX_EVIDENCE = 3
SECTION_CUE = "section: "  # evidence of a cue found in the hunk's section path
MAX_SENTENCE = 300
NEGATION_CHARS = 200  # how far before a cue (within its clause) a negation is looked for
_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:and|but|or|while|whereas|unless|if|when)\b|\.\s")
_WS = re.compile(r"\s+")


@dataclass
class Cue:
    """One pattern match in a changed sentence."""

    label: str
    pattern: str
    phrase: str
    sentence: str
    side: str
    direct: bool
    weight: float
    dist: int = 0  # words between the match and the nearest changed word (0: overlaps)
    start: int = 0  # offset of the match in the side's sentence


@dataclass
class Classification:
    """What the classifier found in one hunk."""

    labels: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    entities: dict[str, list[str]] = field(default_factory=dict)
    direction: dict[str, str] = field(default_factory=dict)
    direct_ids: set[str] = field(default_factory=set)
    any_direct: bool = False  # some cue of weight >= 0.5 overlaps the changed words
    section_only: set[str] = field(default_factory=set)  # labels owed to the section path alone


def _sentence(ctx: str) -> str:
    s = " ".join(ctx.split())  # the same as _WS.sub(" ", ctx).strip(): \s is str.isspace()
    return s if len(s) <= MAX_SENTENCE else s[: MAX_SENTENCE - 1] + "…"


_WORD = re.compile(r"\w+")


def _distance(a: int, b: int, spans: list[tuple[int, int]], starts: list[int]) -> int:
    """Distance in words from the match [a, b) to the nearest changed span: 0 when they overlap,
    1 when adjacent, n + 1 when n words lie between."""
    best = len(starts) + 1
    for s, e in spans:
        if a < e and s < b:
            return 0
        lo, hi = (b, s) if b <= s else (e, a)
        best = min(best, 1 + bisect.bisect_left(starts, hi) - bisect.bisect_left(starts, lo))
    return best


def _ordered(spans: list[tuple[int, int]]) -> bool:
    """Whether spans are in order and do not overlap (each ends at or before the next starts)."""
    return all(s <= e for s, e in spans) and all(x[1] <= y[0] for x, y in zip(spans, spans[1:]))


def _nearest(a: int, b: int, spans: list[tuple[int, int]], firsts: list[int], starts: list[int]) -> int:
    """:func:`_distance` for :func:`_ordered` spans (`firsts` their starts): only the last span
    starting before the match's end and the one after it can be nearest, the word count growing
    with the gap."""
    k = bisect.bisect_left(firsts, b) - 1
    best = len(starts) + 1
    if k >= 0:
        e = spans[k][1]
        if a < e:
            return 0
        best = 1 + bisect.bisect_left(starts, a) - bisect.bisect_left(starts, e)
    if k + 1 < len(spans):
        s = spans[k + 1][0]
        best = min(best, 1 + bisect.bisect_left(starts, s) - bisect.bisect_left(starts, b))
    return best


_DIGIT = re.compile(r"\d")


def _anchored(regex: re.Pattern[str], text: str, hay: str, starts: tuple[str, ...]) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)`` for a regex whose every match starts with one of `starts` (found in
    `hay`, the text or its lower-case form with the same offsets): the regex is tried only where one
    of them occurs. Matches are never empty, so this finds exactly what finditer finds."""
    cands: set[int] = set()
    for lit in starts:
        i = hay.find(lit)
        while i >= 0:
            cands.add(i)
            i = hay.find(lit, i + 1)
    end = 0
    for pos in sorted(cands):
        if pos >= end:
            m = regex.match(text, pos)
            if m:
                end = m.end()
                yield m


def _pre_ok(pre: Pre, text: str, low: str, case_sensitive: bool, trap: bool) -> bool:
    """Whether every clause of an explicit pre-check has a literal in the text (True when the
    check cannot be trusted on this text)."""
    if not case_sensitive and trap:
        return True
    hay = text if case_sensitive else low
    for clause in pre:
        for lit in clause:
            if lit in hay if lit != DIGIT else _DIGIT.search(text) is not None:
                break
        else:
            return False
    return True


def _spans_upto(pattern: re.Pattern[str], ctx: str, last: int) -> list[tuple[int, int]]:
    """The spans of `pattern`'s matches in `ctx` that start at or before `last`: all that can hold
    a cue starting there or earlier (the search stops at the first match past it)."""
    out: list[tuple[int, int]] = []
    for m in pattern.finditer(ctx):
        if m.start() > last:
            break
        out.append(m.span())
    return out


def _sentence_spans(ctx: str, pattern: re.Pattern[str], last: int) -> list[tuple[int, int]]:
    """The sentences (or clauses up to ";") of `ctx` holding a match of `pattern`, in order, up to
    the first that starts past `last` (none after it can hold a cue starting at or before `last`)."""
    out: list[tuple[int, int]] = []
    for m in pattern.finditer(ctx):
        if out and m.start() < out[-1][1]:
            continue
        a = max(ctx.rfind(".", 0, m.start()), ctx.rfind(";", 0, m.start())) + 1
        if a > last:
            break
        ends = [e for e in (ctx.find(".", m.end()), ctx.find(";", m.end())) if e >= 0]
        out.append((a, min(ends) if ends else len(ctx)))
    return out


def _inside(a: int, b: int, spans: list[tuple[int, int]], firsts: list[int]) -> bool:
    """Whether [a, b) lies inside one of `spans` (sorted, not overlapping; `firsts` their starts)."""
    k = bisect.bisect_right(firsts, a) - 1
    return k >= 0 and b <= spans[k][1]


@functools.lru_cache(maxsize=256)
def _mask_of(mask: re.Pattern[str], parts: tuple[re.Pattern[str], ...], keep: tuple[int, ...]) -> re.Pattern[str]:
    """The label's mask with only the entries `keep`: the same matches wherever the others cannot
    match at all (an alternative that matches nowhere never wins a position)."""
    if len(keep) == len(parts):
        return mask
    return re.compile("|".join(f"(?:{parts[i].pattern})" for i in keep), mask.flags)


def _mask_for(label: Label, low: str, trap: bool, digit: bool) -> re.Pattern[str] | None:
    """The label's mask reduced to the entries that may match the sentence whose lower case is
    `low` and that has a digit or not (None: none may); the whole mask when case folding cannot be
    trusted (`trap`). A speed-up only: the matches are the same."""
    assert label.mask is not None
    if trap or not label.mask_parts:
        return label.mask
    keep = tuple(i for i, (pre, needs_digit) in enumerate(_mask_checks(label.mask_parts))
                 if (digit or not needs_digit) and (pre is None or literals_allow(pre, low)))
    return _mask_of(label.mask, label.mask_parts, keep) if keep else None


@functools.lru_cache(maxsize=16)
def _mask_checks(parts: tuple[re.Pattern[str], ...]) -> tuple[tuple[tuple[list[frozenset[str]], ...] | None, bool], ...]:
    """Each mask entry's required literals (changes.text._prefilter) and whether every match holds
    a decimal digit, read once."""
    return tuple((_prefilter(part), _needs_digit(part)) for part in parts)


def _needs_digit(part: re.Pattern[str]) -> bool:
    """Whether every match of `part` holds a decimal digit: a top-level item (outside any
    alternation or optional group) that matches digits only, such as ``\\d{1,5}``."""
    try:
        items = _parser.parse(part.pattern, part.flags)
    except re.error:  # pragma: no cover
        return False
    for op, av in items:
        if op is _sre.IN and av == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
            return True
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1 and len(av[2]) == 1:
            sub_op, sub_av = av[2][0]
            if sub_op is _sre.IN and sub_av == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
                return True
    return False


@functools.lru_cache(maxsize=2048)
def _matches(ctx: str, rules: Rules) -> tuple[tuple[tuple[str, str, float, int, int, str], ...], tuple[int, ...]]:
    """All (label, pattern id, weight, start, end, phrase) matches in a sentence outside the label's
    mask, and the start offsets of its words (cached per text)."""
    found: list[tuple[str, str, float, int, int, str]] = []
    low = ctx.lower()
    trap = case_trap(ctx)
    found_low, found_cased = present(ctx, low, rules)
    digit = _DIGIT.search(ctx) is not None
    for label in rules.labels:
        mine: list[tuple[str, str, float, int, int, str]] = []
        for p in label.patterns:
            if p.pre:
                if (p.case_sensitive or not trap) and not satisfied(
                        p.pre, found_cased if p.case_sensitive else found_low, digit):
                    continue  # the explicit pre-check says the regex cannot match
            elif p.gate is not None and found_low.isdisjoint(p.gate):
                continue
            if p.starts and (p.case_sensitive or not trap):  # without a trap, `low` keeps ctx's offsets
                matches = _anchored(p.regex, ctx, ctx if p.case_sensitive else low, p.starts)
            else:
                matches = p.regex.finditer(ctx)
            for m in matches:
                a, b = m.span()
                mine.append((label.name, p.id, p.weight, a, b, " ".join(m.group(0).split())))
        if mine and label.mask is not None and (not label.mask_pre or trap
                                                or satisfied(label.mask_pre, found_low, digit)):
            mask = _mask_for(label, low, trap, digit)
            masked = _spans_upto(mask, ctx, max(x[3] for x in mine)) if mask is not None else []  # in order
            if masked:
                firsts = [s for s, _ in masked]
                mine = [x for x in mine if not _inside(x[3], x[4], masked, firsts)]
        if mine and label.sentence_mask is not None and (not label.sentence_mask_pre or trap or satisfied(
                label.sentence_mask_pre, found_low, digit)):
            masked = _sentence_spans(ctx, label.sentence_mask, max(x[3] for x in mine))
            if masked:
                firsts = [s for s, _ in masked]
                mine = [x for x in mine if not _inside(x[3], x[4], masked, firsts)]
        found.extend(mine)
    starts = tuple(m.start() for m in _WORD.finditer(ctx)) if found else ()
    return tuple(found), starts


CLAUSE_PENALTY = 100  # a condition clause between a cue and the change puts the cue out of any window
_CONDITION_BREAK = re.compile(r";|,\s+(?:unless|if|when|where|while|whereas|except|provided)\b")


def _across_clause(a: int, b: int, spans: list[tuple[int, int]], ctx: str) -> bool:
    """Whether a condition clause (", unless", ", if", ";" ...) separates the match [a, b) from every
    changed span: in "train and improve Anthropic AI models, unless you opt out" the edit changes
    what is trained, not the choice in the ", unless" clause."""
    for s, e in spans:
        gap = ctx[b:s] if b <= s else ctx[e:a]
        if not _CONDITION_BREAK.search(gap):
            return False
    return True


@functools.lru_cache(maxsize=8)
def _scope_cues(rules: Rules) -> tuple[frozenset[tuple[str, str]], dict[str, int]]:
    """The (label, pattern id) pairs with sentence scope, and each label's window."""
    return (frozenset((lab.name, p.id) for lab in rules.labels for p in lab.patterns if p.sentence),
            {lab.name: lab.window for lab in rules.labels})


_SCOPE_BREAK = re.compile(r"[;:]|,\s+(?:and|but|while|whereas)\b(?!\s+(?:the\s+)?(?:EU|EEA|EFTA|UK|United|European"
                          r"|Switzerland|Swiss|California|other|certain|some))")


def _governs(end: int, spans: list[tuple[int, int]], ctx: str) -> bool:
    """Whether a scope cue ending at `end` governs a changed span after it in its clause ("If you
    live in the EU, EFTA States or the UK, the controller is X": a new controller for those
    regions); a scope cue after the change, or past a clause break, does not."""
    return any(s >= end and not _SCOPE_BREAK.search(ctx, end, s) for s, _ in spans)


@functools.lru_cache(maxsize=1024)
def _section_cues(section: str, rules: Rules) -> list[Cue]:
    """Strong cues in a hunk's section path, for labels that take them ("California Privacy
    Rights > Your right to delete": any edit there changes a region-specific section)."""
    out: list[Cue] = []
    for lab in rules.labels:
        if not lab.section or not section:
            continue
        heads = [x for x in section.split(" > ") if not (lab.section_ignore and lab.section_ignore.search(x))]
        if not heads:
            continue
        found, _ = _matches(" > ".join(heads), rules)
        out.extend(Cue(label, pid, phrase, f"{SECTION_CUE}{section}", "new", False, weight, 0, start)
                   for label, pid, weight, start, _, phrase in found
                   if label == lab.name and weight >= lab.threshold)
    return out


def _changed_sentences(ctx: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentence ranges of ``ctx`` that hold a changed span: a cue elsewhere in a long changed
    block says nothing about the change."""
    ends = [e for _, e in spans]
    return [(a, b) for a, b in sentence_ranges(ctx) if overlaps(a, b, spans, ends)]


def _cues(h: RawHunk, rules: Rules) -> list[Cue]:
    out: list[Cue] = []
    scoped, windows = _scope_cues(rules)
    for name, side in (("old", h.old), ("new", h.new)):
        if not side.ctx.strip() or not side.spans:
            continue
        found, starts = _matches(side.ctx, rules)
        if not found:
            continue
        changed = _changed_sentences(side.ctx, side.spans)
        firsts = [a for a, _ in changed]
        word_starts = list(starts)
        span_firsts = [x for x, _ in side.spans] if _ordered(side.spans) else None
        for label, pid, weight, start, end, phrase in found:
            k = bisect.bisect_right(firsts, start) - 1
            if k < 0 or end > changed[k][1]:
                continue  # not in a sentence the change touches
            dist = (_distance(start, end, side.spans, word_starts) if span_firsts is None
                    else _nearest(start, end, side.spans, span_firsts, word_starts))
            if dist and _across_clause(start, end, side.spans, side.ctx):
                dist += CLAUSE_PENALTY
            if dist and (label, pid) in scoped and _governs(end, side.spans, side.ctx):
                dist = windows[label]
            sentence = _sentence(side.ctx[changed[k][0]:changed[k][1]])
            out.append(Cue(label, pid, phrase, sentence, name, dist == 0, weight, dist, start))
    return out


def _entities(sides: list[Side], rules: Rules) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for side in sides:
        low = side.ctx.lower()
        trap = case_trap(side.ctx)
        gated = gate_literals(low, rules)  # the gates' literals in the text, found in one pass
        for kind in rules.entities:
            for pat, gate, pre in zip(kind.patterns, kind.gates, kind.pres):
                if pre and not _pre_ok(pre, side.ctx, low, kind.case_sensitive, trap):
                    continue
                if gate is not None and (gated.isdisjoint(gate) if gated is not None
                                         else not any(lit in low for lit in gate)):
                    continue
                for m in pat.finditer(side.ctx):
                    value = m.groupdict().get("name") or m.group(0)
                    value = _WS.sub(" ", value).strip().rstrip(".,;")
                    value = kind.canonical.get(value.lower(), value)
                    found.setdefault(kind.name, set()).add(value)
    return {k: sorted(v) for k, v in sorted(found.items()) if v}


def _negated(cues: list[Cue], ctx: str, rules: Rules) -> bool:
    """Whether negations govern these cues: each has one shortly before it in the same clause
    ("we do not use your chats to train our models"); a negation elsewhere in the sentence, or one
    that leaves another cue unnegated ("we do not keep X; we use Y to train models"), does not count."""
    if rules.negation is None or not cues:
        return False
    for c in cues:
        before = _CLAUSE_BREAK.split(ctx[max(0, c.start - NEGATION_CHARS):c.start])[-1]
        if not rules.negation.search(before):
            return False
    return True


_NAME_TOKEN = re.compile(r"^[\W_]*[A-Z][\w’'&.-]*[\W_]*$")
_HAS_WORD = re.compile(r"\w")
_NAME_GLUE = frozenset({"de", "du", "of", "the", "and", "&", "le", "la", "les"})


_ARTICLES = frozenset(("a", "an", "the"))


def _name_swap(h: RawHunk) -> bool:
    """Whether every edit of a modified unit swaps one name for another ("Alibaba" -> "Qwen",
    "Le Chat" -> "Vibe", "Twitter" -> "X"). Labels with ``ignore_renames`` take none from it unless
    the names themselves are strong cues of the label; a renamed controller entity still changes
    regional scope, so regions keeps it."""
    if h.kind != "modified":
        return False
    # edits of punctuation alone (straight for curly quotes beside the renamed name) swap no words
    pieces = [p for op, text in h.edits if op != 0 and (p := text.split()) and _HAS_WORD.search(text)]
    # the article before a renamed noun changes with it ("a Connector" -> "an App")
    pieces = [p[1:] if len(p) > 1 and p[0].lower() in _ARTICLES else p for p in pieces]
    return bool(pieces) and all(
        0 < len(p) <= 4 and _NAME_TOKEN.match(p[0]) and all(_NAME_TOKEN.match(t) or t.lower() in _NAME_GLUE for t in p)
        for p in pieces)


def classify_hunk(h: RawHunk, rules: Rules) -> Classification:
    """Labels, evidence, entities and per-label direction of one hunk."""
    result = Classification()
    if h.kind == "moved":
        return result
    cues = _cues(h, rules)
    cues += _section_cues(h.section, rules)  # cached: the list is never changed
    result.any_direct = any(c.direct and c.weight >= 0.5 for c in cues)
    swap = _name_swap(h)
    for label in rules.labels:
        mine = [c for c in cues if c.label == label.name]
        anchored: dict[str, float] = {}
        context: dict[str, float] = {}
        for c in mine:
            (anchored if c.dist <= label.window else context)[c.pattern] = c.weight
        if label.anchored and not any(c.dist == 0 or c.weight >= label.threshold
                                      for c in mine if c.dist <= label.window):
            continue  # no strong cue near the change and no cue in the changed words
        if swap and label.ignore_renames and not any(c.dist == 0 and c.weight >= label.threshold for c in mine):
            continue  # a rename (LABELS.md: a product rename is not ai_training)
        score = sum(anchored.values()) + label.context_factor * sum(
            w for k, w in context.items() if k not in anchored)
        if score < label.threshold:
            continue
        result.labels.append(label.name)
        if all(c.sentence.startswith(SECTION_CUE) for c in mine if c.dist <= label.window):
            result.section_only.add(label.name)
        ordered = sorted(mine, key=lambda c: (c.dist, -c.weight, c.side != "new"))
        items: list[str] = []
        for c in ordered:
            item = f"{c.phrase} — {c.sentence}"
            if item not in items:
                items.append(item)
            if len(items) == MAX_EVIDENCE:
                break
        result.evidence[label.name] = items
        old_w = sum(c.weight for c in mine if c.dist <= label.window and c.side == "old")
        new_w = sum(c.weight for c in mine if c.dist <= label.window and c.side == "new")
        negated = _negated([c for c in mine if c.side == "new" and c.dist <= label.window], h.new.ctx, rules)
        if negated and h.kind != "removed":
            result.direction[label.name] = "changed"
        elif h.kind == "added" or (h.kind == "modified" and new_w > old_w):
            result.direction[label.name] = "added"
        elif h.kind == "removed" or old_w > new_w:
            result.direction[label.name] = "removed"
        else:
            result.direction[label.name] = "changed"
        result.direct_ids.update(c.pattern for c in mine if c.dist <= label.window)
    if result.labels:
        result.entities = _entities([s for s in (h.new, h.old) if s.spans], rules)
    return result


def _applies(rule: SeverityRule, cl: Classification) -> bool:
    labels = set(cl.labels)
    if rule.labels_all and not set(rule.labels_all) <= labels:
        return False
    if rule.labels_any and not set(rule.labels_any) & labels:
        return False
    if any(cl.direction.get(lab) != d for lab, d in rule.direction):
        return False
    return not rule.cue_any or bool(set(rule.cue_any) & cl.direct_ids)


def severity(cl: Classification, section: str, rules: Rules) -> tuple[str, str]:
    """(level, reason) of a material hunk from the first matching severity rule."""
    where = section or "the document"
    for rule in rules.severity:
        if _applies(rule, cl):
            return rule.level, rule.reason.format(section=where, labels=", ".join(cl.labels) or "nothing")
    return "low", f"Material change in {where}"
