"""Retrain elsewhere: pick the target provider and base model, read what the job's settings
become there (kept, converted, no equivalent) and what it costs, then Ctrl+R records the old
model's answers on the holdout and starts the new job; Esc cancels. When the new job has
succeeded (the app's job watcher says so, also after a restart), its model is evaluated on
the same holdout and a notification compares the two, as `tuiapp retrain --wait` does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Select, Static
from textual.worker import get_current_worker

from tuiapp.providers.base import ProviderError
from tuiapp.store.jobs import Job, get_job
from tuiapp.store.retrains import comparisons_left, retrain_into
from tuiapp.workspace import workspace_of

if TYPE_CHECKING:
    from tuiapp.services.retrain_compare import Comparison

# (provider, model) -> the mapping's lines; ValueError says why the move cannot start
Planner = Callable[[str, str], list[str]]
Defaults = Callable[[str], str]  # provider -> its default base model
History = Callable[[], list[str]]  # earlier moves of the job, and how they compare


@dataclass(frozen=True)
class RetrainChoice:
    """The target the user confirmed."""

    provider: str
    model: str


class RetrainDialog(ModalScreen[RetrainChoice | None]):
    """Returns the target to retrain on, or None when cancelled."""

    CSS_PATH = "retrain_dialog.tcss"
    BINDINGS = [
        Binding("ctrl+r", "start", "Start the job", priority=True, id="retrain.start"),
        Binding("escape", "cancel", "Cancel", priority=True, id="retrain.cancel"),
    ]

    def __init__(
        self,
        job_id: int,
        providers: Sequence[str],
        planner: Planner,
        defaults: Defaults,
        chosen: str = "local",
        history: History | None = None,
    ) -> None:
        super().__init__()
        self.job_id, self._providers = job_id, list(providers)
        self._planner, self._defaults = planner, defaults
        self._chosen = chosen if chosen in self._providers else self._providers[0]
        self._ok = False
        self._history = history

    def compose(self) -> ComposeResult:
        """Target row, mapping and cost, keys."""
        with Vertical(id="retrain-box"):
            yield Label(f"Retrain job {self.job_id} elsewhere", id="retrain-title")
            with Horizontal(id="retrain-row"):
                yield Select(
                    [(name, name) for name in self._providers],
                    value=self._chosen,
                    allow_blank=False,
                    id="retrain-provider",
                )
                yield Input(
                    self._defaults(self._chosen), placeholder="base model", id="retrain-model"
                )
            yield Static("", id="retrain-history")
            yield Static("mapping…", id="retrain-notes")
            yield Label("Ctrl+R record the old answers and start · Esc cancel", id="retrain-keys")

    def on_mount(self) -> None:
        """The mapping for the default target; the model field first."""
        self.query_one("#retrain-model", Input).focus()
        self.query_one("#retrain-history", Static).display = False
        if self._history is not None:
            self._load_history(self._history)
        self._replan()

    @work(thread=True, group="retrain-history")
    def _load_history(self, history: History) -> None:
        """Earlier moves of this job (store reads: off the event loop)."""
        lines = history()
        if lines:
            self.app.call_from_thread(self._show_history, "\n".join(lines))

    def _show_history(self, text: str) -> None:
        """Show the earlier moves above the mapping."""
        shown = self.query_one("#retrain-history", Static)
        shown.update(text)
        shown.display = True

    def _choice(self) -> RetrainChoice:
        """The fields as a choice."""
        provider = str(self.query_one("#retrain-provider", Select).value)
        return RetrainChoice(provider, self.query_one("#retrain-model", Input).value.strip())

    def on_select_changed(self, event: Select.Changed) -> None:
        """Another provider brings its default base model."""
        self.query_one("#retrain-model", Input).value = self._defaults(str(event.value))
        self._replan()

    def on_input_changed(self) -> None:
        """Another model: map and price again."""
        self._replan()

    def _replan(self) -> None:
        """Map and price in a thread (counting the tokens takes a moment)."""
        self._ok = False
        self._plan(self._choice())

    @work(thread=True, exclusive=True, group="retrain-plan")
    def _plan(self, choice: RetrainChoice) -> None:
        """The mapping's lines, or why the move cannot start."""
        if not choice.model:
            text, ok = "Give the base model to train on.", False
        else:
            try:
                text, ok = "\n".join(self._planner(choice.provider, choice.model)), True
            except (ValueError, KeyError, ProviderError) as err:
                text, ok = str(err).strip("'"), False
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, text, ok)

    def _show(self, text: str, ok: bool) -> None:
        """The mapping (or what is wrong)."""
        self._ok = ok
        notes = self.query_one("#retrain-notes", Static)
        notes.update(text)
        notes.set_class(not ok, "error")

    def action_start(self) -> None:
        """Start once the mapping is known."""
        if not self._ok:
            self.notify("Pick a target the job can move to first.", severity="warning")
            return
        self.dismiss(self._choice())

    def action_cancel(self) -> None:
        """Close without starting."""
        self.dismiss(None)


