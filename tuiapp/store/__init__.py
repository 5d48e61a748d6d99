"""The SQLite store: schema, migrations and the queries the app and CLI share."""

from tuiapp.store.db import Store, open_store

__all__ = ["Store", "open_store"]
