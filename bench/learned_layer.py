"""Would a learned layer over the rules generalise? Trains it here and prints the answer.

Usage: pip install -e '.[learn]' && python bench/learned_layer.py --ota DIR [--shared DIR]

Issue 10 welcomes a learned layer (scikit-learn, trained here, shipped as a small file) where it
beats the rules. This script is the experiment: for each label it trains, on the sets the rules were
tuned on (../shared/labelled and the `tuning` split of fixtures/labelled), a verifier that may only
*drop* a label the rules gave (every label kept still cites the rules' evidence sentence):

- ``pair``: logistic regression on 19 features of the rules' result (how many units carry the label,
  their kinds, severity, changed words, whether the evidence phrase lies in the changed words, whether
  its count differs between the two texts, how much of the document changed, ...);
- ``text``: logistic regression on TF-IDF word n-grams of each labelled unit's changed words,
  evidence sentences and cue phrases, trained on units whose gold is known (a gold-positive pair's
  unit holding the gold evidence quote is positive; every labelled unit of a gold-negative pair is
  negative); a pair keeps the label when one unit passes.

Each is scored by 5-fold cross-validation on the training sets (grouped by pair) and on the held-out
split (never used to train or to choose anything), at several thresholds, beside the rules alone
(threshold 0). A layer is worth shipping only if some threshold raises precision on held-out pairs
without losing recall that the cross-validation did not predict. On 2026-12-01 (classifier 1.3.1)
neither did: see docs/decisions.md ("No learned layer").
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

try:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
except ImportError:  # pragma: no cover - a bench-only dependency
    sys.exit("bench/learned_layer.py needs scikit-learn: pip install -e '.[learn]'")

from classify_eval import load_jsonl, pair_texts  # noqa: E402

from changes import compare  # noqa: E402
from changes.model import SEVERITY_ORDER, ChangeResult, Hunk  # noqa: E402

LABELS = ("ai_training", "regions", "opt_out")
TRAIN = ("shared", "tuning")
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6)
_WORD = re.compile(r"\w+")
_NORM = re.compile(r"[\W_]+")

Pair = tuple[str, dict, str, str, ChangeResult]  # (set, gold row, old text, new text, rules' result)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _changed_text(h: Hunk) -> str:
    if h.kind == "added":
        return h.new
    if h.kind == "removed":
        return h.old
    return " ".join(text for op, text in h.edits if op != "=")


def _phrase(evidence: str) -> str:
    return evidence.split(" — ", 1)[0].lower()


def _count(text: str, phrase: str) -> int:
    return len(re.findall(re.escape(phrase), text, re.I)) if phrase else 0


def pair_features(res: ChangeResult, old: str, new: str, label: str) -> list[float]:
    """The verifier's view of one label the rules gave a pair."""
    mat = res.material_changes
    mine = [h for h in mat if label in h.labels]
    kinds = [h.kind for h in mine]
    changed = [_words(_changed_text(h)) for h in mine]
    phrases = {_phrase(e) for h in mine for e in h.evidence.get(label, [])}
    direct = sum(any(_phrase(e) in _changed_text(h).lower() for e in h.evidence.get(label, [])) for h in mine)
    section_only = sum(all(e.split(" — ", 1)[-1].startswith("section: ") for e in h.evidence.get(label, []))
                       for h in mine)
    deltas = [(_count(old, p), _count(new, p)) for p in phrases]
    n, k = max(1, len(mine)), max(1, len(phrases))
    return [
        math.log1p(len(mine)), math.log1p(len(mat)), len(mine) / max(1, len(mat)),
        max((SEVERITY_ORDER[h.severity] for h in mine), default=0) / 3,
        *(kinds.count(kind) / n for kind in ("added", "removed", "modified")),
        math.log1p(sum(changed)), math.log1p(max(changed, default=0)),
        direct / n, section_only / n, math.log1p(len(phrases)),
        sum(a != b for a, b in deltas) / k, sum(abs(a - b) / max(1, a, b) for a, b in deltas) / k,
        float(any(a == 0 for a, _ in deltas)), float(any(b == 0 for _, b in deltas)),
        sum(_words(_changed_text(h)) for h in mat) / max(1, _words(old) + _words(new)),
        sum(h.kind == "moved" for h in res.changes) / max(1, len(res.changes)),
        len(set(res.labels) - {label}) / 2,
    ]


def unit_text(h: Hunk, label: str) -> str:
    """What the text verifier reads of one labelled unit."""
    evidence = h.evidence.get(label, [])
    return " ".join(["CH", _changed_text(h), "SE", *(e.split(" — ", 1)[-1] for e in evidence),
                     "PH", *(_phrase(e) for e in evidence), f"K_{h.kind}"])


def _model() -> LogisticRegression:
    return LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)


