"""The data-quality report: duplicates, personal data, consistency and balance, tags. Every
row names a set of examples; Enter goes back to the review showing exactly those."""

from __future__ import annotations

import asyncio

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Label, ProgressBar
from textual.worker import get_current_worker

from screens.prompt import PromptScreen
from tuiapp.data.dedup import DEFAULT_THRESHOLD
from tuiapp.data.language import language_label
from tuiapp.data.quality_report import ItemKey, QualityReport
from tuiapp.data.redaction import RedactionChoice, RedactionPlan
from tuiapp.redact import redact
from tuiapp.services.edits import apply_redaction, plan_redaction
from tuiapp.services.quality import scan_quality
from tuiapp.services.quality_now import current_report
from tuiapp.store.datasets import get_dataset, record_failure
from tuiapp.store.examples import DUPLICATES
from tuiapp.store.quality import Scan, changed_since_scan, load_scan, tag_counts
from tuiapp.widgets.bars import BarChart
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of


class ScanCancelled(Exception):
    """Raised in the scan's progress callback once the screen has been left."""


Row = tuple[str, str, str, int, str]  # section, item (filter), label, examples, detail


def report_rows(report: QualityReport, tags: dict[str, int]) -> list[Row]:
    """The table rows of a scan report, section by section."""
    total = max(1, report.examples)
    dup, found = report.duplicates, report.consistency
    rows: list[Row] = [
        ("duplicates", DUPLICATES, "duplicate groups", dup.groups, ""),
        ("duplicates", "duplicate:exact", "exact copies to drop", dup.exact_to_drop, ""),
        ("duplicates", "duplicate:near", "near copies to drop", dup.near_to_drop, ""),
    ]
    rows += [
        ("personal data", str(ItemKey("pii", kind)), kind.replace("_", " "), n, "")
        for kind, n in report.pii.items()
    ]
    prompts = found.system_prompts
    for i, prompt in enumerate(prompts[:10]):
        label = "no system prompt" if prompt.none else f"#{i + 1} {prompt.text[:40]!r}"
        detail = f"{len(prompts)} variants" if i == 0 else ""
        key = str(ItemKey("system", prompt.key))
        rows.append(("system prompts", key, label, prompt.count, detail))
    lengths = found.answer_lengths
    if lengths.high is not None:
        high, low = lengths.high, max(0.0, lengths.low or 0.0)
        rows.append(("answer length", "length:long", f"over {high:.0f} tokens", lengths.long, ""))
        if low > 0:
            rows.append(
                ("answer length", "length:short", f"under {low:.0f} tokens", lengths.short, "")
            )
    labels = sorted(found.labels.items(), key=lambda kv: -kv[1])
    rows += [
        ("labels", str(ItemKey("label", k)), k, n, f"{100 * n / total:.0f}%") for k, n in labels
    ]
    rows += [
        (
            "languages",
            str(ItemKey("lang", k)),
            language_label(k),
            n,
            f"{100 * n / total:.1f}%",
        )
        for k, n in found.languages.items()
    ]
    rows += [
        (section.title, f.item, f.label, f.count, f.detail)
        for section in found.sections
        for f in section.findings
    ]
    rows += [("tags", str(ItemKey("tag", t)), t, n, "") for t, n in tags.items()]
    return rows


