"""PolicyWatch against urlwatch, side by side in one run on the same loopback corpus.

Installs urlwatch into its own virtualenv under .bench/urlwatch-venv (never committed, never run in
CI), then for each round runs the three passes (first, unchanged, changed; see
bench/crawl_throughput.py) with urlwatch and with `policywatch check`, each on a fresh cache or
database, against the same server. Prints a table of both, and PolicyWatch's ratio to urlwatch.

    .venv/bin/python bench/vs_urlwatch.py --n 1000 --rounds 3

Figures are only meaningful on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import CorpusServer  # noqa: E402
from bench.crawl_throughput import PASSES, Pass, rounds  # noqa: E402
from bench.measure import run  # noqa: E402

URLWATCH = "urlwatch==2.29"
CONFIG = """display: {new: false, error: true, unchanged: false, empty-diff: false}
report:
  text: {details: true, footer: false, line_length: 75, minimal: false, separate: false}
  stdout: {enabled: false, color: false}
"""


def urlwatch_venv(folder: Path) -> Path:
    """A virtualenv with urlwatch in it (made once); returns its urlwatch executable."""
    exe = folder / "bin" / "urlwatch"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "-q", URLWATCH], check=True)
    return exe


class UrlwatchPasses:
    """Runs urlwatch's three passes with a fresh cache, like rounds() does for PolicyWatch."""

    def __init__(self, exe: Path, work: Path) -> None:
        self.exe, self.work = exe, work

    def round(self, server: CorpusServer) -> list[Pass]:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        urls = self.work / "urls.yaml"
        urls.write_text("".join(f"---\nname: {doc}\nurl: {url}\n" for doc, url in server.urls()))
        (self.work / "urlwatch.yaml").write_text(CONFIG)
        cache = self.work / "cache.db"
        cmd = [str(self.exe), "--urls", str(urls), "--config", str(self.work / "urlwatch.yaml"),
               "--cache", str(cache)]
        env = dict(os.environ, HOME=str(self.work))
        out = []
        for name in PASSES:
            server.phase(name)
            before = cache.stat().st_size if cache.exists() else 0
            result = run(cmd, env=env)
            if result.returncode != 0:
                sys.exit(f"urlwatch {name} pass failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
            out.append(Pass(name, result, Counter(), cache.stat().st_size - before))
        return out


def table(label: str, passes: list[list[Pass]], n: int) -> dict[str, float]:
    medians = {}
    for i, name in enumerate(PASSES):
        ps = [rnd[i] for rnd in passes]
        sec = statistics.median(p.run.seconds for p in ps)
        medians[name] = sec
        print(f"{label:12s} {name:10s} {sec:8.1f} s {n / sec:8.1f}/s  CPU "
              f"{statistics.median(p.run.cpu_seconds for p in ps):6.1f} s  peak RSS "
              f"{statistics.median(p.run.peak_rss_mb for p in ps):5.0f} MB  DB "
              f"{statistics.median(p.db_growth for p in ps) / n:8.0f} B/check  written "
              f"{statistics.median(p.run.write_bytes for p in ps) / n:8.0f} B/check")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents (default 1000)")
    parser.add_argument("--hosts", type=int, default=8, help="loopback hosts 127.0.0.1..H")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (medians are printed)")
    parser.add_argument("--db", help="PostgreSQL URL for PolicyWatch; default: SQLite")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="work folder")
    args = parser.parse_args()
    exe = urlwatch_venv(args.work / "urlwatch-venv")
    watcher = UrlwatchPasses(exe, args.work / "urlwatch")
    with CorpusServer(args.n, args.hosts) as server:
        print(f"{args.n} documents, mean page {server.mean_page_bytes / 1024:.0f} KB; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        theirs = []
        for _ in range(args.rounds):
            theirs.append(watcher.round(server))
            print(f"  urlwatch round: {', '.join(f'{p.name} {p.run.seconds:.1f} s' for p in theirs[-1])}",
                  flush=True)
        pw_args = argparse.Namespace(rounds=args.rounds, work=args.work / "crawl", db=args.db, n=args.n)
        ours = rounds(pw_args, server, [])
    print()
    base = table(f"urlwatch {URLWATCH.split('==')[1]}", theirs, args.n)
    mine = table("PolicyWatch", ours, args.n)
    print("PolicyWatch speed / urlwatch: " + ", ".join(f"{k} {base[k] / mine[k]:.2f}x" for k in PASSES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
