"""A dialog that offers a list of choices (filters, base models)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of (value, label) choices; Escape returns None."""

    CSS_PATH = "choice.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        """Title and options."""
        with Vertical(id="choice-box"):
            yield Label(self._title, id="choice-title")
            yield OptionList(*(Option(label, id=value) for value, label in self._choices))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Return the chosen value."""
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)
