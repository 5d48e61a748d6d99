"""The playground: one or two models side by side (the fine-tuned one and its base), each in a
`ChatPane` that streams its answer token by token, multi-turn, with the sampling settings;
load a holdout example to see the reference beside the answers; save sessions; ctrl+t turns
an answer, corrected, into a training example of the job's dataset."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from screens.choice import ChoiceScreen
from screens.clipboard import copy_value
from screens.prompt import PromptScreen
from screens.targeted_example import TARGET_HELP, TARGET_KEY, add_corrected
from tuiapp.providers.base import ProviderError
from tuiapp.providers.registry import available
from tuiapp.services.eval_run import eval_items
from tuiapp.services.targeted import playground_origin
from tuiapp.store.jobs import get_job
from tuiapp.store.playground import get_session, list_sessions, save_session
from tuiapp.widgets.chat_pane import ChatPane
from tuiapp.widgets.key_footer import KeyFooter
from tuiapp.workspace import workspace_of

SETTINGS = ("temperature", "top_p", "max_tokens", "seed", "stop")


class PlaygroundScreen(Screen[None]):
    """Chat with two models at once."""

    CSS_PATH = "playground.tcss"
    BINDINGS = [
        Binding("ctrl+k", "pick_models", "Pick models", priority=True, id="playground.pick"),
        Binding("ctrl+l", "load_example", "Load example", priority=True, id="playground.load"),
        Binding(
            TARGET_KEY,
            "target",
            "Targeted",
            priority=True,
            tooltip=TARGET_HELP,
            id="playground.target",
        ),
        Binding("ctrl+x", "stop", "Stop", priority=True, id="playground.stop"),
        Binding("ctrl+n", "clear", "New chat", priority=True, id="playground.clear"),
        Binding("ctrl+s", "save", "Save", priority=True, id="playground.save"),
        Binding("ctrl+o", "open", "Open", priority=True, id="playground.open"),
        Binding("ctrl+y", "copy_answers", "Copy answers", priority=True, id="playground.copy"),
        Binding("escape", "back", "Back", id="playground.back"),
    ]

    def __init__(self, job_id: int | None = None, model: str | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.model = model  # a checkpoint of the job, instead of its final model
        self.reference: str | None = None  # of the holdout example loaded, if one is

    def compose(self) -> ComposeResult:
        """Models and settings, the two panes, the reference, the message box."""
        job = get_job(workspace_of(self.app).store, self.job_id) if self.job_id else None
        usable = [c.name for c in available()]
        provider = job.provider if job and job.provider in usable else "local"
        models = {
            "left": (self.model or job.fine_tuned_model or job.base_model) if job else "",
            "right": job.base_model if job and (self.model or job.fine_tuned_model) else "",
        }
        with Horizontal(id="playground-models"):
            for side in ("left", "right"):
                yield Select(
                    [(name, name) for name in usable],
                    value=provider,
                    allow_blank=False,
                    id=f"provider-{side}",
                    compact=True,
                )
                yield Input(
                    models[side],
                    placeholder=f"{side} model" + (" (empty: one pane)" if side == "right" else ""),
                    id=f"model-{side}",
                    compact=True,
                )
        with Horizontal(id="playground-labels"):
            for name in ("system prompt", *SETTINGS[:-1], "stop (a|b)"):
                yield Label(name, id=f"label-{name.split()[0]}")
        with Horizontal(id="playground-settings"):
            yield Input("", placeholder="system prompt", id="system", compact=True)
            defaults = {"temperature": "0.7", "top_p": "1", "max_tokens": "256"}
            for name in SETTINGS:
                yield Input(
                    defaults.get(name, ""), placeholder=name, id=name, compact=True, tooltip=name
                )
        workspace = workspace_of(self.app)
        with Horizontal(id="playground-panes"):
            for side in ("left", "right"):
                yield ChatPane(side, workspace.providers.get, workspace.config.timeouts.read)
        yield Static("", id="playground-reference")
        yield Input(placeholder="message · Enter sends to both models", id="message")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Start a fresh conversation."""
        self.query_one("#playground-reference").display = False
        self.action_clear()
        self.query_one("#message", Input).focus()

    # --- settings and panes -----------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        """Sampling options from the settings row (blank ones left to the model)."""
        options: dict[str, Any] = {}
        for name in SETTINGS:
            raw = self.query_one(f"#{name}", Input).value.strip()
            if not raw:
                continue
            if name == "stop":
                options[name] = [s for s in raw.split("|") if s]
            elif name in ("max_tokens", "seed"):
                options[name] = int(raw)
            else:
                options[name] = float(raw)
        return options

    @property
    def panes(self) -> list[ChatPane]:
        """Both panes, left then right."""
        return list(self.query(ChatPane))

    def _panes(self) -> list[ChatPane]:
        """The panes with a model."""
        return [p for p in self.panes if p.model]

    def action_clear(self) -> None:
        """A new conversation with the models and system prompt in the boxes."""
        system = self.query_one("#system", Input).value.strip()
        for pane in self.panes:
            model = self.query_one(f"#model-{pane.side}", Input).value.strip()
            provider = str(self.query_one(f"#provider-{pane.side}", Select).value)
            pane.reset(provider, model, system)
        self.query_one("#playground-reference").display = False
        self.reference = None

    @on(Input.Changed, "#model-left, #model-right, #system")
    @on(Select.Changed, "#provider-left, #provider-right")
    def _models_changed(self) -> None:
        """Another model, provider or system prompt starts a new conversation."""
        self.action_clear()

    def action_pick_models(self) -> None:
        """Choose the left and right models from the provider's list (fine-tuned first)."""
        self._pick_models()

    @work(exclusive=True, group="models")
    async def _pick_models(self) -> None:
        """List each side's provider's models, then ask for the left and the right one."""
        choices: dict[str, list[tuple[str, str]]] = {}
        for side in ("left", "right"):
            name = str(self.query_one(f"#provider-{side}", Select).value)
            try:
                models = await (await workspace_of(self.app).providers.get(name)).models()
            except ProviderError as err:
                self.notify(f"{err.message}\n{err.hint}", title=name, severity="error")
                return
            models.sort(key=lambda m: (not m.startswith("ft:"), m))  # fine-tuned ones first
            choices[side] = [(m, m) for m in models]

        left = await self.app.push_screen_wait(ChoiceScreen("Left model", choices["left"]))
        if left is not None:
            self.query_one("#model-left", Input).value = left
        right = await self.app.push_screen_wait(
            ChoiceScreen("Right model", [("", "(none: one pane)"), *choices["right"]])
        )
        if right is not None:
            self.query_one("#model-right", Input).value = right

    # --- chatting -------------------------------------------------------------------------
    @on(Input.Submitted, "#message")
    def send(self, event: Input.Submitted) -> None:
        """Send the message to every pane's model."""
        text = event.value.strip()
        if not text:
            return
        event.input.value = ""
        for pane in self._panes():
            pane.write_user(text)
        self.answer_all()

    def answer_all(self) -> None:
        """Every pane with a model answers (at once, each streaming its own)."""
        try:
            options = self._options()
        except ValueError as err:
            self.notify(f"Settings: {err}", severity="error")
            return
        for pane in self._panes():
            pane.answer(options)

    def action_copy_answers(self) -> None:
        """Copy each pane's last answer (model name first) to the clipboard."""
        answers = [
            f"{pane.model}:\n{pane.history[-1]['content']}"
            for pane in self._panes()
            if pane.history and pane.history[-1]["role"] == "assistant"
        ]
        copy_value(self.app, "\n\n".join(answers), "last answers")

    def action_stop(self) -> None:
        """Stop the answers being streamed (what arrived is kept)."""
        for pane in self.panes:
            pane.stop()

    # --- examples and sessions ------------------------------------------------------------
    @work
    async def action_load_example(self) -> None:
        """Put a holdout example's conversation (minus its answer) in both panes."""
        job = get_job(workspace_of(self.app).store, self.job_id) if self.job_id else None
        if job is None or job.version_id is None:
            self.notify("Open the playground from a job to load its holdout.", severity="warning")
            return
        items = {
            str(i.position): i for i in eval_items(workspace_of(self.app).store, job.version_id)
        }
        choices = [
            (key, f"{key}: {item.messages[-1]['content'][:60]}" if item.messages else key)
            for key, item in list(items.items())[:300]
        ]

        key = await self.app.push_screen_wait(ChoiceScreen("Load a holdout example", choices))
        if key is None:
            return
        item = items[key]
        self.action_clear()
        for pane in self._panes():
            pane.load(item.messages, style="dim")
        reference = self.query_one("#playground-reference", Static)
        reference.update(Text("reference: ", style="bold green") + Text(item.reference))
        reference.display = True
        self.reference = item.reference
        self.answer_all()

    @work
    async def action_target(self) -> None:
        """Correct a pane's last answer (asked which when both have one) into a training
        example of the job's dataset, its prompt the conversation before it."""
        job = get_job(workspace_of(self.app).store, self.job_id) if self.job_id else None
        if job is None or job.version_id is None:
            self.notify("Open the playground from a job: its dataset takes the example.")
            return
        answered = {
            p.side: p for p in self._panes() if p.history and p.history[-1]["role"] == "assistant"
        }
        if not answered:
            self.notify("No answer yet to correct.", severity="warning")
            return
        side = next(iter(answered))
        if len(answered) > 1:
            choices = [(s, f"{s}: {p.model}") for s, p in answered.items()]
            picked = await self.app.push_screen_wait(ChoiceScreen("Correct which answer?", choices))
            if picked is None:
                return
            side = picked
        pane = answered[side]
        turn = sum(m["role"] == "assistant" for m in pane.history)
        origin = playground_origin(job.id, pane.model, turn)
        prompt, answer = pane.history[:-1], pane.history[-1]["content"]
        await add_corrected(self.app, job.version_id, prompt, answer, origin, self.reference)

    @work
    async def action_save(self) -> None:
        """Save the conversation and settings under a name."""
        name = await self.app.push_screen_wait(
            PromptScreen("Save this session as", time.strftime("%Y-%m-%d %H:%M"))
        )
        if not name:
            return
        settings = {
            "job_id": self.job_id,
            **{f"provider-{p.side}": p.provider for p in self.panes},
            **{n: self.query_one(f"#{n}", Input).value for n in (*SETTINGS, "system")},
            **{f"model-{p.side}": p.model for p in self.panes},
        }
        transcript = [{"side": p.side, "model": p.model, "history": p.history} for p in self.panes]
        save_session(workspace_of(self.app).store, name, settings, transcript)
        self.notify(f"Session {name!r} saved.")

    @work
    async def action_open(self) -> None:
        """Reopen a saved session."""
        sessions = list_sessions(workspace_of(self.app).store)
        if not sessions:
            self.notify("No saved sessions yet (ctrl+s saves one).")
            return

        key = await self.app.push_screen_wait(
            ChoiceScreen(
                "Open a session", [(str(s.id), f"{s.name} · {s.updated_at[:16]}") for s in sessions]
            )
        )
        if key is not None:
            self._restore(int(key))

    def _restore(self, session_id: int) -> None:
        """Put a saved session back on screen."""
        session = get_session(workspace_of(self.app).store, session_id)
        values = session.settings
        with self.prevent(Input.Changed, Select.Changed):
            for name in (*SETTINGS, "system", "model-left", "model-right"):
                self.query_one(f"#{name}", Input).value = str(values.get(name) or "")
            for side in ("left", "right"):
                provider = values.get(f"provider-{side}")
                if provider in {c.name for c in available()}:
                    self.query_one(f"#provider-{side}", Select).value = provider
        self.action_clear()
        for saved, pane in zip(session.transcript, self.panes, strict=False):
            pane.load(saved["history"])

    def action_back(self) -> None:
        """Leave (a session not saved is gone)."""
        self.action_stop()
        self.dismiss(None)
