"""Alembic environment: runs on the connection handed over by store.db.Store.migrate()."""

from alembic import context
from sqlalchemy import create_engine

from store.models import Base

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Only our own tables: APScheduler's job store keeps its table in the same database."""
    return type_ != "table" or name in target_metadata.tables


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` CLI use: the URL comes from -x db=URL
        url = context.get_x_argument(as_dictionary=True).get("db", "sqlite:///policywatch.db")
        with create_engine(url).begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata,
                              render_as_batch=True, include_name=include_name)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


run()