async def retrain_elsewhere(screen: Screen[Any], job_id: int) -> None:
    """Ask the target, record the old model's answers, start the new job once, open it."""
    from tuiapp.providers.adapter import names
    from tuiapp.providers.registry import default_base
    from tuiapp.services.retrain import (
        RetrainError,
        plan_lines,
        plan_retrain,
        record_old_answers,
        start_retrain,
    )
    from tuiapp.services.retrain_compare import history_lines

    ws = workspace_of(screen.app)

    def planner(provider: str, model: str) -> list[str]:
        rplan = plan_retrain(ws.store, job_id, provider, model)
        return plan_lines(rplan) + [f"warning: {w}" for w in rplan.warnings]

    dialog = RetrainDialog(
        job_id, names(), planner, default_base, history=lambda: history_lines(ws.store, job_id)
    )
    choice = await screen.app.push_screen_wait(dialog)
    if choice is None:
        return
    try:
        rplan = plan_retrain(ws.store, job_id, choice.provider, choice.model)
        screen.notify("Recording the old model's answers on the holdout…")
        answers = await record_old_answers(ws.store, ws.providers.get, rplan.old)
        screen.notify(answers.said, title="Old answers")
        provider = await ws.providers.get(choice.provider)
        folder = ws.paths.cache_dir / "uploads" / rplan.plan.version.content_hash[:16]
        old_run = answers.run.id if answers.run else None
        link, job = await start_retrain(ws.store, provider, rplan, folder, old_run)
    except (RetrainError, ProviderError, KeyError) as err:
        screen.notify(str(err).strip("'"), title="Could not retrain", severity="error")
        return
    screen.notify(f"Job {job.id} ({job.status}): retrain {link.id} of job {job_id}.")
    ws.nav.job(job.id)
    compare_retrain(screen.app, job)  # a move made before whose job has succeeded since


def compare_retrain(app: App[Any], job: Job) -> None:
    """When a job a move made has succeeded: evaluate its model and compare it with the old
    one in a worker (the app calls this as each job ends)."""
    if job.status == "succeeded" and retrain_into(workspace_of(app).store, job.id) is not None:
        app.run_worker(_compare(app, job.id), group="retrain-compare", exit_on_error=False)


def resume_comparisons(app: App[Any]) -> None:
    """At start: the comparisons of moves whose new job succeeded while the app was closed
    (or was closed while it evaluated), which no job end will announce again."""
    store = workspace_of(app).store
    for job_id in comparisons_left(store):
        compare_retrain(app, get_job(store, job_id))


async def _compare(app: App[Any], job_id: int) -> None:
    """Evaluate the new model on the holdout, then say how it compares and where it shows."""
    from tuiapp.services.retrain import compare_when_done

    ws = workspace_of(app)
    app.notify(f"Job {job_id} is a retrain: evaluating its model on the holdout to compare…")
    try:
        found = await compare_when_done(ws.store, ws.providers.get, job_id)
    except Exception as err:  # said, never fatal: `tuiapp retrain --compare` tries again
        why = (
            str(err).strip("'")
            if isinstance(err, ValueError | ProviderError | KeyError)
            else (f"{type(err).__name__}: {err}")
        )
        app.notify(why, title="Could not compare the retrain", severity="error", timeout=15)
        return
    if found is not None:
        app.notify(comparison_text(found), title="Retrain compared", timeout=30)


def comparison_text(found: Comparison) -> str:
    """The notification: token F1 old -> new, the item tally, and where to read it again."""
    link, old, new = found.link, found.old_run, found.new_run
    again = f"m on job {link.old_job} shows it again; `tuiapp retrain {link.old_job} --compare`"
    if not found.complete or old is None or new is None:
        score = new.scores.get("token_f1") if new else None
        return (
            f"Retrain {link.id}: job {link.new_job}'s model evaluated"
            + (f" (run {new.id}, token F1 {score:.3f})" if new and score is not None else "")
            + "; the old model's answers were not recorded: nothing to compare against."
        )
    f1 = next((r for r in found.rows if r.name == "token_f1"), None)
    change = (
        f"token F1 {f1.old:.3f} -> {f1.new:.3f} ({f1.new - f1.old:+.3f}); "
        if f1 is not None and f1.old is not None and f1.new is not None
        else ""
    )
    return (
        f"Retrain {link.id}, job {link.old_job} -> job {link.new_job} on the holdout: {change}"
        f"new better on {found.better}, same on {found.same}, worse on {found.worse}. "
        f"Both are in the experiments table (eval runs {old.id} and {new.id}); {again}."
    )
