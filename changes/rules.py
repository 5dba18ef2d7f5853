"""Load and validate the packaged classification rules (``changes/rules/*.toml``).

The rules are data: vocabulary and weights per label, entity patterns, noise settings and severity
rules. This module turns them into compiled, immutable objects once per process (cached).
Unknown keys are rejected so that a typo in a rules file fails loudly instead of silently.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from changes.prefilter import literals

SEVERITY_LEVELS = ("none", "low", "medium", "high")


def _gate(lits: frozenset[str] | None) -> tuple[str, ...] | None:
    """Literals as a tuple, longest first (None: the pattern must always run)."""
    return tuple(sorted(lits, key=lambda x: (-len(x), x))) if lits else None


Pre = tuple[tuple[str, ...], ...]
"""An explicit pre-check from the rules files: every clause (a tuple of literals) must have one
literal in the text (lower-cased for case-insensitive regexes; the literal ``\\d`` means any decimal
digit), else the regex cannot match and is skipped. Purely an optimisation: a pre-check must never
reject a text the regex matches."""

DIGIT = "\\d"


def _pre(where: str, value: Any, case_sensitive: bool) -> Pre:
    """Validate an explicit ``pre`` list (a list of clauses, each a list of literals)."""
    if not isinstance(value, list) or not all(isinstance(c, list) and c for c in value):
        raise RulesError(f"{where}: pre must be a list of non-empty lists of literals")
    out = []
    for clause in value:
        for lit in clause:
            if not isinstance(lit, str) or not lit:
                raise RulesError(f"{where}: pre literals must be non-empty strings")
            if not case_sensitive and not all(c.isascii() and c == c.lower() or c == c.lower() == c.upper()
                                              for c in lit):
                raise RulesError(f"{where}: pre literals of a case-insensitive regex must be lower-case "
                                 "ASCII or caseless characters")
        out.append(tuple(clause))
    return tuple(out)


def _starts(where: str, value: Any, case_sensitive: bool) -> tuple[str, ...]:
    """Validate an explicit ``starts`` list (literals one of which every match starts with)."""
    if not isinstance(value, list):
        raise RulesError(f"{where}: starts must be a list of literals")
    return _pre(where, [value], case_sensitive)[0] if value else ()


class RulesError(ValueError):
    """Raised by :func:`load_rules` when a rules file is malformed (bad key, regex or value)."""


@dataclass(frozen=True)
class Pattern:
    """One weighted cue of a label."""

    id: str
    regex: re.Pattern[str]
    weight: float
    literals: frozenset[str] | None = None  # one of these occurs in every match (pre-check)
    gate: tuple[str, ...] | None = None      # literals to look for in lower-cased text (None: always run)
    pre: Pre = ()                            # explicit pre-check from the rules file (see Pre)
    case_sensitive: bool = False
    starts: tuple[str, ...] = ()             # literals one of which every match starts with (after
    #                                          zero-width assertions); lower-case unless case-sensitive
    sentence: bool = False                   # anchored anywhere in a changed sentence (a scope cue:
    #                                          "if you live in the EU, ...", "to exercise your rights, ...")


@dataclass(frozen=True)
class Label:
    """A label: its cues and how they add up."""

    name: str
    description: str
    threshold: float
    context_factor: float
    contract: bool
    patterns: tuple[Pattern, ...]
    window: int = 0                        # cues within this many words of a changed word are anchored
    anchored: bool = False                 # sentence context counts only when a cue is anchored
    mask: re.Pattern[str] | None = None    # cues inside a match of this are ignored (addresses, ...)
    mask_pre: Pre = ()                     # explicit pre-check of the mask (lower-cased text)
    section: bool = False                  # a strong cue in the hunk's section path is anchored (an
    #                                        edit inside "California Privacy Rights" is regional)
    section_ignore: re.Pattern[str] | None = None  # headings matching this give no section cue
    sentence_mask: re.Pattern[str] | None = None   # cues in a sentence (to "." or ";") matching this are ignored
    ignore_renames: bool = False           # a unit that only swaps names gets no such label
    sentence_mask_pre: Pre = ()            # explicit pre-check of the sentence mask (lower-cased text)
    mask_parts: tuple[re.Pattern[str], ...] = ()  # the mask's entries, each compiled alone (to leave out
    #                                        the ones that cannot match a sentence before scanning it)


@dataclass(frozen=True)
class EntityKind:
    """Patterns extracting one kind of entity, with optional canonical names."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    canonical: dict[str, str]
    gates: tuple[tuple[str, ...] | None, ...] = ()  # per pattern, literal pre-check (None: always run)
    pres: tuple[Pre, ...] = ()                       # per pattern, explicit pre-check (see Pre)
    case_sensitive: bool = False


