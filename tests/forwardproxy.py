"""A tiny loopback HTTP forward proxy for tests: an "egress" in another place.

It forwards plain-HTTP proxy requests (``GET http://host:port/path``) from a different
source address (``127.0.0.2`` by default), so a :class:`tests.httpserver.PolicyTestServer`
route can tell a request that came through the egress from one that did not, the way a
site tells EU visitors by their address::

    with ForwardProxy() as proxy:
        proxy.url          # "http://127.0.0.1:PORT", for meta["proxy"] / [egress]
        proxy.forwarded    # absolute URLs it forwarded, oldest first
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

EGRESS_ADDRESS = "127.0.0.2"
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
               "trailers", "transfer-encoding", "upgrade", "content-length"}


class ForwardProxy:
    """Threaded forward proxy on 127.0.0.1 with a free port; connects out from ``source``."""

    def __init__(self, source: str = EGRESS_ADDRESS) -> None:
        self.source = source
        self.forwarded: list[str] = []
        handler = type("Handler", (_ProxyHandler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="forward-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: ForwardProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """No access log."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "forward proxy: absolute http:// URL expected")
            return
        self.owner.forwarded.append(self.path)
        conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10,
                                          source_address=(self.owner.source, 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn.request("GET", target.path + (f"?{target.query}" if target.query else ""), headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
