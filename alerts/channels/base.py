"""What every channel is: a name, its validated config, its secrets, and ``send(message)``."""

from __future__ import annotations

import logging
from typing import ClassVar

from alerts.config import ChannelConfig, secret
from alerts.errors import ChannelError, scrub
from alerts.message import Message


class Channel:
    """Base of the channel kinds; subclasses set ``kind`` and implement :meth:`send`."""

    kind: ClassVar[str] = ""

    def __init__(self, name: str, cfg: ChannelConfig) -> None:
        self.name = name
        self.cfg = cfg

    def secrets(self) -> list[str]:
        """Values that must never appear in an error message or a log line."""
        return self.cfg.secrets()

    def check(self) -> None:
        """Resolve every secret named by an environment variable; AlertConfigError if one is unset."""
        for field in type(self.cfg).model_fields:
            if field.endswith("_env") and getattr(self.cfg, field):
                secret(self.cfg, field.removesuffix("_env"))

    def send(self, message: Message) -> str | None:
        """Deliver ``message`` once; raise :class:`ChannelError` when it was not accepted. Return a
        warning when it was delivered only in part (the dispatcher records it; it never re-sends)."""
        raise NotImplementedError

    def error(self, what: str, exc: BaseException | None = None, *,
              transient: bool = True) -> ChannelError:
        """A ChannelError naming the channel and cause, with every secret scrubbed out."""
        cause = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        return ChannelError(scrub(f"{self.kind} channel {self.name!r}: {what}{cause}",
                                  self.secrets()), transient=transient)


class ScrubFilter(logging.Filter):
    """A logging filter that removes secrets from records of a library logger."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage(), self.secrets)
        record.args = None
        return True