@dataclass(frozen=True)
class SeverityRule:
    """First matching rule gives a material hunk its severity."""

    level: str
    reason: str
    labels_all: tuple[str, ...] = ()
    labels_any: tuple[str, ...] = ()
    direction: tuple[tuple[str, str], ...] = ()
    cue_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoiseRules:
    """Settings deciding what is not material."""

    tracking_params: tuple[str, ...]
    wrapper_hosts: tuple[str, ...]
    ignore: re.Pattern[str]
    ignore_literals: frozenset[str]  # empty = always apply `ignore`
    placeholder: tuple[re.Pattern[str], ...]
    announcement: tuple[re.Pattern[str], ...]
    filler_words: frozenset[str]
    protected_words: frozenset[str]
    typo_max_distance: tuple[tuple[int, int], ...]
    label_line_max_words: int
    nav_min_items: int
    stub_ratio: float
    stub_min_chars: int
    truncation_max_words: int
    month_words: frozenset[str] = frozenset()
    date_words: frozenset[str] = frozenset()
    revision: re.Pattern[str] | None = None
    number_units: frozenset[str] = frozenset()
    cookie_banner: tuple[re.Pattern[str], ...] = ()
    cookie_banner_max_words: int = 0
    language_stopwords: tuple[tuple[str, frozenset[str]], ...] = ()
    language_min_hits: int = 0
    language_margin: float = 1.0
    language_link: re.Pattern[str] | None = None
    contact: re.Pattern[str] | None = None
    address_words: frozenset[str] = frozenset()
    legal_forms: frozenset[str] = frozenset()
    title_words: frozenset[str] = frozenset()  # words of a document's title or a breadcrumb line
    title_joiners: frozenset[str] = frozenset()  # words joining a title's words ("of", "de")
    title_max_words: int = 0                   # longest line read as a title or breadcrumb
    name_min_count: int = 0                    # a capitalised word this frequent in a version is a name


@dataclass(frozen=True, eq=False)
class Rules:
    """Everything the classifier reads from data (hashed by identity, for per-rules caches)."""

    labels: tuple[Label, ...]
    entities: tuple[EntityKind, ...]
    severity: tuple[SeverityRule, ...]
    noise: NoiseRules
    negation: re.Pattern[str] | None = None


