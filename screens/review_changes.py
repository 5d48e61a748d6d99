"""Changes to one example inside the review, as a widget without a face: edit it as JSON, write
a note, set tags, redact its personal data, swap a preference pair's answers. Every change to
the text is an edit that keeps the original (`u` undoes it); each one is told by a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.widget import Widget

from screens.edit_example import EditExampleScreen
from screens.prompt import PromptScreen
from tuiapp.services.edits import (
    Examiner,
    apply_edit,
    apply_redaction,
    plan_redaction,
    swap_preference,
)
from tuiapp.store.datasets import get_dataset
from tuiapp.store.records import Example
from tuiapp.store.review import set_note, set_tags
from tuiapp.workspace import workspace_of


class ExampleChanges(Widget):
    """The review's keys that change the example under the cursor."""

    DEFAULT_CSS = "ExampleChanges { display: none; }"

    @dataclass
    class Changed(Message):
        """The example at `idx` changed in the store: show it again."""

        idx: int

    def __init__(self, dataset_id: int, examine: Examiner, label: Callable[[], str]) -> None:
        super().__init__()
        self.dataset_id = dataset_id
        self.examine = examine
        self.label = label  # what the example shown is called: `alpaca.json record 3`, `line 3`

    @work
    async def edit(self, example: Example) -> None:
        """Edit the example as JSON; the original line is kept."""
        text = await self.app.push_screen_wait(
            EditExampleScreen(example.text, f"Edit {self.label()}")
        )
        if text is None:
            return
        result = self.examine(text, example.line)
        apply_edit(workspace_of(self.app).store, example, result)
        self.post_message(self.Changed(example.idx))
        errors = sum(p.severity == 2 for p in result.problems)
        self.notify(
            f"Saved. {errors} error(s) left." if errors else "Saved: no errors.",
            severity="warning" if errors else "information",
        )

    @work
    async def note(self, example: Example) -> None:
        """Write a note on the example."""
        note = await self.app.push_screen_wait(
            PromptScreen(f"Note for {self.label()}", example.note)
        )
        if note is not None:
            set_note(workspace_of(self.app).store, example, note.strip())
            self.post_message(self.Changed(example.idx))

    @work
    async def tag(self, example: Example) -> None:
        """Set the example's tags (comma-separated)."""
        tags = await self.app.push_screen_wait(
            PromptScreen(
                f"Tags for {self.label()}",
                ", ".join(example.tags),
                hint="Comma-separated · Enter to save · Esc to cancel",
            )
        )
        if tags is not None:
            set_tags(workspace_of(self.app).store, example, tags.split(","))
            self.post_message(self.Changed(example.idx))

    @work(group="redact")
    async def redact(self, example: Example) -> None:
        """Redact personal data in this example: the plan dialog lists each finding by kind
        (those with a caveat, in a URL or a fictional number, start unpicked); the choice is
        applied as one undoable edit that keeps the original."""
        store = workspace_of(self.app).store
        dataset = get_dataset(store, self.dataset_id)
        plan = plan_redaction(store, dataset, [example.idx])
        if not plan.groups:
            self.notify("No personal data found in this example.")
            return
        title = f"Redact in {self.label()}: {plan.total} finding(s)"
        choice = await workspace_of(self.app).nav.redact_plan(title, plan)
        if choice is None:
            return
        if apply_redaction(store, dataset, plan, set(choice.groups), choice.skip):
            self.post_message(self.Changed(example.idx))
            self.notify("Redacted as an edit; the original is kept (u undoes).")

    def swap(self, example: Example) -> None:
        """Swap a preference pair's preferred and non-preferred answers, as an edit."""
        if swap_preference(workspace_of(self.app).store, example, self.examine) is None:
            self.notify("Nothing to swap: not a preference pair with both answers.")
            return
        self.post_message(self.Changed(example.idx))
        self.notify("Swapped preferred and non-preferred; the original is kept (u undoes).")
