"""Edit one example as JSON in a TextArea; saving re-validates and the original is kept."""

from __future__ import annotations

import orjson
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


def pretty(text: str) -> str:
    """Indented JSON for editing, or the text as it is when it does not parse."""
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_INDENT_2).decode()
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # broken, or nested too deep
        return text


class EditExampleScreen(ModalScreen[str | None]):
    """Returns the edited example as one compact JSON line, or None when cancelled."""

    CSS_PATH = "edit_example.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="edit.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="edit.cancel"),
    ]

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self._text = text
        self._title = title

    def compose(self) -> ComposeResult:
        """Title, editor, status line."""
        with Vertical(id="edit-box"):
            yield Label(self._title, id="edit-title")
            yield TextArea(
                pretty(self._text),
                language="json",
                id="edit-area",
                show_line_numbers=True,
                tab_behavior="indent",
            )
            yield Label(
                "Ctrl+S save (re-validates) · Esc cancel · the original line is kept",
                id="edit-status",
            )

    def on_mount(self) -> None:
        """Focus the editor."""
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        """Return the edit as a JSON line, or say where the JSON is broken."""
        text = self.query_one(TextArea).text
        try:
            line = orjson.dumps(orjson.loads(text)).decode()
        except (orjson.JSONDecodeError, orjson.JSONEncodeError) as err:
            status = self.query_one("#edit-status", Label)
            status.update(Content(f"Not valid JSON: {err}. Fix it, or Esc to cancel."))
            status.add_class("error")
            return
        self.dismiss(line)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
