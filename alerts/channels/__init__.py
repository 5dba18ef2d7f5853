"""Channel kinds, registered explicitly: ``REGISTRY[kind]`` is the class for ``kind = "..."``."""

from __future__ import annotations

from alerts.channels.apprise import AppriseChannel
from alerts.channels.base import Channel
from alerts.channels.email import EmailChannel
from alerts.channels.slack import SlackChannel
from alerts.channels.slack_bot import SlackBotChannel
from alerts.channels.webhook import WebhookChannel
from alerts.config import ChannelConfig

REGISTRY: dict[str, type[Channel]] = {
    SlackChannel.kind: SlackChannel,
    EmailChannel.kind: EmailChannel,
    WebhookChannel.kind: WebhookChannel,
    SlackBotChannel.kind: SlackBotChannel,
    AppriseChannel.kind: AppriseChannel,
}


def build(name: str, cfg: ChannelConfig) -> Channel:
    """The channel object for a configured channel."""
    return REGISTRY[cfg.kind](name, cfg)


__all__ = ["REGISTRY", "Channel", "build"]
