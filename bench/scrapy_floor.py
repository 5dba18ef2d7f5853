"""The floor under any Scrapy-based crawler: a bare Scrapy spider on the throughput corpus, beside urlwatch.

Issue 13 asks PolicyWatch to be, on this corpus (bench/corpus.py: N pages of ~85 KB on loopback),
>= 1x urlwatch's speed on a first pass, >= 3x on an unchanged pass (all 304) and >= 2x on a
changed pass. PolicyWatch fetches with Scrapy (the design card's choice). This benchmark measures
what Scrapy alone costs on the same server and passes, with nothing of PolicyWatch in it:

- a bare spider whose callback only counts bytes (no extraction, no storage, no diff, no alert);
- every optional Scrapy component switched off (no downloader middlewares, no spider middlewares
  but the start one, no extensions, no cookies, a dummy stats collector, log level ERROR), with
  the benchmark's lifted politeness (``DOWNLOAD_DELAY=0``, ``AUTOTHROTTLE_ENABLED=False``,
  ``CONCURRENT_REQUESTS[_PER_DOMAIN]=8``, ``ROBOTSTXT_OBEY=False``) and PolicyWatch's reactor;
- one fresh process per pass, as a ``policywatch check`` run is (or ``--procs K`` of them at once,
  each with its share of the URLs, as several crawler workers would); the unchanged pass sends the
  ETag each page gave on the first pass, so every answer is a 304.

With ``--urlwatch`` it runs urlwatch's three passes in the same run (bench/vs_urlwatch.py's own
virtualenv, installed on first use) and prints, per pass, the time the issue's ratio allows and
how that compares with the bare spider. Never run in CI.

    .venv/bin/python bench/scrapy_floor.py --n 1000 --rounds 3 --urlwatch
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import PHASES, CorpusServer  # noqa: E402
from bench.measure import run  # noqa: E402

#: The speed ratios to urlwatch that issue 13 asks of PolicyWatch, per pass.
TARGETS = {"first": 1.0, "unchanged": 3.0, "changed": 2.0}


def settings() -> dict[str, object]:
    """Scrapy with every optional component off and the benchmark's politeness settings."""
    from crawler.settings import TWISTED_REACTOR
    return {
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOADER_MIDDLEWARES_BASE": {}, "EXTENSIONS_BASE": {}, "COOKIES_ENABLED": False,
        "SPIDER_MIDDLEWARES_BASE": {"scrapy.spidermiddlewares.start.StartSpiderMiddleware": 0},
        "STATS_CLASS": "scrapy.statscollectors.DummyStatsCollector",
        "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "TWISTED_REACTOR": TWISTED_REACTOR,
    }


