"""The playground's ChatPane over a stub provider (no torch, no server): it streams into its
own log and history, stops keeping what arrived, drops a stale answer on a new chat, and says
why a provider failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Label, RichLog

from tests.waiting import until
from tuiapp.providers.base import ProviderError
from tuiapp.widgets.chat_pane import ChatPane


class StubProvider:
    """Answers with three pieces, `pause` seconds apart; fails when told to."""

    def __init__(self, pause: float = 0.0, fail: bool = False) -> None:
        self.pause = pause
        self.fail = fail
        self.seen: list[list[dict[str, str]]] = []

    async def chat(
        self, model: str, history: list[dict[str, str]], usage: dict[str, int], **options: Any
    ) -> AsyncIterator[str]:
        """Yield the answer piece by piece."""
        self.seen.append(history)
        if self.fail:
            raise ProviderError("rate limited", "wait a minute")
        for piece in ("Hel", "lo", "!"):
            await asyncio.sleep(self.pause)
            yield piece
        usage.update(prompt_tokens=5, completion_tokens=3)


class PaneApp(App[None]):
    """One pane, as the playground composes it, and every lifecycle message it told."""

    def __init__(self, provider: StubProvider) -> None:
        super().__init__()
        self.provider = provider
        self.events: list[str] = []

    async def connect(self, name: str) -> StubProvider:
        """The stub, whatever the provider's name."""
        return self.provider

    def compose(self) -> ComposeResult:
        """The pane."""
        yield ChatPane("left", self.connect, read_timeout=120)  # type: ignore[arg-type]

    def on_chat_pane_started(self, message: ChatPane.Started) -> None:
        """Note that an answer started (the message bubbled up from the pane)."""
        self.events.append("Started")

    def on_chat_pane_complete(self, message: ChatPane.Complete) -> None:
        """Note that an answer ended."""
        self.events.append("Complete")

    def on_chat_pane_failed(self, message: ChatPane.Failed) -> None:
        """Note that an answer failed."""
        self.events.append("Failed")


def text_of(app: PaneApp, selector: str) -> str:
    """What a pane part shows, as plain text."""
    widget = app.query_one(selector)
    if isinstance(widget, RichLog):
        return "\n".join(line.text for line in widget.lines)
    assert isinstance(widget, Label)
    return str(widget.render())


async def settle(pilot: Any, check: Any, what: str) -> None:
    """Wait (at most 5 s, in short steps) until `check()` holds; fail saying what never happened."""
    await until(pilot, check, what, timeout=5, interval=0.02)


async def test_a_pane_streams_its_answer_into_its_log_and_history() -> None:
    app = PaneApp(StubProvider())
    async with app.run_test() as pilot:
        pane = app.query_one(ChatPane)
        pane.reset("stub", "tiny", "be brief")
        pane.write_user("hi")
        pane.answer({})
        await settle(pilot, lambda: "tokens" in text_of(app, "#head-left"), "the answer")
        await settle(pilot, lambda: "Complete" in app.events, "the Complete message at the app")
        assert pane.history[-1] == {"role": "assistant", "content": "Hello!"}
        assert app.provider.seen[0][0] == {"role": "system", "content": "be brief"}
        assert "5 in / 3 out tokens" in text_of(app, "#head-left")
        assert "tiny: Hello!" in text_of(app, "#log-left")
        assert app.events[0] == "Started" and app.events[-1] == "Complete"


async def test_stop_keeps_what_arrived_and_a_new_chat_drops_a_stale_answer() -> None:
    app = PaneApp(StubProvider(pause=0.3))
    async with app.run_test() as pilot:
        pane = app.query_one(ChatPane)
        pane.reset("stub", "tiny", "")
        pane.write_user("hi")
        pane.answer({})
        await settle(pilot, lambda: "streaming" in text_of(app, "#head-left"), "a first piece")
        pane.stop()
        await settle(pilot, lambda: len(pane.history) == 2, "the stopped answer")
        assert pane.history[-1]["content"] == "Hel [stopped]"
        pane.write_user("again")
        pane.answer({})
        await settle(pilot, lambda: "Started" in app.events[2:], "the second answer")
        pane.reset("stub", "tiny", "")  # a new chat while it streams
        await pilot.pause(1.2)
        assert pane.history == [] and text_of(app, "#log-left") == ""


async def test_a_failing_provider_is_said_in_the_pane() -> None:
    app = PaneApp(StubProvider(fail=True))
    async with app.run_test() as pilot:
        pane = app.query_one(ChatPane)
        pane.reset("stub", "tiny", "")
        pane.write_user("hi")
        pane.answer({})
        await settle(pilot, lambda: "failed" in text_of(app, "#head-left"), "the failure")
        assert "error: rate limited (wait a minute)" in text_of(app, "#log-left")
        assert pane.history == [{"role": "user", "content": "hi"}]
        assert app.events == ["Started", "Failed"]


SENTENCE = "Arr, matey! The answer be Lisbon, the grand old port on the river Tagus, says I."


async def test_a_narrow_pane_wraps_every_word_and_wraps_again_on_resize() -> None:
    app = PaneApp(StubProvider())
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(ChatPane)
        pane.reset("stub", "tiny", "")
        pane.write_user(SENTENCE)
        await pilot.pause()
        log = app.query_one("#log-left", RichLog)
        width = log.scrollable_content_region.width

        def words_kept() -> bool:
            lines = [line.text.rstrip() for line in log.lines]
            return " ".join(" ".join(lines).split()) == f"you: {SENTENCE}" and all(
                len(line) <= width for line in lines
            )

        await settle(pilot, words_kept, "every word, within the pane")
        await pilot.resize_terminal(100, 20)
        await settle(pilot, lambda: len(log.lines) == 1, "one line at 100 columns")
        width = log.scrollable_content_region.width
        await settle(pilot, words_kept, "every word after the resize")
