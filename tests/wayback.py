"""A loopback stand-in for the Wayback Machine: the recorded CDX answer and the captures.

Serves ``fixtures/wayback`` (see its README): ``/cdx/search/cdx`` answers the recorded listing
(whatever the query; each query is kept for assertions), ``/web/<timestamp>id_/<url>`` the
capture recorded for that timestamp. ``hold(timestamp)`` makes that capture's request wait
until ``release()``, so a test can kill a backfill half-way at a known point.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
WAYBACK = FIXTURES / "wayback"
_REPLAY = re.compile(r"^/web/(\d{14})id_/(.+)$")
_LOGIN = b"""<!DOCTYPE html><html><head><title>Sign In | LinkedIn</title></head>
<body><main><form>Email or phone <input> Password <input></form></main></body></html>"""


class WaybackServer:
    """The archive on 127.0.0.1 (a free port)."""

    def __init__(self, folder: Path = WAYBACK) -> None:
        self.cdx = (folder / "cdx.json").read_bytes()
        self.replay = json.loads((folder / "replay.json").read_text(encoding="utf-8"))
        self.folder = folder
        self.hits: Counter[str] = Counter()
        self.queries: list[dict[str, list[str]]] = []
        self.held: str | None = None
        self.reached = threading.Event()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def hold(self, timestamp: str) -> None:
        """Make the request for ``timestamp`` wait (and set ``reached``) until :meth:`release`."""
        self.held = timestamp
        self.reached.clear()
        self._release.clear()

    def release(self) -> None:
        self.held = None
        self._release.set()

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of ``path``."""
        url = urlsplit(path)
        if url.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if url.path == "/cdx/search/cdx":
            self.queries.append(parse_qs(url.query))
            return 200, {"Content-Type": "application/json"}, self.cdx
        if url.path.startswith("/authwall"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, _LOGIN
        match = _REPLAY.match(url.path)
        if match is None or match.group(1) not in self.replay:
            return 404, {"Content-Type": "text/plain"}, b"not in the archive"
        timestamp = match.group(1)
        self.hits[timestamp] += 1
        if timestamp == self.held:
            self.reached.set()
            self._release.wait(60)
        entry = self.replay[timestamp]
        if entry.get("kind") == "authwall":
            return 302, {"Location": f"{self.base_url}/authwall?trk=public_legal"}, b""
        if entry.get("kind") == "unavailable":
            return 503, {"Content-Type": "text/plain"}, b"the archive is busy"
        if entry.get("kind") == "wall":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, (
                FIXTURES / "pages" / "signup-wall.html").read_bytes()
        if "file" not in entry:
            return 404, {"Content-Type": "text/plain"}, b"no payload recorded"
        body = gzip.decompress((self.folder / entry["file"]).read_bytes())
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, headers, body = server.answer(self.path)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> WaybackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()
