"""Frozen versions of a dataset: freeze the accepted examples, see what a version holds and
how it differs from its parent, take a small stratified start, export train/holdout."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from screens.confirm import ConfirmScreen
from screens.freeze import FreezeRequest, FreezeScreen
from screens.prompt import PromptScreen
from tuiapp.data.split import file_conversations, leakage
from tuiapp.redact import redact
from tuiapp.services.export import export_version
from tuiapp.services.freeze import Plan, commit, plan_freeze, plan_sample, version_conversations
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset, record_failure
from tuiapp.store.example_reads import lines_of_ids
from tuiapp.store.versions import Version, diff_versions, get_version, list_versions
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of


def describe_plan(plan: Plan) -> str:
    """What a planned version holds, for the confirmation dialog."""
    counts = plan.counts
    lines = [
        f"train {counts['train']:,} examples ({counts['train_tokens']:,} tokens) · "
        f"holdout {counts['holdout']:,} ({counts['holdout_tokens']:,} tokens)",
        f"content hash {plan.content_hash[:12]}"
        + (f" · seed {plan.seed}" if plan.seed is not None else ""),
    ]
    if plan.kind == "freeze":
        wide = plan.report.get("include") == "not_rejected"
        lines.append(f"takes {'every example not rejected' if wide else 'the accepted examples'}")
    if plan.report.get("stratified"):
        lines.append("split stratified by label")
    lines += [f"[yellow]! {w}[/]" for w in plan.warnings]
    return "\n".join(lines)


def describe_version(version: Version) -> str:
    """The detail panel of one version."""
    report, counts = version.report, version.counts
    lines = [
        f"[b]{version.name}[/b] · {version.kind} · created {version.created_at[:16]} · "
        f"hash {version.content_hash}",
        f"train {counts.get('train', 0):,} ({counts.get('train_tokens', 0):,} tokens) · holdout "
        f"{counts.get('holdout', 0):,} ({counts.get('holdout_tokens', 0):,} tokens) · "
        f"seed {version.split_seed} · holdout share {100 * (version.split_fraction or 0):.0f}%",
    ]
    labels = report.get("labels") or {}
    if labels:
        shown = [
            f"{k} {v['train']}/{v['holdout']}" if isinstance(v, dict) else f"{k} {v}"
            for k, v in labels.items()
        ]
        lines.append("labels (train/holdout): " + ", ".join(shown))
    lines.append(
        f"leakage: {report.get('leaks', 0)} cross-split pairs"
        f" ({report.get('leaks_moved_to_train', 0)} moved to train when frozen) · "
        f"duplicate groups kept on one side: {report.get('duplicate_groups', 0)}"
    )
    if report.get("pii_examples"):
        lines.append(f"[red]personal data in {report['pii_examples']} example(s)[/]")
    return "\n".join(lines)


class VersionsScreen(Screen[None]):
    """Versions of one dataset, newest first."""

    CSS_PATH = "versions.tcss"
    BINDINGS = [
        Binding("f", "freeze", "Freeze", id="versions.freeze"),
        Binding("d", "diff", "Diff parent", id="versions.diff"),
        Binding("s", "sample", "Start small", id="versions.sample"),
        Binding("x", "export", "Export", id="versions.export"),
        Binding("l", "leakage", "Check a holdout", id="versions.leakage"),
        Binding("t", "train", "Train", id="versions.train"),
        Binding("escape,q", "back", "Back", id="versions.back"),
    ]

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset = get_dataset(workspace_of(self.app).store, dataset_id)

    def compose(self) -> ComposeResult:
        """Title, table, details."""
        yield Label(f"[b]Versions[/b] · {self.dataset.name}", id="versions-title")
        yield DataTable(id="versions-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="versions-detail"):
            yield Static("", id="versions-info")
            yield Static("", id="versions-diff")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Fill the table."""
        self.reload()

    def reload(self, select: int | None = None) -> None:
        """Read the versions from the store."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("id", "name", "kind", "parent", "train", "holdout", "seed", "hash")
        versions = list_versions(workspace_of(self.app).store, self.dataset.id)
        for v in versions:
            table.add_row(
                str(v.id),
                v.name,
                v.kind,
                str(v.parent_id or "-"),
                f"{v.counts.get('train', 0):,}",
                f"{v.counts.get('holdout', 0):,}",
                str(v.split_seed if v.split_seed is not None else "-"),
                v.short_hash,
                key=str(v.id),
            )
        if select is not None:
            table.move_cursor(row=table.get_row_index(str(select)))
        if not versions:
            self.query_one("#versions-info", Static).update(
                "No versions yet. Accept examples in the review, then press f to freeze them: "
                "the version gets a seeded train/holdout split and a content hash."
            )
        table.focus()

    def _selected(self) -> Version | None:
        """The version under the cursor."""
        key = cursor_key(self.query_one(DataTable))
        return get_version(workspace_of(self.app).store, int(key)) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted version's details."""
        version = self._selected()
        if version is not None:
            self.query_one("#versions-info", Static).update(describe_version(version))
            self.query_one("#versions-diff", Static).update("d: diff against its parent")

    # --- freeze and sample --------------------------------------------------------------
    @work
    async def action_freeze(self) -> None:
        """Ask for name, holdout and seed; plan; confirm; store."""
        name = f"v{len(list_versions(workspace_of(self.app).store, self.dataset.id)) + 1}"

        request = await self.app.push_screen_wait(FreezeScreen(name))
        if request is not None:
            self.notify("Planning the split and checking for leakage…")
            self._plan_freeze(request)

    @work(thread=True, exclusive=True, group="plan")
    def _plan_freeze(self, request: FreezeRequest) -> None:
        """Plan off the event loop (duplicates and leakage read every accepted example)."""
        store = workspace_of(self.app).store.reopen()
        try:
            plan = plan_freeze(
                store, self.dataset.id, request.fraction, request.seed, include=request.include
            )
        except ValueError as err:
            self.app.call_from_thread(self.notify, str(err), severity="error")
            return
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            self.app.call_from_thread(
                self._show_failure, "freeze", self._failure(store, "freeze", err)
            )
            return
        finally:
            store.close()
        self.app.call_from_thread(self._confirm, plan, request.name)

    def _failure(self, store: Store, what: str, err: Exception) -> str:
        """Store an unexpected failure on the dataset; returns what to show."""
        text = redact(f"{what} failed: {type(err).__name__}: {err}")
        record_failure(store, self.dataset.id, text)
        return text

    def _show_failure(self, what: str, text: str) -> None:
        """Say what failed and what to do."""
        self.notify(
            f"{text}\nWhat to do: try again; if it fails again, the message names what to fix.",
            title=f"{what.capitalize()} failed",
            severity="error",
            markup=False,
        )

    @work
    async def _confirm(self, plan: Plan, name: str) -> None:
        """Show the plan; store it when confirmed."""
        if plan.existing is not None:
            self.notify(f"Nothing changed: the same content is version {plan.existing.name!r}.")
            self.reload(plan.existing.id)
            return
        title = f"Create version {name!r}?"
        if plan.pii_examples:
            title = f"Create version {name!r} with personal data still in it?"

        yes = await self.app.push_screen_wait(
            ConfirmScreen(title, describe_plan(plan), yes="Create")
        )
        if yes:
            try:
                version = commit(workspace_of(self.app).store, plan, name)
            except Exception as err:  # stored and shown, like a failed plan
                self._show_failure(
                    "freeze", self._failure(workspace_of(self.app).store, "freeze", err)
                )
                return
            self.notify(f"Version {version.name} frozen: {version.short_hash}.")
            self.reload(version.id)

    @work
    async def action_sample(self) -> None:
        """Start small: a stratified sample of the selected version's training side."""
        version = self._selected()
        if version is None:
            self.notify("Freeze a version first (f).", severity="warning")
            return
        train = version.counts.get("train", 0)

        text = await self.app.push_screen_wait(
            PromptScreen(
                f"Start small: training examples to keep of {train:,}",
                str(min(train, 100)),
                hint="Stratified by label when answers are labels · the holdout stays the same",
            )
        )
        if text is None:
            return
        try:
            size = int(text)
            plan = plan_sample(workspace_of(self.app).store, version.id, size)
        except ValueError:
            self.notify(f"Give a number from 1 to {train}.", severity="error")
            return
        self._confirm(plan, f"{version.name}-{size}")

    # --- diff and export ----------------------------------------------------------------
    def action_diff(self) -> None:
        """What changed since the parent version."""
        version = self._selected()
        if version is None:
            return
        panel = self.query_one("#versions-diff", Static)
        if version.parent_id is None:
            panel.update("The first version: no parent to compare with.")
            return
        diff = diff_versions(workspace_of(self.app).store, version.parent_id, version.id)
        if diff.unchanged:
            panel.update("Same examples as the parent.")
            return

        def lines(ids: list[int]) -> str:
            found = lines_of_ids(workspace_of(self.app).store, ids[:12])
            shown = ", ".join(str(line) for line in found)
            return f" (lines {shown}{', …' if len(ids) > 12 else ''})" if ids else ""

        parent = get_version(workspace_of(self.app).store, version.parent_id)
        panel.update(
            f"[b]since {parent.name}[/b]: +{len(diff.added)} added{lines(diff.added)} · "
            f"-{len(diff.removed)} removed{lines(diff.removed)} · "
            f"{len(diff.edited)} edited{lines(diff.edited)} · "
            f"{len(diff.moved)} moved across the split{lines(diff.moved)}"
        )

    @work
    async def action_export(self) -> None:
        """Write train.jsonl, holdout.jsonl and manifest.json to a folder."""
        version = self._selected()
        if version is None:
            return
        source = Path(self.dataset.path)
        default = str(source.with_name(f"{source.stem}-{version.name}"))
        path = await self.app.push_screen_wait(
            PromptScreen(f"Export {version.name} to folder", default)
        )
        if not path:
            return
        if version.report.get("pii_examples"):
            question = ConfirmScreen(
                "Export with personal data?",
                f"{version.report['pii_examples']} example(s) of {version.name} still "
                "hold personal data or secrets. Redact them (z) and freeze again, or "
                "export anyway.",
                yes="Export",
            )
            if not await self.app.push_screen_wait(question):
                return
        self._export(version, Path(path).expanduser())

    def _export(self, version: Version, folder: Path) -> None:
        """Write the files."""
        try:
            paths = export_version(workspace_of(self.app).store, version.id, folder)
        except OSError as err:
            self.notify(f"{folder}: {err.strerror or err}", title="Export failed", severity="error")
            return
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            self._show_failure("export", self._failure(workspace_of(self.app).store, "export", err))
            return
        self.notify(f"Wrote {', '.join(p.name for p in paths)} to {folder}", title="Exported")

    @work
    async def action_leakage(self) -> None:
        """Check a holdout file the user brings against this version's training side."""
        version = self._selected()
        if version is None:
            return

        path = await self.app.push_screen_wait(
            PromptScreen(
                f"Holdout file to check against the training side of {version.name}",
                placeholder="path/to/holdout.jsonl",
            )
        )
        if path:
            self.notify("Checking for leakage…")
            self._check_leakage(version, Path(path.strip()).expanduser())

    @work(thread=True, exclusive=True, group="plan")
    def _check_leakage(self, version: Version, path: Path) -> None:
        """Compare off the event loop; report in the detail panel."""
        store = workspace_of(self.app).store.reopen()
        try:
            train_lines, train = version_conversations(store, version.id, "train")
            holdout_lines, holdout = file_conversations(path)
        except OSError as err:
            self.app.call_from_thread(
                self.notify, f"{path}: {err.strerror or err}", severity="error"
            )
            return
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            text = self._failure(store, "leakage check", err)
            self.app.call_from_thread(self._show_failure, "leakage check", text)
            return
        finally:
            store.close()
        leaks = leakage(train, holdout)
        shown = ", ".join(
            f"holdout line {holdout_lines[leak.holdout]} ~ source line "
            f"{train_lines[leak.train]} ({leak.similarity:.2f})"
            for leak in leaks[:8]
        )
        text = (
            f"[red]{len(leaks)} leaked pair(s)[/] in {path.name}: {shown}"
            if leaks
            else f"[green]No leakage[/]: none of the {len(holdout):,} examples of {path.name} "
            f"copies the {len(train):,} training examples of {version.name}."
        )
        self.app.call_from_thread(self.query_one("#versions-diff", Static).update, text)

    def action_train(self) -> None:
        """Start a fine-tuning job on the selected version."""
        version = self._selected()
        if version is None:
            self.notify("Freeze a version first (f).", severity="warning")
            return
        workspace_of(self.app).nav.new_job(version.id)

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
