"""Open the database (WAL, foreign keys) and bring its schema up to date."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuiapp.store.schema import MIGRATIONS


def now() -> str:
    """The current UTC time as ISO 8601, the format every timestamp column uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A handle on the database; the typed queries live in the modules beside this one, each
    over the raw sqlite3 connection (one query style; `rows` for dict rows)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a query as dicts."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def reopen(self) -> Store:
        """A second connection to the same database, for another thread."""
        return open_store(self.path)

    def schema_version(self) -> int:
        """The number of migrations applied."""
        row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A setting's value (JSON-decoded), or default."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        """Store a setting (never a secret: keys stay in the environment or keyring)."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration not yet applied; returns the schema version. A database made by
    an earlier version says so on stderr first (a migration over a million examples takes
    seconds, before any screen is drawn)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)"
    )
    current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    if 0 < current < len(MIGRATIONS):
        print(
            f"tuiapp: updating the database from schema {current} to {len(MIGRATIONS)} "
            "(once; seconds for a million examples)…",
            file=sys.stderr,
            flush=True,
        )
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        # executescript commits first; the BEGIN/COMMIT make each migration all-or-nothing
        conn.executescript(
            f"BEGIN;\n{script}\nINSERT INTO schema_version VALUES ({version}, '{now()}');\nCOMMIT;"
        )
    return len(MIGRATIONS)


def open_store(path: str | Path) -> Store:
    """Open (creating if needed) the database at path, in WAL mode, migrated."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return Store(conn, path)
