"""``compare(old, new)``: the pure function at the heart of diffing and classifying."""

from __future__ import annotations

from changes.classify import classify_hunk, severity
from changes.diff import RawHunk, diff_blocks
from changes.model import CONTRACT_LABELS, SEVERITY_ORDER, ChangeResult, Hunk
from changes.noise import formatting_only, judge_content
from changes.rules import Rules, load_rules
from changes.structure import parse_blocks

CLASSIFIER_VERSION = "1.1.0"  # 1.1: one change per sentence unit, moves with from_section, edits
STUB_NOTE = "capture failure: one version is empty or a stub"


# Every character for which str.isspace() holds (what str.split() splits on).
_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _non_space(text: str) -> int:
    """Non-whitespace characters of a text: the same as sum(map(len, text.split())), but faster."""
    return len(text) - sum(text.count(c) for c in (_WHITESPACE[:10] if text.isascii() else _WHITESPACE))


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


def compare(old_text: str, new_text: str, rules: Rules | None = None) -> ChangeResult:
    """Diff two versions of a document and classify every change. Pure: no I/O after rules load.

    ``rules`` defaults to the packaged rules (loaded once); pass others to try a rules change.
    """
    rules = rules or load_rules()
    stub = _stub(old_text, new_text, rules)
    hunks: list[Hunk] = []
    best = ("none", "No material change")
    merged: dict[str, set[str]] = {}
    for raw in diff_blocks(parse_blocks(old_text), parse_blocks(new_text), rules.noise):
        form = STUB_NOTE if stub else formatting_only(raw, rules.noise)
        if form:
            hunks.append(_hunk(raw, False, form))
            continue
        cl = classify_hunk(raw, rules)
        # formatting_only gave '': judge's form checks would pass again, so only its content checks run
        material, note = judge_content(raw, bool(cl.labels), cl.any_direct, rules.noise)
        hunk = _hunk(raw, material, note)
        if material:
            hunk.labels, hunk.evidence, hunk.entities = sorted(cl.labels), cl.evidence, cl.entities
            hunk.severity, reason = severity(cl, raw.section, rules)
            if SEVERITY_ORDER[hunk.severity] > SEVERITY_ORDER[best[0]]:
                best = (hunk.severity, reason)
            for k, v in cl.entities.items():
                merged.setdefault(k, set()).update(v)
        hunks.append(hunk)
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
