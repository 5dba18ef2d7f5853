"""Versioned storage of fetches and extracted texts (SQLAlchemy 2, Alembic migrations).

Imports nothing from the crawler, the alerts or any web framework: callers hand it plain data.
"""

from store.db import Store, StoreError, StoreWriteError
from store.models import Alert, Capture, Change, Check, Document, Incident, Snapshot, Version
from store.query import NotFound

__all__ = ["Store", "StoreError", "StoreWriteError", "NotFound", "Alert", "Capture", "Change", "Check", "Document",
           "Incident", "Snapshot", "Version"]
