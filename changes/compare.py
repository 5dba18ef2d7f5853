"""``compare(old, new)``: the pure function at the heart of diffing and classifying."""

from __future__ import annotations

import re
from typing import Any

from changes.classify import classify_hunk, severity
from changes.diff import RawHunk, Side, diff_blocks
from changes.echo import SentenceIndex, counterpart, novel_spans
from changes.language import switched
from changes.model import CONTRACT_LABELS, SEVERITY_ORDER, ChangeResult, Hunk
from changes.noise import Names, formatting_only, judge_content
from changes.rules import Rules, load_rules
from changes.structure import parse_blocks

CLASSIFIER_VERSION = "1.6"  # 1.1: sentence units, moves, edits; 1.2: echoes, copies, scope and section cues, languages; 1.3: renames, language switchers, footer menus; 1.3.1: outline renumbering; 1.4: precision (addresses, patents, GDPR citations, links, renames, payments, AI product names); 1.5: precision from labellers b and g (company names, sanctions, withdrawal, licences, screen-reader hints; company details, anchor links, scraping bans); 1.6: rules audited one by one (product-name cue dropped, "improve our models"), bold-line headings, document titles and breadcrumbs, version widgets
STUB_NOTE = "capture failure: one version is empty or a stub"
ECHO_MIN_CHARS = 40  # changed spans shorter than this are edits within a sentence, never echoes
EFFECTIVE_NOTE = {"added": "takes effect: the other copy of this text was removed",
                  "removed": "left out of the announced new text"}
LANGUAGE_NOTE = "the versions are in different languages ({} -> {}): another edition, not an edit"
ECHO_NOTE = "the other version still says this (moved or repeated text)"


# Every character for which str.isspace() holds (what str.split() splits on).
_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


_NON_ASCII_SPACE = re.compile(f"[{_WHITESPACE[10:]}]")


def _non_space(text: str) -> int:
    """Non-whitespace characters of a text: the same as sum(map(len, text.split())), but faster
    (a count per ASCII whitespace character, one scan for the rare others)."""
    n = len(text) - sum(text.count(c) for c in _WHITESPACE[:10])
    return n if text.isascii() else n - len(_NON_ASCII_SPACE.findall(text))


def _stub(old: str, new: str, rules: Rules) -> bool:
    """One side is empty or a tiny capture (sign-up wall) of what the other side holds."""
    a, b = _non_space(old), _non_space(new)  # non-whitespace characters
    return max(a, b) >= rules.noise.stub_min_chars and min(a, b) < rules.noise.stub_ratio * max(a, b)


_OP = {0: "=", -1: "-", 1: "+"}


def _hunk(raw: RawHunk, material: bool, note: str) -> Hunk:
    """The reported change of a unit: its whole sentence(s) before and after, with its edits."""
    return Hunk(raw.section, "moved" if raw.moved else raw.kind, raw.old.text, raw.new.text,
                material=material, note=note, from_section=raw.from_section,
                edits=[(_OP[op], text) for op, text in raw.edits])


class _Echoes:
    """Each version's sentence index, built on first use (most hunks of a noise pair never need them)."""

    def __init__(self, old: str, new: str) -> None:
        self.texts = (old, new)
        self.index: list[SentenceIndex | None] = [None, None]
        # sentences that a removed or added copy of the other version changes in effect
        self.effective: list[RawHunk] = []
        self._run: list[tuple[str, str, list[tuple[int, int]]]] = []  # (section, ctx, spans) of a run
        self._run_kind = ""

    def reduce(self, raw: RawHunk) -> bool:
        """Narrow the hunk's changed spans to the words the other version does not say; False when
        nothing is left on either side."""
        if raw.kind == "modified" and not any(e - s >= ECHO_MIN_CHARS for side in (raw.old, raw.new)
                                              for s, e in side.spans):
            return True  # an edit inside a sentence: no whole sentence to find elsewhere
        self._collect(raw)
        near = raw.kind != "modified"  # the diff aligned a modified unit's sentences already
        if raw.old.spans:
            raw.old.spans = novel_spans(raw.old.ctx, raw.old.spans, self.of(1), raw.old.prefix, raw.old.suffix, near)
        if raw.new.spans:
            raw.new.spans = novel_spans(raw.new.ctx, raw.new.spans, self.of(0), raw.new.prefix, raw.new.suffix, near)
        return bool(raw.old.spans or raw.new.spans)

    def _collect(self, raw: RawHunk) -> None:
        """Gather runs of consecutive removed (or added) units: a copy of the other version comes
        as many units, one a paragraph."""
        kind = raw.kind if raw.kind in ("removed", "added") else ""
        if kind != self._run_kind:
            self.finish()
            self._run_kind = kind
        if kind:
            side = raw.old if kind == "removed" else raw.new
            self._run.append((raw.section, side.ctx, side.spans))

    def finish(self) -> None:
        """Turn the run gathered so far into the sentences it puts into effect, if it is a copy."""
        run, kind = self._run, self._run_kind
        self._run, self._run_kind = [], ""
        if not run or not kind:
            return
        parts, spans, pos = [], [], 0
        for _, ctx, sp in run:
            parts.append(ctx)
            spans += [(pos + a, pos + b) for a, b in sp]
            pos += len(ctx) + 1
        other = self.of(1 if kind == "removed" else 0)
        section = run[0][0]
        for t, sp in counterpart("\n".join(parts), spans, other):
            side = Side(t, t, sp, blocks=[t], text=t)
            self.effective.append(RawHunk("added", section, Side(), side) if kind == "removed"
                                  else RawHunk("removed", section, side, Side()))

    def of(self, k: int) -> SentenceIndex:
        """The sentence index of the old (0) or new (1) version, built on first use."""
        if self.index[k] is None:
            self.index[k] = SentenceIndex(self.texts[k])
        return self.index[k]  # type: ignore[return-value]


