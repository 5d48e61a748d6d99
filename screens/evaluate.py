"""Evaluate a job's fine-tuned model and its base model over the holdout with one key: both
run at once with progress bars; scores side by side; every item with its reference and the
two answers; `b` rates them blind; ctrl+t turns an item (a judged loss, say) into a training
example with the answer corrected."""

from __future__ import annotations

import difflib
import math
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, ProgressBar, Static

from screens.judge_dialog import JudgeDialog
from screens.targeted_example import TARGET_HELP, TARGET_KEY, add_corrected
from tuiapp.evals.judge import MODES
from tuiapp.evals.metrics import token_f1
from tuiapp.providers.base import ProviderError
from tuiapp.services.eval_run import EvalItem, eval_items, run_eval, start_run
from tuiapp.services.judge_run import (
    JudgeSummary,
    estimate,
    judge_asks,
    latest_summary,
    run_judge,
    start_judge,
    summary_lines,
    unfinished_judge,
)
from tuiapp.services.ratings import win_rate
from tuiapp.services.targeted import eval_origin
from tuiapp.store.evals import EvalRun, list_runs, outputs
from tuiapp.store.jobs import Job, get_job, holdout_loss
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of

PARAMS = {"temperature": 0, "max_tokens": 256}
METRICS = (
    "exact_match",
    "normalized_exact_match",
    "token_f1",
    "label_accuracy",
    "label_macro_f1",
    "valid_json",
    "json_schema_match",
    "mean_latency_ms",
    "failed",
)
VERDICT = {"a": "win", "b": "loss", "tie": "tie"}  # the judge's, for the fine-tuned model


def diff_text(output: str, reference: str) -> Text:
    """The output with words missing from the reference in red, shared ones plain."""
    text = Text()
    out_words, ref_words = output.split(), reference.split()
    matcher = difflib.SequenceMatcher(a=ref_words, b=out_words, autojunk=False)
    for op, _a1, _a2, b1, b2 in matcher.get_opcodes():
        chunk = " ".join(out_words[b1:b2])
        if chunk:
            text.append(chunk + " ", style="" if op == "equal" else "bold red")
    return text


class ItemScreen(ModalScreen[bool]):
    """One item: the prompt, the reference, both answers with their differences marked;
    True when the person asked to turn it into a targeted example."""

    CSS_PATH = "evaluate.tcss"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="item.close"),
        Binding(TARGET_KEY, "target", "Targeted example", tooltip=TARGET_HELP, id="item.target"),
    ]

    def __init__(self, item: EvalItem, answers: list[tuple[str, str | None]]) -> None:
        super().__init__()
        self.item, self.answers = item, answers

    def compose(self) -> ComposeResult:
        """Prompt, reference and answers in a scroll."""
        with VerticalScroll(id="item-box"):
            prompt = "\n".join(f"{m['role']}: {m['content']}" for m in self.item.messages)
            yield Static(Text("prompt\n", style="bold") + Text(prompt))
            yield Static(Text("reference\n", style="bold green") + Text(self.item.reference))
            for name, answer in self.answers:
                body = (
                    diff_text(answer, self.item.reference)
                    if answer is not None
                    else Text("(no answer)", style="red")
                )
                f1 = f"  F1 {token_f1(answer, self.item.reference):.2f}" if answer else ""
                yield Static(Text(f"{name}{f1}\n", style="bold cyan") + body)
            yield Static(Text("ctrl+t: correct the answer into a training example", style="dim"))

    def action_close(self) -> None:
        """Close."""
        self.dismiss(False)

    def action_target(self) -> None:
        """Close, asking for a targeted example of this item."""
        self.dismiss(True)


