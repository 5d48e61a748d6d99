"""The job form: provider, base model, method and hyperparameters, with the cost and token
estimate beside it, updated as you type; nothing is uploaded or paid before you confirm."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Label, ProgressBar, Select, Static

from screens.choice import ChoiceScreen
from screens.confirm import ConfirmScreen
from tuiapp.data.catalog import check_training
from tuiapp.data.job_form import (
    KINDS,
    NUMBER_FIELDS,
    FieldError,
    form_extra,
    form_number,
    form_seed,
)
from tuiapp.providers.base import Capabilities, ProviderError
from tuiapp.providers.registry import DEFAULT_SETTING, available, default_base, default_provider
from tuiapp.services.launch import JobPlan, plan_job, start_job
from tuiapp.store.datasets import get_dataset
from tuiapp.store.versions import get_version
from tuiapp.widgets.job_extras import ExtrasSection, declared_extras
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.widgets.model_hint import ModelHint, prepare_first_use, training_mode
from tuiapp.workspace import workspace_of


def describe(plan: JobPlan) -> str:
    """The estimate panel."""
    usd = "unknown price" if plan.usd is None else f"${plan.usd:,.2f}"
    lines = [
        "[b]Estimate[/b]",
        f"training examples  {plan.train_examples:,}",
        f"epochs             {plan.n_epochs}"
        + (" (auto)" if plan.hyperparameters.get("n_epochs", "auto") == "auto" else ""),
        f"tokens per epoch   {plan.tokens_per_epoch:,}",
        f"trained tokens     {plan.billed_tokens:,}",
        f"cost               [b]{usd}[/b]",
        f"validation file    {'the holdout' if plan.use_holdout else 'none'}",
    ]
    extra = [f"{k}={v}" for k, v in plan.hyperparameters.items() if k not in NUMBER_FIELDS]
    if extra:
        lines.append(f"advanced           {escape(' '.join(extra))}")
    lines += [f"[yellow]! {w}[/]" for w in plan.warnings]
    return "\n".join(lines)


class NewJobScreen(Screen[None]):
    """Fill in, read the estimate, start."""

    CSS_PATH = "new_job.tcss"
    BINDINGS = [
        Binding("ctrl+s", "start", "Start job", id="new_job.start"),
        Binding("ctrl+l", "prepare_local", "Prepare SmolLM2", id="new_job.prepare_local"),
        Binding("ctrl+b", "pick_base", "Base models", id="new_job.pick_base"),
        Binding("escape", "back", "Back", id="new_job.back"),
    ]

    def __init__(self, version_id: int) -> None:
        super().__init__()
        self.version_id = version_id
        self.plan: JobPlan | None = None
        self.capabilities: Capabilities | None = None
        self.problem: str | None = None  # what the form says wrong, for the start key
        self.models: list[str] = []  # the provider's models, for ctrl+b

    def compose(self) -> ComposeResult:
        """The form beside the estimate."""
        store = workspace_of(self.app).store
        version = get_version(store, self.version_id)
        provider = default_provider(chosen=store.get_setting(DEFAULT_SETTING))
        yield Label(
            f"[b]New job[/b] · version {version.name} ({version.short_hash}) · train "
            f"{version.counts.get('train', 0):,} · holdout {version.counts.get('holdout', 0):,}",
            id="new-job-title",
        )
        with Horizontal(id="new-job-body"):
            with VerticalScroll(id="new-job-form"):
                yield Label("provider")
                yield Select(
                    [(f"{c.name} - {c.label}", c.name) for c in available()],
                    value=provider,
                    allow_blank=False,
                    id="provider",
                    compact=True,
                )
                yield Label("base model")
                yield Input(default_base(provider), id="base_model", compact=True)
                yield Label("method")
                yield Select(
                    [("supervised", "supervised")],
                    value="supervised",
                    allow_blank=False,
                    id="method",
                    compact=True,
                )
                for name in NUMBER_FIELDS:
                    yield Label(f"{name} (auto or a {KINDS[name]})")
                    yield Input("auto", id=name, compact=True)
                yield Label("suffix (in the model name)")
                yield Input("", id="suffix", compact=True, max_length=40)
                yield Label("seed (empty: the provider picks)")
                yield Input("", id="seed", compact=True)
                yield Checkbox("holdout as validation file", True, id="use_holdout", compact=True)
                yield ExtrasSection(id="advanced")
            with Vertical(id="new-job-side"):
                yield Static("", id="new-job-estimate")
                yield ModelHint(id="models-hint")
                yield ProgressBar(id="new-job-upload", show_eta=False)
                yield Label("", id="new-job-state")
        yield KeyFooter()

    def on_mount(self) -> None:
        """First estimate; the provider's models arrive in a worker."""
        self.query_one("#new-job-upload").display = False
        self.query_one("#base_model", Input).focus()
        provider = str(self.query_one("#provider", Select).value)
        self.query_one("#advanced", ExtrasSection).show_provider(provider)
        self.replan()
        self.query_one("#models-hint", ModelHint).load(provider)

    def _values(self) -> dict[str, Any]:
        """What the form says."""

        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value.strip()

        hyper = {name: form_number(name, text(name)) for name in NUMBER_FIELDS}
        provider = str(self.query_one("#provider", Select).value)
        extra = {e.name: form_extra(e, text(e.name)) for e in declared_extras(provider)}
        return {
            "provider": provider,
            "extra": {k: v for k, v in extra.items() if v is not None},
            "base": text("base_model"),
            "hyperparameters": hyper,
            "method": self.query_one("#method", Select).value,
            "suffix": text("suffix") or None,
            "seed": form_seed(text("seed")),
            "use_holdout": self.query_one("#use_holdout", Checkbox).value,
        }

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def replan(self) -> None:
        """Recompute the estimate from the form."""
        estimate = self.query_one("#new-job-estimate", Static)
        for field in self.query("#new-job-form Input"):
            field.remove_class("-invalid")
        try:
            values = self._values()
        except FieldError as err:
            self.plan = None
            self.query_one(f"#{err.field}", Input).add_class("-invalid")
            self.problem = str(err)
            estimate.update(f"[red]{escape(self.problem)}[/]")
            return
        self.problem = None
        if not values["base"]:
            self.plan = None
            self.problem = "name a base model (ctrl+b lists the provider's models)."
            estimate.update("[yellow]Name a base model.[/]")
            return
        dated = check_training(values["base"], str(values["provider"]))  # the dated catalog
        if dated.refused:
            self.plan = None
            self.query_one("#base_model", Input).add_class("-invalid")
            self.problem = dated.refused
            estimate.update(f"[red]{escape(self.problem)}[/]")
            return
        self.plan = plan_job(
            workspace_of(self.app).store,
            values["provider"],
            self.version_id,
            values["base"],
            values["hyperparameters"],
            method=values["method"],
            suffix=values["suffix"],
            seed=values["seed"],
            use_holdout=values["use_holdout"],
            extra_hyperparameters=values["extra"],
        )
        hint = self.query_one("#models-hint", ModelHint)
        hint.mode = training_mode(values["extra"])
        hint.method = "dpo" if values["method"] == "dpo" else "supervised"
        dates = "".join(f"\n[yellow]! {escape(w)}[/]" for w in dated.warnings)
        estimate.update(describe(self.plan) + dates)

    @on(Select.Changed, "#provider")
    def provider_changed(self, event: Select.Changed) -> None:
        """Another provider: its default model and its model list."""
        name = str(event.value)
        self.query_one("#base_model", Input).value = default_base(name)
        self.query_one("#advanced", ExtrasSection).show_provider(name)
        self.query_one("#models-hint", ModelHint).load(name)

    def on_model_hint_listed(self, event: ModelHint.Listed) -> None:
        """The provider answered: its models for ctrl+b, and only what it can do with this
        data offered: DPO for preference data, hyperparameters the provider takes (the
        others are shown as unavailable)."""
        self.models = event.models
        capabilities = self.capabilities = event.capabilities
        version = get_version(workspace_of(self.app).store, self.version_id)
        fmt = get_dataset(workspace_of(self.app).store, version.dataset_id).format
        wanted = "dpo" if fmt == "preference" else "supervised"
        methods = self.query_one("#method", Select)
        if wanted in capabilities.methods:
            methods.set_options([(wanted, wanted)])
            methods.value = wanted
        else:
            methods.set_options([(f"{wanted} (not offered by this provider)", wanted)])
        for name in NUMBER_FIELDS:
            field = self.query_one(f"#{name}", Input)
            offered = getattr(capabilities, name)
            field.disabled = not offered
            if not offered:
                field.value = "auto"
                field.tooltip = "this provider sets it itself"

    @work
    async def action_pick_base(self) -> None:
        """Pick the base model from the provider's whole list."""
        if not self.models:
            self.notify("The provider has listed no models yet.", severity="warning")
            return
        picked = await self.app.push_screen_wait(
            ChoiceScreen("Base model", [(m, m) for m in self.models])
        )
        if picked:
            self.query_one("#base_model", Input).value = picked

    def action_prepare_local(self) -> None:
        """Download and convert the default local base model."""
        self.query_one("#models-hint", ModelHint).prepare_default()

    @work
    async def action_start(self) -> None:
        """Confirm (twice when personal data remains), then upload and create."""
        plan = self.plan
        if plan is None:
            self.notify(f"Fix the form first: {self.problem}", severity="error")
            return
        if self.capabilities is not None and plan.method not in self.capabilities.methods:
            self.notify(f"{plan.provider} does not offer {plan.method}.", severity="error")
            return
        usd = "unknown" if plan.usd is None else f"${plan.usd:,.2f}"
        body = (
            f"{plan.provider} · {plan.base_model} · {plan.train_examples:,} examples · "
            f"{plan.n_epochs} epochs · {plan.billed_tokens:,} trained tokens · cost {usd}"
        )
        title = "Start this job?"
        if plan.needs_confirmation:
            title = "Upload data that still holds personal data?"
            body += f"\n{plan.version.report['pii_examples']} example(s) hold personal data."

        yes = await self.app.push_screen_wait(ConfirmScreen(title, body, yes="Start"))
        if yes:
            self.launch(plan)

    @work(exclusive=True, group="launch")
    async def launch(self, plan: JobPlan) -> None:
        """Upload with a progress bar, create the job, open its progress screen."""
        bar = self.query_one("#new-job-upload", ProgressBar)
        state = self.query_one("#new-job-state", Label)
        bar.display = True
        if not await prepare_first_use(self, plan, bar, state):
            return
        state.update("uploading…")

        def progress(done: int, total: int) -> None:
            bar.update(total=max(1, total), progress=done)

        folder = workspace_of(self.app).paths.cache_dir / "uploads" / plan.version.content_hash[:16]
        try:
            provider = await workspace_of(self.app).providers.get(plan.provider)
            job = await start_job(workspace_of(self.app).store, provider, plan, folder, progress)
        except ProviderError as err:
            bar.display = False
            state.update(f"[red]{err.message}[/]\n{err.hint}")
            self.notify(err.message, title="Job not started", severity="error", timeout=10)
            return
        self.notify(f"Job {job.id} created ({job.remote_id}): {job.status}.")
        workspace_of(self.app).nav.job(job.id, replace=True)

    def action_back(self) -> None:
        """Leave without starting anything."""
        self.dismiss(None)
