"""A loopback Slack Web API: the methods PolicyWatch's ``slack_bot`` channel calls, as Slack answers them.

``POST /api/chat.postMessage`` (JSON body, bearer token) stores the message in the conversation
and answers ``{"ok": true, "ts": ...}``; ``POST /api/conversations.history`` (form fields, as
slack_sdk sends every method) lists the conversation
newest first, with ``metadata`` only when ``include_all_metadata`` is true, paged by ``limit`` and
``cursor``. A wrong token gets ``{"ok": false, "error": "invalid_auth"}``, an unknown channel
``channel_not_found``. POSTs take the :class:`Receiver` script ("hold", "500", ...), so a test can
hold a post and kill the sender while the message is already in the channel.
"""

from __future__ import annotations

import json
import threading
import time
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

from tests.alerts.receiver import Delivery, Receiver

TOKEN = "xoxb-test-0123456789"
CHANNEL = "C0POLICYWATCH"


class SlackAPI(Receiver):
    """A Receiver answering as Slack's Web API; :attr:`history` holds the channel's messages."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[dict[str, Any]] = []
        self.lookups = 0
        self._lock = threading.Lock()

    @property
    def api_url(self) -> str:
        return self.url("/api/")

    def keys(self) -> Any:
        """How many messages in the channel carry each alert key (metadata)."""
        from collections import Counter

        with self._lock:
            return Counter(m["metadata"]["event_payload"]["key"] for m in self.history if m.get("metadata"))

    def _error(self, headers: Message, channel: str | None) -> str | None:
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return "invalid_auth"
        return None if channel == CHANNEL else "channel_not_found"

    def _take(self, delivery: Delivery) -> str:
        """Only posts take the script; reads (slack_sdk POSTs every method) always answer."""
        return super()._take(delivery) if _posting(delivery) else "ok"

    def _accept(self, delivery: Delivery) -> None:
        if _posting(delivery):
            super()._accept(delivery)

    def respond(self, delivery: Delivery) -> tuple[str, bytes]:
        params = _params(delivery)
        error = self._error(delivery.headers, params.get("channel"))
        if error:
            return _json({"ok": False, "error": error})
        if _posting(delivery):
            return self._post(params)
        if delivery.path.endswith("/conversations.history"):
            return self._history(params)
        return _json({"ok": False, "error": "unknown_method"})

    def _post(self, body: dict[str, Any]) -> tuple[str, bytes]:
        with self._lock:
            ts = f"{time.time():.6f}"
            self.history.insert(0, {"type": "message", "ts": ts, "text": body.get("text", ""),
                                    "blocks": body.get("blocks", []), "metadata": body.get("metadata")})
        return _json({"ok": True, "channel": CHANNEL, "ts": ts})

    def _history(self, q: dict[str, Any]) -> tuple[str, bytes]:
        with self._lock:
            self.lookups += 1
            found = [m for m in self.history if float(m["ts"]) >= float(q.get("oldest") or 0)]
        start, limit = int(q.get("cursor") or 0), int(q.get("limit") or 100)
        page = found[start:start + limit]
        if str(q.get("include_all_metadata")) not in ("1", "true", "True"):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        return _json({"ok": True, "messages": page, "has_more": more,
                      "response_metadata": {"next_cursor": str(start + limit) if more else ""}})


def _posting(delivery: Delivery) -> bool:
    return delivery.path.endswith("/chat.postMessage")


def _params(delivery: Delivery) -> dict[str, Any]:
    """A Web API call's arguments: a JSON body, or form fields (slack_sdk POSTs both kinds)."""
    if "json" in delivery.headers.get("Content-Type", ""):
        return dict(delivery.json())
    return {k: v[0] for k, v in parse_qs(delivery.body.decode()).items()}


def _json(data: dict[str, Any]) -> tuple[str, bytes]:
    return "application/json; charset=utf-8", json.dumps(data).encode()
