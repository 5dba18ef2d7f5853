"""A loopback HTTP server for crawler tests: fixture pages plus every failure mode.

Usage::

    from tests.httpserver import PolicyTestServer

    with PolicyTestServer() as server:
        server.set("/legal/privacy-policy", html_bytes)     # any page, any time
        url = server.url("/legal/privacy-policy")
        ...
        assert server.hits("/legal/privacy-policy") == 1
        server.requests("/legal/privacy-policy")[0].headers["Accept-Language"]

Binds 127.0.0.1 on a free port; never touches the network. Pages added with
:meth:`PolicyTestServer.set` answer conditional requests (ETag / Last-Modified -> 304).
Built-in failure routes are listed in :data:`FAILURE_ROUTES`. A pytest fixture,
:func:`http_server`, can be imported into any ``conftest.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
PAGES = FIXTURES / "pages"
HTML = FIXTURES / "html"

#: Real LinkedIn snapshots served at the paths of the live site (for demos and tests).
LINKEDIN_PAGES: dict[str, Path] = {
    "/legal/privacy-policy": HTML / "key-dates" / "2024-09-19-privacy-policy.html",
    "/legal/privacy/eu": HTML / "key-dates" / "2025-11-04-privacy-policy.html",
    "/help/linkedin/answer/a1342756": HTML / "bursts" / "india" / "help-answer-a1342756"
    / "2025-05-30" / "2025-05-30T000122.html",
}

CHARSET_SAMPLE = "Café Müller – naïve façade, “quoted” text"
FIXED_LAST_MODIFIED = 1_726_700_000.0  # 2024-09-18T22:53:20Z

#: Failure routes and what they do (the crawler's expected outcome in brackets).
FAILURE_ROUTES: dict[str, str] = {
    "/status/999": "HTTP 999, LinkedIn's crawler block [blocked]",
    "/status/401": "HTTP 401 [blocked]",
    "/status/403": "HTTP 403 [blocked]",
    "/status/429": "HTTP 429 with Retry-After: 120, over the tests' cap [transient, not retried]",
    "/rate-limited": "HTTP 429 with Retry-After: 1 on the first request, then the policy page [fetched]",
    "/gzip-bomb": "~12 KB of gzip unpacking to 11 MB, past DOWNLOAD_MAXSIZE [structural: too large]",
    "/status/404": "HTTP 404 [structural]",
    "/status/304": "HTTP 304 to every request, even one without validators [structural]",
    "/status/503": "HTTP 503 every time [transient]",
    "/flaky": "HTTP 500 on the first request, then the policy page [fetched]",
    "/slow": "sleeps `slow_seconds` before answering [transient: timeout]",
    "/reset": "closes the connection with a TCP reset [transient]",
    "/dataloss": "announces more bytes than it sends [transient]",
    "/to-authwall": "302 to /authwall?trk=... which serves a login page [blocked]",
    "/authwall": "a 200 login page",
    "/wall": "a 200 sign-up wall (real 2015 capture text) [blocked]",
    "/captcha": "a 200 captcha / security-check page [blocked]",
    "/truncated": "the first half of the policy page [structural]",
    "/garbage": "random bytes labelled text/html [structural]",
    "/huge": "11 MB with Content-Length [structural: too large]",
    "/huge-streamed": "11 MB without Content-Length [structural: too large]",
    "/charset/latin1-as-utf8": "Latin-1 bytes labelled utf-8 [fetched, decoded right]",
    "/charset/utf8-as-latin1": "UTF-8 bytes labelled iso-8859-1 [fetched, decoded right]",
    "/charset/missing": "UTF-8 bytes, no charset anywhere [fetched]",
    "/charset/meta-only": "windows-1252 bytes declared only in <meta> [fetched]",
    "/loop": "redirects to /loop-b, which redirects back [transient: redirect loop]",
    "/doc.pdf": "application/pdf, a PDF without pages [structural]",
    "/data.json": "application/json [structural]",
    "/robots.txt": "disallows /private/ for every agent",
    "/private/policy": "the policy page, but disallowed by robots.txt [robots_disallowed]",
}


@dataclass
class Reply:
    """What a route answers. ``action`` is ``None`` or one of: "reset", "dataloss", "stream"."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    action: str | None = None


@dataclass
class RecordedRequest:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    client: str = ""
    """The address the request came from (``127.0.0.2`` through tests.forwardproxy)."""
    at: float = field(default_factory=time.monotonic)
    """When it arrived (``time.monotonic()``)."""


Handler = Callable[["RecordedRequest", int], Reply]


