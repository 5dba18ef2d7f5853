"""A/B timing of changes.compare on the classify_speed pair: two source trees, alternately.

Usage: python bench/classify_ab.py OLD_ROOT [NEW_ROOT] [--rounds R] [--runs N]

Each round starts one process per tree (order alternating) that times N cold compare() calls of
bench/classify_speed.py's ~130 KB pair; the medians of CPU and wall time over all calls are printed
with their ratio. On a busy machine the ratio is the figure to trust: both trees see the same load.
OLD_ROOT is typically a `git worktree add --detach` of the commit to compare with.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(root: str, runs: int) -> None:
    sys.path[:0] = [root, f"{root}/bench"]
    import classify_speed as cs  # the tree's own bench: its pair and its cold()

    from changes import compare
    from changes.rules import load_rules
    assert Path(sys.modules["changes"].__file__).resolve().is_relative_to(Path(root).resolve())
    old = cs.text("pga/privacy-policy/2025-09-18") + "\n\n" + cs.text("contrib/privacy-policy/2024-08-01")
    new = cs.text("pga/privacy-policy/2025-11-04") + "\n\n" + cs.text("contrib/privacy-policy/2024-09-19")
    load_rules()
    compare(old, new)
    cpu, wall = [], []
    for _ in range(runs):
        cs.cold()
        t, c = time.perf_counter(), time.process_time()
        compare(old, new)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(json.dumps({"cpu": cpu, "wall": wall}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="root of the tree to compare with")
    ap.add_argument("new", nargs="?", default=str(ROOT), help="root of the tree under test (default: this one)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--runs", type=int, default=7, help="compare() calls per process")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.runs)
        return
    trees = [str(Path(args.old).resolve()), str(Path(args.new).resolve())]
    got: dict[str, dict[str, list[float]]] = {t: {"cpu": [], "wall": []} for t in trees}
    for r in range(args.rounds):
        for tree in trees if r % 2 == 0 else trees[::-1]:
            out = subprocess.run([sys.executable, __file__, trees[0], "--child", tree, "--runs", str(args.runs)],
                                 capture_output=True, text=True, check=True).stdout
            for k, v in json.loads(out).items():
                got[tree][k] += v
    for k in ("cpu", "wall"):
        a, b = (statistics.median(got[t][k]) * 1000 for t in trees)
        print(f"{k:4s}: old median {a:.1f} ms, new median {b:.1f} ms, new/old {b / a:.3f} "
              f"({len(got[trees[0]][k])} calls each)")


if __name__ == "__main__":
    main()
