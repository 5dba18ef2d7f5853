"""Slack: an incoming webhook with Block Kit, via slack_sdk's WebhookClient, within Slack's limits.

Limits kept (api.slack.com/reference/block-kit): at most 50 blocks, header text 150 characters,
section text 3000, button URL 3000; the ``text`` fallback is cut at 3000. The full diff stays
behind the link.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from slack_sdk.webhook import WebhookClient, WebhookResponse

from alerts.channels.base import Channel, ScrubFilter
from alerts.channels import connect
from alerts.channels.connect import opener
from alerts.config import secret
from alerts.errors import http_transient
from alerts.message import (TEST_NOTE, Message, facts, headline, label_name, links, more_edits, place,
                            quotes, summary)
from alerts.targets import check_url
from config.addresses import PrivateAddressError

log = logging.getLogger(__name__)
MAX_BLOCKS, MAX_HEADER, MAX_SECTION, MAX_TEXT = 50, 150, 3000, 3000
HUNKS_PER_ENTRY = 3
EMOJI = {"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":large_blue_circle:"}


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}


def entry_blocks(p: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of one payload: headline and facts, a few changes (removed and added sentences
    under their section), link buttons."""
    sev = p.get("severity", "none")
    lines = [f"{EMOJI.get(sev, '')} *{esc(headline(p))}*".strip()]
    lines += [f"*{esc(name)}:* {esc(value)}" for name, value in facts(p)]
    blocks = [_section("\n".join(lines))]
    hunks = p.get("hunks", [])
    for h in hunks[:HUNKS_PER_ENTRY]:
        tag = f" `{', '.join(label_name(x) for x in h['labels'])}`" if h.get("labels") else ""
        body = [f"*§ {esc(place(h))}*{tag}"]
        body += [f"*{esc(name)}:*\n>{esc(text)}" for name, text in quotes(h)]
        blocks.append(_section("\n".join(body)))
    more = more_edits({**p, "hunks": hunks[:HUNKS_PER_ENTRY]})
    blocks.append({"type": "actions", "elements": [{
        "type": "button", "text": {"type": "plain_text", "text": name},
        "url": cut(url, 3000)} for name, url in links(p)]})
    if more:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": esc(f"Also: {more}.")}]})
    return blocks


def blocks_for(message: Message) -> list[dict[str, Any]]:
    """Block Kit for a message (most severe first), never more than 50 blocks."""
    out: list[dict[str, Any]] = [{"type": "header", "text": {
        "type": "plain_text", "text": cut(message.subject, MAX_HEADER)}}]
    if message.test:
        out.append(_section(f"*{esc(TEST_NOTE)}*"))
    for i, p in enumerate(message.payloads):
        part = ([{"type": "divider"}] if i else []) + entry_blocks(p)
        if len(out) + len(part) > MAX_BLOCKS - 1:
            rest = len(message.payloads) - i
            where = f"<{message.more_link}|in the web UI>" if message.more_link else "in the web UI"
            out.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                        f"…and {rest} more alert{'s' if rest != 1 else ''} {where}"}]})
            break
        out.extend(part)
    return out


def fallback_text(message: Message) -> str:
    """The notification text (``text``): subject, then each alert in a few lines."""
    note = [TEST_NOTE] if message.test else []
    return cut("\n\n".join([message.subject, *note, *(summary(p) for p in message.payloads)]), MAX_TEXT)


def sdk_logger(secrets: list[str]) -> logging.Logger:
    """The logger handed to slack_sdk: INFO at most (its DEBUG lines print URLs and tokens), with
    every known secret scrubbed."""
    sdk_log = logging.getLogger(f"{__name__}.sdk")
    sdk_log.setLevel(logging.INFO)
    if not any(isinstance(f, ScrubFilter) for f in sdk_log.filters):
        sdk_log.addFilter(ScrubFilter([]))
    for f in sdk_log.filters:
        if isinstance(f, ScrubFilter):
            f.secrets = sorted(set(f.secrets) | set(secrets))
    return sdk_log


class PublicWebhookClient(WebhookClient):
    """slack_sdk's WebhookClient, its requests (and redirects) sent through
    :func:`alerts.channels.connect.opener`: to public addresses only, unless allowed."""

    def _perform_http_request_internal(self, url: str, req: Any) -> WebhookResponse:
        connect.check_url(url)
        with opener(self.ssl).open(req, timeout=self.timeout) as http_resp:
            charset = http_resp.headers.get_content_charset() or "utf-8"
            return WebhookResponse(url=url, status_code=http_resp.status,
                                   body=http_resp.read().decode(charset), headers=http_resp.headers)


class SlackChannel(Channel):
    """Posts Block Kit messages to a Slack incoming webhook."""

    kind: ClassVar[str] = "slack"

    def check(self) -> None:
        super().check()
        check_url(secret(self.cfg, "webhook_url") or "", f"slack channel {self.name!r}")

    def send(self, message: Message) -> None:
        url = secret(self.cfg, "webhook_url")
        assert url is not None
        client = PublicWebhookClient(url, timeout=self.cfg.timeout, logger=sdk_logger(self.secrets()),  # type: ignore[arg-type]
                                     retry_handlers=[], default_headers={
                                         "X-PolicyWatch-Delivery": message.key})
        text = fallback_text(message)
        try:
            response = client.send(text=text, blocks=blocks_for(message))
        except PrivateAddressError as exc:
            raise self.error("refused", exc, transient=False) from None
        except Exception as exc:  # noqa: BLE001 - any transport failure is a failed delivery
            raise self.error("delivery failed", exc) from None
        if response.status_code != 200:
            raise self.error(f"HTTP {response.status_code} {cut(str(response.body), 200)!r}",
                             transient=http_transient(response.status_code))
        log.info("slack delivered channel=%s key=%s", self.name, message.key)