def _check_keys(where: str, table: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {sorted(unknown)}")
    missing = required - set(table)
    if missing:
        raise RulesError(f"{where}: missing key(s) {sorted(missing)}")


def _compile(where: str, regex: str, case_sensitive: bool = False) -> re.Pattern[str]:
    try:
        return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{where}: bad regex {regex!r}: {exc}") from exc


def parse_labels(data: dict[str, Any]) -> tuple[Label, ...]:
    """Validate the ``[labels.*]`` tables of labels.toml."""
    _check_keys("labels.toml", data, {"labels"}, {"labels"})
    labels = []
    for name, table in data["labels"].items():
        where = f"labels.{name}"
        _check_keys(where, table, {"description", "threshold", "context_factor", "contract", "patterns",
                                   "window", "anchored", "mask", "mask_pre", "section", "section_ignore",
                                   "sentence_mask", "sentence_mask_pre", "ignore_renames"},
                    {"threshold", "patterns"})
        seen: set[str] = set()
        patterns = []
        for i, p in enumerate(table["patterns"]):
            _check_keys(f"{where}.patterns[{i}]", p,
                        {"id", "regex", "weight", "case_sensitive", "pre", "starts", "scope"},
                        {"id", "regex", "weight"})
            if p["id"] in seen:
                raise RulesError(f"{where}: duplicate pattern id {p['id']!r}")
            seen.add(p["id"])
            if not 0 < float(p["weight"]) <= 10:
                raise RulesError(f"{where}.{p['id']}: weight out of range")
            cs = bool(p.get("case_sensitive", False))
            if p.get("scope", "words") not in ("words", "sentence"):
                raise RulesError(f"{where}.{p['id']}: scope must be 'words' or 'sentence'")
            patterns.append(Pattern(p["id"], _compile(f"{where}.{p['id']}", p["regex"], cs),
                                    float(p["weight"]), literals(p["regex"]), _gate(literals(p["regex"])),
                                    _pre(f"{where}.{p['id']}", p.get("pre", []), cs), cs,
                                    _starts(f"{where}.{p['id']}.starts", p.get("starts", []), cs),
                                    p.get("scope") == "sentence"))
        masks = [str(m) for m in table.get("mask", [])]
        mask = _compile(f"{where}.mask", "|".join(f"(?:{m})" for m in masks), True) if masks else None
        window = int(table.get("window", 0))
        if window < 0:
            raise RulesError(f"{where}: window must be >= 0")
        labels.append(Label(name, str(table.get("description", "")), float(table["threshold"]),
                            float(table.get("context_factor", 0.5)), bool(table.get("contract", False)),
                            tuple(patterns), window, bool(table.get("anchored", False)), mask,
                            _pre(f"{where}.mask_pre", table.get("mask_pre", []), False),
                            bool(table.get("section", False)),
                            _compile(f"{where}.section_ignore", table["section_ignore"], True)
                            if "section_ignore" in table else None,
                            _compile(f"{where}.sentence_mask", table["sentence_mask"], True)
                            if "sentence_mask" in table else None,
                            bool(table.get("ignore_renames", False)),
                            _pre(f"{where}.sentence_mask_pre", table.get("sentence_mask_pre", []), False),
                            tuple(_compile(f"{where}.mask", m, True) for m in masks)))
    return tuple(sorted(labels, key=lambda lab: lab.name))


def parse_entities(data: dict[str, Any]) -> tuple[EntityKind, ...]:
    """Validate the ``[entities.*]`` tables of entities.toml."""
    _check_keys("entities.toml", data, {"entities"}, {"entities"})
    kinds = []
    for name, table in data["entities"].items():
        _check_keys(f"entities.{name}", table, {"patterns", "canonical", "case_sensitive", "pre"}, {"patterns"})
        cs = bool(table.get("case_sensitive", False))
        pats = tuple(_compile(f"entities.{name}", r, cs) for r in table["patterns"])
        canonical = {str(k).lower(): str(v) for k, v in table.get("canonical", {}).items()}
        pre = table.get("pre", [[] for _ in pats])
        if not isinstance(pre, list) or len(pre) != len(pats):
            raise RulesError(f"entities.{name}: pre must have one entry (a list of clauses) per pattern")
        pres = tuple(_pre(f"entities.{name}.pre[{i}]", x, cs) for i, x in enumerate(pre))
        kinds.append(EntityKind(name, pats, canonical, tuple(_gate(literals(r)) for r in table["patterns"]),
                                pres, cs))
    return tuple(sorted(kinds, key=lambda k: k.name))


def parse_severity(data: dict[str, Any], label_names: set[str]) -> tuple[SeverityRule, ...]:
    """Validate severity.toml against the known labels."""
    _check_keys("severity.toml", data, {"rules", "negation"}, {"rules"})
    rules = []
    for i, r in enumerate(data["rules"]):
        where = f"severity.rules[{i}]"
        _check_keys(where, r, {"level", "reason", "labels_all", "labels_any", "direction", "cue_any"},
                    {"level", "reason"})
        if r["level"] not in SEVERITY_LEVELS[1:]:
            raise RulesError(f"{where}: level must be one of low, medium, high")
        used = set(r.get("labels_all", [])) | set(r.get("labels_any", [])) | set(r.get("direction", {}))
        if used - label_names:
            raise RulesError(f"{where}: unknown label(s) {sorted(used - label_names)}")
        for lab, d in r.get("direction", {}).items():
            if d not in ("added", "removed"):
                raise RulesError(f"{where}: direction of {lab} must be added or removed")
        rules.append(SeverityRule(r["level"], r["reason"], tuple(r.get("labels_all", [])),
                                  tuple(r.get("labels_any", [])),
                                  tuple(sorted(r.get("direction", {}).items())),
                                  tuple(r.get("cue_any", []))))
    return tuple(rules)


def parse_noise(data: dict[str, Any]) -> NoiseRules:
    """Validate noise.toml."""
    keys = {"tracking_params", "wrapper_hosts", "ignore_patterns", "ignore_hints", "placeholder_patterns",
            "announcement_patterns", "filler_words", "protected_words", "typo_max_distance",
            "label_line_max_words", "nav_min_items", "stub_ratio", "stub_min_chars",
            "truncation_max_words", "month_words", "date_words", "revision_pattern", "number_units",
            "cookie_banner_patterns", "cookie_banner_max_words", "language_stopwords", "language_min_hits",
            "language_margin", "language_link_pattern", "contact_pattern", "address_words", "legal_forms"}
    optional = {"title_words", "title_joiners", "title_max_words", "name_min_count"}
    _check_keys("noise.toml", data, keys | optional, keys)
    ignore = "|".join(f"(?:{p})" for p in data["ignore_patterns"])
    return NoiseRules(
        tracking_params=tuple(data["tracking_params"]),
        wrapper_hosts=tuple(data["wrapper_hosts"]),
        ignore=_compile("noise.ignore_patterns", ignore),
        ignore_literals=frozenset(h.lower() for h in data["ignore_hints"]),
        placeholder=tuple(_compile("noise.placeholder_patterns", p) for p in data["placeholder_patterns"]),
        announcement=tuple(_compile("noise.announcement_patterns", p)
                           for p in data["announcement_patterns"]),
        filler_words=frozenset(w.lower() for w in data["filler_words"]),
        protected_words=frozenset(w.lower() for w in data["protected_words"]),
        typo_max_distance=tuple((int(a), int(b)) for a, b in data["typo_max_distance"]),
        label_line_max_words=int(data["label_line_max_words"]),
        nav_min_items=int(data["nav_min_items"]),
        stub_ratio=float(data["stub_ratio"]),
        stub_min_chars=int(data["stub_min_chars"]),
        truncation_max_words=int(data["truncation_max_words"]),
        month_words=frozenset(w.lower() for w in data["month_words"]),
        date_words=frozenset(w.lower() for w in data["date_words"]),
        revision=_compile("noise.revision_pattern", data["revision_pattern"]),
        number_units=frozenset(w.lower() for w in data["number_units"]),
        cookie_banner=tuple(_compile("noise.cookie_banner_patterns", p) for p in data["cookie_banner_patterns"]),
        cookie_banner_max_words=int(data["cookie_banner_max_words"]),
        language_stopwords=tuple((str(k), frozenset(str(w).lower() for w in v))
                                 for k, v in sorted(data["language_stopwords"].items())),
        language_min_hits=int(data["language_min_hits"]),
        language_margin=float(data["language_margin"]),
        language_link=_compile("noise.language_link_pattern", data["language_link_pattern"]),
        contact=_compile("noise.contact_pattern", data["contact_pattern"], case_sensitive=True),
        address_words=frozenset(w.lower() for w in data["address_words"]),
        legal_forms=frozenset(w.lower() for w in data["legal_forms"]),
        title_words=frozenset(w.lower() for w in data.get("title_words", [])),
        title_joiners=frozenset(w.lower() for w in data.get("title_joiners", [])),
        title_max_words=int(data.get("title_max_words", 0)),
        name_min_count=int(data.get("name_min_count", 0)),
    )


def _read(name: str) -> dict[str, Any]:
    text = resources.files("changes").joinpath("rules", name).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{name}: {exc}") from exc


def build_rules(labels: dict[str, Any], entities: dict[str, Any], severity: dict[str, Any],
                noise: dict[str, Any]) -> Rules:
    """Validate and compile parsed TOML documents (used by :func:`load_rules` and by tests)."""
    labs = parse_labels(labels)
    negation = _compile("severity.negation", severity["negation"]) if "negation" in severity else None
    return Rules(labs, parse_entities(entities), parse_severity(severity, {lab.name for lab in labs}),
                 parse_noise(noise), negation)


@functools.lru_cache(maxsize=1)
def load_rules() -> Rules:
    """The packaged rules, loaded and validated once per process."""
    return build_rules(_read("labels.toml"), _read("entities.toml"), _read("severity.toml"),
                       _read("noise.toml"))