def read_page(name: str) -> bytes:
    """A synthetic page from ``fixtures/pages`` (e.g. ``"policy.html"``)."""
    return (PAGES / name).read_bytes()


def _charset_page(body_text: str, encoding: str, meta: str | None = None) -> bytes:
    head = f'<meta charset="{meta}">' if meta else ""
    paras = "".join(f"<p>{body_text} Paragraph {i} of the sample policy text.</p>" for i in range(8))
    html = (f"<!DOCTYPE html><html><head>{head}<title>Charset sample</title></head>"
            f'<body><main id="component-container"><h1>Charset sample</h1>{paras}</main></body></html>')
    return html.encode(encoding)


class PolicyTestServer:
    """Threaded stdlib HTTP server on 127.0.0.1 (or another loopback ``host``) with a free port."""

    def __init__(self, pages: Mapping[str, bytes | Path] | None = None, slow_seconds: float = 5.0,
                 host: str = "127.0.0.1") -> None:
        self.slow_seconds = slow_seconds
        self.host = host
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {}
        self._hits: dict[str, int] = defaultdict(int)
        self._requests: dict[str, list[RecordedRequest]] = defaultdict(list)
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._install_failure_routes()
        for path, page in (pages or {}).items():
            self.set(path, page.read_bytes() if isinstance(page, Path) else page)

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> PolicyTestServer:
        """Bind and serve in a daemon thread."""
        handler = type("Handler", (_RequestHandler,), {"owner": self})
        self._httpd = _Server((self.host, 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="policy-test-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> PolicyTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # --- routes -----------------------------------------------------------------------

    def set(self, path: str, body: bytes | str, headers: Mapping[str, str] | None = None,
            status: int = 200, conditional: bool = True) -> None:
        """Serve ``body`` at ``path`` from now on, with ETag/Last-Modified if ``conditional``."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        base = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        modified = formatdate(FIXED_LAST_MODIFIED + len(data) % 1000, usegmt=True)

        def handler(request: RecordedRequest, hit: int) -> Reply:
            hdrs = dict(base)
            if conditional and status == 200:
                hdrs.update({"ETag": etag, "Last-Modified": modified})
                if _not_modified(request.headers, etag, modified):
                    return Reply(304, b"", {"ETag": etag, "Last-Modified": modified})
            return Reply(status, data, hdrs)

        self.route(path, handler)

    def route(self, path: str, handler: Handler) -> None:
        """Serve ``path`` with ``handler(request, hit_number)`` (hit 1 is the first)."""
        with self._lock:
            self._routes[path] = handler

    def validators(self, path: str) -> tuple[str, str]:
        """(ETag, Last-Modified) that ``path`` currently sends."""
        reply = self._routes[path](RecordedRequest("GET", path, {}), 0)
        return reply.headers["ETag"], reply.headers["Last-Modified"]

    # --- inspection -------------------------------------------------------------------

    def hits(self, path: str) -> int:
        """How many requests ``path`` (without query) received."""
        with self._lock:
            return self._hits[path]

    def requests(self, path: str) -> list[RecordedRequest]:
        """The requests ``path`` received, oldest first."""
        with self._lock:
            return list(self._requests[path])

    def reset_counts(self) -> None:
        """Forget received requests (routes stay)."""
        with self._lock:
            self._hits.clear()
            self._requests.clear()

    # --- internals --------------------------------------------------------------------

    def _dispatch(self, method: str, raw_path: str, headers: dict[str, str], client: str = "") -> Reply:
        path = urlsplit(raw_path).path
        request = RecordedRequest(method, raw_path, headers, client)
        with self._lock:
            self._hits[path] += 1
            self._requests[path].append(request)
            hit = self._hits[path]
            handler = self._routes.get(path)
        if handler is None:
            return Reply(404, b"<html><body><h1>Not found</h1></body></html>", {"Content-Type": "text/html"})
        return handler(request, hit)

    def _install_failure_routes(self) -> None:
        policy = read_page("policy.html")
        html = {"Content-Type": "text/html; charset=utf-8"}

        def fixed(reply: Reply) -> Handler:
            return lambda request, hit: reply

        for code in (999, 401, 403, 404, 503):
            self.route(f"/status/{code}", fixed(Reply(code, b"<html><body>status</body></html>", html)))
        self.route("/status/304", fixed(Reply(304, b"", {"ETag": '"always"'})))
        self.route("/status/429", fixed(Reply(429, b"Too many requests", {"Retry-After": "120"})))
        self.route("/rate-limited", lambda request, hit: Reply(429, b"Slow down", {"Retry-After": "1"})
                   if hit == 1 else Reply(200, policy, html))
        self.route("/flaky", lambda request, hit: Reply(500, b"oops", html) if hit == 1 else Reply(200, policy, html))
        self.route("/slow", lambda request, hit: Reply(200, policy, html, delay=self.slow_seconds))
        self.route("/reset", fixed(Reply(action="reset")))
        self.route("/dataloss", fixed(Reply(200, policy[:500], {**html, "Content-Length": str(len(policy))},
                                            action="dataloss")))
        self.route("/to-authwall", fixed(Reply(302, b"", {
            "Location": "/authwall?trk=public_profile&sessionRedirect=%2Flegal%2Fprivacy-policy"})))
        self.set("/authwall", read_page("login.html"), conditional=False)
        self.set("/wall", read_page("signup-wall.html"), conditional=False)
        self.set("/captcha", read_page("captcha.html"), conditional=False)
        self.set("/truncated", policy[: len(policy) // 2], conditional=False)
        garbage = bytes((i * 7919 + 13) % 256 for i in range(4096))
        self.set("/garbage", garbage, conditional=False)
        huge = b"<html><body><main>" + b"x" * (11 * 1024 * 1024) + b"</main></body></html>"
        self.set("/huge", huge, conditional=False)
        self.route("/huge-streamed", fixed(Reply(200, huge, html, action="stream")))
        self.route("/gzip-bomb", fixed(Reply(200, gzip.compress(huge, 9), {**html, "Content-Encoding": "gzip"})))
        self.set("/charset/latin1-as-utf8", _charset_page(CHARSET_SAMPLE.replace("“", '"').replace("”", '"')
                                                          .replace("–", "-"), "latin-1"), conditional=False)
        self.set("/charset/utf8-as-latin1", _charset_page(CHARSET_SAMPLE, "utf-8"),
                 {"Content-Type": "text/html; charset=iso-8859-1"}, conditional=False)
        self.set("/charset/missing", _charset_page(CHARSET_SAMPLE, "utf-8"),
                 {"Content-Type": "text/html"}, conditional=False)
        self.set("/charset/meta-only", _charset_page(CHARSET_SAMPLE, "cp1252", meta="windows-1252"),
                 {"Content-Type": "text/html"}, conditional=False)
        self.route("/loop", fixed(Reply(302, b"", {"Location": "/loop-b"})))
        self.route("/loop-b", fixed(Reply(302, b"", {"Location": "/loop"})))
        self.set("/doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n",
                 {"Content-Type": "application/pdf"}, conditional=False)
        self.set("/data.json", b'{"policy": "not html"}', {"Content-Type": "application/json"}, conditional=False)
        self.set("/robots.txt", b"User-agent: *\nDisallow: /private/\n",
                 {"Content-Type": "text/plain"}, conditional=False)
        self.set("/private/policy", policy)
        self.set("/policy", policy)
        for path, file in LINKEDIN_PAGES.items():
            self.set(path, file.read_bytes())


def _not_modified(headers: Mapping[str, str], etag: str, modified: str) -> bool:
    lower = {k.lower(): v for k, v in headers.items()}
    if "if-none-match" in lower:
        return etag in [t.strip() for t in lower["if-none-match"].split(",")] or lower["if-none-match"] == "*"
    if "if-modified-since" in lower:
        try:
            return parsedate_to_datetime(lower["if-modified-since"]) >= parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return False
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Resets and client aborts are part of the tests; stay quiet."""


class _RequestHandler(BaseHTTPRequestHandler):
    owner: PolicyTestServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """No access log on stderr."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        reply = self.owner._dispatch("GET", self.path, dict(self.headers.items()), self.client_address[0])
        self._send(reply)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self.do_GET()

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            deadline = time.monotonic() + reply.delay
            while time.monotonic() < deadline and not self.owner._stopping.is_set():
                time.sleep(0.05)
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_response(reply.status, "LinkedIn block" if reply.status == 999 else None)
        headers = dict(reply.headers)
        if reply.action != "stream":
            headers.setdefault("Content-Length", str(len(reply.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if reply.action == "stream":
                for start in range(0, len(reply.body), 65536):
                    self.wfile.write(reply.body[start:start + 65536])
            else:
                self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (size cap, timeout): expected
        self.close_connection = True


@pytest.fixture
def http_server() -> Iterator[PolicyTestServer]:
    """A started :class:`PolicyTestServer`, stopped after the test."""
    with PolicyTestServer() as server:
        yield server
