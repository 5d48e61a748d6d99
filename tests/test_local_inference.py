"""Chat completions of the local backend through the real server and the real `openai` SDK:
base isolation, batching, bounds, disconnects and OpenAI's validation errors."""

from __future__ import annotations

import concurrent.futures
import json
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.openapi_check import assert_matches
from tests.waiting import wait_until
from tuiapp.local.inference import ModelPool

HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello, how are you?"}]


def make_adapter(base: Path, folder: Path, seed: int) -> Path:
    """A LoRA adapter with random (not zero) weights, so it changes the base model's answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(
        r=4,
        lora_alpha=64,
        target_modules="all-linear",
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    get_peft_model(model, config).save_pretrained(str(folder))
    return folder


@pytest.fixture
def adapters(server: tuple[str, Any, Path], tmp_path: Path) -> tuple[str, str]:
    """Two fine-tuned models of the tiny base, served as the trainer would publish them."""
    _url, api, root = server
    names = []
    for seed in (1, 2):
        name = f"ft:tiny-llama:local:test{seed}:0000000{seed}"
        path = make_adapter(root / "models" / "tiny-llama", tmp_path / f"adapter{seed}", seed)
        api.state.execute(
            "INSERT INTO models(id, created, owned_by, base_model, adapter_path, job_id) "
            "VALUES (?, 0, 'local', 'tiny-llama', ?, 'ftjob-test')",
            (name, str(path)),
        )
        names.append(name)
    return names[0], names[1]


def slow_down(engine: Any, monkeypatch: pytest.MonkeyPatch, seconds: float = 0.03) -> None:
    """Make each generation step take a while, so a long answer lasts ~15 s (500 steps)."""
    forward = engine._forward

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return forward(*args, **kwargs)

    monkeypatch.setattr(engine, "_forward", slow)
    engine.eos_ids = set()  # never stops by itself: only the budget or a disconnect ends it


def freed_and_answering(client: openai.OpenAI, engine: Any) -> None:
    """The engine drops the abandoned request within 3 s, and the next one answers promptly."""
    wait_until(
        lambda: not engine.busy, "generation to stop after the client left", 3, interval=0.05
    )
    started = time.monotonic()
    assert ask(client, "tiny-llama", 4)
    assert time.monotonic() - started < 5


def ask(client: openai.OpenAI, model: str, max_tokens: int = 12) -> str:
    """A greedy answer."""
    reply = client.chat.completions.create(
        model=model, messages=HI, max_tokens=max_tokens, temperature=0
    )
    assert_matches("CreateChatCompletionResponse", reply.model_dump(exclude_unset=True))
    return reply.choices[0].message.content or ""


def test_base_answers_as_the_base_whatever_was_asked_before(server, adapters) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    first, second = adapters
    alone = {}
    for model in ("tiny-llama", first, second):
        api.models.pool = ModelPool()  # a fresh server's memory: the answer a model gives alone
        alone[model] = ask(client, model)
    assert len(set(alone.values())) == 3, alone  # the adapters really change the answer
    api.models.pool = ModelPool()
    sequence = [first, "tiny-llama", second, "tiny-llama", first, second]
    assert [ask(client, m) for m in sequence] == [alone[m] for m in sequence]


def test_concurrent_requests_to_different_models_keep_their_own_answers(server, adapters) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    models = ["tiny-llama", *adapters]
    alone = {m: ask(client, m, 8) for m in models}
    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda m: (m, ask(client, m, 8)), models * 3))
    assert all(answer == alone[model] for model, answer in answers)


def test_stream_and_whole_answer_agree(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    whole = ask(client, "tiny-llama", 16)
    stream = client.chat.completions.create(
        model="tiny-llama",
        messages=HI,
        max_tokens=16,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    for chunk in chunks:
        assert_matches("CreateChatCompletionStreamResponse", chunk.model_dump(exclude_unset=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 16


def test_sampling_with_a_seed_repeats(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)

    def sample(seed: int) -> str:
        reply = client.chat.completions.create(
            model="tiny-llama", messages=HI, max_tokens=12, temperature=1.5, seed=seed
        )
        return reply.choices[0].message.content or ""

    assert sample(3) == sample(3)
    assert len({sample(s) for s in range(4)}) > 1


def test_max_tokens_is_capped_by_the_server_and_the_context(server) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    api.models.limits.max_tokens = 7
    reply = client.chat.completions.create(
        model="tiny-llama", messages=HI, max_tokens=1_000_000, temperature=0
    )
    assert reply.usage is not None and reply.usage.completion_tokens <= 7
    api.models.limits.max_tokens = 100_000
    # about 490 of the 512 positions
    long_prompt: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi " * 160}]
    reply = client.chat.completions.create(
        model="tiny-llama", messages=long_prompt, max_tokens=1_000_000, temperature=0
    )
    assert reply.usage is not None
    assert reply.usage.prompt_tokens + reply.usage.completion_tokens <= 512


def test_a_prompt_over_the_context_is_refused(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="tiny-llama", messages=[{"role": "user", "content": "hi " * 2000}]
        )
    assert refused.value.code == "context_length_exceeded"
    assert refused.value.param == "messages"
    assert "maximum context length is 512 tokens" in refused.value.message
    assert_matches("ErrorResponse", refused.value.response.json())


def test_a_dropped_stream_frees_the_model(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ask(client, "tiny-llama", 2)  # loaded
    api.models.limits.max_tokens = 100_000
    engine = next(iter(api.models.pool._bases.values())).engine
    slow_down(engine, monkeypatch)
    with httpx.stream(
        "POST",
        f"{url}/chat/completions",
        json={"model": "tiny-llama", "messages": HI, "stream": True, "max_tokens": 100_000},
        timeout=30,
    ) as response:
        next(response.iter_lines())  # the first chunk arrived: generating
        assert engine.busy
    freed_and_answering(client, engine)


def test_a_request_that_gives_up_frees_the_model(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ask(client, "tiny-llama", 2)
    engine = next(iter(api.models.pool._bases.values())).engine
    slow_down(engine, monkeypatch)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{url}/chat/completions",
            json={"model": "tiny-llama", "messages": HI, "max_tokens": 100_000},
            timeout=httpx.Timeout(5, read=0.5),
        )
    freed_and_answering(client, engine)


def test_a_short_chat_is_not_stuck_behind_a_long_one(server) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ask(client, "tiny-llama", 2)
    engine = next(iter(api.models.pool._bases.values())).engine
    engine.eos_ids = set()
    api.models.limits.max_tokens = 100_000
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        long = pool.submit(
            client.chat.completions.create,
            model="tiny-llama",
            messages=HI,
            max_tokens=480,
            temperature=0,
        )
        while not engine.rows:
            time.sleep(0.01)
        started = time.monotonic()
        short = client.chat.completions.create(
            model="tiny-llama", messages=HI, max_tokens=3, temperature=0
        )
        short_took = time.monotonic() - started
        assert not long.done(), "the long answer should still be generating"
        assert short.usage is not None and short.usage.completion_tokens == 3
        assert long.result().usage.completion_tokens == 480  # type: ignore[union-attr]
    assert short_took < 2


BAD_PARAMETERS: list[tuple[dict[str, Any], str]] = [
    ({"max_tokens": -5}, "max_tokens"),
    ({"max_tokens": "abc"}, "max_tokens"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"max_completion_tokens": 1.5}, "max_completion_tokens"),
    ({"temperature": "hot"}, "temperature"),
    ({"temperature": -1}, "temperature"),
    ({"temperature": 50}, "temperature"),
    ({"top_p": 7}, "top_p"),
    ({"seed": "x"}, "seed"),
    ({"stop": 123}, "stop"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ({"stream": "yes"}, "stream"),
    ({"messages": []}, "messages"),
    ({"messages": "hi"}, "messages"),
    ({"messages": [{"role": "bogus", "content": "x"}]}, "messages.[0].role"),
    ({"messages": [{"role": ["user"], "content": "x"}]}, "messages.[0].role"),
    ({"messages": [{"role": "user", "content": None}]}, "messages.[0].content"),
    ({"messages": [{"role": "user", "content": []}]}, "messages.[0].content"),
    (
        {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
        "messages.[0].content.[0].type",
    ),
    ({"model": 5}, "model"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"logprobs": True}, "logprobs"),
    ({"n": 2}, "n"),
    ({"frequency_penalty": 1}, "frequency_penalty"),
    ({"model": "/etc"}, "model"),
    ({"model": "HuggingFaceTB/SmolLM2-360M-Instruct"}, "model"),
]


def test_bad_parameters_are_openai_errors_and_the_connection_lives_on(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, root = server
    with httpx.Client(timeout=30) as http:
        for bad, param in BAD_PARAMETERS:
            body: dict[str, Any] = {"model": "tiny-llama", "messages": HI, "max_tokens": 2, **bad}
            for stream in (False, True):
                payload = body if "stream" in bad else {**body, "stream": stream}
                response = http.post(f"{url}/chat/completions", json=payload)
                status = 404 if param == "model" and isinstance(bad["model"], str) else 400
                assert response.status_code == status, (bad, response.text)
                assert response.headers["content-type"] == "application/json"
                error = response.json()
                assert_matches("ErrorResponse", error)
                assert error["error"]["param"] == param, bad
        good = http.post(
            f"{url}/chat/completions", json={"model": "tiny-llama", "messages": HI, "max_tokens": 2}
        )
        assert good.status_code == 200
        assert (root / "models" / "tiny-llama").is_dir()  # untouched: no path was loaded


def test_the_sdk_sees_a_typed_error_with_the_param(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as hot:
        client.chat.completions.create(model="tiny-llama", messages=HI, temperature="hot")  # type: ignore[call-overload]
    assert hot.value.param == "temperature" and hot.value.code == "invalid_type"
    for model in ("/etc", str(Path.home()), "org/some-model"):
        with pytest.raises(openai.NotFoundError) as missing:
            client.chat.completions.create(model=model, messages=HI)
        assert missing.value.code == "model_not_found"


def test_unknown_routes_and_methods_use_the_error_schema(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    with httpx.Client(timeout=30) as http:
        for response, status in (
            (http.get(f"{url}/nope"), 404),
            (http.put(f"{url}/files"), 405),
            (http.delete(f"{url}/fine_tuning/jobs"), 405),
        ):
            assert response.status_code == status
            assert_matches("ErrorResponse", response.json())
        bad_json = http.post(
            f"{url}/chat/completions",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert bad_json.status_code == 400
        assert_matches("ErrorResponse", bad_json.json())


def test_a_bug_is_a_json_500_and_a_stream_error_is_an_event(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    ask(client, "tiny-llama", 2)
    engine = next(iter(api.models.pool._bases.values())).engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(engine, "_forward", broken)
    with httpx.Client(timeout=30) as http:
        whole = http.post(f"{url}/chat/completions", json={"model": "tiny-llama", "messages": HI})
        assert whole.status_code == 500
        assert_matches("ErrorResponse", whole.json())
        assert "the model fell over" in whole.json()["error"]["message"]
        with http.stream(
            "POST",
            f"{url}/chat/completions",
            json={"model": "tiny-llama", "messages": HI, "stream": True},
        ) as stream:
            lines = [line for line in stream.iter_lines() if line]
        assert lines[-1] == "data: [DONE]"
        error = json.loads(lines[-2].removeprefix("data: "))
        assert_matches("ErrorResponse", error)
        monkeypatch.undo()
        assert http.get(f"{url}/models").status_code == 200  # the same connection still works
    with pytest.raises(openai.APIError, match="the model fell over"):
        monkeypatch.setattr(engine, "_forward", broken)
        list(client.chat.completions.create(model="tiny-llama", messages=HI, stream=True))
