"""Turn a bad answer into a training example: the prompt as the model saw it, where the answer
came from, and the model's answer in an editor for the person to make it the desired one;
`add_corrected` asks for it and adds the example through the targeted service."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from tuiapp.services.targeted import Origin, Targeted, add_targeted
from tuiapp.store.datasets import get_dataset
from tuiapp.store.versions import get_version
from tuiapp.workspace import workspace_of

TARGET_KEY = "ctrl+t"  # the same key on the evaluate screen, its items and the playground
TARGET_HELP = "Add a training example from this answer, corrected"


def prompt_text(messages: list[dict[str, Any]]) -> Text:
    """The conversation before the answer, one message after another, roles in bold."""
    text = Text()
    for i, message in enumerate(messages):
        text.append(("\n" if i else "") + f"{message.get('role')}: ", style="bold")
        text.append(str(message.get("content")))
    return text


class TargetedExampleScreen(ModalScreen[str | None]):
    """Returns the desired answer the person wrote, or None when cancelled."""

    CSS_PATH = "targeted_example.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save example", priority=True, id="targeted.save"),
        Binding("ctrl+r", "use_reference", "Use reference", priority=True, id="targeted.reference"),
        Binding("escape", "cancel", "Cancel", priority=True, id="targeted.cancel"),
    ]

    def __init__(
        self,
        messages: list[dict[str, Any]],
        answer: str,
        location: str,
        dataset: str,
        reference: str | None = None,
    ) -> None:
        super().__init__()
        self.messages, self.answer, self.location = messages, answer, location
        self.dataset, self.reference = dataset, reference

    def compose(self) -> ComposeResult:
        """Where it came from, the prompt, the reference, the answer to edit, the keys."""
        with Vertical(id="targeted-box"):
            yield Label(Content(f"Targeted example · {self.location}"), id="targeted-title")
            with VerticalScroll(id="targeted-prompt"):
                yield Static(prompt_text(self.messages))
                if self.reference is not None:
                    reference = Text("reference: ", style="bold green") + Text(self.reference)
                    yield Static(reference, id="targeted-reference")
            yield Label("desired answer (the model's, to correct):", id="targeted-label")
            yield TextArea(self.answer, id="targeted-answer", soft_wrap=True)
            keys = "Ctrl+S adds it to " + self.dataset + " (accepted, tagged targeted)"
            if self.reference is not None:
                keys += " · Ctrl+R the reference"
            yield Label(Content(keys + " · Esc cancels"), id="targeted-status")

    def on_mount(self) -> None:
        """Focus the answer, cursor at its end."""
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The reference key only when there is a reference."""
        return self.reference is not None if action == "use_reference" else True

    def action_use_reference(self) -> None:
        """Start from the reference answer instead of the model's."""
        if self.reference is not None:
            self.query_one(TextArea).text = self.reference

    def action_save(self) -> None:
        """Return the desired answer (an empty one is refused here, with the reason)."""
        text = self.query_one(TextArea).text
        if not text.strip():
            status = self.query_one("#targeted-status", Label)
            status.update("The desired answer is empty: write it, or Esc to cancel.")
            status.add_class("error")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without adding anything."""
        self.dismiss(None)


async def add_corrected(
    app: App[Any],
    version_id: int,
    messages: list[dict[str, Any]],
    answer: str | None,
    origin: Origin,
    reference: str | None = None,
) -> Targeted | None:
    """Ask for the desired answer (the editor starts from the model's) and add the example to
    the version's dataset; a notification says where it went, or why it was not added."""
    store = workspace_of(app).store
    dataset = get_dataset(store, get_version(store, version_id).dataset_id)
    desired = await app.push_screen_wait(
        TargetedExampleScreen(messages, answer or "", origin.location, dataset.name, reference)
    )
    if desired is None:
        return None
    try:
        added = add_targeted(store, version_id, messages, desired, origin, answer)
    except ValueError as err:
        app.notify(str(err), title="Not added", severity="error")
        return None
    app.notify(
        f"Added to {dataset.name} as line {added.line} ({added.n_tokens} tokens), accepted and "
        "tagged targeted: freeze a new version to train on it.",
        title="Targeted example",
    )
    return added
