"""Dev-set evaluation of changes.compare: precision, recall and F1 per label and for `material`.

Usage: python bench/classify_eval.py [--verbose]

Reads fixtures/devset/pairs.jsonl (real LinkedIn version pairs, gold reviewed against LABELS.md) and
fixtures/classify/other_platforms.jsonl (synthetic snippets in other platforms' style) and
fixtures/field/pairs.jsonl (real passages of other platforms' policy changes; misclassified rows are
always listed).
Label metrics use English, non-rewrite pairs; `material` uses every pair except archive URL switches,
which are reported separately (a pure two-text function cannot know the archive switched URL).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from changes import compare  # noqa: E402

LABELS = ("ai_training", "regions", "opt_out")


def read_text(path: Path) -> str:
    """A fixture file, gunzipped when it ends in .gz."""
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(rows: list[dict], predict, title: str, verbose: bool) -> dict[str, tuple[float, float, float]]:
    """Print P/R/F1 for material and each label; return them."""
    results = [(row, predict(row)) for row in rows]
    out = {}
    print(f"\n== {title}: {len(rows)} pairs")
    print(f"{'label':<12} {'n_gold':>6} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7} {'F1':>6}")
    for name in ("material", *LABELS):
        tp = fp = fn = 0
        errors = []
        for row, res in results:
            if name != "material" and not row.get("label_eval", True):
                continue
            gold = row["material"] if name == "material" else name in row["labels"]
            pred = res.material if name == "material" else name in res.labels
            tp += gold and pred
            fp += pred and not gold
            fn += gold and not pred
            if gold != pred:
                errors.append(("FP" if pred else "FN", row["id"]))
        p, r, f = prf(tp, fp, fn)
        out[name] = (p, r, f)
        print(f"{name:<12} {tp + fn:>6} {tp:>4} {fp:>4} {fn:>4} {p:>9.3f} {r:>7.3f} {f:>6.3f}")
        if verbose:
            for kind, rid in errors:
                print(f"    {kind} {rid}")
    noise_fp = [(row["id"], res) for row, res in results if not row["material"] and res.material]
    print(f"noise pairs wrongly called material: {len(noise_fp)}")
    for rid, res in noise_fp:
        first = next((h for h in res.changes if h.material), None)
        where = f"{first.kind}: {(first.old or first.new)[:90]!r}" if first else ""
        print(f"    {rid}  [{res.severity}] {where}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", "-v", action="store_true", help="list every FP/FN pair")
    args = ap.parse_args()
    dev_dir = ROOT / "fixtures/devset"
    pairs = load_jsonl(dev_dir / "pairs.jsonl")
    for row in pairs:
        row["label_eval"] = row["lang"] == "en" and not row["rewrite"]
    cache: dict[str, object] = {}

    def predict_pair(row: dict):
        if row["id"] not in cache:
            cache[row["id"]] = compare(read_text(dev_dir / row["old"]), read_text(dev_dir / row["new"]))
        return cache[row["id"]]

    kept = [r for r in pairs if not r["url_switch"]]
    score(kept, predict_pair, "LinkedIn dev set (fixtures/devset)", args.verbose)
    print(f"label metrics on {sum(r['label_eval'] for r in kept)} English non-rewrite pairs")
    print("\narchive URL switches (gold: not material; excluded above):")
    for row in pairs:
        if row["url_switch"]:
            res = predict_pair(row)
            print(f"    {row['id']}: material={res.material} labels={res.labels} severity={res.severity}")

    synth = load_jsonl(ROOT / "fixtures/classify/other_platforms.jsonl")
    score(synth, lambda row: compare(row["old"], row["new"]),
          "other platforms (synthetic, fixtures/classify)", args.verbose)

    field = load_jsonl(ROOT / "fixtures/field/pairs.jsonl")
    field_cache: dict[str, object] = {}

    def predict_field(row: dict):
        if row["id"] not in field_cache:
            field_cache[row["id"]] = compare(row["old"], row["new"])
        return field_cache[row["id"]]

    score(field, predict_field, "other platforms (real field passages, fixtures/field)", True)
    print("misclassified field rows (gold -> predicted):")
    for row in field:
        res = predict_field(row)
        gold = (row["material"], sorted(row["labels"]))
        got = (res.material, sorted(res.labels))
        if gold != got:
            print(f"    {row['id']}: material {gold[0]}->{got[0]} labels {gold[1]}->{got[1]}")


if __name__ == "__main__":
    main()
