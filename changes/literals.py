"""Which of the rules' pre-check literals a sentence holds, found in one pass (Aho-Corasick).

Every cue pattern has literals one of which any match must contain (its ``gate``, or the clauses of
an explicit ``pre``). Testing them one by one costs ~75 substring searches a sentence; one pass of
an Aho-Corasick automaton over the sentence (pyahocorasick) finds all that occur at once, and each
pattern then asks a set.
"""

from __future__ import annotations

import functools

import ahocorasick

from changes.rules import DIGIT, Pre, Rules


def _automaton(literals: set[str]) -> ahocorasick.Automaton | None:
    if not literals:
        return None
    auto = ahocorasick.Automaton()
    for lit in literals:
        auto.add_word(lit, lit)
    auto.make_automaton()
    return auto


@functools.lru_cache(maxsize=4)
def automata(rules: Rules) -> tuple[ahocorasick.Automaton | None, ahocorasick.Automaton | None]:
    """Automata over the lower-case literals (searched in the lower-cased text) and over the
    case-sensitive ones (searched in the text itself)."""
    low: set[str] = set()
    cased: set[str] = set()
    for label in rules.labels:
        for p in label.patterns:
            if p.pre:
                for clause in p.pre:
                    (cased if p.case_sensitive else low).update(lit for lit in clause if lit != DIGIT)
            elif p.gate is not None:
                low.update(p.gate)
        for clause in (*label.mask_pre, *label.sentence_mask_pre):
            low.update(lit for lit in clause if lit != DIGIT)
    return _automaton(low), _automaton(cased)


@functools.lru_cache(maxsize=4)
def gate_automaton(rules: Rules) -> ahocorasick.Automaton | None:
    """An automaton over the entity patterns' gate literals (None when there are none, or an empty
    one, which every text holds)."""
    lits = {lit for kind in rules.entities for gate in kind.gates if gate for lit in gate}
    return None if "" in lits else _automaton(lits)


def gate_literals(low: str, rules: Rules) -> frozenset[str] | None:
    """The entity gate literals found in `low` in one pass (None: test each gate itself), so that
    ``not found.isdisjoint(gate)`` is ``any(lit in low for lit in gate)``."""
    auto = gate_automaton(rules)
    return None if auto is None else frozenset(lit for _, lit in auto.iter(low))


def present(text: str, low: str, rules: Rules) -> tuple[frozenset[str], frozenset[str]]:
    """The lower-case literals found in `low` and the case-sensitive ones found in `text`."""
    low_auto, cased_auto = automata(rules)
    found_low = frozenset(lit for _, lit in low_auto.iter(low)) if low_auto is not None else frozenset()
    found_cased = frozenset(lit for _, lit in cased_auto.iter(text)) if cased_auto is not None else frozenset()
    return found_low, found_cased


_CLAUSES: dict[Pre, tuple[tuple[frozenset[str], bool], ...]] = {}


def _clauses(pre: Pre) -> tuple[tuple[frozenset[str], bool], ...]:
    """A pre-check as (its literals, whether DIGIT is among them) per clause (cached per pre-check)."""
    out = _CLAUSES.get(pre)
    if out is None:
        out = _CLAUSES[pre] = tuple((frozenset(lit for lit in clause if lit != DIGIT), DIGIT in clause)
                                    for clause in pre)
    return out


def satisfied(pre: Pre, found: frozenset[str], has_digit: bool) -> bool:
    """Whether every clause of a pre-check has one of its literals among `found`."""
    for lits, digit in _clauses(pre):
        if not (digit and has_digit) and found.isdisjoint(lits):
            return False
    return True
