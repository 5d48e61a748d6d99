"""A deleted model leaves the serving process's memory, through the real server and SDK: a full
fine-tune's whole model (its engine closed, the weights gone after gc), an adapter's LoRA
weights (the base and the other adapters go on answering as before), and the requests that
were generating on it fail with a clear error instead of holding it or the batch: OpenAI's 404
for a model that is not there (an SDK does not retry it, as it would a 500), saying it was
deleted while the answer was being written."""

from __future__ import annotations

import concurrent.futures
import gc
import weakref
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.local_support import make_tiny_model
from tests.test_local_inference import HI, ask, make_adapter, slow_down
from tests.waiting import wait_until

FULL = "ft:tiny-llama:local:full:00000009"


def stored_full_model(api: Any, folder: Path) -> str:
    """A full fine-tune's model folder, listed as the trainer publishes one."""
    make_tiny_model(folder)
    api.state.execute(
        "INSERT INTO models(id, created, owned_by, base_model, adapter_path, job_id) "
        "VALUES (?, 0, 'local', 'tiny-llama', ?, 'ftjob-full')",
        (FULL, str(folder)),
    )
    return FULL


@pytest.fixture
def two_adapters(server: tuple[str, Any, Path], tmp_path: Path) -> tuple[str, str]:
    """Two fine-tuned models of the tiny base (random LoRA weights), listed as published."""
    _url, api, root = server
    names = [f"ft:tiny-llama:local:mem{seed}:0000000{seed}" for seed in (1, 2)]
    for seed, name in enumerate(names, 1):
        path = make_adapter(root / "models" / "tiny-llama", tmp_path / f"adapter{seed}", seed)
        api.state.execute(
            "INSERT INTO models(id, created, owned_by, base_model, adapter_path, job_id) "
            "VALUES (?, 0, 'local', 'tiny-llama', ?, 'ftjob-test')",
            (name, str(path)),
        )
    return names[0], names[1]


def delete_while_answering(client: openai.OpenAI, engine: Any, model: str) -> Any:
    """Delete a model while a long answer of it generates: that answer (or its error)."""
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        pending = background.submit(long_answer, client, model)
        wait_until(lambda: engine.rows, "the long answer to start generating", 10, 0.02)
        assert client.models.delete(model).deleted
        return pending.result(timeout=10)


def long_answer(client: openai.OpenAI, model: str) -> Any:
    """A whole answer of 100 tokens (3 s or more on a slowed engine): the reply or the error."""
    try:
        return client.chat.completions.create(
            model=model, messages=HI, max_tokens=100, temperature=0
        )
    except openai.APIError as err:
        return err


def test_a_deleted_full_model_leaves_memory_and_its_requests_fail(  # type: ignore[no-untyped-def]
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    folder = tmp_path / "full-model"
    model = stored_full_model(api, folder)
    assert ask(client, model, 2) is not None  # loaded by chatting
    pool = api.models.pool
    loaded = pool._bases[str(folder)]
    weights = weakref.ref(loaded.model)
    engine = loaded.engine
    slow_down(engine, monkeypatch)
    failed = delete_while_answering(client, engine, model)
    assert isinstance(failed, openai.NotFoundError), failed
    assert failed.code == "model_not_found"
    assert f"The model `{model}` was deleted while this request was answered" in str(failed)
    assert str(folder) not in pool._bases
    assert not engine.thread.is_alive()
    del loaded, engine
    gc.collect()
    assert weights() is None, gc.get_referrers(weights())  # the weights left memory
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        ask(client, model, 2)
    assert str(folder) not in pool._bases  # asking again did not load it back
    assert ask(client, "tiny-llama", 2) is not None


def test_a_deleted_adapter_leaves_memory_and_the_batch_goes_on(  # type: ignore[no-untyped-def]
    server, two_adapters: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    first, second = two_adapters
    before = {m: ask(client, m, 6) for m in ("tiny-llama", first, second)}
    base = next(iter(api.models.pool._bases.values()))
    lora = weakref.ref(
        next(p for n, p in base.engine.model.named_parameters() if f"lora_A.{first}." in n)
    )
    slow_down(base.engine, monkeypatch)
    with concurrent.futures.ThreadPoolExecutor(2) as background:
        deleted_one = background.submit(long_answer, client, first)
        other = background.submit(long_answer, client, "tiny-llama")
        wait_until(lambda: len(base.engine.rows) == 2, "both answers to generate", 10, 0.02)
        assert client.models.delete(first).deleted
        failed = deleted_one.result(timeout=10)
        finished = other.result(timeout=30)
    assert isinstance(failed, openai.NotFoundError) and "was deleted while" in str(failed)
    assert not isinstance(finished, Exception), finished  # the base row went on in the batch
    assert finished.choices[0].finish_reason == "length"
    gc.collect()
    assert lora() is None  # its LoRA weights left memory
    assert first not in base.loaded and first not in base.adapters
    monkeypatch.undo()
    assert ask(client, second, 6) == before[second]
    with pytest.raises(openai.NotFoundError):
        ask(client, first, 6)
    assert client.models.delete(second).deleted  # the last adapter: the base is alone again
    assert ask(client, "tiny-llama", 6) == before["tiny-llama"]


def test_a_request_that_raced_the_deletion_does_not_load_the_model_again() -> None:
    from tuiapp.local.inference import ModelGone, ModelPool

    pool = ModelPool()
    pool.forget(FULL, "/state/jobs/ftjob-full/model")
    with pytest.raises(ModelGone):
        pool.base("/state/jobs/ftjob-full/model")  # the chat had found it before the delete
    assert not pool._bases


def test_a_closed_engine_fails_what_comes_later_instead_of_hanging() -> None:
    from tuiapp.local.engine import Engine, Failed, Request, Sampling

    class NoModel:
        def forward(self, input_ids: Any = None, past_key_values: Any = None) -> Any:
            raise AssertionError("nothing may run on a closed engine")

    engine = Engine(NoModel(), tokenizer=None, eos_ids=set())
    engine.close("The model was deleted", model_gone=True)
    assert not engine.thread.is_alive() and engine.model is None
    got: list[Any] = []
    engine.submit(Request([1, 2], None, Sampling(), got.append))
    assert got == [Failed("The model was deleted", model_gone=True)]  # at once, not never
    with pytest.raises(RuntimeError, match="closed"):
        engine.call(lambda: None)


def test_a_queued_request_whose_adapter_was_deleted_fails_as_gone_not_as_an_engine_error() -> None:
    from tuiapp.local.engine import Engine, Failed, Request, Sampling
    from tuiapp.local.inference import ModelGone

    class NoModel:
        def forward(self, input_ids: Any = None, past_key_values: Any = None) -> Any:
            raise AssertionError("a request whose adapter is gone may not run")

    def load_adapter(name: str) -> None:  # what the pool does once the adapter was deleted
        raise ModelGone(name)

    engine = Engine(NoModel(), tokenizer=None, eos_ids=set(), load_adapter=load_adapter)
    got: list[Any] = []
    engine.submit(Request([1, 2], "ft:gone", Sampling(), got.append))
    wait_until(lambda: got, "the request to fail", 10, 0.02)
    engine.close("test over")
    assert got == [Failed("The model was deleted", model_gone=True)]  # was "LookupError: …"
