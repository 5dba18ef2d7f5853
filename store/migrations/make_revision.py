"""Developer tool: autogenerate an Alembic revision from store/models.py.

    python -m store.migrations.make_revision "add foo" 0002

It diffs the models against a scratch SQLite database migrated to the current head.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

HERE = Path(__file__).resolve().parent


def main(message: str, rev_id: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
