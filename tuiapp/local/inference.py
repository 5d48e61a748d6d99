"""Chat completions for base and fine-tuned models: loaded once, kept warm, streamed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiapp.local.chat_tokens import template_messages

THREADS = 2


@dataclass
class Generation:
    """What a finished generation produced."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


class GenerationError(RuntimeError):
    """The model failed while generating."""


class _StopOn:
    """A stopping criterion that ends generation when an event is set."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
        return self.event.is_set()


class ModelPool:
    """Base models and their LoRA adapters, loaded on first use and kept in memory.

    One base model in memory serves every adapter trained on it (peft multi-adapter); a lock
    per base model keeps generations from switching adapters under each other."""

    def __init__(self) -> None:
        self._bases: dict[str, tuple[Any, Any, threading.Lock]] = {}
        self._adapters: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def _base(self, base_path: str) -> tuple[Any, Any, threading.Lock]:
        """Model, tokenizer and lock for a base model path."""
        with self._lock:
            if base_path not in self._bases:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer

                torch.set_num_threads(THREADS)
                tokenizer = AutoTokenizer.from_pretrained(base_path)
                model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
                model.eval()
                self._bases[base_path] = (model, tokenizer, threading.Lock())
                self._adapters[base_path] = set()
            return self._bases[base_path]

    def _with_adapter(self, base_path: str, name: str | None, adapter: Path | None) -> Any:
        """The model to generate with: the base, or the base with this adapter active."""
        model, _, _ = self._bases[base_path]
        if adapter is None or name is None:
            return model
        from peft import PeftModel

        if not isinstance(model, PeftModel):
            model = PeftModel.from_pretrained(model, str(adapter), adapter_name=name)
            model.eval()
            tokenizer, lock = self._bases[base_path][1], self._bases[base_path][2]
            self._bases[base_path] = (model, tokenizer, lock)
            self._adapters[base_path].add(str(name))
        elif name not in self._adapters[base_path]:
            model.load_adapter(str(adapter), adapter_name=name)
            self._adapters[base_path].add(str(name))
        model.set_adapter(name)
        return model

    def forget(self, name: str) -> None:
        """Drop a deleted model's adapter from memory."""
        for base_path, names in self._adapters.items():
            if name in names:
                model = self._bases[base_path][0]
                with self._bases[base_path][2]:
                    model.delete_adapter(name)
                names.discard(name)

    def stream(
        self,
        base_path: str,
        model_name: str | None,
        adapter: Path | None,
        messages: list[dict[str, Any]],
        params: dict[str, Any],
    ) -> Iterator[str | Generation]:
        """Yield text pieces as they are generated, then the Generation summary."""
        import torch
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        _, tokenizer, lock = self._base(base_path)
        with lock:
            model = self._with_adapter(base_path, model_name, adapter)
            text = tokenizer.apply_chat_template(
                template_messages(messages), tokenize=False, add_generation_prompt=True
            )
            inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
            prompt_tokens = int(inputs["input_ids"].shape[1])
            streamer = TextIteratorStreamer(
                tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300
            )
            temperature = float(params.get("temperature", 1.0))
            kwargs: dict[str, Any] = {
                "max_new_tokens": int(params.get("max_tokens") or 256),
                "do_sample": temperature > 0,
                "streamer": streamer,
                "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
            }
            if temperature > 0:
                kwargs["temperature"] = temperature
                kwargs["top_p"] = float(params.get("top_p", 1.0))
            if params.get("seed") is not None:
                torch.manual_seed(int(params["seed"]))
            stop_event = threading.Event()
            kwargs["stopping_criteria"] = StoppingCriteriaList([_StopOn(stop_event)])
            out: dict[str, Any] = {}

            def run() -> None:
                try:
                    with torch.no_grad():
                        out["ids"] = model.generate(**inputs, **kwargs)
                except Exception as err:  # surfaces in the request, never hangs the stream
                    out["error"] = err
                    streamer.end()

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            stops = [s for s in (params.get("stop") or []) if s]
            produced = ""
            finish = "length"
            drained = False
            try:
                for piece in streamer:
                    produced += piece
                    hit = next((s for s in stops if s in produced), None)
                    if hit is not None:
                        cut = produced.index(hit)
                        tail = piece[: max(0, len(piece) - (len(produced) - cut))]
                        if tail:
                            yield tail
                        produced = produced[:cut]
                        finish = "stop"
                        break
                    yield piece
                else:
                    drained = True
            finally:  # a stop string, or the client went away: stop generating now
                stop_event.set()
                if not drained:
                    for _ in streamer:  # until generate() ends the stream
                        pass
                worker.join()
            if "error" in out:
                raise GenerationError(str(out["error"])) from out["error"]
            ids = out.get("ids")
            completion = int(ids.shape[1]) - prompt_tokens if ids is not None else 0
            if finish != "stop" and ids is not None and completion < kwargs["max_new_tokens"]:
                finish = "stop"
            yield Generation(produced, prompt_tokens, completion, finish)
