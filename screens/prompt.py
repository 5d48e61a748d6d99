"""A small dialog that asks for one line of text (note, tags, search, a file path)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[str | None]):
    """Ask for a line of text; Enter returns it, Escape returns None."""

    CSS_PATH = "prompt.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        password: bool = False,
    ) -> None:
        super().__init__()
        self._password = password
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._hint = hint

    def compose(self) -> ComposeResult:
        """Title, input, hint."""
        with Vertical(id="prompt-box"):
            yield Label(self._title, id="prompt-title")
            yield Input(
                self._value,
                placeholder=self._placeholder,
                password=self._password,
                id="prompt-input",
            )
            yield Label(self._hint or "Enter to confirm · Esc to cancel", id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Return what was typed."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)
