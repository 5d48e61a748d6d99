"""Continuous batching for one base model: every active request advances one token per step in
one forward pass, each row with its own adapter (or none), sampling settings and stop rules.

A request joins the running batch at the next step (its prompt is prefilled alone, then its
key/value cache is left-padded into the batch), so a short chat that arrives while another
generates 1,000 tokens starts answering after one step, not after the other finishes. Rows
leave the batch when they end, hit a stop string, reach their token budget or are cancelled
(the client went away). One thread per base model owns the model: adapters are loaded and
deleted on that thread between steps, never under a running forward pass. Closing the engine
(its model was deleted) fails what it still holds, ends the thread and lets go of the model."""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tuiapp.local.engine_events import DELETED, Event, Failed, Finished, ModelGone, Piece, Request
from tuiapp.local.kv_cache import cache_argument, join_rows, keep_rows, plain_cache
from tuiapp.local.sampling import Sampling, sample
from tuiapp.local.stop_text import release

__all__ = ["Engine", "Event", "Failed", "Finished", "Piece", "Request", "Sampling"]

BASE_ADAPTER = "__base__"  # peft's name for "no adapter" in a mixed-adapter batch


@dataclass
class _Row:
    """A request in the running batch."""

    request: Request
    generator: Any
    length: int  # real tokens in the cache (prompt + generated so far)
    ids: list[int] = field(default_factory=list)
    sent: str = ""  # text already emitted
    next_token: int = -1


