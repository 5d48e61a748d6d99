"""Saved playground sessions: the settings and conversation of each side, under a name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class SessionSummary:
    """A saved session as the open dialog lists it."""

    id: int
    name: str
    updated_at: str


@dataclass(frozen=True)
class PlaygroundSession:
    """A saved session: settings by input name, and one transcript entry per side."""

    id: int
    name: str
    settings: dict[str, Any]
    transcript: list[dict[str, Any]]


def save_session(
    store: Store, name: str, settings: dict[str, Any], transcript: list[dict[str, Any]]
) -> int:
    """Store a session under a name; returns its id."""
    with store.conn:
        cursor = store.conn.execute(
            "INSERT INTO playground_sessions(name, settings, transcript, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?)",
            [name, json.dumps(settings), json.dumps(transcript), now(), now()],
        )
    return int(cursor.lastrowid or 0)


def list_sessions(store: Store, limit: int = 100) -> list[SessionSummary]:
    """The latest saved sessions, newest first."""
    rows = store.conn.execute(
        "SELECT id, name, updated_at FROM playground_sessions ORDER BY id DESC LIMIT ?", [limit]
    ).fetchall()
    return [SessionSummary(int(i), name, updated) for i, name, updated in rows]


def get_session(store: Store, session_id: int) -> PlaygroundSession:
    """One saved session (KeyError when there is none with this id)."""
    row = store.conn.execute(
        "SELECT id, name, settings, transcript FROM playground_sessions WHERE id = ?",
        [session_id],
    ).fetchone()
    if row is None:
        raise KeyError(session_id)
    return PlaygroundSession(int(row[0]), row[1], json.loads(row[2]), json.loads(row[3]))