def _score(pairs: list[Pair], sets: tuple[str, ...], label: str, keep: dict[int, float], th: float) -> str:
    """P/R of the label over the pairs of `sets` when a rules' label is kept iff its score >= th."""
    tp = fp = fn = 0
    for i, (s, row, _, _, res) in enumerate(pairs):
        if s not in sets:
            continue
        gold = label in row["labels"]
        pred = label in res.labels and keep.get(i, 1.0) >= th
        tp, fp, fn = tp + (gold and pred), fp + (pred and not gold), fn + (gold and not pred)
    return f"P {tp / max(1, tp + fp):.3f} R {tp / max(1, tp + fn):.3f} (fp {fp:2d} fn {fn:2d})"


def _report(name: str, pairs: list[Pair], label: str, cv: dict[int, float], held: dict[int, float]) -> None:
    print(f"  {name}")
    for th in THRESHOLDS:
        what = "rules alone" if th == 0.0 else f"keep if p >= {th:.1f}"
        print(f"    {what:18s} train CV {_score(pairs, TRAIN, label, cv, th)}"
              f"   held-out {_score(pairs, ('held_out',), label, held, th)}")


def pair_layer(pairs: list[Pair], label: str) -> tuple[dict[int, float], dict[int, float]]:
    """Cross-validated scores on the training pairs and held-out scores of the pair verifier."""
    idx = [i for i, p in enumerate(pairs) if label in p[4].labels]
    x = np.array([pair_features(pairs[i][4], pairs[i][2], pairs[i][3], label) for i in idx])
    y = np.array([label in pairs[i][1]["labels"] for i in idx])
    train = np.array([pairs[i][0] in TRAIN for i in idx])
    return _fit(x, y, train, np.array(idx))


def _fit(x, y, train, groups) -> tuple[dict[int, float], dict[int, float]]:
    """5-fold grouped CV probabilities on the training rows, and a model fit on all of them
    scoring the other rows; both as {pair index: best probability}."""
    cv = np.zeros(int(train.sum()))
    xt, yt, gt = x[train], y[train], groups[train]
    for a, b in GroupKFold(5).split(xt, yt, gt):
        cv[b] = _model().fit(xt[a], yt[a]).predict_proba(xt[b])[:, 1]
    held = _model().fit(xt, yt).predict_proba(x[~train])[:, 1] if (~train).any() else []
    best_cv: dict[int, float] = {}
    best_held: dict[int, float] = {}
    for g, p in zip(gt, cv):
        best_cv[int(g)] = max(best_cv.get(int(g), 0.0), float(p))
    for g, p in zip(groups[~train], held):
        best_held[int(g)] = max(best_held.get(int(g), 0.0), float(p))
    return best_cv, best_held


def text_layer(pairs: list[Pair], label: str) -> tuple[dict[int, float], dict[int, float]]:
    """Cross-validated and held-out scores of the unit text verifier (pairs whose units' gold is
    unknown keep the label in training CV)."""
    docs, gold, train, groups = [], [], [], []
    for i, (s, row, _, _, res) in enumerate(pairs):
        quote = _NORM.sub(" ", row["evidence"].get(label, "")).lower().strip()[:60] if label in row["labels"] else ""
        for h in res.material_changes:
            if label not in h.labels:
                continue
            if label in row["labels"]:
                if not quote or quote not in _NORM.sub(" ", f"{h.old} {h.new}").lower():
                    if s in TRAIN:
                        continue  # a unit of a positive pair without the gold quote: unknown
                y = True
            else:
                y = False
            docs.append(unit_text(h, label))
            gold.append(y)
            train.append(s in TRAIN)
            groups.append(i)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    t = np.array(train)
    x = vec.fit(np.array(docs)[t]).transform(docs)
    return _fit(x, np.array(gold), t, np.array(groups))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "labelled")
    ap.add_argument("--ota", type=Path, required=True, help="a folder of Open Terms Archive *-versions clones")
    args = ap.parse_args()
    texts: list[tuple[str, dict, tuple[str, str] | None]] = []
    for row in load_jsonl(args.shared / "pairs.jsonl"):
        d = args.shared / row["dir"]
        texts.append(("shared", row, ((d / "old.md").read_text(encoding="utf-8"),
                                      (d / "new.md").read_text(encoding="utf-8"))))
    for row in load_jsonl(ROOT / "fixtures/labelled/pairs.jsonl"):
        texts.append((row["split"], row, pair_texts(row, [], args.ota)))
    pairs: list[Pair] = [(s, row, t[0], t[1], compare(*t)) for s, row, t in texts if t is not None]
    print(f"{len(pairs)} pairs: " + ", ".join(f"{s} {sum(p[0] == s for p in pairs)}" for s in (*TRAIN, "held_out")))
    layers: dict[str, Callable[[list[Pair], str], tuple[dict[int, float], dict[int, float]]]] = {
        "pair features (logistic regression)": pair_layer,
        "unit text (TF-IDF 1-2 grams, logistic regression)": text_layer,
    }
    for label in LABELS:
        print(f"\n== {label}")
        for name, layer in layers.items():
            _report(name, pairs, label, *layer(pairs, label))


if __name__ == "__main__":
    main()
