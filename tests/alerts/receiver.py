"""A scriptable HTTP receiver on loopback for alert tests: counts deliveries, fails on demand.

Each POST takes the next action of the script (then ``default``):
``"ok"`` answers 200, ``"500"`` answers 500, ``"hang"`` never answers (the client times out),
``"hold"`` sets :attr:`Receiver.holding` and waits for :attr:`Receiver.release`, then answers 200.
A delivery is *accepted* when the receiver decides to answer 2xx (counted before the answer is
written, as a real receiver commits before replying). ``stop()`` then ``start()`` on the same
port makes the receiver refuse connections in between.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    path: str
    headers: Message
    """Case-insensitive, as HTTP headers are."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str:
        return self.headers.get("X-PolicyWatch-Delivery", "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that time out and hang up are part of the tests."""


class Receiver:
    """Threaded stdlib HTTP server on 127.0.0.1 that records and scripts POST deliveries."""

    def __init__(self) -> None:
        self.script: deque[str] = deque()
        self.default = "ok"
        self.requests: list[Delivery] = []
        self.accepted: list[Delivery] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self._stopped = threading.Event()
        self._cond = threading.Condition()
        self._httpd: _Server | None = None
        self.port = 0

    def start(self) -> Receiver:
        handler = type("H", (_Handler,), {"owner": self})
        self._stopped.clear()
        self._httpd = _Server(("127.0.0.1", self.port), handler)
        self.port = int(self._httpd.server_address[1])
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self.release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def keys(self) -> Counter[str]:
        """How many times each idempotency key was accepted."""
        with self._cond:
            return Counter(d.key for d in self.accepted)

    def wait_for(self, predicate: Callable[[Receiver], bool], timeout: float = 20.0) -> bool:
        """Block until ``predicate(self)`` holds (re-checked on every delivery) or timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))
            return True

    def _take(self, delivery: Delivery) -> str:
        with self._cond:
            self.requests.append(delivery)
            return self.script.popleft() if self.script else self.default

    def _accept(self, delivery: Delivery) -> None:
        with self._cond:
            self.accepted.append(delivery)
            self._cond.notify_all()


class _Handler(BaseHTTPRequestHandler):
    owner: Receiver
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        delivery = Delivery(self.path, self.headers, body)
        action = self.owner._take(delivery)
        if action == "hang":
            self.owner._stopped.wait(10)
            return
        if action == "hold":
            self.owner.holding.set()
            self.owner.release.wait(30)
            action = "ok"
        status = 200 if action == "ok" else int(action)
        if status < 300:
            self.owner._accept(delivery)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass
