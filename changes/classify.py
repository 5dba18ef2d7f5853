"""Label a hunk from the rules' vocabulary, with evidence, entities and severity.

A cue is *direct* when its match overlaps the words that changed, and *context* when it only
occurs elsewhere in the changed sentence. Context cues count ``context_factor`` times their weight,
so a sentence about AI training that gains "and messages" is still about AI training, while a
passing mention far from the edit needs company to count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from changes.diff import RawHunk, Side
from changes.rules import Rules, SeverityRule

MAX_EVIDENCE = 3
MAX_SENTENCE = 300
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


@dataclass
class Classification:
    """What the classifier found in one hunk."""

    labels: list[str] = field(default_factory=list)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    entities: dict[str, list[str]] = field(default_factory=dict)
    direction: dict[str, str] = field(default_factory=dict)
    direct_ids: set[str] = field(default_factory=set)
    any_direct: bool = False  # some cue of weight >= 0.5 overlaps the changed words


def _sentence(ctx: str) -> str:
    s = _WS.sub(" ", ctx).strip()
    return s if len(s) <= MAX_SENTENCE else s[: MAX_SENTENCE - 1] + "…"


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for s, e in spans)


@functools.lru_cache(maxsize=2048)
def _matches(ctx: str, rules: Rules) -> tuple[tuple[str, str, float, int, int, str], ...]:
    """All (label, pattern id, weight, start, end, phrase) matches in a sentence (cached per text)."""
    found = []
    low = ctx.lower()
    for label in rules.labels:
        for p in label.patterns:
            if p.gate is not None and not any(lit in low for lit in p.gate):
                continue
            for m in p.regex.finditer(ctx):
                found.append((label.name, p.id, p.weight, m.start(), m.end(), _WS.sub(" ", m.group(0)).strip()))
    return tuple(found)


def _cues(h: RawHunk, rules: Rules) -> list[Cue]:
    out: list[Cue] = []
    for name, side in (("old", h.old), ("new", h.new)):
        if not side.ctx.strip() or not side.spans:
            continue
        sentence = _sentence(side.ctx)
        for label, pid, weight, start, end, phrase in _matches(side.ctx, rules):
            out.append(Cue(label, pid, phrase, sentence, name, _overlaps(start, end, side.spans), weight))
    return out


def _entities(sides: list[Side], rules: Rules) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for side in sides:
        low = side.ctx.lower()
        for kind in rules.entities:
            for pat, gate in zip(kind.patterns, kind.gates):
                if gate is not None and not any(lit in low for lit in gate):
                    continue
                for m in pat.finditer(side.ctx):
                    value = m.groupdict().get("name") or m.group(0)
                    value = _WS.sub(" ", value).strip().rstrip(".,;")
                    value = kind.canonical.get(value.lower(), value)
                    found.setdefault(kind.name, set()).add(value)
    return {k: sorted(v) for k, v in sorted(found.items()) if v}


def classify_hunk(h: RawHunk, rules: Rules) -> Classification:
    """Labels, evidence, entities and per-label direction of one hunk."""
    result = Classification()
    if h.kind == "moved":
        return result
    cues = _cues(h, rules)
    result.any_direct = any(c.direct and c.weight >= 0.5 for c in cues)
    for label in rules.labels:
        mine = [c for c in cues if c.label == label.name]
        direct: dict[str, float] = {}
        context: dict[str, float] = {}
        for c in mine:
            (direct if c.direct else context)[c.pattern] = c.weight
        score = sum(direct.values()) + label.context_factor * sum(
            w for k, w in context.items() if k not in direct)
        if score < label.threshold:
            continue
        result.labels.append(label.name)
        ordered = sorted(mine, key=lambda c: (not c.direct, -c.weight, c.side != "new"))
        items: list[str] = []
        for c in ordered:
            item = f"{c.phrase} — {c.sentence}"
            if item not in items:
                items.append(item)
            if len(items) == MAX_EVIDENCE:
                break
        result.evidence[label.name] = items
        old_w = sum(c.weight for c in mine if c.direct and c.side == "old")
        new_w = sum(c.weight for c in mine if c.direct and c.side == "new")
        negated = rules.negation is not None and bool(rules.negation.search(h.new.ctx))
        if negated and h.kind != "removed":
            result.direction[label.name] = "changed"
        elif h.kind == "added" or (h.kind == "modified" and new_w > old_w):
            result.direction[label.name] = "added"
        elif h.kind == "removed" or old_w > new_w:
            result.direction[label.name] = "removed"
        else:
            result.direction[label.name] = "changed"
        result.direct_ids.update(c.pattern for c in mine if c.direct)
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
