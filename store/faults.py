"""Why a database cannot be opened or written, in one line a person can act on.

SQLite's own words ("attempt to write a readonly database", "unable to open database file",
"database or disk is full") name neither the file nor the reason; :func:`explain` adds both,
from what the file system says about the file and its folder.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

#: errno values that say the storage, not the statement, failed a write.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
#: SQLite's words for the same (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN).
_SQLITE_STORAGE = ("database or disk is full", "attempt to write a readonly database",
                   "disk i/o error", "unable to open database file")


def storage_failed(exc: BaseException) -> bool:
    """Whether ``exc`` (or one it was raised from) says the database's storage cannot take a
    write -- disk full, quota, read-only, I/O error -- rather than that a statement was wrong.
    PostgreSQL's class 53 (insufficient resources: disk full, out of memory) counts too."""
    seen: BaseException | None = exc
    while seen is not None:
        for err in (seen, getattr(seen, "orig", None)):
            if isinstance(err, OSError) and err.errno in _STORAGE_ERRNOS:
                return True
            if str(getattr(err, "sqlstate", None) or "").startswith("53"):
                return True
            if err is not None and any(m in str(err).lower() for m in _SQLITE_STORAGE):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def read_only_fs(path: Path) -> bool:
    """Whether ``path`` (or its folder, when it does not exist) is on a read-only file system."""
    try:
        return bool(os.statvfs(path if path.exists() else path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def free_bytes(path: Path) -> int | None:
    """Bytes an unprivileged user may still write on ``path``'s file system."""
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _file_cause(path: Path, message: str) -> str | None:
    folder = path.parent
    if read_only_fs(path):
        return "on a read-only file system"
    if "full" in message.lower() or free_bytes(path) == 0:
        return f"disk full ({free_bytes(path)} bytes free on its file system)"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only (no write permission)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"its folder {folder} is not writable (SQLite creates its -wal, -shm and "
                "journal files there)")
    if not path.exists() and "unable to open" in message:
        return "the file does not exist"
    return None


def explain(exc: BaseException, path: Path | None, where: str, doing: str = "open") -> str:
    """One line: the database (its file, or its URL with the password masked), the cause, and
    the driver's own first line; ``doing`` ("open", "write to") when no file says why."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if path is not None:
        cause = _file_cause(path, message)
        if cause:
            return f"database {path}: {cause} ({message})"
    return f"cannot {doing} database {where}: {message}"
