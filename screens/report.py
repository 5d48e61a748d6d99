"""The dataset report: is this file fit for fine-tuning, and what will it cost?"""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, LoadingIndicator, Static

from tuiapp.data.stats import Distribution, default_epochs
from tuiapp.problems import KINDS, Severity
from tuiapp.services.report import DatasetReport, dataset_report
from tuiapp.store.datasets import get_dataset
from tuiapp.widgets.histogram import TokenHistogram
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of


def _stats_line(name: str, d: Distribution) -> str:
    """One row of distribution figures."""
    return (
        f"{name}: min {d.min:,} · p5 {d.p5:,.0f} · median {d.median:,.0f} · "
        f"mean {d.mean:,.0f} · p95 {d.p95:,.0f} · max {d.max:,}"
    )


class ReportScreen(Screen[str | None]):
    """Problems by kind (Enter filters the review list), token histograms, roles, cost."""

    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="report.back"),
        Binding("r", "reload", "Reload", id="report.reload"),
    ]

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset = get_dataset(workspace_of(self.app).store, dataset_id)

    def compose(self) -> ComposeResult:
        """Sections, filled when the report is computed."""
        yield Label(
            f"[b]Report[/b] · {self.dataset.name} · model {self.dataset.base_model}",
            id="report-title",
        )
        yield LoadingIndicator(id="report-loading")
        with VerticalScroll(id="report-body"):
            yield Static(id="report-summary")
            yield Label("Problems by kind (Enter: review those examples)", classes="section")
            yield DataTable(id="report-problems", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="report-charts"):
                yield TokenHistogram("tokens per example", id="report-tokens")
                yield TokenHistogram("assistant tokens per example", id="report-assistant")
            yield Static(id="report-roles")
            yield Label("Estimated training cost (auto epochs)", classes="section")
            yield DataTable(id="report-costs", cursor_type="row", zebra_stripes=True)
            yield Static(id="report-model-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Compute in a worker."""
        self.query_one("#report-body").display = False
        self.action_reload()

    def action_reload(self) -> None:
        """Recompute the report from the store."""
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        """Read every example once, off the event loop."""
        store = workspace_of(self.app).store.reopen()
        try:
            paths = workspace_of(self.app).paths
            report = dataset_report(store, self.dataset.id, self.dataset.base_model, paths)
        finally:
            store.close()
        self.app.call_from_thread(self.show, report)

    def show(self, report: DatasetReport) -> None:
        """Fill every section."""
        self.query_one("#report-loading").display = False
        self.query_one("#report-body").display = True
        reviewed = report.examples - report.statuses.get("pending", 0)
        errors = sum(n for k, n in report.problems.items() if KINDS.get(k, (2,))[0] == 2)
        lines = [
            f"examples {report.examples:,} · usable {report.usable:,} (no error, not rejected)"
            f" · reviewed {reviewed:,}",
            f"examples with errors: {errors:,} · epochs if auto: {default_epochs(report.usable)}",
            _stats_line("tokens", report.token_stats),
            _stats_line("assistant tokens", report.assistant_token_stats),
        ]
        for problem in self.dataset.file_problems:
            lines.append(f"[yellow]file: {problem.describe()}[/]")
        self.query_one("#report-summary", Static).update("\n".join(lines))
        table = self.query_one("#report-problems", DataTable)
        table.clear(columns=True)
        table.add_columns("kind", "severity", "examples", "what it means")
        for kind, n in report.problems.items():
            severity, meaning = KINDS.get(kind, (Severity.ERROR, ""))
            table.add_row(kind, severity.name.lower(), f"{n:,}", meaning, key=kind)
        if not report.problems:
            table.add_row("none", "", "0", "every example passes the format checks")
        self.query_one("#report-tokens", TokenHistogram).plot(report.tokens)
        self.query_one("#report-assistant", TokenHistogram).plot(report.assistant_tokens)
        roles = ", ".join(f"{r} {n:,}" for r, n in report.roles.most_common())
        turns = ", ".join(f"{t}: {n:,}" for t, n in sorted(report.assistant_turns.items()))
        share = 100 * report.with_system / report.usable if report.usable else 0
        self.query_one("#report-roles", Static).update(
            f"messages by role: {roles or '-'}\nassistant turns per example: {turns or '-'}"
            f"\nwith a system prompt: {share:.0f}%"
            + (f"\n{report.length_bias_line}" if report.length_bias_line else "")
        )
        costs = self.query_one("#report-costs", DataTable)
        costs.clear(columns=True)
        costs.add_columns(
            "base model", "epochs", "tokens/epoch", "billed tokens", "cost (USD)", "counted with"
        )
        for c in report.costs:
            usd = "unknown" if c.usd is None else f"${c.usd:,.2f}"
            costs.add_row(
                c.model,
                str(c.n_epochs),
                f"{c.tokens_per_epoch:,}",
                f"{c.billing_tokens:,}",
                usd,
                c.counted_with,
            )
        note = self.query_one("#report-model-note", Static)
        note.update(escape(report.model_note))
        note.display = bool(report.model_note)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Back to the review list, filtered to the chosen problem kind."""
        if event.data_table.id == "report-problems" and event.row_key.value in KINDS:
            self.dismiss(event.row_key.value)

    def action_back(self) -> None:
        """Back to the review."""
        self.dismiss(None)