def _judged(raw: RawHunk, rules: Rules, effective: bool = False, names: Names | None = None) -> tuple[Hunk, str]:
    """Classify one hunk whose form is not noise, with the reason for its severity; ``effective``
    hunks are sentences a removed or added copy changes in effect (material whatever their words);
    ``names`` tells the service's name."""
    cl = classify_hunk(raw, rules)
    if effective:
        material, note = True, EFFECTIVE_NOTE[raw.kind]
    else:  # formatting_only gave '': only judge's content checks run
        # a label owed only to the section path does not make a hunk material
        material, note = judge_content(raw, bool(set(cl.labels) - cl.section_only), cl.any_direct, rules.noise,
                                       names)
    hunk = _hunk(raw, material, note)
    reason = ""
    if material:
        hunk.labels, hunk.evidence, hunk.entities = sorted(cl.labels), cl.evidence, cl.entities
        hunk.severity, reason = severity(cl, raw.section, rules)
    return hunk, reason


def compare(old_text: str, new_text: str, rules: Rules | None = None) -> ChangeResult:
    """Diff two versions of a document and classify every change. Pure: no I/O after rules load.

    ``rules`` defaults to the packaged rules (loaded once); pass others to try a rules change.
    """
    rules = rules or load_rules()
    stub = _stub(old_text, new_text, rules)
    langs = switched(old_text, new_text, rules.noise)
    judged: list[tuple[Hunk, str]] = []
    echoes = _Echoes(old_text, new_text)
    names = Names((old_text, new_text), rules.noise)
    for raw in diff_blocks(parse_blocks(old_text), parse_blocks(new_text), rules.noise):
        form = STUB_NOTE if stub else LANGUAGE_NOTE.format(*langs) if langs else formatting_only(raw, rules.noise)
        if form:
            judged.append((_hunk(raw, False, form), ""))
        elif not echoes.reduce(raw):
            judged.append((_hunk(raw, False, ECHO_NOTE), ""))
        else:
            judged.append(_judged(raw, rules, names=names))
    echoes.finish()
    judged += [_judged(raw, rules, effective=True) for raw in echoes.effective]
    hunks = [h for h, _ in judged]
    best = ("none", "No material change")
    merged: dict[str, set[str]] = {}
    for hunk, reason in judged:
        if hunk.material and SEVERITY_ORDER[hunk.severity] > SEVERITY_ORDER[best[0]]:
            best = (hunk.severity, reason)
        for k, v in hunk.entities.items():
            merged.setdefault(k, set()).update(v)
    all_labels = {lab for h in hunks for lab in h.labels}
    return ChangeResult(
        material=any(h.material for h in hunks),
        labels=sorted(all_labels & set(CONTRACT_LABELS)),
        severity=best[0],
        severity_reason=best[1],
        changes=hunks,
        entities={k: sorted(v) for k, v in sorted(merged.items())},
        extra_labels=sorted(all_labels - set(CONTRACT_LABELS)),
        classifier_version=CLASSIFIER_VERSION,
    )


def compared(pair: tuple[str, str]) -> dict[str, Any]:
    """``compare(old, new).to_dict()`` of an ``(old, new)`` pair: picklable, for the CPU worker
    pool (a worker that unpickles it imports only this package)."""
    return compare(*pair).to_dict()
