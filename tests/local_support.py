"""Helpers for local-backend tests: a tiny random Llama with a ChatML tokenizer, built in
seconds, and the real server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    "What is the capital of France? Paris is the capital of France.",
    "Answer like a pirate: arr matey, the treasure be buried on the island!",
    "Hello, how are you? I am fine, thank you. The weather is sunny today.",
    "user assistant system tool 0123456789 yes no maybe",
] * 20


def make_tiny_model(folder: Path) -> Path:
    """Save a 2-layer random Llama and a byte-level BPE tokenizer with a chat template."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|im_end|>"
    )
    tokenizer.chat_template = CHATML
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def event_data(event: Any) -> dict[str, Any]:
    """A job event's data object (the SDK types it as `object`; ours are JSON objects)."""
    assert isinstance(event.data, dict), event
    return event.data


@contextmanager
def running_server(root: Path, api_key: str | None = None) -> Iterator[tuple[str, Any]]:
    """The real server (uvicorn, loopback) in a thread: yields (base_url, the LocalAPI)."""
    import uvicorn

    from tuiapp.local.server import create_app

    app = create_app(root, api_key)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1", app.state.api
    finally:  # wait for a full stop: its job runner must not outlive the block
        server.should_exit = True
        thread.join(timeout=120)
        if thread.is_alive():
            raise RuntimeError("server did not stop")
