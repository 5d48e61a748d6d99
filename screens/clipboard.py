"""Copy a value to the user's clipboard through the terminal (OSC 52: over SSH and in tmux)."""

from __future__ import annotations

from textual.app import App

HOW = "through the terminal (OSC 52; in tmux: set -g set-clipboard on)"


def copy_value(app: App[object], text: str | None, what: str) -> None:
    """Put `text` on the clipboard and say so; say plainly when there is nothing to copy."""
    if not text:
        app.notify(f"No {what} to copy yet.", severity="warning")
        return
    app.copy_to_clipboard(text)
    shown = text if len(text) <= 60 else text[:57] + "..."
    app.notify(f"Copied {what}: {shown}\n{HOW}", title="Copied")
