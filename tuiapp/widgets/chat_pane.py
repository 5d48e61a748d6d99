"""One model's side of the playground: its provider, model, history, log, live text and the
stream of its answer, told as started / chunk / complete / failed messages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, RichLog, Static

from tuiapp.providers.base import Provider, ProviderError

SLOW_AFTER_SECONDS = 3.0  # a provider that has not answered after this long is said to be slow

Connect = Callable[[str], Awaitable[Provider]]


class ChatPane(Vertical):
    """A conversation with one model; the playground composes one per side."""

    DEFAULT_CSS = """
    ChatPane { width: 1fr; border: round $primary; }
    ChatPane > .pane-head { width: 100%; background: $panel; padding: 0 1; }
    ChatPane > RichLog { height: 1fr; padding: 0 1; }
    ChatPane > .live { height: auto; max-height: 50%; padding: 0 1; }
    """

    class Event(Message):
        """Something about one answer of one pane (`turn`: the conversation it belongs to)."""

        def __init__(self, pane: ChatPane, turn: int) -> None:
            super().__init__()
            self.pane = pane
            self.turn = turn

    class Started(Event):
        """The pane asked its model for an answer."""

    class Chunk(Event):
        """More of the answer arrived (it carries all of it so far, so a flood merges)."""

        def __init__(self, pane: ChatPane, turn: int, text: str, chunks: int) -> None:
            super().__init__(pane, turn)
            self.text = text
            self.chunks = chunks

        def can_replace(self, message: Message) -> bool:
            """A newer chunk of the same answer makes an older one not yet shown useless."""
            return (
                isinstance(message, ChatPane.Chunk)
                and message.pane is self.pane
                and message.turn == self.turn
            )

    class Complete(Event):
        """The answer ended (or was stopped), with its counts and latency."""

        def __init__(
            self,
            pane: ChatPane,
            turn: int,
            answer: str,
            chunks: int,
            usage: dict[str, int],
            first: float | None,
            total: float,
        ) -> None:
            super().__init__(pane, turn)
            self.answer = answer
            self.chunks = chunks
            self.usage = usage
            self.first = first
            self.total = total

    class Failed(Event):
        """The provider refused or broke off."""

        def __init__(self, pane: ChatPane, turn: int, error: ProviderError) -> None:
            super().__init__(pane, turn)
            self.error = error

    def __init__(self, side: str, connect: Connect, read_timeout: float) -> None:
        super().__init__(id=f"pane-{side}")
        self.side = side
        self._connect = connect
        self._read_timeout = read_timeout
        self.provider = ""
        self.model = ""
        self.history: list[dict[str, str]] = []
        self._turn = 0  # a new chat bumps it: what the old stream still says is dropped
        self._shown: list[Text] = []  # what the log holds, to wrap again at a new width
        self._wrapped_at = 0

    def compose(self) -> ComposeResult:
        """Head (model, state, counts), the conversation, the answer being streamed."""
        yield Label("", id=f"head-{self.side}", classes="pane-head")
        # min_width=1: wrap at the pane's real width (the default 78 wraps wider, then crops)
        yield RichLog(id=f"log-{self.side}", wrap=True, markup=False, min_width=1)
        yield Static("", id=f"live-{self.side}", classes="live")

    def _write(self, text: Text) -> None:
        """One entry of the conversation, kept so a resize can wrap it again."""
        self._shown.append(text)
        self._log.write(text, width=self._log.scrollable_content_region.width or None)

    def on_resize(self) -> None:
        """Wrap the conversation again at the new width (a log keeps lines wrapped as written),
        once the log itself has its new size."""
        self.call_after_refresh(self._wrap_again)

    def _wrap_again(self) -> None:
        """Write the kept conversation again if the log's width changed."""
        width = self._log.scrollable_content_region.width
        if width and width != self._wrapped_at:
            self._wrapped_at = width
            self._log.clear()
            for text in self._shown:
                self._log.write(text, width=width)

    @property
    def _head(self) -> Label:
        return self.query_one(".pane-head", Label)

    @property
    def _log(self) -> RichLog:
        return self.query_one(RichLog)

    @property
    def _live(self) -> Static:
        return self.query_one(".live", Static)

    def reset(self, provider: str, model: str, system: str) -> None:
        """A new conversation with this model (hidden when there is none)."""
        self.stop()
        self._turn += 1
        self.provider, self.model = provider, model
        self.history = [{"role": "system", "content": system}] if system else []
        self._log.clear()
        self._shown = []
        self._live.update("")
        self._head.update(f"[b]{model or '(no model)'}[/b] · {provider}")
        self.display = bool(model)

    def load(self, history: list[dict[str, str]], style: str = "") -> None:
        """Put a whole conversation in the pane (a holdout example, a saved session)."""
        self.history = [dict(m) for m in history]
        for message in self.history:
            self._write(Text(f"{message['role']}: {message['content']}", style=style))

    def write_user(self, text: str) -> None:
        """The user's message, in bold."""
        self.history.append({"role": "user", "content": text})
        self._write(Text(f"you: {text}", style="bold"))

    def stop(self) -> None:
        """Stop the answer being streamed (what arrived is kept)."""
        self.workers.cancel_group(self, "stream")

    @work(exclusive=True, group="stream")
    async def answer(self, options: dict[str, Any]) -> None:
        """Stream the model's answer to the history, token by token."""
        turn = self._turn
        started = time.perf_counter()
        first: float | None = None
        pieces: list[str] = []
        usage: dict[str, int] = {}

        def say_if_slow() -> None:  # the provider has not answered yet: say so, with the limit
            waited = time.perf_counter() - started
            if first is None and waited >= SLOW_AFTER_SECONDS and turn == self._turn:
                self._head.update(
                    f"[b]{self.model}[/b] · waiting for {self.provider}… {waited:.0f} s "
                    f"(gives up after {self._read_timeout:.0f} s: [timeouts] read)"
                )

        def complete() -> ChatPane.Complete:
            total = time.perf_counter() - started
            return self.Complete(self, turn, "".join(pieces), len(pieces), usage, first, total)

        self.post_message(self.Started(self, turn))
        slow = self.set_interval(1.0, say_if_slow)
        try:
            provider = await self._connect(self.provider)
            async for piece in provider.chat(self.model, list(self.history), usage, **options):
                if first is None:
                    first = time.perf_counter() - started
                pieces.append(piece)
                self.post_message(self.Chunk(self, turn, "".join(pieces), len(pieces)))
        except ProviderError as err:
            self.post_message(self.Failed(self, turn, err))
            return
        except asyncio.CancelledError:
            pieces.append(" [stopped]")
            self.post_message(complete())
            raise
        finally:
            slow.stop()
        self.post_message(complete())

    def _current(self, message: ChatPane.Event) -> bool:
        """Whether a message is about this pane's present conversation."""
        return message.pane is self and message.turn == self._turn

    def on_chat_pane_chunk(self, message: ChatPane.Chunk) -> None:
        """Show the answer so far below the conversation."""
        if self._current(message):
            self._live.update(Text(f"{self.model}: ", style="green") + Text(message.text))
            self._head.update(f"[b]{self.model}[/b] · streaming… {message.chunks} chunks")

    def on_chat_pane_complete(self, message: ChatPane.Complete) -> None:
        """Move the answer into the log and history; show its counts and latency."""
        if not self._current(message):
            return
        self._live.update("")
        self._write(Text(f"{self.model}: ", style="green") + Text(message.answer))
        self.history.append({"role": "assistant", "content": message.answer})
        ttft = f"first token {message.first * 1000:.0f} ms · " if message.first is not None else ""
        usage = message.usage
        tokens = (
            f"{usage['prompt_tokens']:,} in / {usage['completion_tokens']:,} out tokens"
            if usage
            else f"{message.chunks} chunks"
        )
        self._head.update(f"[b]{self.model}[/b] · {ttft}{tokens} · {message.total:.1f} s")

    def on_chat_pane_failed(self, message: ChatPane.Failed) -> None:
        """Say in the pane why there is no answer."""
        if not self._current(message):
            return
        self._live.update("")
        self._write(Text(f"error: {message.error.message} ({message.error.hint})", style="red"))
        self._head.update(f"[b]{self.model}[/b] · failed")
