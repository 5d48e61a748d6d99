"""Providers: which ones this machine can use (keys come from the environment, never the
database), a test that lists each one's models, and the default for new jobs."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from screens.prompt import PromptScreen
from tuiapp.providers.adapter import Adapter
from tuiapp.providers.base import ProviderError
from tuiapp.providers.registry import (
    DEFAULT_SETTING,
    adapters,
    available,
    default_provider,
    save_key,
)
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.tables import cursor_key
from tuiapp.workspace import workspace_of


def keys_help(specs: list[Adapter]) -> str:
    """Where keys come from, naming every provider's variables (from the registry, so a new
    provider is never left out of the help)."""
    needs = [
        " + ".join((spec.key_env, *spec.needs_env)) for spec in specs if spec.key_env is not None
    ]
    return (
        "Keys come from the environment or the OS keyring (a adds one), never the database: "
        f"{', '.join(needs)} (OPENAI_BASE_URL for any OpenAI-compatible service). "
        "The local backend needs no key. OpenAI stops new training jobs on 2027-01-06."
    )


class ProvidersScreen(Screen[None]):
    """Every provider, whether it has a key, and what a test found."""

    CSS_PATH = "providers.tcss"
    BINDINGS = [
        Binding("a", "add_key", "Add key", id="providers.add_key"),
        Binding("t", "test", "Test (list models)", id="providers.test"),
        Binding("d", "make_default", "Make default", id="providers.default"),
        Binding("escape,q", "back", "Back", id="providers.back"),
    ]

    def compose(self) -> ComposeResult:
        """Title, table, help."""
        yield Label("[b]Providers[/b]", id="providers-title")
        yield DataTable(id="providers-table", cursor_type="row", zebra_stripes=True)
        yield Static(keys_help(adapters()), id="providers-help")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Fill the table."""
        self.reload()

    def reload(self, tested: dict[str, str] | None = None) -> None:
        """One row per provider."""
        self.tested = {**getattr(self, "tested", {}), **(tested or {})}
        usable = {c.name for c in available()}
        chosen = default_provider(chosen=workspace_of(self.app).store.get_setting(DEFAULT_SETTING))
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_columns("provider", "", "key", "status", "test")
        for config in adapters():
            key = config.key_env or "-"
            status = "ready" if config.name in usable else f"needs {config.key_env}"
            table.add_row(
                config.name,
                "default" if config.name == chosen else "",
                key,
                status,
                self.tested.get(config.name, ""),
                key=config.name,
            )
        table.move_cursor(row=cursor)
        table.focus()

    def _selected(self) -> str | None:
        """The provider under the cursor."""
        return cursor_key(self.query_one(DataTable))

    def action_test(self) -> None:
        """List the provider's models (this starts the local backend if needed)."""
        name = self._selected()
        if name:
            self.reload({name: "testing…"})
            self._test(name)

    @work(exclusive=True, group="test")
    async def _test(self, name: str) -> None:
        """Connect and list models."""
        try:
            provider = await workspace_of(self.app).providers.get(name)
            models = await provider.models()
        except ProviderError as err:
            self.reload({name: f"[red]{err.message}[/]"})
            self.notify(f"{err.message}\n{err.hint}", title=f"{name} failed", severity="error")
            return
        self.reload({name: f"[green]ok: {len(models)} models[/]"})

    @work
    async def action_add_key(self) -> None:
        """Put a key in the OS keyring (typed hidden; never in the database or logs)."""
        name = self._selected()
        config = next((c for c in adapters() if c.name == name and c.key_env), None)
        if config is None:
            self.notify("The local backend needs no key.")
            return

        key = await self.app.push_screen_wait(
            PromptScreen(
                f"{config.label} API key",
                password=True,
                hint="Saved in the OS keyring, never in tuiapp's database · Esc cancels",
            )
        )
        if not key or not key.strip():
            return
        problem = save_key(config.name, key.strip())
        if problem:
            self.notify(
                f"{problem}: export {config.key_env}=...",
                title="Key not saved",
                severity="error",
                timeout=10,
            )
            return
        self.notify(f"{config.name}: key saved in the OS keyring.")
        self.reload()

    def action_make_default(self) -> None:
        """Use this provider for new jobs (a setting, not a secret)."""
        name = self._selected()
        if name is None:
            return
        if name not in {c.name for c in available()}:
            self.notify(f"{name} has no key in the environment.", severity="warning")
            return
        workspace_of(self.app).store.set_setting(DEFAULT_SETTING, name)
        self.reload()

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
