"""Every experiment in one table: sort, filter, mark two and compare them side by side,
export as CSV or Markdown, and go on to evaluate, rate or chat with a job's model; a job on a
version frozen after targeted examples shows its lineage (`v1 +3 targeted`) and its score
deltas against a job of the parent version (`+0.12 exact, +0.05 F1 vs job 3`)."""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from screens.clipboard import copy_value
from screens.prompt import PromptScreen
from tuiapp.evals.experiments import Experiment, to_csv, to_markdown
from tuiapp.services.experiments import experiments
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of

COLUMNS = [f.name for f in fields(Experiment)]
SHOWN = (
    "job_id",
    "status",
    "version",
    "lineage",
    "deltas",
    "train_examples",
    "base_model",
    "hyperparameters",
    "train_loss",
    "valid_loss",
    "holdout_perplexity",
    "token_f1",
    "exact_match",
    "win_rate",
    "cost_usd",
    "model_id",
    "stopped_early_at",
)


def cell(value: object) -> str:
    """A value as table text."""
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


class CompareScreen(ModalScreen[None]):
    """Two experiments, field by field."""

    CSS_PATH = "experiments.tcss"
    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="compare.close")]

    def __init__(self, left: Experiment, right: Experiment) -> None:
        super().__init__()
        self.left, self.right = left, right

    def compose(self) -> ComposeResult:
        """A three-column table: field, left, right (differences marked)."""
        table: DataTable[str] = DataTable(id="compare-table", zebra_stripes=True)
        table.add_columns("", f"job {self.left.job_id}", f"job {self.right.job_id}")
        a, b = asdict(self.left), asdict(self.right)
        for name in COLUMNS:
            mark = "" if a[name] == b[name] else "[yellow]≠[/] "
            table.add_row(f"{mark}{name}", cell(a[name]), cell(b[name]))
        yield Static("[b]Compare[/b] · esc closes", id="compare-title")
        yield table


