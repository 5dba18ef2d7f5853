"""Inter-process locks on a database: one scheduler per database, one crawl at a time.

Two named locks per database:

- ``daemon``: held by ``policywatch run`` for its whole life; a second ``run`` refuses.
- ``crawl``: held while a crawl round records into the database, by the daemon and by
  ``policywatch check``; a ``check`` that finds it held refuses, the daemon waits for it.

Both are released by the operating system or the database server when the holder dies, so a
crash never leaves a stale lock behind:

- SQLite: ``fcntl.flock`` on ``<db file>.<name>.lock`` (the file keeps the holder's pid/host).
- PostgreSQL: a session advisory lock (keyed by database schema and lock name) held on a
  dedicated connection whose ``application_name`` names the holder.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import socket
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

_PG_CLASS = {"daemon": 0x50570001, "crawl": 0x50570002}


class LockHeld(Exception):
    """Raised by ``Lock.acquire`` when another process holds the lock; says who."""


def holder_info(purpose: str) -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "since": datetime.now(UTC).isoformat(timespec="seconds")}


def describe(info: dict[str, Any] | None) -> str:
    if not info:
        return "another process"
    return (f"{info.get('purpose') or 'policywatch'} (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, since {info.get('since', '?')})")


class Lock(Protocol):
    name: str

    def acquire(self) -> None:
        """Take the lock without waiting; :class:`LockHeld` if another process has it."""

    def release(self) -> None:
        """Give the lock back (idempotent)."""

    def alive(self) -> bool:
        """Whether the lock is still ours (False after e.g. a lost database connection)."""


class FileLock:
    """``flock`` on a file next to the SQLite database."""

    def __init__(self, path: Path, name: str, purpose: str) -> None:
        self.path, self.name, self.purpose = path, name, purpose
        self._fh: Any = None

    def acquire(self) -> None:
        if self._fh is not None:
            return
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raw = fh.read()
            fh.close()
            try:
                info = json.loads(raw) if raw.strip() else None
            except ValueError:
                info = None
            raise LockHeld(f"the {self.name} lock ({self.path}) is held by {describe(info)}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(holder_info(self.purpose)))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is None:
            return
        fh, self._fh = self._fh, None
        try:
            fh.seek(0)
            fh.truncate()
        finally:
            fh.close()  # closing the descriptor releases the flock

    def alive(self) -> bool:
        return self._fh is not None


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a dedicated AUTOCOMMIT connection."""

    def __init__(self, engine: Engine, name: str, purpose: str) -> None:
        self.engine, self.name, self.purpose = engine, name, purpose
        self._conn: Connection | None = None
        self._keys: tuple[int, int] | None = None
        self._backend: int | None = None
        """The server process of our session: after a lost connection, it may still hold the lock."""

    def _connect(self) -> tuple[Connection, tuple[int, int]]:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        db, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
        keys = (_PG_CLASS[self.name], zlib.crc32(f"{db}.{schema}".encode()) & 0x7FFFFFFF)
        return conn, keys

    def acquire(self) -> None:
        if self._conn is not None:
            return
        conn, keys = self._connect()
        try:
            got = self._try(conn, keys)
            if not got:
                holder = conn.execute(text(
                    "SELECT a.application_name, a.backend_start, a.pid FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                    "AND l.granted AND l.classid::bigint = :a AND l.objid::bigint = :b "
                    "AND l.objsubid = 2"), {"a": keys[0], "b": keys[1]}).first()
                info = _parse_label(holder[0], holder[1]) if holder else None
                if holder is not None and holder[2] == self._backend:
                    got = self._take_back(conn, keys, holder[2])
            if not got:
                raise LockHeld(f"the {self.name} lock on {self.engine.url.render_as_string()} "
                               f"is held by {describe(info)}")
            conn.execute(text("SELECT set_config('application_name', :v, false)"),
                         {"v": _label(self.purpose)})
            self._backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        except BaseException:
            conn.close()
            raise
        self._conn, self._keys = conn, keys

    @staticmethod
    def _try(conn: Connection, keys: tuple[int, int]) -> bool:
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                 {"a": keys[0], "b": keys[1]}).scalar())

    def _take_back(self, conn: Connection, keys: tuple[int, int], backend: int) -> bool:
        """This lock's own session from before a lost connection still holds the lock on the
        server (which has not noticed the network went away): end that session, take the lock."""
        log.warning("the %s lock is still held by this process's lost database session "
                    "(backend %d); ending that session", self.name, backend)
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": backend})
        for _ in range(20):
            if self._try(conn, keys):
                return True
            time.sleep(0.1)
        return False

    def release(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            assert self._keys is not None
            conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"),
                         {"a": self._keys[0], "b": self._keys[1]})
            conn.execute(text("RESET application_name"))
            self._backend = None
        except Exception:  # noqa: BLE001 - the connection is lost; its session may live on
            # The server may not have noticed the lost network yet (until its TCP keepalive,
            # hours by default): our old session still holds the lock, so `_backend` is kept
            # for the next acquire() to end that session and take the lock back.
            log.debug("releasing %s lock failed", self.name, exc_info=True)
            conn.invalidate()
        finally:
            conn.close()

    def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means the session (and lock) is gone
            log.warning("the %s lock's database connection was lost", self.name)
            try:
                self._conn.invalidate()
                self._conn.close()
            finally:
                self._conn = None
            return False


def _label(purpose: str) -> str:
    """An application_name (at most 63 bytes) naming the holder: ``policywatch run 123@host``."""
    info = holder_info(purpose)
    return f"{info['purpose']} {info['pid']}@{info['host']}"[:63]


def _parse_label(label: str | None, since: datetime | None) -> dict[str, Any] | None:
    m = re.match(r"^(policywatch \S+) (\d+)@(.*)$", label or "")
    if not m:
        return None
    return {"purpose": m.group(1), "pid": int(m.group(2)), "host": m.group(3),
            "since": since.astimezone(UTC).isoformat(timespec="seconds") if since else "?"}


class NullLock:
    """For databases no other process can open (in-memory SQLite)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._held = False

    def acquire(self) -> None:
        self._held = True

    def release(self) -> None:
        self._held = False

    def alive(self) -> bool:
        return self._held


def lock_for(engine: Engine, name: str, purpose: str = "policywatch") -> Lock:
    """The ``name`` lock ("daemon" or "crawl") of the database behind ``engine``."""
    if name not in _PG_CLASS:
        raise ValueError(f"unknown lock {name!r}")
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return AdvisoryLock(engine, name, purpose)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return NullLock(name)
        database = database.removeprefix("file:")  # a URI filename (a read-only Store)
        return FileLock(Path(f"{database}.{name}.lock"), name, purpose)
    raise LockHeld(f"no {name} lock for {dialect} databases (SQLite and PostgreSQL only)")


def holder(engine: Engine, name: str) -> str | None:
    """Who holds the ``name`` lock now (a sentence), or None when it is free."""
    lock = lock_for(engine, name, "probe")
    if isinstance(lock, FileLock) and not lock.path.exists():
        return None  # never taken: do not create lock files from a read-only probe
    try:
        lock.acquire()
    except LockHeld as exc:
        return str(exc)
    except OSError as exc:  # a read-only lock file or file system: no holder can write there
        log.debug("cannot probe the %s lock: %s", name, exc)
        return None
    lock.release()
    return None


@contextmanager
def held(engine: Engine, name: str, purpose: str) -> Iterator[Lock]:
    """``with held(store.engine, "crawl", "policywatch check"):`` -- :class:`LockHeld` if taken."""
    lock = lock_for(engine, name, purpose)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
