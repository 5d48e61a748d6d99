"""The Textual app: modes, global bindings, and the one factory used by the CLI and tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from screens.datasets import DatasetsScreen
from screens.review import ReviewScreen
from tuiapp.config import Config, ConfigError, load_config
from tuiapp.data.importer import open_dataset
from tuiapp.paths import AppPaths
from tuiapp.store import Store, open_store


class TuiApp(App[None]):
    """tuiapp: the whole fine-tuning loop in a terminal."""

    TITLE = "tuiapp"
    MODES = {"datasets": DatasetsScreen}
    DEFAULT_MODE = "datasets"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "show_help_panel", "Keys", id="app.keys"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        config: Config | None = None,
        open_path: Path | None = None,
        model: str | None = None,
        config_error: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.config = config or Config()
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

    def open_file(self, path: Path) -> None:
        """Open (importing if new or changed) a dataset file and review it."""
        try:
            dataset = open_dataset(self.store, path, self._model)
        except OSError as err:
            self.notify(f"{path}: {err.strerror or err}", title="Cannot open", severity="error")
            return
        self.review(dataset.id)

    def review(self, dataset_id: int, problem: str | None = None) -> None:
        """Push the review screen for a dataset, optionally filtered to one problem kind."""
        self.push_screen(ReviewScreen(self.store, dataset_id, problem))

    def action_show_help_panel(self) -> None:
        """Toggle the panel that lists every key of the focused screen."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            super().action_show_help_panel()

    def on_unmount(self) -> None:
        """Close the database cleanly."""
        self.store.close()


def make_app(paths: AppPaths, *, open_path: Path | None = None, model: str | None = None) -> TuiApp:
    """Build the app over the database in `paths` (the entry point and tests both use this)."""
    store = open_store(paths.ensure().database)
    try:
        config, error = load_config(paths), None
    except ConfigError as err:
        config, error = Config(), str(err)
    return TuiApp(store, config=config, open_path=open_path, model=model, config_error=error)
