"""Options and helpers shared by the policywatch commands: --db, --targets, --format, output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

import config

F = TypeVar("F", bound=Callable[..., Any])


def db_option(f: F) -> F:
    return click.option("--db", "db", metavar="URL", default=None,
                        help="Database URL or SQLite path [env POLICYWATCH_DB].")(f)


def targets_option(f: F) -> F:
    return click.option("--targets", "targets", metavar="PATH", default=None,
                        type=click.Path(path_type=Path),
                        help="Declarations file or folder [env POLICYWATCH_TARGETS].")(f)


def format_option(f: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        show_default=True, help="Output format; json is a stable contract.")(f)


def _parse_settings(ctx: click.Context, param: click.Parameter,
                    pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", ctx, param)
        out[name] = value
    return out


def scrapy_settings_option(f: F) -> F:
    """``-s NAME=VALUE`` (repeatable): Scrapy setting overrides, handed on as a dict ``sets``."""
    return click.option("-s", "--set", "sets", multiple=True, metavar="NAME=VALUE",
                        callback=_parse_settings,
                        help="Override a Scrapy setting for this run (e.g. -s DOWNLOAD_TIMEOUT=10)."
                        )(f)


def root_verbosity() -> int:
    """How many ``-v`` the `policywatch` group was given (``policywatch -v run``)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    return int(root.params.get("verbose") or 0) if root is not ctx else 0


def open_store(db: str | None, *, read_only: bool = False) -> Any:
    """The database of ``--db`` or the ``db`` setting; ``read_only`` for the commands that only
    read (an up-to-date SQLite file is then opened read-only: it may be on a read-only mount)."""
    from store import Store

    return Store(db or config.get("db"), read_only=read_only)


def load_targets(path: Path | None, only: Sequence[str] = ()) -> list[Any]:
    """Declared targets, optionally only those whose id matches or starts with one of ``only``,
    with the configured egress proxies filled in."""
    from crawler.egress import with_egress
    from crawler.targets import load_targets as load

    configured = config.get("targets")
    targets = with_egress(load(path or (Path(configured) if configured else None)), config.egress_proxies())
    if not only:
        return targets
    picked = [t for t in targets if any(t.id == o or t.id.startswith(o.rstrip("/") + "/")
                                        or t.id.startswith(o + "@") for o in only)]
    unknown = [o for o in only if not any(t.id == o or t.id.startswith(o) for t in targets)]
    if unknown:
        raise click.BadParameter(f"no declared document {', '.join(unknown)}; "
                                 f"known: {', '.join(t.id for t in targets)}", param_hint="DOC")
    return picked


def fetchable_only(targets: list[Any]) -> list[Any]:
    """The targets that may be fetched from here; says on stderr which are not configured."""
    from crawler.egress import fetchable, where_from

    for t in targets:
        if not fetchable(t):
            click.echo(f"not fetching {t.id}: {where_from(t)}; set [egress] {t.egress} = \"PROXY-URL\" "
                       f"in the config file or POLICYWATCH_EGRESS_{t.egress.upper()}", err=True)
    return [t for t in targets if fetchable(t)]


def echo_robots_reasons(rows: Sequence[tuple[str, str, str | None]]) -> None:
    """One line per reason robots.txt is ignored, from (document, robots, reason) rows."""
    by_reason: dict[str, list[str]] = {}
    for document, robots, reason in rows:
        if robots == "ignore":
            by_reason.setdefault(reason or "", []).append(document)
    for reason, documents in by_reason.items():
        click.echo(f"robots.txt ignored for {len(documents)} document(s): {reason}")


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_default))


def when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "-"


def handle_errors(f: F) -> F:
    """Turn the typed errors of the core into one-line messages and exit codes."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from config import ConfigError
        from crawler.targets import DeclarationError
        from store import NotFound, StoreError

        try:
            return f(*args, **kwargs)
        except (DeclarationError, StoreError, ConfigError) as exc:
            raise click.ClickException(str(exc)) from exc
        except NotFound as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from exc

    return wrapper  # type: ignore[return-value]
