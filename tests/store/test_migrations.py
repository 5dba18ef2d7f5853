"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store import Store
from store.models import Base


def test_migrations_match_models(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"


def test_migrate_is_idempotent(sqlite_url: str) -> None:
    Store(sqlite_url).migrate()
    Store(sqlite_url).migrate()