class Engine:
    """The generation loop of one base model."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        eos_ids: set[int],
        max_batch: int = 16,
        load_adapter: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.eos_ids = eos_ids
        self.max_batch = max_batch
        self.load_adapter = load_adapter
        self.inbox: queue.Queue[Request | Callable[[], None] | _Close] = queue.Queue()
        self.closed: Failed | None = None  # once closed: what later requests fail with
        self._closing = threading.Lock()  # nothing is queued behind the close
        self.waiting: list[Request] = []
        self.rows: list[_Row] = []
        self.prefilling = 0
        self.cache: Any = None
        self.cache_arg = cache_argument(model)
        self.mask: Any = None  # [batch, cache length]: 1 for real tokens, 0 for left padding
        self.thread = threading.Thread(target=self._loop, daemon=True, name="generation")
        self.thread.start()

    # --- public, any thread ------------------------------------------------------------
    def submit(self, request: Request) -> None:
        """Queue a request; it joins the batch at the next step (it fails at once once the
        engine is closed)."""
        with self._closing:
            if self.closed is None:
                self.inbox.put(request)
                return
        request.emit(self.closed)

    def close(self, message: str, model_gone: bool = False) -> None:
        """Stop for good after the current step: the requests it holds fail with `message`
        (as not found when `model_gone`: the model was deleted), the thread ends and drops
        the model (this waits for that, from another thread)."""
        with self._closing:
            if self.closed is not None:
                return
            self.closed = Failed(message, model_gone)
            self.inbox.put(_Close())
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout=60)

    def call(self, action: Callable[[], None]) -> None:
        """Run an action on the engine thread between steps (adapter changes)."""
        done = threading.Event()
        errors: list[BaseException] = []

        def wrapped() -> None:
            try:
                action()
            except BaseException as err:  # handed back to the caller
                errors.append(err)
            finally:
                done.set()

        with self._closing:
            if self.closed is not None:
                raise RuntimeError(f"the generation engine is closed: {self.closed.message}")
            self.inbox.put(wrapped)
        done.wait()
        if errors:
            raise errors[0]

    def fail_adapter(self, adapter: str, message: str) -> None:
        """Fail the requests that use an adapter about to be deleted (on the engine thread,
        from `call`): the batch's other rows go on."""
        for request in [r for r in self.waiting if r.adapter == adapter]:
            self.waiting.remove(request)
            request.emit(Failed(message, model_gone=True))
        rows = [row for row in self.rows if row.request.adapter == adapter]
        for row in rows:
            row.request.emit(Failed(message, model_gone=True))
        if rows:
            self._retire(rows)

    @property
    def busy(self) -> int:
        """Requests generating or waiting."""
        return len(self.rows) + len(self.waiting) + self.prefilling + self.inbox.qsize()

    # --- the loop ------------------------------------------------------------------------
    def _loop(self) -> None:
        """Admit, step, repeat; block when there is nothing to do."""
        while self._drain_inbox(block=not self.rows and not self.waiting):
            self._admit()
            if self.rows:
                try:
                    self._step()
                except Exception as err:  # every row of the batch fails; the loop lives on
                    self._fail_all(Failed(f"{type(err).__name__}: {err}"))
                    traceback.print_exc()

        self._shut()

    def _drain_inbox(self, block: bool) -> bool:
        """Move new requests to the waiting line; run queued actions. False once closed."""
        try:
            item = self.inbox.get(block=block)
        except queue.Empty:
            return True
        while True:
            if isinstance(item, _Close):
                return False
            if isinstance(item, Request):
                self.waiting.append(item)
            else:
                item()
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return True

    def _shut(self) -> None:
        """The end of the loop: fail every request left and let go of the model."""
        failure = self.closed or Failed("the generation engine stopped")
        self._fail_all(failure)
        for request in self.waiting:
            request.emit(failure)
        self.waiting = []
        self.model = self.tokenizer = self.load_adapter = None

    def _admit(self) -> None:
        """Prefill waiting requests (first come, first served) while the batch has room."""
        while self.waiting and len(self.rows) < self.max_batch:
            self.prefilling += 1
            request = self.waiting.pop(0)
            try:
                if not request.cancelled.is_set():
                    self._prefill(request)
            except ModelGone:  # its adapter was deleted while it waited
                request.emit(Failed(DELETED, model_gone=True))
            except Exception as err:
                request.emit(Failed(f"{type(err).__name__}: {err}"))
                traceback.print_exc()
            finally:
                self.prefilling -= 1

    def _forward(self, adapters: list[str | None], **kwargs: Any) -> Any:
        """One forward pass; rows of a peft model each use their own adapter or none."""
        import torch

        extra: dict[str, Any] = {}
        if hasattr(self.model, "peft_config"):
            extra["adapter_names"] = [a or BASE_ADAPTER for a in adapters]
        with torch.no_grad():
            return self.model(use_cache=True, **kwargs, **extra)

    def _prefill(self, request: Request) -> None:
        """Run a new prompt alone, pick its first token and join its cache to the batch."""
        import torch

        if request.adapter is not None and self.load_adapter is not None:
            self.load_adapter(request.adapter)
        ids = torch.tensor([request.prompt_ids])
        out = self._forward([request.adapter], input_ids=ids)
        cache = getattr(out, self.cache_arg)
        generator = torch.Generator()
        if request.sampling.seed is not None:
            generator.manual_seed(request.sampling.seed)
        else:
            generator.seed()
        row = _Row(request, generator, length=len(request.prompt_ids))
        if not plain_cache(cache):
            self.max_batch = 1  # sliding-window or hybrid caches: one request at a time
        self.cache, self.mask = join_rows(self.cache, self.mask, cache, len(request.prompt_ids))
        self.rows.append(row)
        self._advance([row], out.logits[:, -1, :])

    def _step(self) -> None:
        """Feed every row its last token; pick each row's next one."""
        import torch

        tokens = torch.tensor([[row.next_token] for row in self.rows])
        self.mask = torch.cat([self.mask, torch.ones(len(self.rows), 1, dtype=torch.long)], dim=1)
        positions = torch.tensor([[row.length] for row in self.rows])
        out = self._forward(
            [row.request.adapter for row in self.rows],
            input_ids=tokens,
            attention_mask=self.mask,
            position_ids=positions,
            **{self.cache_arg: self.cache},
        )
        self.cache = getattr(out, self.cache_arg)
        for row in self.rows:
            row.length += 1
        self._advance(list(self.rows), out.logits[:, -1, :])

    def _advance(self, rows: list[_Row], logits: Any) -> None:
        """Sample a token per row, emit new text, and retire rows that are done."""
        done: list[_Row] = []
        for i, row in enumerate(rows):
            if row.request.cancelled.is_set():
                done.append(row)
                continue
            token = sample(logits[i], row.request.sampling, row.generator)
            reason = self._accept(row, token)
            if reason is not None:
                row.request.emit(Finished(reason, len(row.request.prompt_ids), len(row.ids)))
                done.append(row)
        if done:
            self._retire(done)

    def _accept(self, row: _Row, token: int) -> str | None:
        """Add a token to a row; the finish reason if the row is done, else None."""
        sampling = row.request.sampling
        if token in self.eos_ids:
            self._flush(row)
            return "stop"
        row.ids.append(token)
        row.next_token = token
        text = self.tokenizer.decode(row.ids, skip_special_tokens=True)
        ready, stopped = release(text, row.sent, sampling.stop)
        if len(ready) > len(row.sent):
            row.request.emit(Piece(ready[len(row.sent) :]))
        row.sent = ready
        if stopped:
            return "stop"
        if len(row.ids) >= sampling.max_new_tokens:
            self._flush(row)
            return "length"
        return None

    def _flush(self, row: _Row) -> None:
        """Emit text held back for stop strings once the row ends without one."""
        text = self.tokenizer.decode(row.ids, skip_special_tokens=True)
        if len(text) > len(row.sent):
            row.request.emit(Piece(text[len(row.sent) :]))
            row.sent = text

    def _retire(self, done: list[_Row]) -> None:
        """Drop finished rows from the batch and trim padding no row needs."""
        keep = [i for i, row in enumerate(self.rows) if row not in done]
        for row in done:
            if row.request.cancelled.is_set():
                row.request.emit(Finished("cancelled", len(row.request.prompt_ids), len(row.ids)))
        if not keep:
            self.rows, self.cache, self.mask = [], None, None
            return
        self.rows = [self.rows[i] for i in keep]
        self.mask = keep_rows(self.cache, self.mask, keep)

    def _fail_all(self, failure: Failed) -> None:
        """Tell every row of the batch that generation failed, and empty it."""
        for row in self.rows:
            row.request.emit(failure)
        self.rows, self.cache, self.mask = [], None, None


class _Close:
    """The inbox item that ends the loop."""
