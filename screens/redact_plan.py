"""The redaction plan as a dialog: what redact-all would change, per kind with counts and
before -> after examples; space picks or unpicks a kind or skips a single item; `a` applies
the picked ones as one undoable batch. Findings with a caveat start unpicked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from tuiapp.data.redaction import PlanGroup, PlanItem, RedactionChoice, RedactionPlan

SHOWN_ITEMS = 200  # items listed (to skip) per kind; the rest follow their kind
EXAMPLES = 3


def group_prompt(group: PlanGroup) -> Text:
    """e.g. `phone · 12 in 9 examples`, literally (placeholders and brackets stay)."""
    text = Text(f"{group.name} · {len(group.items):,} in {group.examples:,} example(s)")
    if group.caveat:
        text.append(" · not picked unless you pick it", style="italic")
    return text


def item_prompt(item: PlanItem) -> Text:
    """One replacement: line, before -> after."""
    return Text(f"line {item.line}: {item.before} -> {item.after}")


class RedactPlanScreen(ModalScreen[RedactionChoice | None]):
    """Review a redaction plan; returns the choice, or None when cancelled."""

    CSS_PATH = "redact_plan.tcss"
    BINDINGS = [
        Binding("a", "apply", "Apply", id="redact_plan.apply"),
        Binding("escape", "cancel", "Cancel", id="redact_plan.cancel"),
    ]

    def __init__(self, title: str, plan: RedactionPlan) -> None:
        super().__init__()
        self._title, self.plan = title, plan
        self.picked: set[str] = plan.default_groups()
        self.skipped: set[str] = set()
        self.shown: str | None = next(iter(plan.groups), None)

    def compose(self) -> ComposeResult:
        """Title, kinds, examples of the highlighted kind, its items, buttons."""
        with Vertical(id="redact-box"):
            yield Label(Text(self._title), id="redact-title")
            yield SelectionList[str](
                *(
                    Selection(group_prompt(g), name, name in self.picked)
                    for name, g in self.plan.groups.items()
                ),
                id="redact-kinds",
            )
            yield Static("", id="redact-examples")
            yield SelectionList[str](id="redact-items")
            yield Label("", id="redact-summary")
            yield Label(
                "space picks/unpicks a kind or skips an item · tab moves between lists · "
                "a applies as one batch (u in the review undoes it) · Esc cancels",
                id="redact-help",
            )
            with Horizontal(id="redact-buttons"):
                yield Button("Apply (a)", variant="warning", id="redact-apply", compact=True)
                yield Button("Cancel (Esc)", id="redact-cancel", compact=True)

    def on_mount(self) -> None:
        """Show the first kind's examples and items."""
        self._show(self.shown)
        self.query_one("#redact-kinds", SelectionList).focus()

    def _show(self, name: str | None) -> None:
        """List the examples and items of one kind."""
        self.shown = name
        items_list: SelectionList[str] = self.query_one("#redact-items", SelectionList)
        items_list.clear_options()
        examples = self.query_one("#redact-examples", Static)
        if name is None:
            examples.update(Text("Nothing to redact."))
            self._summary()
            return
        group = self.plan.groups[name]
        lines = [f"{name}, for example:"]
        lines += [f"  {item_prompt(item).plain}" for item in group.items[:EXAMPLES]]
        examples.update(Text("\n".join(lines)))
        items_list.add_options(
            Selection(item_prompt(item), item.key, item.key not in self.skipped)
            for item in group.items[:SHOWN_ITEMS]
        )
        items_list.disabled = name not in self.picked
        self._summary()

    def _summary(self) -> None:
        """How many replacements the current choice makes."""
        n = len(self.plan.chosen(self.picked, self.skipped))
        self.query_one("#redact-summary", Label).update(
            Text(f"{n:,} of {self.plan.total:,} replacement(s) picked")
        )

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted[str]
    ) -> None:
        """Highlighting a kind shows its examples and items."""
        if event.selection_list.id == "redact-kinds":
            event.stop()
            self._show(event.selection.value)

    def on_selection_list_selection_toggled(
        self, event: SelectionList.SelectionToggled[str]
    ) -> None:
        """Space on a kind picks or unpicks it; on an item, skips it or takes it back."""
        event.stop()
        value = event.selection.value
        selected = value in event.selection_list.selected
        if event.selection_list.id == "redact-kinds":
            (self.picked.add if selected else self.picked.discard)(value)
            self.query_one("#redact-items", SelectionList).disabled = value not in self.picked
        else:
            (self.skipped.discard if selected else self.skipped.add)(value)
        self._summary()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button applies or cancels."""
        event.stop()
        if event.button.id == "redact-apply":
            self.action_apply()
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        """Return the picked kinds and skipped items."""
        self.dismiss(RedactionChoice(frozenset(self.picked), frozenset(self.skipped)))

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
