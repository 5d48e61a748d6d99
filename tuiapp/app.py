"""The Textual app: modes, global bindings, and the one factory used by the CLI and tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal

from screens.confirm import ConfirmScreen
from screens.datasets import DatasetsScreen
from tuiapp.config import Config, ConfigError, load_config
from tuiapp.navigation import Navigator
from tuiapp.paths import AppPaths
from tuiapp.providers.registry import Providers
from tuiapp.redact import redact
from tuiapp.store import Store, open_store
from tuiapp.widgets.terminal_safety import harden_terminal_output
from tuiapp.workspace import Workspace

if TYPE_CHECKING:  # the file identity (hashing, atomic writes) loads when a file is opened
    from tuiapp.services.identity import Identity
    from tuiapp.services.job_watch import Polled  # the watcher loads after the first paint

harden_terminal_output()  # before any text is rendered: controls in it are drawn, not sent

WATCH_IDLE = 1.0  # seconds between rounds of the watcher
SYNC_OPEN_BYTES = 8 * 1024 * 1024  # files up to this size are hashed on the spot (< 10 ms)


def _jobs_mode() -> Screen[None]:
    """The jobs list, imported when F3 first opens it (not on the start-up path)."""
    from screens.jobs import JobsScreen

    return JobsScreen()


def _experiments_mode() -> Screen[None]:
    """The experiments table, imported when F4 first opens it (evaluation and judge services
    bring numpy and every check)."""
    from screens.experiments import ExperimentsScreen

    return ExperimentsScreen()


class TuiApp(App[None]):
    """tuiapp: the whole fine-tuning loop in a terminal."""

    TITLE = "tuiapp"
    # toasts at the top right, under each screen's title line, one line high and narrow:
    # Textual's default (bottom right, three lines a toast) covered the footer's keys and
    # the end of the conversation
    CSS = """
    ToastRack { dock: top; align: right top; margin: 1 1 0 0; }
    Toast { width: 44; max-width: 40%; padding: 0 1; margin: 0 0 1 0; }
    """
    MODES = {"datasets": DatasetsScreen, "jobs": _jobs_mode, "experiments": _experiments_mode}
    DEFAULT_MODE = "datasets"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "show_help_panel", "Keys", id="app.keys"),
        Binding("f2", "mode('datasets')", "Datasets", id="app.datasets"),
        Binding("f3", "mode('jobs')", "Jobs", id="app.jobs"),
        Binding("f4", "mode('experiments')", "Experiments", id="app.experiments"),
    ]

    def __init__(
        self,
        store: Store,
        paths: AppPaths,
        *,
        config: Config | None = None,
        open_path: Path | None = None,
        model: str | None = None,
        config_error: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.paths = paths
        self.providers = Providers(paths)
        self.job_polled: Signal[Polled] = Signal(self, "job-polled")
        self._watch_errors: dict[int, str] = {}  # job id -> the problem last shown
        self.config = config or Config()
        self.workspace = Workspace(
            store=store,
            paths=paths,
            providers=self.providers,
            config=self.config,
            jobs=self.job_polled,
            nav=Navigator(self, self.open_file),
        )
        self._open_path = open_path
        self._model = model or self.config.default_model
        self._config_error = config_error

    def on_mount(self) -> None:
        """Apply the user's key map, then open the file given on the command line, if any."""
        self.set_keymap(self.config.keymap)
        if self._config_error:
            self.notify(self._config_error, title="Config ignored", severity="error", timeout=10)
        if self._open_path is not None:
            self.open_file(self._open_path)
        self.call_after_refresh(self.watch_jobs)  # its modules (curves, ETA, jobs): after paint

    @work(exclusive=True, group="watcher")
    async def watch_jobs(self) -> None:
        """Poll every unfinished job (also those started before a restart) for as long as the
        app runs; each poll is published to the screens that show jobs."""
        from screens.job_end import resume_comparisons
        from tuiapp.services.job_watch import Watcher

        resume_comparisons(self)  # moves whose new job ended while the app was closed
        watcher = Watcher(self.store, self.providers.get, self._polled)
        while True:
            try:
                await watcher.poll_due()
            except Exception as err:  # a bug must not stop the watching of every job
                self.notify(f"{type(err).__name__}: {err}", title="Watcher", severity="error")
                await asyncio.sleep(30)
            await asyncio.sleep(WATCH_IDLE)

    def _polled(self, polled: Polled) -> None:
        """Tell the screens; say once why a job cannot be followed; ring when a job ends."""
        self.job_polled.publish(polled)
        job_id = polled.job.id
        if polled.error is None:
            self._watch_errors.pop(job_id, None)
        elif self._watch_errors.get(job_id) != polled.error:
            self._watch_errors[job_id] = polled.error
            self.notify(
                f"Job {job_id}: {polled.error}. Retrying with a longer wait.",
                title="Cannot follow a job",
                severity="warning",
                timeout=10,
            )
        if polled.finished_now:
            from screens.job_end import job_ended  # rings, says so, compares a move's model

            job_ended(self, polled.job)

    def open_file(self, path: Path) -> None:
        """Open (importing if new or changed) a dataset file and review it. A small file is
        hashed at once (milliseconds); a big one in a thread. A changed copy of a reviewed file
        whose changed lines carry decisions asks first (the reviewed dataset keeps them)."""
        from tuiapp.services.identity import identify

        path = Path(path)
        try:
            if path.stat().st_size <= SYNC_OPEN_BYTES:
                self._identified(path, identify(self.store, path))
            else:
                self._identify_in_thread(path)
        except OSError as err:
            self.notify(f"{path}: {err.strerror or err}", title="Cannot open", severity="error")

    @work(exclusive=True, group="open-file")
    async def _identify_in_thread(self, path: Path) -> None:
        """Hash and compare a big file off the event loop (its own database connection)."""

        from tuiapp.services.identity import identify

        def identify_there() -> Identity:
            store = self.store.reopen()
            try:
                return identify(store, path)
            finally:
                store.close()

        self.notify(f"Reading {path.name} ...", title="Opening", timeout=3)
        try:
            identity = await asyncio.to_thread(identify_there)
        except OSError as err:
            self.notify(f"{path}: {err.strerror or err}", title="Cannot open", severity="error")
            return
        self._identified(path, identity)

    def _identified(self, path: Path, identity: Identity) -> None:
        """Review the file's dataset, asking first if opening it would lose decisions."""
        change = identity.change
        if change is None or not change.lost:
            self._review_file(path, identity)
        else:
            self._ask_to_import(path, identity)

    @work(group="open-file-ask")
    async def _ask_to_import(self, path: Path, identity: Identity) -> None:
        """Ask before importing a changed copy whose changed lines carry decisions."""
        change = identity.change
        assert change is not None
        question = ConfirmScreen(
            "The file changed since its review",
            escape(change.describe())
            + f". Import the new content? Dataset {change.reviewed.id} keeps every decision; "
            "say no to go on reviewing it as it was.",
            yes="Import",
            no="Cancel",
        )
        if await self.push_screen_wait(question):
            self._review_file(path, identity)

    def _review_file(self, path: Path, identity: Identity) -> None:
        """Create (or find) the file's dataset and push its review."""
        from tuiapp.services.importer import open_dataset  # the checks: off the start-up path

        try:
            dataset = open_dataset(self.store, path, self._model, identity)
        except OSError as err:
            self.notify(f"{path}: {err.strerror or err}", title="Cannot open", severity="error")
            return
        self.workspace.nav.review(dataset.id)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of every screen, with secrets masked (a provider may echo a key)."""
        super().notify(
            redact(message), title=redact(title), severity=severity, timeout=timeout, markup=markup
        )

    def _handle_exception(self, error: Exception) -> None:
        """A bug: the traceback (secrets masked) goes to a crash log. A background task that
        failed is said in a notification and the app goes on (the one handler for worker
        errors); anything else exits with one line and status 3, never Textual's traceback
        with its local variables."""
        from textual.worker import WorkerFailed

        from tuiapp.cli_errors import EXIT_CRASH, crash_line

        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            line = crash_line(error.error, ["(a TUI worker)"], None, self.paths.data_dir)
            self.notify(
                line.removeprefix("internal error: "),
                title="A background task failed",
                severity="error",
                timeout=20,
                markup=False,
            )
            return
        line = crash_line(error, ["(the TUI)"], None, self.paths.data_dir)
        super()._handle_exception(error)  # Textual's bookkeeping: exit, and Pilot re-raises
        self._exit_renderables.clear()
        self._exit_renderables.append(f"tuiapp: {line}")
        self._return_code = EXIT_CRASH

    async def action_mode(self, mode: str) -> None:
        """F2/F3/F4: another mode opens where it was left (a running evaluation goes on);
        the mode already shown goes back to its list."""
        if self.current_mode != mode:
            await self.switch_mode(mode)
            return
        while len(self.screen_stack) > 1:
            await self.pop_screen()

    def action_quit_hint(self) -> None:
        """q on a list has nothing to go back to: say how to quit instead of quitting."""
        self.notify("q goes back; on a list there is nothing to go back to. ctrl+q quits.")

    def action_show_help_panel(self) -> None:
        """Toggle the panel that lists every key of the focused screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            super().action_show_help_panel()

    async def on_unmount(self) -> None:
        """Close the provider clients and the database cleanly."""
        await self.providers.close()
        self.store.close()


def make_app(paths: AppPaths, *, open_path: Path | None = None, model: str | None = None) -> TuiApp:
    """Build the app over the database in `paths` (the entry point and tests both use this)."""
    store = open_store(paths.ensure().database)
    try:
        config, error = load_config(paths), None
    except ConfigError as err:
        config, error = Config(), str(err)
    return TuiApp(store, paths, config=config, open_path=open_path, model=model, config_error=error)
