"""Base models and their LoRA adapters, loaded once and kept warm, each base served by one
continuous-batching engine (`tuiapp.local.engine`). A full fine-tune's model folder (final or
a checkpoint: weights, config and tokenizer) is loaded and served like a base of its own.

A base-model request runs with every adapter disabled, whatever was asked before, and two
fine-tuned models of one base never see each other's adapter: each row of a batch names its own
adapter (peft's mixed-adapter batches), the base rows none.

A deleted model leaves memory at once: its adapter is deleted from its base, or the engine of
a full fine-tune's folder is closed and the folder's model dropped; a request that raced the
deletion is told the model is gone rather than loading it again."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiapp.local.chat_tokens import template_messages
from tuiapp.local.engine import Engine, Event, Request, Sampling
from tuiapp.local.engine_events import DELETED, ModelGone

THREADS = 2


@dataclass
class LoadedBase:
    """One base model in memory, its tokenizer, its engine and the adapters it has loaded."""

    model: Any
    tokenizer: Any
    engine: Engine
    context_length: int
    adapters: dict[str, Path] = field(default_factory=dict)  # name -> folder, loaded or known
    loaded: set[str] = field(default_factory=set)
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)


def context_length(model: Any, tokenizer: Any) -> int:
    """Tokens the model can attend to: its position limit, or the tokenizer's if smaller."""
    limit = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
    tokenizer_limit = int(getattr(tokenizer, "model_max_length", 0) or 0)
    if 0 < tokenizer_limit < 1_000_000:
        limit = min(limit, tokenizer_limit)
    return limit


def eos_ids(model: Any, tokenizer: Any) -> set[int]:
    """Every token id that ends a reply: the tokenizer's and the generation config's."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif isinstance(configured, list):
        ids.update(int(i) for i in configured)
    return ids


class ModelPool:
    """Loads base models on first use and hands requests to their engines."""

    def __init__(self, max_batch: int = 16) -> None:
        self.max_batch = max_batch
        self._bases: dict[str, LoadedBase] = {}
        self._gone: set[str] = set()  # deleted models' names and full-model folders
        self._lock = threading.Lock()

    def base(self, base_path: str) -> LoadedBase:
        """The loaded base model at a path (loading it the first time; blocking)."""
        with self._lock:
            if base_path in self._gone:
                raise ModelGone(base_path)
            if base_path not in self._bases:
                self._bases[base_path] = self._load(base_path)
            return self._bases[base_path]

    def _load(self, base_path: str) -> LoadedBase:
        """Model, tokenizer and a running engine for a base model folder."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(THREADS)
        tokenizer = AutoTokenizer.from_pretrained(base_path)
        model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
        model.eval()
        engine = Engine(model, tokenizer, eos_ids(model, tokenizer), max_batch=self.max_batch)
        loaded = LoadedBase(model, tokenizer, engine, context_length(model, tokenizer))
        engine.load_adapter = functools.partial(self._load_adapter, loaded)
        return loaded

    @staticmethod
    def _load_adapter(base: LoadedBase, name: str) -> None:
        """Load an adapter into the base's peft model (on the engine thread, between steps)."""
        if name in base.loaded:
            return
        from peft import PeftModel

        if name not in base.adapters:
            raise ModelGone(name)
        path = str(base.adapters[name])
        if not hasattr(base.engine.model, "peft_config"):
            base.engine.model = PeftModel.from_pretrained(base.model, path, adapter_name=name)
        else:
            base.engine.model.load_adapter(path, adapter_name=name)
        base.engine.model.eval()
        base.loaded.add(name)

    def prompt_ids(self, base: LoadedBase, messages: list[dict[str, Any]]) -> list[int]:
        """The conversation rendered with the model's chat template, as token ids."""
        with base.tokenizer_lock:
            text = base.tokenizer.apply_chat_template(
                template_messages(messages), tokenize=False, add_generation_prompt=True
            )
            return list(base.tokenizer(text, add_special_tokens=False)["input_ids"])

    def submit(
        self,
        base: LoadedBase,
        adapter: tuple[str, Path] | None,
        prompt_ids: list[int],
        sampling: Sampling,
        emit: Callable[[Event], None],
    ) -> Request:
        """Queue a generation; events arrive through `emit` on the engine thread."""
        name = None
        if adapter is not None:
            name = adapter[0]
            with self._lock:
                if name in self._gone:
                    raise ModelGone(name)
                base.adapters.setdefault(name, adapter[1])
        request = Request(prompt_ids, name, sampling, emit)
        base.engine.submit(request)
        return request

    def forget(self, name: str, folder: str) -> None:
        """Drop a deleted model from memory (blocking: waits for the engines' current step):
        its adapter from every base, or the whole model loaded from its folder."""
        with self._lock:
            self._gone.update((name, folder))
            whole = self._bases.pop(folder, None)
            bases = list(self._bases.values())
        if whole is not None:
            whole.engine.close(DELETED, model_gone=True)
            whole.model = whole.tokenizer = None
            whole.adapters.clear()
        for base in bases:

            def delete(base: LoadedBase = base) -> None:  # on the engine thread
                base.adapters.pop(name, None)  # a request queued for it fails, never reloads it
                base.engine.fail_adapter(name, DELETED)
                if name in base.loaded:
                    base.engine.model.delete_adapter(name)
                    base.loaded.discard(name)
                if not base.loaded and hasattr(base.engine.model, "peft_config"):
                    # peft cannot run with no adapter at all: back to the plain base model
                    base.engine.model = base.engine.model.unload()

            base.engine.call(delete)
