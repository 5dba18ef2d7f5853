"""Agreement between two labellers of the same version pairs (a blind second opinion).

Usage:
  python bench/label_agreement.py --sample N --seed S --out FILE [--export DIR] [--shared DIR] [--ota DIR]
  python bench/label_agreement.py --compare FILE [--verbose] [--shared DIR] [--own FILE]

`--sample` draws N/2 pair ids from the shared hand-labelled set (../shared/labelled) and N/2 from the
held-out split of fixtures/labelled/pairs.jsonl, seeded, and writes a work list holding only each pair's
`id`, `set` and where its texts are (`dir` for the shared set, `source` for our own rows): never the
first labeller's `material`, `labels`, `evidence`, `why` or `archive_change`. `--export DIR` also writes
each pair's old.md, new.md and a unified diff to DIR/<id>/ for labelling.

`--compare` reads second-opinion rows (`id`, `set`, `material`, `labels`, `evidence`, `why`,
`archive_change`, `labeller`) and prints only aggregate figures per set and overall: pairs, agreement
rate and Cohen's kappa for `material` and each label (present/absent per pair, over all pairs), and the
number of disagreements. `--verbose` lists disagreeing ids with both labellers' values: for labellers
only, never for whoever changes the classifier's rules (held-out pairs).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from classify_eval import LABELS, default_shared, load_jsonl, pair_texts  # noqa: E402

FIELDS = ("material", *LABELS)
SETS = ("shared", "held_out")
OWN = ROOT / "fixtures" / "labelled" / "pairs.jsonl"
DEFAULT_SHARED = default_shared()
DEFAULT_OTA = Path("/work/.mirror")


def work_row(row: dict, which: str) -> dict:
    """The work-list row of a labelled pair: id, set and where its texts are, nothing of its labels."""
    where = {"dir": row["dir"]} if which == "shared" else {"source": row["source"]}
    return {"id": row["id"], "set": which, **where}


def draw(shared: list[dict], held_out: list[dict], n: int, seed: int) -> list[dict]:
    """N/2 seeded random work rows from each set (ids sorted first, so the draw depends on the seed only)."""
    rng = random.Random(seed)
    out: list[dict] = []
    for which, rows in (("shared", shared), ("held_out", held_out)):
        pool = sorted(rows, key=lambda r: r["id"])
        out += [work_row(r, which) for r in rng.sample(pool, min(n // 2, len(pool)))]
    return out


def export(work: list[dict], folder: Path, shared_dir: Path, ota: Path) -> int:
    """Write old.md, new.md and diff.txt of each work row to folder/NN_<id>/ (NN: its place in the work
    list, the id's other characters than letters, digits, '.' and '-' as '_'); return how many had texts."""
    done = 0
    for i, row in enumerate(work):
        texts = pair_texts(row, [shared_dir] if row["set"] == "shared" else [], ota)
        if texts is None:
            continue
        d = folder / f"{i:02d}_{re.sub(r'[^A-Za-z0-9.-]', '_', row['id'])}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "old.md").write_text(texts[0], encoding="utf-8")
        (d / "new.md").write_text(texts[1], encoding="utf-8")
        diff = difflib.unified_diff(texts[0].splitlines(), texts[1].splitlines(), "old.md", "new.md", n=1,
                                    lineterm="")
        (d / "diff.txt").write_text("\n".join(diff) + "\n", encoding="utf-8")
        done += 1
    return done


def value(row: dict, field: str) -> bool:
    """A row's call on one field: `material`, or whether it carries the label."""
    return bool(row["material"]) if field == "material" else field in row["labels"]


def kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two raters' yes/no calls; None when chance agreement is 1 (both always alike)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    yes_a = sum(a for a, _ in pairs) / n
    yes_b = sum(b for _, b in pairs) / n
    chance = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    return None if chance == 1 else (observed - chance) / (1 - chance)


@dataclass(frozen=True)
class Agreement:
    """Two labellers' agreement on one field over a set of pairs."""
    field: str
    pairs: int
    agree: int
    first_yes: int
    second_yes: int
    kappa: float | None

    @property
    def rate(self) -> float:
        return self.agree / self.pairs if self.pairs else 1.0


def agreement(matched: list[tuple[dict, dict]], field: str) -> Agreement:
    """Agreement on `field` between (first, second) rows of the same pairs."""
    calls = [(value(a, field), value(b, field)) for a, b in matched]
    return Agreement(field, len(calls), sum(a == b for a, b in calls), sum(a for a, _ in calls),
                     sum(b for _, b in calls), kappa(calls))


def table(title: str, matched: list[tuple[dict, dict]]) -> list[str]:
    """The aggregate lines of one set: no pair id, no text."""
    lines = [f"== {title}: {len(matched)} pairs",
             f"{'field':<12} {'agree':>7} {'rate':>6} {'kappa':>6} {'disagree':>8} {'first':>6} {'second':>6}"]
    for field in FIELDS:
        a = agreement(matched, field)
        k = "n/a" if a.kappa is None else f"{a.kappa:.3f}"
        lines.append(f"{field:<12} {a.agree:>3}/{a.pairs:<3} {a.rate:>6.3f} {k:>6} {a.pairs - a.agree:>8} "
                     f"{a.first_yes:>6} {a.second_yes:>6}")
    return lines


def match(first: Iterable[dict], second: list[dict]) -> list[tuple[dict, dict]]:
    """(first labeller's row, second opinion) for each second-opinion row whose id the first set has."""
    by_id = {r["id"]: r for r in first}
    missing = [r["id"] for r in second if r["id"] not in by_id]
    if missing:
        raise SystemExit(f"{len(missing)} second-opinion rows have no first label")
    return [(by_id[r["id"]], r) for r in second]


def report(first: dict[str, list[dict]], second: list[dict], verbose: bool = False) -> list[str]:
    """Aggregate agreement lines per set and overall (with `verbose`, disagreeing ids and both calls)."""
    lines: list[str] = []
    everything: list[tuple[dict, dict]] = []
    for which in SETS:
        matched = match(first.get(which, []), [r for r in second if r["set"] == which])
        if not matched:
            continue
        everything += matched
        lines += table({"shared": "shared set", "held_out": "own held-out set"}[which], matched) + [""]
    lines += table("overall", everything)
    if verbose:
        lines.append("\ndisagreements (first -> second):")
        for a, b in everything:
            for field in FIELDS:
                if value(a, field) != value(b, field):
                    lines.append(f"    {a['id']} {field}: {value(a, field)} -> {value(b, field)}"
                                 f"  first labels {sorted(a['labels'])}, second {sorted(b['labels'])}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, help="draw N pair ids (N/2 from each set)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="the work list to write (with --sample)")
    ap.add_argument("--export", type=Path, help="with --sample: write each pair's texts and diff here")
    ap.add_argument("--compare", type=Path, help="second-opinion rows to compare with the first labels")
    ap.add_argument("--verbose", action="store_true",
                    help="list disagreeing ids and both calls (labellers only; never on held-out rows "
                         "for whoever changes rules)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared hand-labelled set")
    ap.add_argument("--ota", type=Path, default=DEFAULT_OTA, help="a folder of Open Terms Archive clones")
    ap.add_argument("--own", type=Path, default=OWN, help="our own labelled pairs (default: fixtures/labelled)")
    args = ap.parse_args()
    shared = load_jsonl(args.shared / "pairs.jsonl")
    held_out = [r for r in load_jsonl(args.own) if r["split"] == "held_out"]
    if args.sample:
        if args.out is None:
            ap.error("--sample needs --out")
        work = draw(shared, held_out, args.sample, args.seed)
        args.out.write_text("".join(json.dumps(r) + "\n" for r in work), encoding="utf-8")
        print(f"wrote {len(work)} work rows to {args.out}")
        if args.export:
            print(f"exported texts of {export(work, args.export, args.shared, args.ota)} pairs to {args.export}")
    elif args.compare:
        print("\n".join(report({"shared": shared, "held_out": held_out}, load_jsonl(args.compare),
                               args.verbose)))
    else:
        ap.error("give --sample N --out FILE or --compare FILE")


if __name__ == "__main__":
    main()