class ExperimentsScreen(Screen[None]):
    """One row per job."""

    CSS_PATH = "experiments.tcss"
    BINDINGS = [
        Binding("o", "sort", "Sort", id="experiments.sort"),
        Binding("slash", "filter", "Filter", key_display="/", id="experiments.filter"),
        Binding("space", "mark", "Mark", id="experiments.mark"),
        Binding("c", "compare", "Compare 2", id="experiments.compare"),
        Binding("L", "loss_curves", "Loss curves", id="experiments.loss_curves"),
        Binding("e", "evaluate", "Evaluate", id="experiments.evaluate"),
        Binding("g", "playground", "Playground", id="experiments.playground"),
        Binding("x", "export", "Export", id="experiments.export"),
        Binding("y", "copy_model_id", "Copy model id", id="experiments.copy"),
        Binding("q", "app.quit_hint", "Back", show=False, id="experiments.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_by = "job_id"
        self.descending = True
        self.text = ""
        self.marked: list[int] = []
        self.rows: list[Experiment] = []

    def compose(self) -> ComposeResult:
        """Title, table, hint."""
        yield Label("", id="experiments-title")
        yield DataTable(id="experiments-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="experiments-hint")
        yield KeyFooter()

    def on_screen_resume(self) -> None:
        """Read the experiments each time the screen is shown: scores change elsewhere."""
        self.reload()

    def reload(self) -> None:
        """Read, filter, sort, show."""
        rows = experiments(workspace_of(self.app).store)
        if self.text:
            needle = self.text.lower()
            rows = [r for r in rows if needle in " ".join(map(cell, asdict(r).values())).lower()]
        present = [r for r in rows if getattr(r, self.sort_by) is not None]
        missing = [r for r in rows if getattr(r, self.sort_by) is None]
        present.sort(key=lambda r: getattr(r, self.sort_by), reverse=self.descending)
        self.rows = present + missing
        table = self.query_one(DataTable)
        kept = cursor_key(table)  # marking reloads: the cursor stays on its job
        table.clear(columns=True)
        table.add_columns(
            *(("▼ " if self.descending else "▲ ") + c if c == self.sort_by else c for c in SHOWN)
        )
        for row in self.rows:
            values = asdict(row)
            mark = "● " if row.job_id in self.marked else ""
            table.add_row(
                *(mark + cell(values[c]) if c == "job_id" else cell(values[c]) for c in SHOWN),
                key=str(row.job_id),
            )
        if kept is not None and kept in table.rows:
            table.move_cursor(row=table.get_row_index(kept))
        self.query_one("#experiments-title", Label).update(
            f"[b]Experiments[/b] · {len(self.rows)} job(s)"
            + (f" · filter {self.text!r}" if self.text else "")
            + (f" · marked {', '.join(map(str, self.marked))}" if self.marked else "")
        )
        self.query_one("#experiments-hint", Label).update(
            "" if self.rows else "No jobs yet: start one from a frozen version (F3, n)."
        )

    def _selected(self) -> Experiment | None:
        """The row under the cursor."""
        key = cursor_key(self.query_one(DataTable))
        return next((r for r in self.rows if str(r.job_id) == key), None)

    def action_copy_model_id(self) -> None:
        """Copy the selected experiment's fine-tuned model id (the table cuts it)."""
        row = self._selected()
        copy_value(self.app, row.model_id if row else None, "fine-tuned model id")

    def action_sort(self) -> None:
        """Cycle the sort column (descending, then ascending)."""
        if self.descending:
            self.descending = False
        else:
            position = (SHOWN.index(self.sort_by) + 1) % len(SHOWN)
            self.sort_by, self.descending = SHOWN[position], True
        self.reload()

    @work
    async def action_filter(self) -> None:
        """Show only rows whose text contains a string."""
        text = await self.app.push_screen_wait(PromptScreen("Filter experiments", self.text))
        if text is not None:
            self.text = text.strip()
            self.reload()

    def action_mark(self) -> None:
        """Mark or unmark a row (compare takes the last two marks, loss curves up to eight)."""
        row = self._selected()
        if row is None:
            return
        if row.job_id in self.marked:
            self.marked.remove(row.job_id)
        else:
            self.marked = [*self.marked[-7:], row.job_id]
        self.reload()

    def action_compare(self) -> None:
        """The two marked experiments side by side."""
        chosen = [r for r in self.rows if r.job_id in self.marked[-2:]]
        if len(chosen) != 2:
            self.notify("Mark two experiments with space first.", severity="warning")
            return
        self.app.push_screen(CompareScreen(*chosen))

    def action_loss_curves(self) -> None:
        """The marked jobs' loss curves on one chart (the selected job when none is marked)."""
        row = self._selected()
        chosen = self.marked or ([row.job_id] if row else [])
        if chosen:
            workspace_of(self.app).nav.loss_curves(chosen)

    def action_evaluate(self) -> None:
        """Evaluate the job's model against its base model on the holdout."""
        row = self._selected()
        if row is not None:
            workspace_of(self.app).nav.evaluate(row.job_id)

    def action_playground(self) -> None:
        """Chat with the job's model beside its base model."""
        row = self._selected()
        if row is not None:
            workspace_of(self.app).nav.playground(row.job_id)

    @work
    async def action_export(self) -> None:
        """Write the rows shown as CSV or Markdown (by the file's extension)."""
        path = await self.app.push_screen_wait(
            PromptScreen(
                "Export experiments to",
                str(workspace_of(self.app).paths.data_dir / "experiments.csv"),
                hint=".csv for CSV, .md for a Markdown table · Enter writes · Esc cancels",
            )
        )
        if not path:
            return
        target = Path(path).expanduser()
        text = to_markdown(self.rows) if target.suffix == ".md" else to_csv(self.rows)
        try:
            target.write_text(text)
        except OSError as err:
            self.notify(f"{target}: {err.strerror or err}", severity="error")
            return
        self.notify(f"Wrote {len(self.rows)} row(s) to {target}", title="Exported")
