"""A generic JSON webhook, signed with HMAC-SHA256 (stdlib urllib, no client library needed).

Headers: ``X-PolicyWatch-Timestamp`` (Unix seconds), ``X-PolicyWatch-Signature``
(``sha256=`` + hex HMAC-SHA256 of ``timestamp + "." + body`` with the shared secret), and the
idempotency key as both ``Idempotency-Key`` and ``X-PolicyWatch-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any, ClassVar

from alerts.channels.base import Channel
from alerts.channels import connect
from alerts.channels.connect import opener
from alerts.config import WebhookConfig, secret
from alerts.errors import http_transient
from alerts.message import Message
from alerts.targets import check_url
from config.addresses import PrivateAddressError

log = logging.getLogger(__name__)


def sign(secret_key: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at ``timestamp``."""
    mac = hmac.new(secret_key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret_key: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret_key, timestamp, body), signature)


def body_for(message: Message) -> dict[str, Any]:
    """The JSON document: the structured alerts plus their rendered subject and text."""
    return {"delivery": message.key, "digest": message.digest, "test": message.test,
            "channel": message.channel,
            "severity": message.severity, "subject": message.subject, "text": message.text(),
            "alerts": message.payloads}


class WebhookChannel(Channel):
    """POSTs a signed JSON document per message."""

    kind: ClassVar[str] = "webhook"
    cfg: WebhookConfig

    def check(self) -> None:
        super().check()
        check_url(secret(self.cfg, "url") or "", f"webhook channel {self.name!r}")

    def send(self, message: Message) -> None:
        url, key = secret(self.cfg, "url"), secret(self.cfg, "secret")
        assert url is not None and key is not None
        body = json.dumps(body_for(message), ensure_ascii=False).encode("utf-8")
        ts = str(int(time.time()))
        headers = {**self.cfg.headers, "Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "PolicyWatch-Alerts/1", "X-PolicyWatch-Timestamp": ts,
                   "X-PolicyWatch-Signature": sign(key, ts, body),
                   "Idempotency-Key": message.key, "X-PolicyWatch-Delivery": message.key}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            connect.check_url(url)  # a URL read from the environment at send time
            with opener().open(request, timeout=self.cfg.timeout) as response:
                status = response.status
        except PrivateAddressError as exc:
            raise self.error("refused", exc, transient=False) from None
        except urllib.error.HTTPError as exc:
            raise self.error(f"HTTP {exc.code}", transient=http_transient(exc.code)) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise self.error("delivery failed", reason if isinstance(reason, BaseException)
                             else Exception(str(reason))) from None
        if not 200 <= status < 300:
            raise self.error(f"HTTP {status}")
        log.info("webhook delivered channel=%s key=%s", self.name, message.key)
