"""Browser fetching: time and memory of `policywatch check` with and without the browser.

Runs the real CLI against a loopback server three ways: N plain documents; the same N pages
declared ``fetch = "browser"`` (a script writes their text); N pages that answer HTTP 999
until a cookie set by their own script is present (plain fetch blocked, then the browser
retry). Prints each run's wall time and the peak memory of the whole process tree (the CLI,
Playwright's driver, Chromium's processes), as PSS (shared pages split between processes).

    .venv/bin/python bench/browser_fetch.py --documents 6
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                frontier.append(child)
    return sorted(found)


def _pss_mb(pids: list[int]) -> tuple[float, int]:
    total, chromium = 0, 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            if "chromium" in Path(f"/proc/{pid}/cmdline").read_text():
                chromium += 1
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024, chromium


def run(args: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak PSS (MB) of the tree, peak Chromium processes, stdout."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0.0, 0]

    def sample() -> None:
        while proc.poll() is None:
            mb, chromium = _pss_mb(_tree(proc.pid))
            peak[0], peak[1] = max(peak[0], mb), max(peak[1], chromium)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    return time.monotonic() - start, peak[0], int(peak[1]), out


def main() -> int:
    from tests.crawler.test_browser_fetch import CHALLENGE, SPA_SHELL
    from tests.httpserver import PolicyTestServer, RecordedRequest, Reply, read_page

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=6)
    opts = parser.parse_args()
    policy = read_page("policy.html")
    html = {"Content-Type": "text/html; charset=utf-8"}

    def challenge(request: RecordedRequest, hit: int) -> Reply:
        if "pw_challenge=passed" in request.headers.get("Cookie", ""):
            return Reply(200, policy, html)
        return Reply(999, CHALLENGE.encode(), html)

    from bs4 import BeautifulSoup

    main_html = BeautifulSoup(policy, "lxml").select_one("#component-container")
    assert main_html is not None
    with PolicyTestServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.set("/spa/policy", SPA_SHELL, conditional=False)
        server.set("/spa/content.json", json.dumps({"html": main_html.decode_contents()}),
                   {"Content-Type": "application/json"}, conditional=False)
        server.route("/challenge/policy", challenge)
        runs = {"plain": ("/policy", "http"), "browser": ("/spa/policy", "browser"),
                "blocked, then browser": ("/challenge/policy", "http")}
        print(f"{opts.documents} documents per run, CONCURRENT_REQUESTS_PER_DOMAIN=8, no delays")
        for name, (route, fetch) in runs.items():
            decl = Path(tmp) / f"{fetch}.toml"
            lines = ['[platform]\nid = "b"\nname = "B"\nselect = ["#component-container"]\nmin_length = 200\n']
            lines += [f'[documents.d{i}]\nname = "d{i}"\nurl = "{server.url(route)}?{i}"\nfetch = "{fetch}"\n'
                      for i in range(opts.documents)]
            decl.write_text("\n".join(lines))
            db = f"sqlite:///{tmp}/{name.replace(' ', '-').replace(',', '')}.db"
            seconds, pss, chromium, out = run(
                ["check", "--db", db, "--targets", str(decl), "-s", "DOWNLOAD_DELAY=0",
                 "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"])
            print(f"{name:<22} {seconds:5.1f} s  peak PSS {pss:6.1f} MB  chromium processes {chromium:2d}"
                  f"  | {out.strip().splitlines()[-1] if out.strip() else '?'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
