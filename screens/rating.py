"""Blind A/B rating: the prompt and two answers, left and right in a random order, no model
names; one key per verdict; the running win rate with its confidence interval."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label, Static

from tuiapp.evals.ratings import Pair
from tuiapp.services.eval_run import eval_items
from tuiapp.services.ratings import pairs, rate, win_rate
from tuiapp.store.evals import get_run
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of


class RatingScreen(Screen[None]):
    """Rate pair after pair."""

    CSS_PATH = "rating.tcss"
    BINDINGS = [
        Binding("left,1", "verdict('left')", "Left better", id="rating.left"),
        Binding("right,2", "verdict('right')", "Right better", id="rating.right"),
        Binding("t", "verdict('tie')", "Tie", id="rating.tie"),
        Binding("x", "verdict('both_bad')", "Both bad", id="rating.both_bad"),
        Binding("escape,q", "back", "Done", id="rating.back"),
    ]

    def __init__(self, run_a: int, run_b: int, rater: str) -> None:
        super().__init__()
        self.run_a, self.run_b, self.rater = run_a, run_b, rater
        self.queue: list[Pair] = []
        self.rated = 0

    def compose(self) -> ComposeResult:
        """Status, prompt, the two answers."""
        yield Label("", id="rating-status")
        yield Static("", id="rating-prompt")
        with Horizontal(id="rating-answers"):
            yield Static("", id="rating-left", classes="answer")
            yield Static("", id="rating-right", classes="answer")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Load what is left to rate."""
        run = get_run(workspace_of(self.app).store, self.run_a)
        self.prompts = {
            i.position: i.messages for i in eval_items(workspace_of(self.app).store, run.version_id)
        }
        self.queue = pairs(workspace_of(self.app).store, self.run_a, self.run_b, self.rater)
        self.total = len(self.queue)
        self.show()

    def show(self) -> None:
        """The current pair (or the summary when none is left)."""
        result = win_rate(workspace_of(self.app).store, self.run_a, self.run_b)
        score = (
            f"A wins {100 * result.rate:.0f}% of {result.rated} "
            f"(95% CI {100 * result.low:.0f}-{100 * result.high:.0f}%)"
            if result.rated
            else "no verdicts yet"
        )
        self.query_one("#rating-status", Label).update(
            f"[b]Blind rating[/b] as {self.rater} · {self.rated}/{self.total} this session · "
            f"{score}"
        )
        if not self.queue:
            self.query_one("#rating-prompt", Static).update(
                "Nothing left to rate. Esc goes back; the result is on the evaluation screen."
            )
            for side in ("left", "right"):
                self.query_one(f"#rating-{side}", Static).update("")
            return
        pair = self.queue[0]
        messages = self.prompts.get(pair.position, [])
        prompt = "\n".join(f"{m['role']}: {m['content']}" for m in messages[-3:])
        self.query_one("#rating-prompt", Static).update(
            Text(f"item {pair.position}\n", style="bold") + Text(prompt)
        )
        self.query_one("#rating-left", Static).update(
            Text("Left (← or 1)\n", style="bold cyan") + Text(pair.left)
        )
        self.query_one("#rating-right", Static).update(
            Text("Right (→ or 2)\n", style="bold cyan") + Text(pair.right)
        )

    def action_verdict(self, choice: str) -> None:
        """Store the verdict and show the next pair."""
        if not self.queue:
            return
        rate(
            workspace_of(self.app).store,
            self.run_a,
            self.run_b,
            self.rater,
            self.queue.pop(0),
            choice,
        )
        self.rated += 1
        self.show()

    def action_back(self) -> None:
        """Stop rating (every verdict is stored)."""
        self.dismiss(None)
