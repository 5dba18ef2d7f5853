"""One read-only database session per request, always rolled back, never committed.

The web UI only reads: the session is closed (which rolls back) when the request ends, and on
PostgreSQL the transaction is also declared ``READ ONLY`` so a bug cannot write either.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from store import Store

STORE_KEY = "policywatch.store"
_SESSIONS_KEY = "policywatch.sessions"


def init_app(app: Flask, store: Store) -> None:
    """Attach the store and a session factory to the app; close the session at teardown."""
    app.extensions[STORE_KEY] = store
    app.extensions[_SESSIONS_KEY] = sessionmaker(store.engine, autoflush=False,
                                                 expire_on_commit=False)
    app.teardown_appcontext(_close)


def db() -> Session:
    """This request's session (opened on first use)."""
    session: Session | None = g.get("_pw_session")
    if session is None:
        session = current_app.extensions[_SESSIONS_KEY]()
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET TRANSACTION READ ONLY"))
        g._pw_session = session
    return session


def _close(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("_pw_session", None)
    if session is not None:
        session.rollback()
        session.close()