def spider_pass(urls_file: Path, etags_file: Path, send: bool) -> None:
    """One pass of the bare spider (run in a process of its own); prints a JSON line of what it saw."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = json.loads(urls_file.read_text())
    etags: dict[str, str] = json.loads(etags_file.read_text()) if send else {}
    statuses: dict[int, int] = {}
    seen: dict[str, str] = {}
    body_bytes = [0]

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[override]
            for url in urls:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                yield scrapy.Request(url, headers=headers, dont_filter=True,
                                     meta={"handle_httpstatus_all": True})

        def parse(self, response):  # type: ignore[override]
            statuses[response.status] = statuses.get(response.status, 0) + 1
            body_bytes[0] += len(response.body)
            seen[response.url] = (response.headers.get("ETag") or b"").decode()

    process = CrawlerProcess(settings())
    process.crawl(Bare)
    process.start()
    if not send:
        etags_file.write_text(json.dumps(seen))
    print(json.dumps({"statuses": statuses, "body_bytes": body_bytes[0]}))


def bare_round(server: CorpusServer, work: Path, procs: int) -> dict[str, tuple[float, float]]:
    """The bare spider's three passes, the URLs split over ``procs`` concurrent processes:
    pass -> (wall seconds of the slowest process, CPU seconds of all)."""
    urls = [url for _, url in server.urls()]
    shares = [(work / f"urls-{k}.json", work / f"etags-{k}.json") for k in range(procs)]
    for k, (urls_file, _) in enumerate(shares):
        urls_file.write_text(json.dumps(urls[k::procs]))
    out = {}
    for name in PHASES:
        server.phase(name)
        # The unchanged pass sends the first pass' validators; the changed one sends none, as
        # PolicyWatch's changed pass gets 200s.
        send = "send" if name == "unchanged" else "keep"
        with ThreadPoolExecutor(procs) as pool:
            results = list(pool.map(lambda share: run([sys.executable, __file__, "--spider", str(share[0]),
                                                       str(share[1]), send]), shares))
        statuses: Counter[str] = Counter()
        for result in results:
            if result.returncode != 0:
                sys.exit(f"bare spider {name} pass failed:\n{result.stderr[-3000:]}")
            statuses.update(json.loads(result.stdout.strip().splitlines()[-1])["statuses"])
        wanted = "304" if name == "unchanged" else "200"
        if statuses != {wanted: server.n}:
            sys.exit(f"bare spider {name} pass: expected {server.n} x {wanted}, got {dict(statuses)}")
        out[name] = (max(r.seconds for r in results), sum(r.cpu_seconds for r in results))
    return out


def urlwatch_round(server: CorpusServer, work: Path) -> dict[str, float]:
    from bench.vs_urlwatch import UrlwatchPasses, urlwatch_venv
    passes = UrlwatchPasses(urlwatch_venv(work / "urlwatch-venv"), work / "urlwatch").round(server)
    return {p.name: p.run.seconds for p in passes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents (default 1000)")
    parser.add_argument("--hosts", type=int, default=8, help="loopback hosts 127.0.0.1..H")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (medians are printed)")
    parser.add_argument("--urlwatch", action="store_true",
                        help="also run urlwatch's passes (installs it under --work on first use)")
    parser.add_argument("--procs", type=int, default=1,
                        help="bare spider processes sharing the URLs (as several crawler workers would)")
    parser.add_argument("--work", type=Path, default=ROOT / ".bench", help="work folder")
    parser.add_argument("--spider", nargs=3, metavar=("URLS", "ETAGS", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spider:
        spider_pass(Path(args.spider[0]), Path(args.spider[1]), args.spider[2] == "send")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    bare: list[dict[str, tuple[float, float]]] = []
    theirs: list[dict[str, float]] = []
    with CorpusServer(args.n, args.hosts) as server, tempfile.TemporaryDirectory() as tmp:
        print(f"{args.n} documents, mean page {server.mean_page_bytes / 1024:.0f} KB, on {args.hosts} "
              f"loopback hosts; load average {os.getloadavg()[0]:.1f}", flush=True)
        for i in range(args.rounds):
            if args.urlwatch:
                theirs.append(urlwatch_round(server, args.work))
                print(f"  round {i + 1} urlwatch:    " + ", ".join(f"{k} {v:.2f} s" for k, v in theirs[-1].items()),
                      flush=True)
            bare.append(bare_round(server, Path(tmp), args.procs))
            print(f"  round {i + 1} bare Scrapy x{args.procs}: " + ", ".join(f"{k} {v[0]:.2f} s (CPU {v[1]:.2f} s)"
                                                             for k, v in bare[-1].items()), flush=True)
    print(f"\nmedians over {args.rounds} round(s), {args.n} documents")
    header = f"{'pass':10s} {'bare Scrapy s':>14s} {'CPU s':>7s}"
    if theirs:
        header += f" {'urlwatch s':>11s} {'target':>7s} {'allowed s':>10s} {'bare / allowed':>15s}"
    print(header)
    for name in PHASES:
        wall = statistics.median(r[name][0] for r in bare)
        cpu = statistics.median(r[name][1] for r in bare)
        line = f"{name:10s} {wall:14.2f} {cpu:7.2f}"
        if theirs:
            uw = statistics.median(r[name] for r in theirs)
            allowed = uw / TARGETS[name]
            line += f" {uw:11.2f} {TARGETS[name]:6.0f}x {allowed:10.2f} {wall / allowed:14.2f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
