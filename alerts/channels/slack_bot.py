"""Slack through a bot token (Web API ``chat.postMessage``), which can deduplicate a re-send.

Each message carries the alert's idempotency key in its message metadata
(``event_type = "policywatch_alert"``, ``event_payload = {"key": ...}``). Before re-sending a message
whose earlier attempt has no known outcome (the dispatcher died, or the reply was lost), the channel
reads the conversation since the alert was enqueued (``conversations.history`` with
``include_all_metadata``) and posts nothing when a message with that key is already there.
Scopes: ``chat:write``, and ``channels:history`` (``groups:history`` for a private channel).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alerts.channels.base import Channel
from alerts.channels.slack import blocks_for, cut, fallback_text, sdk_logger
from alerts.config import SlackBotConfig, secret
from alerts.errors import http_transient
from alerts.message import Message
from alerts.targets import check_url

log = logging.getLogger(__name__)
EVENT_TYPE = "policywatch_alert"
PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
                       "msg_too_long", "no_text", "too_many_attachments", "invalid_metadata_format",
                       "invalid_metadata_schema", "metadata_too_large"})
"""Slack error codes that refuse the message itself (a retry cannot help)."""
LOOKBACK_PAGES = 20


class SlackBotChannel(Channel):
    """Posts Block Kit messages with a bot token; looks before re-sending."""

    kind: ClassVar[str] = "slack_bot"
    cfg: SlackBotConfig

    def check(self) -> None:
        super().check()
        check_url(self.cfg.api_url, f"slack_bot channel {self.name!r}")

    def client(self) -> WebClient:
        token = secret(self.cfg, "token")
        return WebClient(token=token, base_url=self.cfg.api_url, timeout=self.cfg.timeout,  # type: ignore[arg-type]
                         logger=sdk_logger(self.secrets()), retry_handlers=[])

    def send(self, message: Message) -> str | None:
        client = self.client()
        if message.retry and self.already_posted(client, message.key, message.since):
            log.info("slack_bot channel=%s key=%s already in the channel; not re-sent",
                     self.name, message.key)
            return None
        try:
            client.chat_postMessage(
                channel=self.cfg.channel, text=fallback_text(message), blocks=blocks_for(message),
                unfurl_links=False, unfurl_media=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": message.key}})
        except Exception as exc:  # noqa: BLE001 - any transport or API failure is a failed delivery
            raise self.failure("chat.postMessage", exc) from None
        log.info("slack_bot delivered channel=%s key=%s", self.name, message.key)
        return None

    def already_posted(self, client: WebClient, key: str, since: datetime | None) -> bool:
        """Whether the conversation holds a message with metadata ``key`` (posted since ``since``)."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)  # the store's times are UTC (SQLite drops the zone)
        oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}" if since else "0"
        cursor = None
        for _ in range(LOOKBACK_PAGES):
            try:
                page = client.conversations_history(channel=self.cfg.channel, oldest=oldest,
                                                    include_all_metadata=True, limit=200, cursor=cursor)
            except Exception as exc:  # noqa: BLE001 - unknown outcome: do not risk a duplicate
                raise self.failure("conversations.history (looking for an earlier send)", exc) from None
            messages: list[dict[str, Any]] = page.get("messages") or []
            if any(_key(m) == key for m in messages):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
        raise self.error(f"conversations.history: more than {LOOKBACK_PAGES} pages since the alert")

    def failure(self, method: str, exc: Exception) -> Exception:
        """A ChannelError for a failed API call; Slack's own error code decides if a retry may help."""
        response = exc.response if isinstance(exc, SlackApiError) else None
        if response is None:
            return self.error(f"{method} failed", exc)
        code, status = str(response.get("error", "") or "error"), response.status_code
        transient = code not in PERMANENT and (status == 200 or http_transient(status))
        return self.error(f"{method}: {code} (HTTP {status}) {cut(str(response.data), 200)!r}",
                          transient=transient)


def _key(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != EVENT_TYPE:
        return None
    return (meta.get("event_payload") or {}).get("key")