class QualityScreen(Screen[str | None]):
    """Scan results as a table beside a chart of the highlighted section."""

    CSS_PATH = "quality.tcss"
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="quality.back"),
        Binding("r", "rescan", "Rescan", id="quality.rescan"),
        Binding("t", "threshold", "Threshold", id="quality.threshold"),
        Binding("z", "redact_all", "Redact all PII", id="quality.redact_all"),
    ]

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset = get_dataset(workspace_of(self.app).store, dataset_id)
        self.scan: Scan | None = None
        self.threshold = DEFAULT_THRESHOLD

    def compose(self) -> ComposeResult:
        """Title, progress, table and chart."""
        yield Label(f"[b]Data quality[/b] · {escape(self.dataset.name)}", id="quality-title")
        yield Label("", id="quality-summary")
        yield ProgressBar(id="quality-progress", show_eta=False)
        with Horizontal(id="quality-body"):
            yield DataTable(id="quality-table", cursor_type="row", zebra_stripes=True)
            yield BarChart(id="quality-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Show the stored scan, or scan now when there is none."""
        self.scan = load_scan(workspace_of(self.app).store, self.dataset.id)
        if self.scan is None:
            self.action_rescan()
        else:
            self.threshold = self.scan.threshold
            self.show()

    def action_rescan(self) -> None:
        """Scan the dataset again (edits and decisions since the last scan count)."""
        self.query_one("#quality-progress").display = True
        self.query_one("#quality-body").display = False
        self.query_one("#quality-summary", Label).update("Scanning…")
        self.run_scan(self.threshold)

    @work(thread=True, exclusive=True, group="scan")
    def run_scan(self, threshold: float) -> None:
        """Scan on a connection of its own."""
        store = workspace_of(self.app).store.reopen()
        bar = self.query_one("#quality-progress", ProgressBar)
        worker = get_current_worker()

        def progress(stage: str, done: int, total: int) -> None:
            if worker.is_cancelled:  # the screen was left: stop scanning for it
                raise ScanCancelled
            self.app.call_from_thread(bar.update, total=max(1, total), progress=done)
            self.app.call_from_thread(
                self.query_one("#quality-summary", Label).update, f"Scanning: {stage}…"
            )

        try:
            scan_quality(store, self.dataset.id, threshold, progress)
            record_failure(store, self.dataset.id, None)
        except ScanCancelled:
            return
        except Exception as err:  # stored on the dataset and shown; the screen stays usable
            text = redact(f"quality scan failed: {type(err).__name__}: {err}")
            record_failure(store, self.dataset.id, text)
            self.app.call_from_thread(self._scan_failed, text)
            return
        finally:
            store.close()
        self.app.call_from_thread(self._scanned)

    def _scan_failed(self, text: str) -> None:
        """Leave "Scanning…": say what failed and what to do; the last good scan stays shown."""
        if not self.is_attached:
            return
        self.query_one("#quality-progress").display = False
        self.query_one("#quality-body").display = self.scan is not None
        self.query_one("#quality-summary", Label).update(
            f"[red]{escape(text)}[/]\nWhat to do: r scans again; if it fails again, filter the "
            "review by problem to find the examples the checks reject · Esc goes back"
        )
        self.notify(text, title="Quality scan failed", severity="error", markup=False)

    def _scanned(self) -> None:
        """Read and show the fresh scan."""
        if not self.is_attached:
            return
        self.scan = load_scan(workspace_of(self.app).store, self.dataset.id)
        self.show()

    def show(self) -> None:
        """Fill the table and chart from the scan (duplicate groups resolved since: not counted)."""
        assert self.scan is not None
        report = current_report(workspace_of(self.app).store, self.dataset.id, self.scan)
        self.query_one("#quality-progress").display = False
        self.query_one("#quality-body").display = True
        dup = report.duplicates
        self.query_one("#quality-summary", Label).update(
            f"{report.examples:,} examples · scanned {self.scan.scanned_at[:16]} · "
            f"near-duplicate threshold {self.scan.threshold:.2f} · {dup.groups:,} groups, "
            f"{dup.to_drop:,} to drop · personal data: {report.pii_total:,}" + self._staleness()
        )
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("item", key="item")
        table.add_column("examples", key="examples")
        table.add_column("note", key="note")
        self._sections: dict[str, str] = {}
        previous = ""
        for section, item, label, n, detail in report_rows(
            report, tag_counts(workspace_of(self.app).store, self.dataset.id)
        ):
            if section != previous:
                table.add_row(Text(section, style="bold cyan"), "", "", key=f"section:{section}")
                self._sections[f"section:{section}"] = previous = section
            table.add_row(f"  {label[:26]}", Text(f"{n:,}", justify="right"), detail, key=item)
            self._sections[item] = section
        table.focus()
        table.move_cursor(row=1)
        self._chart("labels" if report.consistency.labels else "answer length")

    def _staleness(self) -> str:
        """A warning when examples changed after the scan."""
        assert self.scan is not None
        changed = changed_since_scan(workspace_of(self.app).store, self.dataset.id, self.scan)
        return f" · [yellow]{changed:,} changed since: r rescans[/]" if changed else ""

    def _chart(self, section: str) -> None:
        """Draw the chart that goes with a section of the table."""
        assert self.scan is not None
        report = QualityReport.from_dict(self.scan.report)
        found = report.consistency
        chart = self.query_one(BarChart)
        if section == "labels" and found.labels:
            chart.counts("answers by label", found.labels)
        elif section == "languages":
            chart.counts("examples by language", found.languages)
        elif section == "personal data":
            chart.counts("examples with personal data", report.pii)
        elif section == "system prompts":
            chart.counts(
                "examples by system prompt",
                {f"#{i + 1}": p.count for i, p in enumerate(found.system_prompts)},
            )
        elif len(found.answer_lengths.values.counts) <= 1 and found.labels:
            chart.counts("answers by label", found.labels)  # one-bar histograms say nothing
        else:
            lengths = found.answer_lengths
            marks = [m for m in (lengths.low, lengths.high) if m is not None and m > 0]
            chart.histogram(
                "assistant tokens per example", lengths.values.edges, lengths.values.counts, marks
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Chart the section of the highlighted row."""
        if self.scan is not None and event.row_key.value in self._sections:
            self._chart(self._sections[event.row_key.value])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Back to the review, showing the examples of the chosen row."""
        item = event.row_key.value
        if item and not item.startswith("section:"):
            self.dismiss(item)

    @work
    async def action_threshold(self) -> None:
        """Change the near-duplicate threshold (Jaccard of word 3-shingles) and rescan."""
        text = await self.app.push_screen_wait(
            PromptScreen(
                "Near-duplicate threshold",
                f"{self.threshold:.2f}",
                hint="Jaccard similarity 0.3-1.0 · lower finds looser copies · Enter rescans",
            )
        )
        if text is None:
            return
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.3 <= value <= 1.0:
            self.notify(f"{text!r}: give a number from 0.3 to 1.0", severity="error")
            return
        self.threshold = value
        self.action_rescan()

    @work(exclusive=True, group="redact")
    async def action_redact_all(self) -> None:
        """List what redaction would change, per kind, let the user pick kinds and skip items,
        then apply the choice as one undoable batch and rescan."""
        if self.scan is None:
            return
        plan = await asyncio.to_thread(self._plan)
        if not plan.groups:
            self.notify("No personal data found in the last scan.")
            return
        examples = len({item.idx for group in plan.groups.values() for item in group.items})
        title = f"Redact personal data: {plan.total:,} finding(s) in {examples:,} example(s)"
        choice = await workspace_of(self.app).nav.redact_plan(title, plan)
        if choice is None:
            return
        if not plan.chosen(set(choice.groups), choice.skip):
            self.notify("Nothing picked: nothing changed.")
            return
        self._redact_all(plan, choice)

    def _plan(self) -> RedactionPlan:
        """The redaction plan, on a connection of its own (run in a thread)."""
        store = workspace_of(self.app).store.reopen()
        try:
            return plan_redaction(store, self.dataset)
        finally:
            store.close()

    @work(thread=True, exclusive=True, group="scan")
    def _redact_all(self, plan: RedactionPlan, choice: RedactionChoice) -> None:
        """Redact on a connection of its own, then rescan."""
        store = workspace_of(self.app).store.reopen()
        try:
            changed = apply_redaction(store, self.dataset, plan, set(choice.groups), choice.skip)
        except Exception as err:  # stored on the dataset and shown, like a failed scan
            text = redact(f"redaction failed: {type(err).__name__}: {err}")
            record_failure(store, self.dataset.id, text)
            self.app.call_from_thread(self._scan_failed, text)
            return
        finally:
            store.close()
        self.app.call_from_thread(
            self.notify, f"Redacted {changed:,} example(s) as one batch (u in the review undoes)."
        )
        self.app.call_from_thread(self.action_rescan)

    def action_back(self) -> None:
        """Back to the review, at any time (a scan still running is cancelled)."""
        self.workers.cancel_group(self, "scan")
        self.dismiss(None)
