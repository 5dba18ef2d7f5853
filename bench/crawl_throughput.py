"""Crawl throughput of `policywatch check`: first, unchanged and changed passes over N loopback documents.

Serves N real policy texts in real page chrome on several 127.0.0.x hosts (bench/corpus.py), then
runs the real CLI (`policywatch check --format json`) once per pass in a fresh process:

- first: every document is new (one version each);
- unchanged: the same pages again (conditional requests, all 304);
- changed: every page edited (the next real recorded version): one version, diff and
  classification each.

Prints per pass: wall time end to end (process start to exit), documents per second, CPU time of
the process tree (user + system, workers included: less disturbed by other load), peak RSS of
the process tree, and for the unchanged pass the database bytes and disk bytes written per
check. Politeness is lifted only through documented settings: DOWNLOAD_DELAY=0,
AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS=8, CONCURRENT_REQUESTS_PER_DOMAIN=8, and
ROBOTSTXT_OBEY off (the declarations say robots = "ignore").

    .venv/bin/python bench/crawl_throughput.py                    # 1000 documents, SQLite
    .venv/bin/python bench/crawl_throughput.py --n 200 --rounds 3
    .venv/bin/python bench/crawl_throughput.py --db postgresql://postgres@127.0.0.1/test

Work files go to .bench/ (not committed). Figures are only meaningful on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import CorpusServer  # noqa: E402
from bench.measure import Run, run  # noqa: E402

#: The only politeness overrides (documented Scrapy settings).
BENCH_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "ROBOTSTXT_OBEY": "False",
}
PASSES = ("first", "unchanged", "changed")
#: What each pass may record: in the changed pass a few real edits extract to the same text, and
#: one shrinks past ``shrink_hold`` (held, structural).
EXPECTED = {"first": {"new_version"}, "unchanged": {"unchanged"},
            "changed": {"new_version", "unchanged", "structural"}}


def declarations(urls: Iterable[tuple[str, str]]) -> str:
    """A declarations file for the corpus, with LinkedIn's selectors and filters."""
    head = '''[platform]
id = "bench"
name = "Bench"
select = ["#component-container"]
remove = [".callout > svg", ".expandable-section__header", ".expandable-section__header-button",
          ".banner__image-container"]
filters = ["remove-cms-placeholders", "normalize-quotes"]
min_length = 1000
robots = "ignore"
robots_reason = "loopback benchmark corpus"
'''
    docs = "".join(f'\n[documents.{doc}]\nname = "{doc}"\nurl = "{url}"\n' for doc, url in urls)
    return head + docs


@dataclass
class Database:
    """The benchmark's database and how to measure its size."""

    url: str
    size: Callable[[], int]
    drop: Callable[[], None]


def sqlite_database(folder: Path) -> Database:
    path = folder / "policywatch.db"

    def size() -> int:
        return sum(p.stat().st_size for p in folder.glob("policywatch.db*"))

    return Database(f"sqlite:///{path}", size, lambda: None)


