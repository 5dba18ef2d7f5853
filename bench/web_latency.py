"""Latency of the web UI and API on a document with 5,000 versions, through the real server.

Usage: python bench/web_latency.py [--versions 5000] [--runs 50] [--db PATH] [--readers 16]

Builds (or reuses, with --db) a SQLite database holding one document with N versions recorded
through the real pipeline (tests.builders.replay -> ingest.Recorder -> store, changes, alerts):
small texts generated deterministically (a 20-clause policy where each version rewrites one
clause, every 50th adding an AI-training sentence) and, last, three real LinkedIn versions
(2024-07-16, 2024-08-01 and 2024-09-19). (Not in the middle: the store holds a text that
shrinks by more than half for confirmation, so every generated text after them was held and
the history stopped there, with the "real" diffs pointing at generated versions.) Then it starts waitress (the server `policywatch
serve` runs) on a free loopback port in a thread and times HTTP GETs over one keep-alive
connection: timeline page 1, a deep timeline page, a label-filtered timeline, the API versions
list (first and deep page), the stored diff page of the real AI-training change and a computed
diff page (2024-07-16 against 2024-09-19, a pair nobody classified, compared on every request).
Prints median and p95 in milliseconds; then ``--readers`` clients (16) read the computed diff page
at once, each over its own connection, and it prints their p50 and p95. ``--no-diff-cache``
computes the diff on every request, as before web/diffs.py kept computed results, to compare.
Exits 1 if a timeline/API median is >= 200 ms.

Loopback only: the server binds 127.0.0.1 and every connection this process opens to anything
but a loopback address is refused (``loopback_only``), so it can never reach the internet.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import logging
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from tests.builders import Target, corpus_versions, replay  # noqa: E402

SLUG = "linkedin/privacy-policy"
LIMIT_MS = 200.0
REAL = ("2024-07-16", "2024-08-01", "2024-09-19")  # recorded LinkedIn versions, last
COMPUTED = "diff page (computed, 2024-07-16..2024-09-19)"
AI = "We may also use your data to develop and train artificial intelligence (AI) models."
SUBJECTS = ["profile data", "messages", "location", "contacts", "payment details", "searches"]
PURPOSES = ["provide the Services", "show you relevant ads", "keep the platform safe",
            "measure performance", "personalise your feed", "comply with the law"]


def generated_texts(n: int) -> list[str]:
    """``n`` deterministic policy texts, each differing from the previous in one clause."""
    rng = random.Random(6)
    clauses = [f"We use your {SUBJECTS[i % 6]} to {PURPOSES[i % 6]}." for i in range(20)]
    out = []
    for i in range(n):
        k = i % 20
        clauses[k] = (f"We use your {rng.choice(SUBJECTS)} to {rng.choice(PURPOSES)} "
                      f"(revision {i}).") + (f" {AI}" if i % 50 == 49 else "")
        body = "\n\n".join(f"## {j + 1}. Clause {j + 1}\n\n{c}" for j, c in enumerate(clauses))
        out.append(f"# Privacy Policy\n\n{body}\n")
    return out


START = datetime(2015, 1, 1, tzinfo=timezone.utc)
STEP = timedelta(hours=6)


def real_ai_at(n: int) -> datetime:
    """When the real 2024-09-19 version is recorded in the generated history (the last)."""
    return START + STEP * (n - 1)


def build(url: str, n: int) -> None:
    texts = generated_texts(n - len(REAL))
    real = [r.text() for r in corpus_versions("contrib", "privacy-policy")
            if r.name in REAL]
    assert len(real) == len(REAL), f"the recorded versions {REAL} are missing"
    texts += real
    store = Store(url)
    t0 = time.perf_counter()
    replay(store, Target(), [(START + STEP * i, t) for i, t in enumerate(texts)])
    store.dispose()
    print(f"built {n} versions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def loopback_only() -> None:
    """Refuse, in this process, every socket connection to an address that is not loopback."""
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and \
                not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(f"bench/web_latency.py stays on loopback, not {address}")
        connect(self, address)

    setattr(socket.socket, "connect", guarded)


class NoCache:
    """Stands in for web.cache.ResultCache: computes on every call (``--no-diff-cache``)."""

    def get(self, key: object, compute: Any) -> Any:
        return compute()

    def __len__(self) -> int:
        return 0


def serve(url: str, threads: int, diff_cache: bool = True) -> tuple[str, int]:
    import waitress

    from web.app import create_app

    app = create_app(Store(url))
    if not diff_cache:
        app.extensions["policywatch_cache"]["diffs"] = NoCache()
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return "127.0.0.1", int(server.effective_port)


def timed(conn: http.client.HTTPConnection, path: str, runs: int) -> list[float]:
    out = []
    for i in range(runs + 3):
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise SystemExit(f"GET {path}: {resp.status} {body[:200]!r}")
        if i >= 3:  # warm-up
            out.append(ms)
    return out


def concurrent(host: str, port: int, path: str, readers: int, runs: int) -> list[float]:
    """Latencies (ms) of ``readers`` clients each GETting ``path`` ``runs`` times at once."""
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(readers)

    def reader() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        timed(conn, path, 0)  # connect and warm up before the others start
        start.wait()
        mine = timed(conn, path, runs)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(times)


def get(conn: http.client.HTTPConnection, path: str) -> dict[str, Any]:
    conn.request("GET", path)
    return dict(json.loads(conn.getresponse().read()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--db", type=Path, help="SQLite file to build or reuse")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads (serve's default)")
    ap.add_argument("--readers", type=int, default=16, help="concurrent readers of the computed "
                    "diff page (0: skip)")
    ap.add_argument("--reader-runs", type=int, default=5, help="requests per concurrent reader")
    ap.add_argument("--no-diff-cache", action="store_true", help="compute the diff page on every "
                    "request (no in-process cache of computed diffs), to compare")
    args = ap.parse_args()
    loopback_only()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 16 readers queue, by design
    path = args.db or Path(tempfile.mkdtemp(prefix="pw-bench-")) / "bench.db"
    url = f"sqlite:///{path.resolve()}"
    if not path.exists():
        build(url, args.versions)
    host, port = serve(url, args.threads, diff_cache=not args.no_diff_cache)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    versions = get(conn, f"/api/d/{SLUG}/versions?per_page=1")["total"]
    total = get(conn, f"/api/d/{SLUG}/versions?per_page=1&label=ai_training")["total"]
    at = quote(real_ai_at(versions).isoformat())
    ai_id = get(conn, f"/api/d/{SLUG}/versions?per_page=1&until={at}")["items"][0]["id"]
    deep = max(1, versions // 50 - 1)  # a small --versions run has one page
    cases = {
        "timeline page 1": f"/d/{SLUG}",
        f"timeline page {deep} (deep)": f"/d/{SLUG}?page={deep}",
        f"timeline label=ai_training ({total})": f"/d/{SLUG}?label=ai_training",
        "API versions page 1": f"/api/d/{SLUG}/versions",
        f"API versions page {deep} (deep)": f"/api/d/{SLUG}/versions?page={deep}",
        "diff page (stored, real AI change)": f"/d/{SLUG}/diff/{ai_id - 1}..{ai_id}",
        COMPUTED: f"/d/{SLUG}/diff/{ai_id - 2}..{ai_id}",
    }
    conn.request("GET", cases[COMPUTED])
    if b"artificial intelligence" not in conn.getresponse().read():
        raise SystemExit("the computed pair is not the real LinkedIn AI-training change")
    print(f"{versions} versions, {args.runs} runs each, waitress ({args.threads} threads) on "
          f"{host}:{port}, SQLite {path}, computed diffs "
          f"{'not cached' if args.no_diff_cache else 'cached'}")
    print(f"{'case':<60} {'median ms':>10} {'p95 ms':>8}")
    worst = 0.0
    for name, target in cases.items():
        times = sorted(timed(conn, target, args.runs))
        med, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        worst = max(worst, med) if "diff" not in name else worst
        print(f"{name:<60} {med:>10.1f} {p95:>8.1f}")
    if args.readers:
        times = concurrent(host, port, cases[COMPUTED], args.readers, args.reader_runs)
        name = f"{COMPUTED}, {args.readers} readers at once"
        print(f"{name:<60} {statistics.median(times):>10.1f} "
              f"{times[int(0.95 * (len(times) - 1))]:>8.1f}")
    if worst >= LIMIT_MS:
        raise SystemExit(f"a timeline/API median is {worst:.0f} ms >= {LIMIT_MS:.0f} ms")


if __name__ == "__main__":
    main()
