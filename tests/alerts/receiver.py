"""A scriptable HTTP receiver on loopback for alert tests: counts deliveries, fails on demand.

Each POST takes the next action of the script (then ``default``):
``"ok"`` answers 200, ``"500"`` answers 500, ``"hang"`` never answers (the client times out),
``"hold"`` sets :attr:`Receiver.holding` and waits for :attr:`Receiver.release`, then answers 200,
``"trickle"`` answers 200 one byte every :attr:`Receiver.trickle_seconds` (status line and headers too:
each read returns within a client's timeout, the whole reply takes long).
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
        self.trickle_seconds = 0.25
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

    def respond(self, delivery: Delivery) -> tuple[str, bytes]:
        """The content type and body of a 2xx answer to an accepted delivery (subclasses: an API)."""
        return "text/plain", b"ok"

    def get(self, path: str, headers: Message) -> tuple[int, str, bytes]:
        """The answer to a GET (subclasses: an API); 404 here."""
        return 404, "text/plain", b"not found"

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
        status = 200 if action in ("ok", "trickle") else int(action)
        content_type, body = "text/plain", b"error"
        if status < 300:
            self.owner._accept(delivery)
            content_type, body = self.owner.respond(delivery)
        self._answer(status, content_type, body, trickle=action == "trickle")

    def do_GET(self) -> None:  # noqa: N802
        self._answer(*self.owner.get(self.path, self.headers))

    def _answer(self, status: int, content_type: str, body: bytes, trickle: bool = False) -> None:
        head = (f"HTTP/1.0 {status} {'OK' if status < 300 else 'Error'}\r\nContent-Type: {content_type}"
                f"\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        try:
            if not trickle:
                self.wfile.write(head + body)
                return
            for i in range(len(head + body)):
                self.wfile.write((head + body)[i:i + 1])
                self.wfile.flush()
                if self.owner._stopped.wait(self.owner.trickle_seconds):
                    return
        except OSError:
            pass