def postgres_database(url: str) -> Database:
    """A fresh schema on the server at ``url``, dropped at the end."""
    from sqlalchemy import create_engine, text

    from store.db import normalise_url

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"

    def size() -> int:
        with admin.connect() as conn:
            return int(conn.execute(text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relkind IN ('r', 'm')"), {"s": schema}).scalar())

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return Database(f"{url}{sep}options=-csearch_path%3D{schema}", size, drop)


@dataclass
class Pass:
    name: str
    run: Run
    outcomes: Counter[str]
    db_growth: int


def check_command(db: str, decl: Path, extra: list[str]) -> list[str]:
    sets = [arg for name, value in BENCH_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    return [str(ROOT / ".venv" / "bin" / "policywatch"), "check", "--quiet", "--format", "json",
            "--db", db, "--targets", str(decl), *sets, *extra]


def one_pass(name: str, server: CorpusServer, db: Database, cmd: list[str], env: dict[str, str]) -> Pass:
    server.phase(name)
    before = db.size()
    profile = env.get("BENCH_PY_SPY")
    if profile:  # py-spy's sampled stacks of the whole process tree, one file per pass
        cmd = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--subprocesses", "--gil", "--format",
               "raw", "--rate", "50", "-o", f"{profile}/{name}.txt", "--", *cmd]
    result = run(cmd, env=env)
    try:
        stdout = "\n".join(ln for ln in result.stdout.splitlines() if not ln.startswith("py-spy>"))
        lines = json.loads(stdout)
    except json.JSONDecodeError:
        sys.exit(f"{name} pass: no JSON from policywatch (exit {result.returncode}):\n{result.stderr[-3000:]}")
    outcomes = Counter(line["outcome"] for line in lines)
    if not set(outcomes) <= EXPECTED[name]:  # a pass that fetched nothing is no measure of speed
        print(f"  WARNING {name} pass: outcomes {dict(outcomes)}, expected only {sorted(EXPECTED[name])}",
              flush=True)
    return Pass(name, result, outcomes, db.size() - before)


def environment(work: Path) -> dict[str, str]:
    """The CLI's environment: no user config, data and config under ``work``."""
    env = dict(os.environ)
    # The corpus is on loopback, which is refused unless private targets are allowed.
    (work / "config.toml").write_text("[policywatch]\nallow_private_targets = true\n")
    env.update(POLICYWATCH_CONFIG=str(work / "config.toml"), XDG_DATA_HOME=str(work / "data"),
               XDG_CONFIG_HOME=str(work / "config"))
    env.pop("POLICYWATCH_DB", None)
    env.pop("POLICYWATCH_TARGETS", None)
    return env


def rounds(args: argparse.Namespace, server: CorpusServer, extra: list[str]) -> list[list[Pass]]:
    """``args.rounds`` rounds of the three passes, each round on a fresh database."""
    out = []
    for r in range(args.rounds):
        work = args.work / f"round-{r}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        decl = work / "bench.toml"
        decl.write_text(declarations(server.urls()))
        db = postgres_database(args.db) if args.db else sqlite_database(work)
        try:
            cmd, env = check_command(db.url, decl, extra), environment(work)
            out.append([one_pass(name, server, db, cmd, env) for name in PASSES])
        finally:
            db.drop()
        print_round(r, out[-1], args.n)
    return out


def print_round(r: int, passes: list[Pass], n: int) -> None:
    for p in passes:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(p.outcomes.items()))
        print(f"  round {r + 1} {p.name:9s} {p.run.seconds:7.1f} s {n / p.run.seconds:7.1f} docs/s  "
              f"CPU {p.run.cpu_seconds:6.1f} s  "
              f"peak RSS {p.run.peak_rss_mb:6.0f} MB  written {p.run.write_bytes / n:9.0f} B/doc  "
              f"db +{p.db_growth / n:8.0f} B/doc  [{outcomes}]", flush=True)


def summary(all_rounds: list[list[Pass]], n: int) -> None:
    print(f"\nmedians over {len(all_rounds)} round(s), {n} documents:")
    print(f"{'pass':10s} {'seconds':>8s} {'docs/s':>8s} {'CPU s':>7s} {'peak RSS MB':>12s} {'DB B/check':>11s} "
          f"{'written B/check':>16s}")
    for i, name in enumerate(PASSES):
        ps = [rnd[i] for rnd in all_rounds]
        sec = statistics.median(p.run.seconds for p in ps)
        print(f"{name:10s} {sec:8.1f} {n / sec:8.1f} {statistics.median(p.run.cpu_seconds for p in ps):7.1f} "
              f"{statistics.median(p.run.peak_rss_mb for p in ps):12.0f} "
              f"{statistics.median(p.db_growth for p in ps) / n:11.0f} "
              f"{statistics.median(p.run.write_bytes for p in ps) / n:16.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents (default 1000)")
    parser.add_argument("--hosts", type=int, default=8, help="loopback hosts 127.0.0.1..H")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the three passes (median)")
    parser.add_argument("--db", help="PostgreSQL URL (a fresh schema is made); default: SQLite")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench" / "crawl", help="work folder")
    parser.add_argument("--py-spy", type=Path, metavar="DIR",
                        help="profile each pass with py-spy (pip install py-spy): stacks of the threads "
                             "holding the GIL, to DIR/<pass>.txt (wall times then include the sampling)")
    parser.add_argument("extra", nargs="*", help="more arguments for `policywatch check` (after --)")
    args = parser.parse_args()
    if args.py_spy:
        args.py_spy.mkdir(parents=True, exist_ok=True)
        os.environ["BENCH_PY_SPY"] = str(args.py_spy.resolve())
    with CorpusServer(args.n, args.hosts) as server:
        print(f"{args.n} documents, mean page {server.mean_page_bytes / 1024:.0f} KB, "
              f"on {len(server.bases)} loopback hosts; load average {os.getloadavg()[0]:.1f}", flush=True)
        summary(rounds(args, server, args.extra), args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
