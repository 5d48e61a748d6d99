"""Ask for an LLM judge run: the judge model (provider:model), the mode, the prompt in an
editor (the mode's default template, placeholders {question} {answer_a} {answer_b}
{reference}) and the cost of the calls before anything is sent; Ctrl+R runs, Esc cancels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from tuiapp.evals.judge import MODES, default_template

# (provider, model, mode, template) -> the cost line; ValueError says what is wrong instead
Estimator = Callable[[str, str, str, str], str]


@dataclass(frozen=True)
class JudgeChoice:
    """What the user asked for."""

    provider: str
    model: str
    mode: str
    template: str


def split_spec(spec: str) -> tuple[str, str] | None:
    """'provider:model' as its two parts (the model may hold colons), or None."""
    provider, _, model = spec.strip().partition(":")
    return (provider, model) if provider and model else None


class JudgeDialog(ModalScreen[JudgeChoice | None]):
    """Returns the judge run to start, or None when cancelled."""

    CSS_PATH = "judge_dialog.tcss"
    BINDINGS = [
        Binding("ctrl+r", "run", "Run the judge", priority=True, id="judge.run"),
        Binding("escape", "cancel", "Cancel", priority=True, id="judge.cancel"),
    ]

    def __init__(self, judge: str, estimator: Estimator) -> None:
        super().__init__()
        self._judge, self._estimator = judge, estimator
        self._cost_ok = False

    def compose(self) -> ComposeResult:
        """Model, mode, prompt, cost, keys."""
        with Vertical(id="judge-box"):
            yield Label("LLM judge of the fine-tuned vs the base answers", id="judge-title")
            with Horizontal(id="judge-row"):
                yield Input(self._judge, placeholder="provider:model", id="judge-model")
                yield Select(
                    [("pairwise, both orders", "pairwise"), ("rubric 1-10", "rubric")],
                    value="pairwise",
                    allow_blank=False,
                    id="judge-mode",
                )
            yield TextArea(default_template("pairwise"), id="judge-prompt", soft_wrap=True)
            yield Static("counting…", id="judge-cost")
            yield Label(
                "Ctrl+R run · Esc cancel · the prompt is stored with the run", id="judge-keys"
            )

    def on_mount(self) -> None:
        """Cost of the default prompt; the model field first."""
        self.query_one("#judge-model", Input).focus()
        self._recount()

    def _choice(self) -> JudgeChoice | None:
        """The fields as a choice (None while the model field is not provider:model)."""
        parts = split_spec(self.query_one("#judge-model", Input).value)
        if parts is None:
            return None
        mode = str(self.query_one("#judge-mode", Select).value)
        return JudgeChoice(*parts, mode, self.query_one("#judge-prompt", TextArea).text)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A new mode brings its default prompt, unless the prompt was edited."""
        area = self.query_one("#judge-prompt", TextArea)
        if area.text in (default_template(m) for m in MODES):
            area.text = default_template(str(event.value))
        self._recount()

    def on_input_changed(self) -> None:
        """A new judge model: count again (another encoding, another price)."""
        self._recount()

    def on_text_area_changed(self) -> None:
        """An edited prompt: count again (an older count still running is dropped)."""
        self._recount()

    def _recount(self) -> None:
        """Start counting the cost in a thread (tokenizing every prompt takes a moment)."""
        self._cost_ok = False
        self._count(self._choice())

    @work(thread=True, exclusive=True, group="judge-cost")
    def _count(self, choice: JudgeChoice | None) -> None:
        """Count the prompts' tokens and price them."""
        if choice is None:
            text, ok = "Give the judge as provider:model (e.g. local:SmolLM2-135M-Instruct).", False
        else:
            try:
                text, ok = (
                    self._estimator(choice.provider, choice.model, choice.mode, choice.template),
                    True,
                )
            except ValueError as err:
                text, ok = str(err), False
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_cost, text, ok)

    def _show_cost(self, text: str, ok: bool) -> None:
        """The cost line (or what is wrong)."""
        self._cost_ok = ok
        cost = self.query_one("#judge-cost", Static)
        cost.update(f"Cost: {text}" if ok else text)
        cost.set_class(not ok, "error")

    def action_run(self) -> None:
        """Run with these settings once the cost is known."""
        choice = self._choice()
        if choice is None or not self._cost_ok:
            self.notify("Fix the judge model or the prompt first.", severity="warning")
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        """Close without running."""
        self.dismiss(None)
