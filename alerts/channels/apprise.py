"""Apprise: one URL per channel, for the services PolicyWatch has no module of its own for (Teams,
Discord, Telegram, Matrix, Mattermost, ntfy, PagerDuty, ... github.com/caronc/apprise/wiki).

The URL is a secret (most hold a token): given inline or by ``url_env``, and ``${NAME}`` inside it
is replaced by environment variable NAME when sending, so a config file can hold
``"mmosts://chat.example.org/${MATTERMOST_HOOK_TOKEN}"``. One URL per channel keeps retries exact:
each target has its own outbox row, so a failure at one never re-sends to another.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, ClassVar

from alerts.channels.base import Channel
from alerts.config import AppriseConfig, secret
from alerts.errors import AlertConfigError, scrub
from alerts.message import Message
from alerts.targets import check_apprise

log = logging.getLogger(__name__)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(url: str) -> tuple[str, list[str]]:
    """``url`` with every ``${NAME}`` replaced from the environment, and the values used."""
    values: list[str] = []

    def value(m: re.Match[str]) -> str:
        found = os.environ.get(m.group(1))
        if not found:
            raise AlertConfigError(f"environment variable {m.group(1)} (in the apprise url) is not set")
        values.append(found)
        return found

    return _VAR.sub(value, url), values


class AppriseChannel(Channel):
    """Sends the message's subject and plain text through one Apprise URL."""

    kind: ClassVar[str] = "apprise"
    cfg: AppriseConfig

    def url(self) -> str:
        raw = secret(self.cfg, "url")
        assert raw is not None
        return expand(raw)[0]

    def secrets(self) -> list[str]:
        out = super().secrets()
        try:
            raw = secret(self.cfg, "url", required=False)
            out += expand(raw)[1] + [self.url()] if raw else []
        except AlertConfigError:
            pass
        return out

    def check(self) -> None:
        super().check()
        self.plugin()

    def plugin(self) -> Any:
        """The Apprise plugin for the URL, with this channel's timeout; a config error if invalid."""
        import apprise  # here: importing it costs every other command half a second

        url = self.url()
        plugin = apprise.Apprise.instantiate(url)
        if not plugin:
            raise AlertConfigError(scrub(f"apprise channel {self.name!r}: not a valid Apprise URL "
                                         f"({url.split('://', 1)[0]}://...)", self.secrets()))
        check_apprise(url.split("://", 1)[0], getattr(plugin, "host", None),
                      getattr(plugin, "mode", None), f"apprise channel {self.name!r}")
        plugin.socket_connect_timeout = plugin.socket_read_timeout = self.cfg.timeout
        return plugin

    def send(self, message: Message) -> None:
        import apprise

        plugin = self.plugin()
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = plugin.notify(title=message.subject, body=message.text(),
                               body_format=apprise.NotifyFormat.TEXT)
        if not ok:
            detail = " ".join(line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines()[-3:])
            raise self.error(f"{plugin.service_name} refused or failed: {detail or 'no reason given'}")
        log.info("apprise delivered channel=%s service=%s key=%s", self.name, plugin.service_name,
                 message.key)
