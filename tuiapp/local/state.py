"""The local server's own state on disk: files, jobs, events, checkpoints and models (SQLite +
a folder of blobs), shared by the server and its trainer processes."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, bytes INTEGER, created_at INTEGER, filename TEXT, purpose TEXT,
    status TEXT, status_details TEXT, deleted INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, created_at INTEGER, model TEXT,
    training_file TEXT, validation_file TEXT, suffix TEXT, seed INTEGER,
    hyperparameters TEXT, method TEXT, status TEXT, error TEXT, fine_tuned_model TEXT,
    finished_at INTEGER, trained_tokens INTEGER, estimated_finish INTEGER,
    result_files TEXT DEFAULT '[]', metadata TEXT, pid INTEGER, resume_step INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, job_id TEXT, created_at INTEGER,
    level TEXT, message TEXT, type TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS events_job ON events(job_id, seq);
CREATE TABLE IF NOT EXISTS checkpoints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, job_id TEXT, created_at INTEGER,
    step_number INTEGER, metrics TEXT, fine_tuned_model_checkpoint TEXT, path TEXT);
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY, created INTEGER, owned_by TEXT, base_model TEXT, adapter_path TEXT,
    job_id TEXT, deleted INTEGER DEFAULT 0);
"""

ADDED_JOB_COLUMNS = {  # columns added after the first release, applied once to older folders
    "restarts": "INTEGER DEFAULT 0",
}

TERMINAL = ("succeeded", "failed", "cancelled")


def new_id(prefix: str) -> str:
    """An id shaped like OpenAI's: prefix, dash, 24 hex characters."""
    return f"{prefix}-{secrets.token_hex(12)}"


def now() -> int:
    """Unix seconds, as every OpenAI timestamp."""
    return int(time.time())


@dataclass
class LocalState:
    """Paths and a connection; each process opens its own."""

    root: Path
    conn: sqlite3.Connection

    @property
    def files_dir(self) -> Path:
        """Uploaded file contents."""
        return self.root / "files"

    @property
    def jobs_dir(self) -> Path:
        """Per-job outputs: checkpoints, adapters, result files, logs."""
        return self.root / "jobs"

    def rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts."""
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def one(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
        """The first row, or None."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        """Run a statement in its own transaction."""
        with self.conn:
            self.conn.execute(sql, params)

    def add_event(
        self,
        job_id: str,
        message: str,
        level: str = "info",
        type: str = "message",
        data: dict[str, Any] | None = None,
    ) -> str:
        """Append an event to a job's log."""
        event_id = new_id("ftevent")
        self.execute(
            "INSERT INTO events(id, job_id, created_at, level, message, type, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                job_id,
                now(),
                level,
                message,
                type,
                json.dumps(data) if data is not None else None,
            ),
        )
        return event_id

    def set_job(self, job_id: str, **fields: Any) -> None:
        """Update columns of a job."""
        cols = ", ".join(f"{k} = ?" for k in fields)
        values = [json.dumps(v) if isinstance(v, dict | list) else v for v in fields.values()]
        self.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*values, job_id))

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A job row."""
        return self.one("SELECT * FROM jobs WHERE id = ?", (job_id,))


def open_state(root: str | Path) -> LocalState:
    """Open (creating) the state folder and database."""
    root = Path(root)
    for sub in ("files", "jobs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(root / "server.db"), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    for name, declaration in ADDED_JOB_COLUMNS.items():
        if name not in columns:
            with contextlib.suppress(sqlite3.OperationalError), conn:  # another process won
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {name} {declaration}")
    return LocalState(root, conn)
