"""Files uploaded to providers for jobs, remembered by content hash so that the same content
is uploaded once per provider and purpose."""

from __future__ import annotations

from tuiapp.store.db import Store, now


def find_upload(store: Store, provider: str, content_hash: str, purpose: str) -> str | None:
    """The file id of content already uploaded to this provider, if any."""
    row = store.conn.execute(
        "SELECT file_id FROM provider_files WHERE provider = ? AND content_hash = ? "
        "AND purpose = ? AND status != 'error'",
        [provider, content_hash, purpose],
    ).fetchone()
    return row[0] if row else None


def record_upload(
    store: Store,
    provider: str,
    content_hash: str,
    purpose: str,
    file_id: str,
    filename: str,
    size: int,
    status: str,
) -> None:
    """Remember an uploaded file (replacing a failed one of the same content)."""
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO provider_files(provider, content_hash, purpose, file_id, "
            "filename, bytes, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [provider, content_hash, purpose, file_id, filename, size, status, now()],
        )


def upload_status(store: Store, provider: str, file_id: str) -> str | None:
    """The status the provider gave an uploaded file (its validation), if we uploaded it."""
    row = store.conn.execute(
        "SELECT status FROM provider_files WHERE provider = ? AND file_id = ?", [provider, file_id]
    ).fetchone()
    return row[0] if row else None


def forget_upload(store: Store, provider: str, file_id: str) -> None:
    """Drop a remembered file (the provider no longer has it)."""
    with store.conn:
        store.conn.execute(
            "DELETE FROM provider_files WHERE provider = ? AND file_id = ?", [provider, file_id]
        )
