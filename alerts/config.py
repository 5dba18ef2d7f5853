"""The ``[alerts]`` table of the config file: channels, routes, retry policy (validated by pydantic).

``load(data)`` validates a dict (tests pass one explicitly); ``current()`` reads the config file
named by ``POLICYWATCH_CONFIG``. Secrets are given inline (``password = "..."``) or by the name of
an environment variable (``password_env = "..."``) and are only resolved when a channel is built.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator,
                      model_validator)

import config as settings
from alerts.errors import AlertConfigError
from config.addresses import allowed, check_literal

SEVERITIES = ("none", "low", "medium", "high")
Severity = Literal["low", "medium", "high"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelConfig(_Strict):
    """Routing and delivery options every channel kind has."""

    kind: str
    mode: Literal["each", "digest"] = "each"
    """each: one message per alert; digest: one message for all pending alerts of a run."""
    digest_interval_minutes: float = Field(0, ge=0)
    """In digest mode, send at most one digest per this many minutes (1440 = daily)."""
    min_severity: Severity = "low"
    labels: list[str] = []
    """Only changes carrying one of these labels (empty: any)."""
    platforms: list[str] = []
    """Only these platforms (empty: any)."""
    incidents: bool = True
    """Also send 'monitoring broken' and recovery notices."""
    timeout: float = Field(10.0, gt=0)

    def secrets(self) -> list[str]:
        """Every secret value this channel knows (for scrubbing), resolved where possible."""
        out = []
        for name in type(self).model_fields:
            if name.endswith("_env") or isinstance(getattr(self, name), SecretStr):
                base = name.removesuffix("_env")
                try:
                    value = secret(self, base, required=False)
                except AlertConfigError:
                    value = None
                if value:
                    out.append(value)
        return out


def _web_url(value: SecretStr | None) -> SecretStr | None:
    """An inline URL must be http(s) and, unless private targets are allowed, not name an address
    that is not public (a URL from ``*_env`` is judged when sending)."""
    if value is not None:
        from alerts.channels.connect import check_url

        check_url(value.get_secret_value())
    return value


def _one_of(model: BaseModel, name: str, required: bool = True) -> None:
    given = [getattr(model, name) is not None, getattr(model, name + "_env") is not None]
    if all(given):
        raise ValueError(f"give {name} or {name}_env, not both")
    if required and not any(given):
        raise ValueError(f"{name} or {name}_env is required")


class SlackConfig(ChannelConfig):
    """A Slack incoming webhook (Block Kit)."""

    kind: Literal["slack"]
    webhook_url: SecretStr | None = None
    webhook_url_env: str | None = None

    _webhook_url = field_validator("webhook_url")(_web_url)

    @model_validator(mode="after")
    def _check(self) -> SlackConfig:
        _one_of(self, "webhook_url")
        return self


class SlackBotConfig(ChannelConfig):
    """Slack through a bot token (Web API chat.postMessage), deduplicated by message metadata."""

    kind: Literal["slack_bot"]
    token: SecretStr | None = None
    token_env: str | None = None
    channel: str = Field(min_length=1)
    """The conversation ID (``C0123456789``) the bot posts to; the bot must be a member."""
    api_url: str = "https://slack.com/api/"
    """The Web API's base URL (a proxy or a test server; the default for Slack itself)."""

    @model_validator(mode="after")
    def _check(self) -> SlackBotConfig:
        _one_of(self, "token")
        return self


class AppriseConfig(ChannelConfig):
    """One Apprise URL (Teams, Discord, Telegram, Matrix, Mattermost, ntfy, PagerDuty, ...)."""

    kind: Literal["apprise"]
    url: SecretStr | None = None
    """An Apprise URL; ``${NAME}`` in it is replaced by environment variable NAME when sending."""
    url_env: str | None = None

    @model_validator(mode="after")
    def _check(self) -> AppriseConfig:
        _one_of(self, "url")
        return self


class EmailConfig(ChannelConfig):
    """An SMTP server and the addresses to write to."""

    kind: Literal["email"]
    host: str
    port: int | None = None
    """Default: 465 for ssl, 587 for starttls, 25 for none."""
    security: Literal["starttls", "ssl", "none"] = "starttls"
    ca_file: str | None = None
    """A CA bundle to verify the server with (default: the system's)."""
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    sender: str
    to: list[str] = Field(min_length=1)

    @field_validator("host")
    @classmethod
    def _public_host(cls, host: str) -> str:
        if not allowed():
            check_literal(host)
        return host

    @model_validator(mode="after")
    def _check(self) -> EmailConfig:
        _one_of(self, "password", required=False)
        return self


class WebhookConfig(ChannelConfig):
    """A generic JSON webhook, signed with HMAC-SHA256."""

    kind: Literal["webhook"]
    url: SecretStr | None = None
    url_env: str | None = None
    _url = field_validator("url")(_web_url)
    secret: SecretStr | None = None
    secret_env: str | None = None
    headers: dict[str, str] = {}

    @model_validator(mode="after")
    def _check(self) -> WebhookConfig:
        _one_of(self, "url")
        _one_of(self, "secret")
        return self


AnyChannel = Annotated[SlackConfig | SlackBotConfig | EmailConfig | WebhookConfig | AppriseConfig,
                       Field(discriminator="kind")]


class AlertsConfig(_Strict):
    """The whole ``[alerts]`` table."""

    max_attempts: int = Field(12, ge=1)
    """Deliveries tried before a row is marked dead (12 with the defaults below: ~5 hours)."""
    backoff_seconds: float = Field(30.0, gt=0)
    backoff_max_seconds: float = Field(3600.0, gt=0)
    lease_seconds: float = Field(300.0, gt=0)
    """How long a claimed row stays claimed; a crashed dispatcher's rows are retried after it."""
    base_url: str | None = None
    """Links in alerts; default: the ``base_url`` setting."""
    channels: dict[str, AnyChannel] = {}

    @model_validator(mode="after")
    def _lease_outlives_sends(self) -> AlertsConfig:
        slowest = max((c.timeout for c in self.channels.values()), default=0.0)
        if self.lease_seconds < 2 * slowest:
            raise ValueError(f"lease_seconds ({self.lease_seconds:g}) must be at least twice the "
                             f"longest channel timeout ({slowest:g})")
        return self

    def link_base(self) -> str:
        return (self.base_url or str(settings.get("base_url"))).rstrip("/")


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 3 and parts[0] == "channels" and parts[2] in ("slack", "slack_bot", "email", "webhook", "apprise"):
        del parts[2]  # pydantic puts the discriminator value in the path
    return ".".join(["alerts", *parts])


def load(data: dict[str, Any] | None) -> AlertsConfig:
    """Validate an ``[alerts]`` table; errors name the key, e.g. ``alerts.channels.x.port``."""
    try:
        return AlertsConfig.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise AlertConfigError(f"invalid [alerts] config: {problems}") from None


def current() -> AlertsConfig:
    """The ``[alerts]`` table of the config file (no channels when there is none)."""
    return load(settings.config_file().get("alerts"))


def secret(channel: ChannelConfig, name: str, *, required: bool = True) -> str | None:
    """The value of secret ``name`` of a channel: inline, or from the environment variable named."""
    inline = getattr(channel, name, None)
    if isinstance(inline, SecretStr):
        return inline.get_secret_value()
    env = getattr(channel, name + "_env", None)
    if env:
        value = os.environ.get(env)
        if value:
            return value
        if required:
            raise AlertConfigError(f"environment variable {env} (for {name}) is not set")
    elif required:
        raise AlertConfigError(f"no {name} configured")
    return None
