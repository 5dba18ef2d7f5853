"""What each classifier rule earns: every rule taken out in turn, on the sets rules were tuned on.

Usage: python bench/rule_audit.py --ota DIR [--shared DIR] [--only SUBSTRING] [--procs K]

Issue 10 asks that each rule or feature have a recorded reason and that the ones fitting a single
sentence be dropped. This script measures it. It scores `changes.compare` on the sets rules were
tuned on:
- the LinkedIn dev set (fixtures/devset);
- ../shared/labelled;
- the `tuning` split of fixtures/labelled;
- the real passages of fixtures/field (each rule's example, where it has one).
It never reads the `held_out` split: that is scored only in aggregate, by `bench/classify_eval.py
--blind`.

Then, for each rule, it scores the rules without it and prints what the rule earns. A rule is one of:
- a label's cue pattern;
- one entry of a label's `mask`;
- a label's `sentence_mask`, `section_ignore` or a noise pattern (replaced by a regex that never
  matches);
- one of the noise judgments in `changes/noise.py` (made to answer False).

For each rule it prints the pair-level decisions it puts right and wrong (material and each label,
against the gold), and the platforms they fall on:
- `one platform`: every decision it puts right is on one platform (read the rule: a general form
  met once so far, or a fit to one sentence? A field row of a tuning pair counts its passage twice);
- `harms`: it puts more wrong than right;
- `idle`: it decides nothing on these sets (its field row or unit test is then its only evidence).

A regex rule is re-scored only on the pairs where it matches somewhere (case-insensitively) in either
text; a code judgment on every pair.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from classify_eval import default_shared, load_jsonl, pair_texts, read_text  # noqa: E402

from changes import compare, noise  # noqa: E402
from changes.rules import _read, build_rules  # noqa: E402

TARGETS = ("material", "ai_training", "regions", "opt_out")
NEVER = r"(?!x)x"  # a regex that matches nothing
NOISE_JUDGMENTS = ("_placeholder", "_announcement", "_typo", "_truncation", "_menu", "_label_lines",
                   "_numbering", "_web_address_only", "_filler_edits", "_contact_detail", "_contents",
                   "_cookie_banner", "_menu_label", "_abbreviation", "_nav_menu", "_title_line")


@dataclass
class Pair:
    set: str
    id: str
    platform: str
    old: str
    new: str
    gold: tuple[bool, ...]  # per TARGETS
    scored: tuple[bool, ...]  # whether each target is scored on this pair (labels: English dev pairs only)


@dataclass
class Rule:
    name: str
    docs: dict  # the four TOML documents without the rule
    regex: str | None = None  # what to pre-filter pairs by (None: every pair)
    judgment: str | None = None  # a noise judgment made to answer False
    outcome: dict = field(default_factory=dict)


def _outcome(old: str, new: str) -> tuple[bool, ...]:
    res = compare(old, new)
    return (res.material, *(lab in res.labels for lab in TARGETS[1:]))


def load_pairs(shared: Path, ota: Path | None) -> list[Pair]:
    pairs: list[Pair] = []
    dev = ROOT / "fixtures/devset"
    for row in load_jsonl(dev / "pairs.jsonl"):
        if row["url_switch"]:
            continue
        lab = row["lang"] == "en" and not row["rewrite"]
        pairs.append(Pair("dev", row["id"], "LinkedIn", read_text(dev / row["old"]), read_text(dev / row["new"]),
                          (row["material"], *(t in row["labels"] for t in TARGETS[1:])), (True, lab, lab, lab)))
    for row in load_jsonl(shared / "pairs.jsonl"):
        d = shared / row["dir"]
        pairs.append(Pair("shared", row["id"], row["id"].split(":")[1], (d / "old.md").read_text(encoding="utf-8"),
                          (d / "new.md").read_text(encoding="utf-8"),
                          (row["material"], *(t in row["labels"] for t in TARGETS[1:])), (True,) * 4))
    for row in load_jsonl(ROOT / "fixtures/labelled/pairs.jsonl"):
        if row["split"] != "tuning":
            continue  # held-out pairs are never read one by one
        texts = pair_texts(row, [], ota)
        if texts is None:
            continue
        pairs.append(Pair("tuning", row["id"], row["id"].split(":")[1], *texts,
                          (row["material"], *(t in row["labels"] for t in TARGETS[1:])), (True,) * 4))
    for row in load_jsonl(ROOT / "fixtures/field/pairs.jsonl"):
        pairs.append(Pair("field", row["id"], row["platform"], row["old"], row["new"],
                          (row["material"], *(t in row["labels"] for t in TARGETS[1:])), (True,) * 4))
    return pairs


def rules_to_audit(only: str) -> list[Rule]:
    docs = {name: _read(f"{name}.toml") for name in ("labels", "entities", "severity", "noise")}
    out: list[Rule] = []

    def variant(edit: Callable[[dict], None]) -> dict:
        d = copy.deepcopy(docs)
        edit(d)
        return d

    for lab, table in docs["labels"]["labels"].items():
        for i, p in enumerate(table["patterns"]):
            out.append(Rule(f"labels.{lab}.{p['id']}",
                            variant(lambda d, lab=lab, i=i: d["labels"]["labels"][lab]["patterns"].pop(i)), p["regex"]))
        for i, m in enumerate(table.get("mask", [])):
            out.append(Rule(f"labels.{lab}.mask[{i}]",
                            variant(lambda d, lab=lab, i=i: d["labels"]["labels"][lab]["mask"].pop(i)), m))
        for key in ("sentence_mask", "section_ignore"):
            if key in table:
                out.append(Rule(f"labels.{lab}.{key}",
                                variant(lambda d, lab=lab, key=key: d["labels"]["labels"][lab].__setitem__(key, NEVER)),
                                table[key]))
    for key, value in docs["noise"].items():
        if key.endswith("_patterns") and isinstance(value, list):
            for i, p in enumerate(value):
                out.append(Rule(f"noise.{key}[{i}]", variant(lambda d, key=key, i=i: d["noise"][key].__setitem__(i, NEVER)), p))
        elif key.endswith("_pattern") and isinstance(value, str):
            out.append(Rule(f"noise.{key}", variant(lambda d, key=key: d["noise"].__setitem__(key, NEVER)), value))
    for name in NOISE_JUDGMENTS:
        out.append(Rule(f"noise.py {name}", docs, judgment=name))
    return [r for r in out if only in r.name]


_PAIRS: list[Pair] = []
_BASE: list[tuple[bool, ...]] = []


def _audit(rule: Rule) -> Rule:
    """Score the rules without `rule` on the pairs it can touch; keep the outcomes that differ."""
    rules = build_rules(rule.docs["labels"], rule.docs["entities"], rule.docs["severity"], rule.docs["noise"])
    saved = getattr(noise, rule.judgment) if rule.judgment else None
    if rule.judgment:
        setattr(noise, rule.judgment, lambda *a, **k: False)
    try:
        rx = re.compile(rule.regex, re.I) if rule.regex else None
        for k, p in enumerate(_PAIRS):
            if rx is not None and not (rx.search(p.old) or rx.search(p.new)):
                continue
            res = compare(p.old, p.new, rules)
            got = (res.material, *(lab in res.labels for lab in TARGETS[1:]))
            if got != _BASE[k]:
                rule.outcome[k] = got
    finally:
        if rule.judgment:
            setattr(noise, rule.judgment, saved)
    rule.docs = {}
    return rule


def _init(pairs: list[Pair], base: list[tuple[bool, ...]]) -> None:
    _PAIRS[:] = pairs
    _BASE[:] = base


def report(rule: Rule, pairs: list[Pair], base: list[tuple[bool, ...]]) -> tuple[str, str]:
    """The rule's verdict line: what it puts right (its removal puts wrong) and wrong."""
    right: dict[str, list[str]] = {}
    wrong: dict[str, list[str]] = {}
    for k, without in rule.outcome.items():
        p = pairs[k]
        for t, target in enumerate(TARGETS):
            if not p.scored[t] or without[t] == base[k][t]:
                continue
            where = right if base[k][t] == p.gold[t] else wrong
            where.setdefault(p.platform, []).append(f"{target}@{p.set}")
    n_right = sum(map(len, right.values()))
    n_wrong = sum(map(len, wrong.values()))
    if not n_right and not n_wrong:
        verdict = "idle"
    elif n_wrong > n_right:
        verdict = "harms"
    elif len(right) == 1 and n_right - n_wrong <= 2:
        verdict = "one platform"
    else:
        verdict = "earns"
    detail = "; ".join(f"+{plat}: {', '.join(v)}" for plat, v in sorted(right.items()))
    detail += ("; " if detail and wrong else "") + "; ".join(f"-{plat}: {', '.join(v)}" for plat, v in sorted(wrong.items()))
    return verdict, f"{verdict:<18} +{n_right:<3} -{n_wrong:<3} {rule.name}  {detail}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=default_shared())
    ap.add_argument("--ota", type=Path, help="a folder of Open Terms Archive *-versions clones")
    ap.add_argument("--only", default="", help="audit only the rules whose name holds this")
    ap.add_argument("--procs", type=int, default=2)
    args = ap.parse_args()
    pairs = load_pairs(args.shared, args.ota)
    base = [_outcome(p.old, p.new) for p in pairs]
    print(f"{len(pairs)} pairs: " + ", ".join(f"{s} {sum(p.set == s for p in pairs)}" for s in ("dev", "shared", "tuning", "field")))
    rules = rules_to_audit(args.only)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.procs, initializer=_init, initargs=(pairs, base)) as pool:
        done = pool.map(_audit, rules, chunksize=1)
    counts: dict[str, int] = {}
    for rule in done:
        verdict, line = report(rule, pairs, base)
        counts[verdict] = counts.get(verdict, 0) + 1
        print(line, flush=True)
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
