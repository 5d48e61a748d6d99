"""The form that freezes a dataset version: what it takes (the accepted examples, or every
one not rejected), its name, the holdout share and the split seed."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label


@dataclass(frozen=True)
class FreezeRequest:
    """What the person asked for."""

    name: str
    fraction: float
    seed: int
    include: str = "accepted"  # or "not_rejected": pending and flagged examples too


class FreezeScreen(ModalScreen[FreezeRequest | None]):
    """Name, holdout % and seed; Enter in the last field (or ctrl+s) plans the version."""

    CSS_PATH = "freeze.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="freeze.cancel"),
        Binding("ctrl+s", "submit", "Plan", id="freeze.submit"),
    ]

    def __init__(self, name: str, fraction: float = 0.15, seed: int = 0) -> None:
        super().__init__()
        self._defaults = (name, fraction, seed)

    def compose(self) -> ComposeResult:
        """Three labelled inputs and what to take."""
        name, fraction, seed = self._defaults
        with Vertical(id="freeze-box"):
            yield Label("Freeze a version of the dataset", id="freeze-title")
            yield Label("name")
            yield Input(name, id="freeze-name", compact=True)
            yield Label("holdout % (10-20 is usual)")
            yield Input(f"{100 * fraction:g}", id="freeze-holdout", type="number", compact=True)
            yield Label("split seed (same seed, same split)")
            yield Input(str(seed), id="freeze-seed", type="integer", compact=True)
            yield Checkbox(
                "pending and flagged too (all but rejected)",
                False,
                id="freeze-include",
                compact=True,
            )
            yield Label("", id="freeze-error")
            yield Label("Tab moves · Enter plans · Esc cancels", id="freeze-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field plans the version."""
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Check the fields and return them."""
        name = self.query_one("#freeze-name", Input).value.strip()
        error = self.query_one("#freeze-error", Label)
        try:
            percent = float(self.query_one("#freeze-holdout", Input).value)
            seed = int(self.query_one("#freeze-seed", Input).value)
        except ValueError:
            error.update("[red]holdout % and seed must be numbers[/]")
            return
        if not name:
            error.update("[red]give the version a name[/]")
        elif not 0 < percent < 50:
            error.update("[red]holdout % must be above 0 and under 50[/]")
        else:
            wide = self.query_one("#freeze-include", Checkbox).value
            include = "not_rejected" if wide else "accepted"
            self.dismiss(FreezeRequest(name, percent / 100, seed, include))

    def action_cancel(self) -> None:
        """Close without freezing."""
        self.dismiss(None)
