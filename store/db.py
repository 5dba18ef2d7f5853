"""Open a database by SQLAlchemy URL and bring its schema up to date with Alembic."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """Raised by store/ when the database cannot be opened or migrated."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite and pick psycopg 3 for plain postgresql:// URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Store:
    """A database handle: ``with store.session() as s:`` runs one transaction."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        if self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (idempotent)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception as exc:  # noqa: BLE001 - reported with the URL (password masked)
            raise StoreError(f"cannot open database {self.safe_url}: {exc}") from exc

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self._sessions.begin() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
