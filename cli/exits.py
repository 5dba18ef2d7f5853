"""Exit statuses of ``policywatch check``, one per thing a cron job or a script must tell apart.

=====  ==============================================================================
0      every document was checked (new version or unchanged)
1      at least one fetch failed (blocked, transient, structural, robots_disallowed)
2      usage or configuration error: bad option, config file, alert channel or
       declaration; nothing was fetched
3      another check (or the daemon's round) holds the crawl lock; nothing was fetched
4      the database cannot be opened or written (read-only file or file system, disk
       full, server down, ...); nothing was fetched
=====  ==============================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

OK, FETCH_FAILED, USAGE, LOCKED, DATABASE = 0, 1, 2, 3, 4

#: The table above, for ``check --help`` (Click keeps the lines of a ``\b`` paragraph).
HELP = """\b
Exit status:
  0  every document was checked (new version or unchanged)
  1  at least one fetch failed (blocked, transient, structural, robots_disallowed)
  2  usage or configuration error (options, config file, alert channels, declarations)
  3  another check or the daemon's round holds the crawl lock; nothing was fetched
  4  the database cannot be opened or written (read-only, disk full, server down, ...)"""


class Failed(click.ClickException):
    """A one-line error with its own exit status."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


def check_exits(f: F) -> F:
    """Turn the typed errors of ``check`` into one-line messages and the statuses above."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from config import ConfigError
        from crawler.targets import DeclarationError
        from daemon.locks import LockHeld
        from store import StoreError

        try:
            return f(*args, **kwargs)
        except (DeclarationError, ConfigError) as exc:
            raise Failed(str(exc), USAGE) from exc
        except LockHeld as exc:
            raise Failed(f"refusing to check: {exc}; try again when it ends", LOCKED) from exc
        except StoreError as exc:
            raise Failed(str(exc), DATABASE) from exc

    return wrapper  # type: ignore[return-value]
