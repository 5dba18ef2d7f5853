"""PolicyWatch settings, declared once with a default and a help line.

Only this module reads the environment. A value comes from, in order: the environment variable
``POLICYWATCH_<NAME>``, the ``[policywatch]`` table of the config file, then the default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable


class ConfigError(Exception):
    """Raised when the config file cannot be read or a setting has a bad value."""


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "policywatch"


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "policywatch"


def flag(raw: Any) -> bool:
    """A yes/no setting: a TOML boolean, or 1/true/yes/on and 0/false/no/off in the environment."""
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {raw!r}")


@dataclass(frozen=True)
class Setting:
    name: str
    default: Callable[[], Any]
    help: str
    kind: Callable[[Any], Any] = str

    @property
    def env(self) -> str:
        return "POLICYWATCH_" + self.name.upper()


SETTINGS: dict[str, Setting] = {s.name: s for s in [
    Setting("db", lambda: f"sqlite:///{_data_home() / 'policywatch.db'}",
            "SQLAlchemy URL (or a file path for SQLite) of the database."),
    Setting("config", lambda: str(_config_home() / "config.toml"),
            "Path of the TOML config file (alert channels, routes, settings)."),
    Setting("targets", lambda: None,
            "A declarations file or folder; default: the declarations shipped with PolicyWatch."),
    Setting("base_url", lambda: "http://127.0.0.1:8080",
            "Public base URL of `policywatch serve`, used for links in alerts."),
    Setting("incident_after", lambda: 3,
            "Failed checks in a row that open a 'monitoring broken' incident.", int),
    Setting("shrink_hold", lambda: 0.3,
            "Fraction of a document's text that may disappear in one fetch; a text that lost more "
            "is held (structural, no version, no alert) until the next fetch confirms it. 0: off.",
            float),
    Setting("flap_window_days", lambda: 7.0,
            "A document whose latest versions alternate between two texts within this many days "
            "(an A/B test, a stale cache, two editions at one address) alerts on the change and on "
            "its reversal, then not again until a new text appears. 0: every flip alerts.", float),
    Setting("allow_private_targets", lambda: False,
            "Allow fetching documents and delivering alerts to addresses that are not public "
            "(loopback, private networks, link-local, e.g. 169.254.169.254); off: refused.", flag),
    Setting("cpu_workers", lambda: os.cpu_count() or 1,
            "Worker processes for extraction, diff and classification (off the crawler's reactor); "
            "default: one per core; 0: all in the crawling process.", int),
    Setting("cpu_workers_from", lambda: 50,
            "Crawls of at least this many documents extract in the worker processes; smaller ones "
            "in the crawling process (starting the workers costs more than it saves).", int),
    Setting("unchanged_checks", lambda: "each",
            "each: one check row per check; summary: an unchanged check following an unchanged "
            "check of the same version adds no row, the last row counts it (repeats, first time)."),
    Setting("log_format", lambda: "text", "Log line format: text or json."),
    Setting("token", lambda: None,
            "Token `policywatch serve` requires on every request (needed off loopback)."),
    Setting("archive_url", lambda: "https://web.archive.org",
            "Base URL of the web archive `policywatch backfill` lists captures from (its CDX API "
            "at /cdx/search/cdx) and fetches them from (/web/TIMESTAMPid_/URL)."),
    Setting("allowed_hosts", lambda: None,
            "Host names `policywatch serve` answers to, comma-separated; default: the bound "
            "address, localhost, 127.0.0.1, [::1] and the host of a configured base_url."),
]}


@lru_cache(maxsize=8)
def _file_values(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.exists():
        return {}
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: {exc}") from exc


def config_path() -> Path:
    """Where the config file is (it may not exist)."""
    return Path(os.environ.get(SETTINGS["config"].env) or SETTINGS["config"].default())


def config_file() -> dict[str, Any]:
    """The whole parsed config file ({} when there is none)."""
    return _file_values(str(config_path()))


def reload() -> None:
    """Forget the parsed config file: the next read sees its current contents."""
    _file_values.cache_clear()


def get(name: str) -> Any:
    """The value of a declared setting."""
    value = configured(name)
    return SETTINGS[name].default() if value is None else value


def configured(name: str) -> Any:
    """The value of a declared setting given in the environment or the config file; None when
    it is left to its default."""
    setting = SETTINGS[name]
    raw: Any = os.environ.get(setting.env)
    if raw is None and name != "config":
        raw = config_file().get("policywatch", {}).get(name)
    if raw is None:
        return None
    try:
        return setting.kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} ({setting.env}): bad value {raw!r}") from exc


def validate() -> None:
    """Read every setting once: :class:`ConfigError` for the first bad value, before any work."""
    for name in SETTINGS:
        configured(name)


EGRESS_ENV_PREFIX = "POLICYWATCH_EGRESS_"


def egress_proxies() -> dict[str, str]:
    """Proxy URL per egress name (e.g. ``eu``): the ``[egress]`` table of the config file, each
    overridden by ``POLICYWATCH_EGRESS_<NAME>``. A declaration names an egress; where it leads
    (a proxy URL) is deployment config, so it lives here and not in the declarations."""
    table = config_file().get("egress", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigError("[egress] must map egress names to proxy URLs, e.g. eu = \"http://eu-proxy:3128\"")
    proxies = {str(name).lower(): url for name, url in table.items()}
    for var, url in os.environ.items():
        if var.startswith(EGRESS_ENV_PREFIX) and url:
            proxies[var.removeprefix(EGRESS_ENV_PREFIX).lower()] = url
    return proxies
