"""A loopback HTTP server whose pages the demo swaps as its clock moves through history."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PageServer:
    """Serves ``path -> page factory`` on 127.0.0.1 (a free port); every GET renders afresh."""

    def __init__(self) -> None:
        self._pages: dict[str, Callable[[], bytes]] = {}
        self._lock = threading.Lock()
        pages, lock = self._pages, self._lock

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/robots.txt":
                    self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                    return
                with lock:
                    page = pages.get(self.path.split("?", 1)[0])
                if page is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    self._send(200, page(), "text/html; charset=utf-8")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def serve(self, path: str, page: Callable[[], bytes]) -> None:
        with self._lock:
            self._pages[path] = page

    def __enter__(self) -> "PageServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
