"""A loopback corpus for throughput benchmarks: N policy pages in real page chrome, on 127.0.0.x hosts.

Each document serves a real recorded policy text (Open Terms Archive's LinkedIn versions in
fixtures/devset/versions, rendered from Markdown) inside the chrome of a real LinkedIn page
(fixtures/html/key-dates, its ``#component-container`` replaced). Document k serves version a of
a pair of consecutive real versions in the "first" and "unchanged" phases and version b in the
"changed" phase, so every page is edited, by a real edit, for the changed pass.

Pages are plain URLs (``http://127.0.0.H:PORT/legal/doc-0001``) spread over several loopback
hosts, so per-host politeness (Scrapy's download slots) still applies; they answer conditional
requests (ETag, Last-Modified) with 304. Any tool can be timed against them. The phase is set by
``POST /_bench/phase/<first|unchanged|changed>`` on any host, or by :meth:`CorpusServer.phase`.

    .venv/bin/python bench/corpus.py --n 1000      # serve until Ctrl-C; prints the URLs file
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import multiprocessing as mp
import re
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "fixtures" / "devset" / "versions"
CHROME = ROOT / "fixtures" / "html" / "key-dates" / "2024-09-19-privacy-policy.html"
PHASES = ("first", "unchanged", "changed")
MIN_CHARS = 5000  # skip near-empty recorded versions (archive artefacts)
_PHASE_TIME = {"first": 1_700_000_000, "unchanged": 1_700_000_000, "changed": 1_700_086_400}
_OPEN = '<section id="component-container"'


def chrome(path: Path = CHROME) -> tuple[str, str]:
    """The real page around its document: everything before and after #component-container's body."""
    page = path.read_text(encoding="utf-8")
    start = page.index(">", page.index(_OPEN)) + 1
    depth = 1
    for m in re.finditer(r"<(/?)section\b", page[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return page[:start], page[start + m.start():]
    raise ValueError(f"{path}: unbalanced <section>")


def pairs() -> list[tuple[Path, Path]]:
    """Consecutive real versions of every recorded document (oldest first), long texts only."""
    out: list[tuple[Path, Path]] = []
    for folder in sorted(p for p in VERSIONS.glob("*/*") if p.is_dir()):
        files = [f for f in sorted(folder.glob("*.md.gz"))
                 if len(gzip.decompress(f.read_bytes())) >= MIN_CHARS]
        out.extend(zip(files, files[1:]))
    return out


def render(markdown_path: Path, frame: tuple[str, str], cache: dict[Path, bytes]) -> bytes:
    """One page: the recorded Markdown rendered to HTML inside the real chrome (memoised)."""
    if markdown_path not in cache:
        import markdown

        text = gzip.decompress(markdown_path.read_bytes()).decode("utf-8")
        html = markdown.markdown(text, extensions=["tables"])
        cache[markdown_path] = (frame[0] + "\n" + html + "\n" + frame[1]).encode("utf-8")
    return cache[markdown_path]


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    last_modified: str


def build(n: int) -> dict[str, dict[str, Page]]:
    """``{phase: {path: Page}}`` for N documents."""
    frame, cache, found = chrome(), {}, pairs()
    out: dict[str, dict[str, Page]] = {p: {} for p in PHASES}
    for k in range(n):
        a, b = found[k % len(found)]
        path = f"/legal/doc-{k:04d}"
        for phase in PHASES:
            body = render(b if phase == "changed" else a, frame, cache)
            # The document's number in the body too: no two documents serve the same bytes.
            body = body.replace(b"<title>", f"<title>[{k:04d}] ".encode(), 1)
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            out[phase][path] = Page(body, etag, formatdate(_PHASE_TIME[phase], usegmt=True))
    return out


def _handler(pages: dict[str, dict[str, Page]], state: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            page = pages[state["phase"]].get(self.path)
            if page is None:
                return self._send(404, b"not found", {"Content-Type": "text/plain"})
            headers = {"ETag": page.etag, "Last-Modified": page.last_modified,
                       "Content-Type": "text/html; charset=utf-8"}
            if self._fresh(page):
                return self._send(304, b"", headers)
            self._send(200, page.body, headers)

        def do_POST(self) -> None:  # noqa: N802
            name = self.path.rsplit("/", 1)[-1]
            if not self.path.startswith("/_bench/phase/") or name not in PHASES:
                return self._send(404, b"unknown phase", {"Content-Type": "text/plain"})
            state["phase"] = name
            self._send(200, name.encode(), {"Content-Type": "text/plain"})

        def _fresh(self, page: Page) -> bool:
            tag = self.headers.get("If-None-Match")
            if tag is not None:
                return page.etag in [t.strip() for t in tag.split(",")]
            since = self.headers.get("If-Modified-Since")
            try:
                return since is not None and parsedate_to_datetime(since) >= parsedate_to_datetime(page.last_modified)
            except (TypeError, ValueError):
                return False

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _serve(n: int, hosts: int, conn: object) -> None:
    pages = build(n)
    state = {"phase": "first"}
    handler = _handler(pages, state)
    servers = []
    for h in range(1, hosts + 1):
        httpd = ThreadingHTTPServer((f"127.0.0.{h}", 0), handler)
        httpd.daemon_threads = True
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    bases = [f"http://127.0.0.{h + 1}:{s.server_address[1]}" for h, s in enumerate(servers)]
    sizes = [len(p.body) for p in pages["first"].values()]
    conn.send((bases, sum(sizes) // max(len(sizes), 1)))  # type: ignore[attr-defined]
    conn.recv()  # type: ignore[attr-defined]  # any message (or EOF) stops the server


class CorpusServer:
    """The corpus served from a child process (its CPU apart from the measured process's)."""

    def __init__(self, n: int = 1000, hosts: int = 8) -> None:
        self.n, self.hosts = n, hosts
        self._conn, child = mp.Pipe()
        self._proc = mp.Process(target=_serve, args=(n, hosts, child), daemon=True)
        self.bases: list[str] = []
        self.mean_page_bytes = 0

    def __enter__(self) -> CorpusServer:
        self._proc.start()
        self.bases, self.mean_page_bytes = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()

    def urls(self) -> Iterator[tuple[str, str]]:
        """``(document id, URL)`` of every page, documents spread round-robin over the hosts."""
        for k in range(self.n):
            yield f"doc-{k:04d}", f"{self.bases[k % len(self.bases)]}/legal/doc-{k:04d}"

    def phase(self, name: str) -> None:
        """Serve ``name``'s pages from now on (first, unchanged or changed)."""
        req = urllib.request.Request(f"{self.bases[0]}/_bench/phase/{name}", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="documents")
    parser.add_argument("--hosts", type=int, default=8, help="loopback hosts 127.0.0.1..H")
    parser.add_argument("--urls", type=Path, default=Path("corpus-urls.txt"), help="write the URLs here")
    args = parser.parse_args()
    with CorpusServer(args.n, args.hosts) as server:
        args.urls.write_text("".join(url + "\n" for _, url in server.urls()))
        print(f"{args.n} pages (mean {server.mean_page_bytes // 1024} KB) on {', '.join(server.bases)}; "
              f"URLs in {args.urls}; phase: POST {server.bases[0]}/_bench/phase/<first|unchanged|changed>")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