class EvaluateScreen(Screen[None]):
    """A job's model against its base model on the version's holdout."""

    CSS_PATH = "evaluate.tcss"
    BINDINGS = [
        Binding("r", "run", "Run both", id="evaluate.run"),
        Binding("b", "rate", "Rate blind", id="evaluate.rate"),
        Binding("j", "judge", "LLM judge", id="evaluate.judge"),
        Binding("enter", "item", "Item", id="evaluate.item"),
        Binding(TARGET_KEY, "target", "Targeted", tooltip=TARGET_HELP, id="evaluate.target"),
        Binding("escape,q", "back", "Back", id="evaluate.back"),
    ]

    def __init__(self, job_id: int, model: str | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.model = model  # a checkpoint of the job, evaluated instead of its final model

    @property
    def job(self) -> Job:
        """The job, read now (with the checkpoint as its model when one was chosen)."""
        job = get_job(workspace_of(self.app).store, self.job_id)
        return replace(job, fine_tuned_model=self.model) if self.model else job

    def compose(self) -> ComposeResult:
        """Title, scores, progress, items."""
        yield Label("", id="evaluate-title")
        yield Static("", id="evaluate-scores")
        with Horizontal(id="evaluate-progress"):
            yield ProgressBar(id="progress-tuned", show_eta=False)
            yield ProgressBar(id="progress-base", show_eta=False)
            yield ProgressBar(id="progress-judge", show_eta=False)
        yield DataTable(id="evaluate-items", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        """Show what is stored."""
        job = self.job
        self.query_one("#evaluate-title", Label).update(
            f"[b]Evaluate[/b] job {job.id} · {job.fine_tuned_model or '(no model yet)'} vs "
            f"{job.base_model} · version {job.version_id} holdout"
        )
        self.query_one("#evaluate-progress").display = False
        self.query_one("#progress-judge").display = False
        self.items = (
            eval_items(workspace_of(self.app).store, job.version_id) if job.version_id else []
        )
        self.show()

    def _runs(self) -> tuple[EvalRun | None, EvalRun | None]:
        """The latest runs of the fine-tuned and the base model on this version."""
        job = self.job
        runs = list_runs(workspace_of(self.app).store, job.version_id) if job.version_id else []
        tuned = next((r for r in runs if r.model == job.fine_tuned_model), None)
        base = next((r for r in runs if r.model == job.base_model), None)
        return tuned, base

    def show(self) -> None:
        """Scores side by side and the item table."""
        tuned, base = self._runs()
        lines = [f"{'metric':<24}{'fine-tuned':>12}{'base':>12}"]
        for metric in METRICS:
            values = [r.scores.get(metric) if r else None for r in (tuned, base)]
            if all(v is None for v in values):
                continue
            shown = [
                "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v) for v in values
            ]
            lines.append(f"{metric:<24}{shown[0]:>12}{shown[1]:>12}")
        if tuned and base:
            ab = win_rate(workspace_of(self.app).store, tuned.id, base.id)
            if ab.rated:
                lines.append(
                    f"blind A/B: fine-tuned wins {100 * ab.rate:.0f}% of {ab.rated} "
                    f"(95% CI {100 * ab.low:.0f}-{100 * ab.high:.0f}%), {ab.both_bad} both bad"
                )
            for mode in MODES:
                if judged := latest_summary(workspace_of(self.app).store, tuned.id, base.id, mode):
                    first, *rest = summary_lines(judged)
                    lines += [f"LLM {first}", *rest]
        loss = holdout_loss(workspace_of(self.app).store, self.job_id)
        if loss is not None and self.model is None:  # the final model's, not a checkpoint's
            lines.append(
                f"holdout perplexity of the fine-tuned model: {math.exp(loss[0]):.2f} "
                f"(exp of the job's {loss[1]} loss {loss[0]:.3f})"
            )
        if not (tuned or base):
            lines.insert(0, "No evaluation yet: press r to run both models over the holdout.")
        self.query_one("#evaluate-scores", Static).update(Text("\n".join(lines)))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        judged = self._judged(tuned, base)
        table.add_columns("#", "reference", "fine-tuned", "base", "F1 ft", "F1 base")
        if judged:
            table.add_column("judge")
        got = [outputs(workspace_of(self.app).store, r.id) if r else {} for r in (tuned, base)]
        for item in self.items:
            answers = [g[item.position].output if item.position in g else None for g in got]
            f1s = [f"{token_f1(a, item.reference):.2f}" if a is not None else "-" for a in answers]
            table.add_row(
                str(item.position),
                item.reference[:30],
                *((a or "-")[:30] for a in answers),
                *f1s,
                *([VERDICT.get(judged.verdicts.get(item.position, ""), "-")] if judged else []),
                key=str(item.position),
            )

    def _judged(self, tuned: EvalRun | None, base: EvalRun | None) -> JudgeSummary | None:
        """The newest LLM judge run over the two runs (pairwise first), if any."""
        if not (tuned and base):
            return None
        store = workspace_of(self.app).store
        return next((s for m in MODES if (s := latest_summary(store, tuned.id, base.id, m))), None)

    def action_run(self) -> None:
        """Run both models over the holdout, at once."""
        job = self.job
        if not job.fine_tuned_model or not job.version_id:
            self.notify("The job has no fine-tuned model yet.", severity="warning")
            return
        self.query_one("#evaluate-progress").display = True
        self._run(job)

    @work(exclusive=True, group="evaluate")
    async def _run(self, job: Job) -> None:
        """Two runs, concurrently, each with its progress bar."""
        import asyncio

        try:
            provider = await workspace_of(self.app).providers.get(job.provider)
        except ProviderError as err:
            self.notify(err.message, title="Cannot evaluate", severity="error")
            return
        assert job.version_id is not None and job.fine_tuned_model is not None
        store = workspace_of(self.app).store
        version_id = job.version_id
        unfinished = {
            r.model: r for r in reversed(list_runs(store, version_id)) if r.status != "completed"
        }  # an interrupted run of the same model goes on where it stopped

        def run_for(model: str, job_id: int | None) -> EvalRun:
            if model in unfinished:
                return unfinished[model]
            return start_run(store, version_id, job.provider, model, job_id=job_id, params=PARAMS)

        tuned = run_for(job.fine_tuned_model, job.id)
        base = run_for(job.base_model, None)

        def bar(name: str):  # type: ignore[no-untyped-def]
            widget = self.query_one(f"#progress-{name}", ProgressBar)
            return lambda done, total: widget.update(total=total, progress=done)

        await asyncio.gather(
            run_eval(store, provider, tuned.id, progress=bar("tuned")),
            run_eval(store, provider, base.id, progress=bar("base")),
        )
        self.query_one("#evaluate-progress").display = False
        self.notify("Evaluation finished.", title="Evaluate")
        self.show()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens the item (the table takes the key before the screen)."""
        event.stop()
        self.action_item()

    def _item(self) -> EvalItem | None:
        """The item under the cursor."""
        key = cursor_key(self.query_one(DataTable))
        return next((i for i in self.items if str(i.position) == key), None)

    def _answers(self, item: EvalItem) -> list[tuple[str, EvalRun | None, str | None]]:
        """(name, run, answer) of the fine-tuned and the base model for one item."""
        answers = []
        for name, run in zip(("fine-tuned", "base"), self._runs(), strict=True):
            got = outputs(workspace_of(self.app).store, run.id) if run else {}
            answers.append((name, run, got[item.position].output if item.position in got else None))
        return answers

    @work(group="item")
    async def action_item(self) -> None:
        """The item under the cursor, in full (ctrl+t there goes on to a targeted example)."""
        if (item := self._item()) is None:
            return
        shown = [(name, answer) for name, _run, answer in self._answers(item)]
        if await self.app.push_screen_wait(ItemScreen(item, shown)):
            await self._target(item)

    @work(group="item")
    async def action_target(self) -> None:
        """Correct the answer of the item under the cursor into a training example."""
        if (item := self._item()) is not None:
            await self._target(item)

    async def _target(self, item: EvalItem) -> None:
        """Edit the fine-tuned model's answer (the base's when it has none) into the desired
        one and add it to the version's dataset, saying where it came from."""
        job = self.job
        assert job.version_id is not None
        _name, run, answer = next(
            (a for a in self._answers(item) if a[2] is not None), ("", None, None)
        )
        judged = self._judged(*self._runs())
        verdict = judged.verdicts.get(item.position) if judged else None
        judge = (
            (judged.run.id, f"{judged.run.provider}:{judged.run.model}", VERDICT[verdict])
            if judged and verdict and run is not None and run.id == judged.run.run_a
            else None  # the judge's verdict is on the fine-tuned answer
        )
        origin = eval_origin(
            run.id if run else None,
            job.version_id,
            item.position,
            run.model if run else None,
            judge,
        )
        await add_corrected(self.app, job.version_id, item.messages, answer, origin, item.reference)

    @work(exclusive=True, group="judge")
    async def action_judge(self) -> None:
        """Ask for a judge model, mode and prompt (with the cost), then judge the two runs."""
        tuned, base = self._runs()
        if not (tuned and base):
            self.notify("Run the evaluation first (r).", severity="warning")
            return
        store, job = workspace_of(self.app).store, self.job

        def cost(provider: str, model: str, mode: str, template: str) -> str:
            return estimate(
                judge_asks(store, tuned.id, base.id, mode, template), provider, model
            ).describe()

        choice = await self.app.push_screen_wait(
            JudgeDialog(f"{job.provider}:{job.base_model}", cost)
        )
        if choice is None:
            return
        try:
            provider = await workspace_of(self.app).providers.get(choice.provider)
        except ProviderError as err:
            self.notify(err.message, title="Cannot judge", severity="error")
            return
        run = unfinished_judge(store, tuned.id, base.id, choice.model, choice.mode)
        if run is None or run.template != choice.template:  # else: go on where it stopped
            run = start_judge(
                store,
                tuned.id,
                base.id,
                choice.provider,
                choice.model,
                choice.mode,
                choice.template,
            )
        self.query_one("#evaluate-progress").display = True
        for name in ("tuned", "base", "judge"):
            self.query_one(f"#progress-{name}").display = name == "judge"
        bar = self.query_one("#progress-judge", ProgressBar)
        summary = await run_judge(
            store,
            provider,
            run.id,
            progress=lambda done, total: bar.update(total=total, progress=done),
        )
        self.query_one("#evaluate-progress").display = False
        for name in ("tuned", "base", "judge"):
            self.query_one(f"#progress-{name}").display = name != "judge"
        win = summary.win
        self.notify(
            f"fine-tuned {win.wins} wins, {win.ties} ties, {win.losses} losses; "
            + summary.human.describe(),
            title="LLM judge",
        )
        self.show()

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
