"""Open a database by SQLAlchemy URL and bring its schema up to date with Alembic.

Two processes opening a fresh database at once migrate it one after the other: the migration
runs under a lock (PostgreSQL: a transaction advisory lock; SQLite: ``flock`` on
``<db file>.migrate.lock``), taken only when the schema is not already up to date, so opening
an up-to-date database writes nothing (and works read-only).
"""

from __future__ import annotations

import fcntl
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from store.faults import explain, storage_failed

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """Raised by store/ when the database cannot be opened or migrated."""


class StoreWriteError(StoreError):
    """A write failed because the database's storage cannot take it (disk full, read-only,
    I/O error; see :func:`store.faults.storage_failed`); the message names the file and the
    cause. Raised by :meth:`Store.write_failed`; nothing of the failed transaction is kept."""


#: PostgreSQL advisory lock class of the migration (daemon/locks.py uses 0x50570001-2).
_PG_MIGRATE_LOCK = 0x50570003


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # the wait first: switching a fresh file to WAL takes a lock that another process opening or
    # migrating it may hold for longer than sqlite3's default 5 s on a busy machine
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
    cur.close()


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    database = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _read_only_url(path: Path) -> str:
    """A SQLite URI opening ``path`` read-only; ``immutable`` on a read-only or full file system,
    where SQLite could not create the -shm file a WAL database needs (and nobody can write)."""
    from store.faults import free_bytes, read_only_fs

    flags = "mode=ro" + ("&immutable=1" if read_only_fs(path) or free_bytes(path) == 0 else "")
    return f"sqlite:///file:{quote(str(path))}?{flags}&uri=true"


def normalise_url(url: str) -> str:
    """Accept a bare file path as SQLite and pick psycopg 3 for plain postgresql:// URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Store:
    """A database handle: ``with store.session() as s:`` runs one transaction.

    ``read_only=True`` (the commands that only read): an up-to-date SQLite database is opened
    read-only (``mode=ro``), so a read-only file or file system can still be read; a database
    that needs migrating is opened read-write as usual.
    """

    def __init__(self, url: str, *, migrate: bool = True, read_only: bool = False) -> None:
        self.url = normalise_url(url)
        self.path = sqlite_path(self.url)
        self.read_only = bool(read_only and self.path and self.path.exists())
        if self.path and not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = self._engine()
        if self.read_only and not self._guard(self.at_head):
            self.read_only = False  # migrating needs to write
            self.engine.dispose()
            self.engine = self._engine()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate and not self.read_only:
            self.migrate()

    def _engine(self) -> Engine:
        assert self.path is not None or not self.read_only
        url = _read_only_url(self.path) if self.read_only and self.path else self.url
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_read_pragmas if self.read_only else _sqlite_pragmas)
        return engine

    def _config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        return cfg

    def at_head(self) -> bool:
        """Whether the schema is at the newest Alembic revision (reads only)."""
        heads = set(ScriptDirectory.from_config(self._config()).get_heads())
        with self.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads()) == heads

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (idempotent); one process at a time."""
        if self._guard(self.at_head):
            return
        cfg = self._config()

        def upgrade() -> None:
            with self._migration_lock(), self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    _pg_xact_lock(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")  # a no-op when another process just did it

        self._guard(upgrade)

    def check_writable(self) -> None:
        """Commit a write that changes nothing; :class:`StoreError` naming the database and the
        cause (read-only file, read-only file system, disk full, ...) when it fails."""

        def write() -> None:
            with self.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))

        self._guard(write, "write to")

    def write_failed(self, exc: BaseException) -> StoreWriteError | None:
        """The :class:`StoreWriteError` that ``exc`` amounts to, if the storage failed it."""
        if not storage_failed(exc):
            return None
        error = StoreWriteError(explain(exc, self.path, self.safe_url, "write to"))
        error.__cause__ = exc
        return error

    def _guard(self, action: Any, doing: str = "open") -> Any:
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - reported in one line, password masked
            raise StoreError(explain(exc, self.path, self.safe_url, doing)) from exc

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite: ``flock`` on ``<db>.migrate.lock``, waited for (PostgreSQL: see migrate)."""
        if self.path is None:
            yield
            return
        with open(f"{self.path}.migrate.lock", "a", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield

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


def _pg_xact_lock(conn: Connection) -> None:
    """Wait for this schema's migration lock; held until the transaction ends."""
    db, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    key = zlib.crc32(f"{db}.{schema}".encode()) & 0x7FFFFFFF
    conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _PG_MIGRATE_LOCK, "b": key})
