"""The local backend's extra hyperparameters: LoRA shape, sequence length, packing, QLoRA,
early stopping; refused with a 400 naming the parameter, declared in the capabilities, and
trained with (the adapter on disk has the rank and alpha asked for)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest
from textual.widgets import Collapsible, Input, Select

from tests.local_support import event_data
from tests.test_job_form import open_form
from tests.test_jobs import frozen_version
from tests.test_local_server import pirate_lines, wait_for
from tests.test_review_ui import plain
from tuiapp.app import make_app
from tuiapp.data.job_form import FieldError, form_extra
from tuiapp.local.early_stop import early_stop
from tuiapp.local.hyperparams import EXTRAS, LOCAL_EXTRAS, missing_for_4bit
from tuiapp.paths import AppPaths
from tuiapp.providers.openai_adapters import LOCAL_CAPABILITIES


def method(kind: str, hyper: dict[str, Any]) -> Any:
    """OpenAI's `method` object with these hyperparameters (the SDK's types know only
    OpenAI's own)."""
    return {"type": kind, kind: {"hyperparameters": hyper}}


REFUSED: list[tuple[dict[str, Any], str, str]] = [
    ({"lora_rank": 0}, "lora_rank", "[1"),
    ({"lora_rank": 300}, "lora_rank", "256"),
    ({"lora_rank": 2.5}, "lora_rank", "number"),
    ({"lora_alpha": "big"}, "lora_alpha", "number"),
    ({"lora_dropout": 0.7}, "lora_dropout", "0.5"),
    ({"lora_target_modules": "q_proj"}, "lora_target_modules", "all-linear"),
    ({"lora_target_modules": []}, "lora_target_modules", "list"),
    ({"full_finetune": "yes"}, "full_finetune", "true or false"),
    ({"full_finetune": True, "lora_rank": 4}, "lora_rank", "full_finetune trains every weight"),
    ({"gradient_checkpointing": "yes"}, "gradient_checkpointing", "true or false"),
    ({"packing": 1}, "packing", "true or false"),
    ({"max_seq_length": 32}, "max_seq_length", "64"),
    ({"max_seq_length": 40000}, "max_seq_length", "32768"),
    ({"early_stopping_patience": 0}, "early_stopping_patience", "[1"),
    ({"early_stopping_patience": 2}, "early_stopping_patience", "validation_file"),
    ({"early_stopping_min_delta": -1}, "early_stopping_min_delta", "[0"),
    ({"lora_ranks": 4}, "lora_ranks", "unknown"),
]


def test_each_extra_hyperparameter_is_checked_with_a_400_naming_it(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, _root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines()), purpose="fine-tune")
    for hyper, name, says in REFUSED:
        with pytest.raises(openai.BadRequestError) as refused:
            client.fine_tuning.jobs.create(
                model="tiny-llama",
                training_file=file.id,
                method=method("supervised", hyper),
            )
        assert refused.value.param == f"hyperparameters.{name}", hyper  # type: ignore[attr-defined]
        assert says in str(refused.value), (hyper, str(refused.value))
    top_level: Any = {"lora_dropout": 0.9}  # the top-level hyperparameters count the same
    with pytest.raises(openai.BadRequestError) as old_style:
        client.fine_tuning.jobs.create(
            model="tiny-llama", training_file=file.id, hyperparameters=top_level
        )
    assert old_style.value.param == "hyperparameters.lora_dropout"  # type: ignore[attr-defined]
    with pytest.raises(openai.BadRequestError) as dpo_packing:
        client.fine_tuning.jobs.create(
            model="tiny-llama",
            training_file=file.id,
            method=method("dpo", {"packing": True}),
        )
    assert "packing is for supervised jobs only" in str(dpo_packing.value)
    missing = missing_for_4bit()
    if missing is not None:  # this box: no bitsandbytes or no CUDA
        with pytest.raises(openai.BadRequestError) as qlora:
            client.fine_tuning.jobs.create(
                model="tiny-llama",
                training_file=file.id,
                method=method("supervised", {"load_in_4bit": True}),
            )
        assert missing in str(qlora.value)


def test_lora_shape_and_max_seq_length_reach_the_adapter_and_the_start_event(server) -> None:  # type: ignore[no-untyped-def]
    url, _api, root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    lines = (
        pirate_lines(11)
        + (
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "content": "Say something long " + "word " * 120},
                        {"role": "assistant", "content": "arr matey"},
                    ]
                }
            )
            + "\n"
        ).encode()
    )
    file = client.files.create(file=("t.jsonl", lines), purpose="fine-tune")
    hyper = {"lora_rank": 4, "lora_alpha": 8, "max_seq_length": 64, "n_epochs": 1, "batch_size": 4}
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=file.id,
        method=method("supervised", hyper),
    )
    done = wait_for(client, job.id, timeout=240)
    assert done.status == "succeeded", done.error
    config = json.loads((root / "jobs" / job.id / "adapter" / "adapter_config.json").read_text())
    assert (config["r"], config["lora_alpha"]) == (4, 8)
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    started = next(e.message for e in events if e.message.startswith("Fine-tuning job started"))
    assert "LoRA r=4 alpha=8" in started
    assert "1 example longer than max_seq_length 64 truncated (" in started, started
    metrics = [event_data(e) for e in events if e.type == "metrics"]
    assert metrics and all(m["device"].startswith("cpu") for m in metrics)
    shown: Any = client.fine_tuning.jobs.retrieve(job.id).method
    assert (
        shown.supervised.hyperparameters.model_dump().get("lora_rank") == 4
    )  # kept with the job, shown back


def test_the_local_capabilities_declare_the_extras_with_type_default_and_range() -> None:
    declared = {spec.name: spec for spec in LOCAL_CAPABILITIES.extra_hyperparameters}
    assert set(declared) == set(EXTRAS)  # full_finetune too, now that the backend trains it
    assert (declared["lora_rank"].kind, declared["lora_rank"].default) == ("int", 8)
    assert (declared["lora_rank"].low, declared["lora_rank"].high) == (1, 256)
    assert declared["packing"].methods == ("supervised",)
    assert declared["lora_rank"].label == "lora_rank (1-256; blank: 8)"


def test_form_fields_of_the_extras_read_as_their_labels_say() -> None:
    spec = {s.name: s for s in LOCAL_EXTRAS}
    assert form_extra(spec["lora_rank"], "") is None  # blank: the default
    assert form_extra(spec["lora_rank"], "16") == 16
    assert form_extra(spec["packing"], "yes") is True
    assert form_extra(spec["lora_target_modules"], "q_proj, v_proj") == ["q_proj", "v_proj"]
    assert form_extra(spec["lora_target_modules"], "all-linear") == "all-linear"
    with pytest.raises(FieldError, match=r"lora_rank must be in \[1, 256\]"):
        form_extra(spec["lora_rank"], "0")
    with pytest.raises(FieldError, match="yes or no"):
        form_extra(spec["packing"], "maybe")


def test_early_stopping_rule() -> None:
    rising = [(1, 2.0), (2, 1.5), (3, 1.6), (4, 1.7), (5, 1.2)]
    fired = early_stop(rising, patience=2)
    assert fired is not None and (fired.step, fired.best_step, fired.best_loss) == (4, 2, 1.5)
    assert early_stop(rising, patience=3) is None
    assert early_stop([(1, 2.0), (2, 1.95), (3, 1.9)], patience=2, min_delta=0.1) is not None


def test_trl_packing_keeps_our_assistant_only_labels() -> None:
    pytest.importorskip("trl")
    from trl import pack_dataset

    from tuiapp.local.chat_tokens import IGNORE, Tokenized
    from tuiapp.local.hf_trainers import sft_dataset

    items = [
        Tokenized([1, 2, 3, 4], [IGNORE, IGNORE, 3, 4]),
        Tokenized([5, 6, 7], [IGNORE, 6, 7]),
        Tokenized([8, 9], [IGNORE, 9]),
    ]
    packed = pack_dataset(sft_dataset(items), 8, "bfd")
    by_ids: dict[int, int] = {}
    for row in packed:
        by_ids.update(dict(zip(row["input_ids"], row["labels"], strict=True)))
    wanted = {i: label for t in items for i, label in zip(t.input_ids, t.labels, strict=True)}
    assert by_ids == wanted
    assert len(packed) < len(items)


async def test_the_job_form_offers_the_local_extras_in_an_advanced_section(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUIAPP_LOCAL_URL", "http://127.0.0.1:9")  # nothing listens: no models
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#provider", Select).value = "local"  # a key makes OpenAI the default
        await pilot.pause()
        section = form.query_one("#advanced", Collapsible)
        assert section.display and section.title == "advanced (local)"
        assert plain(form.query_one("#label-lora_rank")).strip() == "lora_rank (1-256; blank: 8)"
        assert form.query("#full_finetune")  # the backend trains every weight when asked
        form.query_one("#lora_rank", Input).value = "16"
        form.query_one("#packing", Input).value = "yes"
        await pilot.pause()
        assert form.plan is not None
        assert (form.plan.hyperparameters["lora_rank"], form.plan.hyperparameters["packing"]) == (
            16,
            True,
        )
        assert "lora_alpha" not in form.plan.hyperparameters  # blank: the backend's default
        assert "advanced           lora_rank=16 packing=True" in plain(
            form.query_one("#new-job-estimate")
        )
        form.query_one("#lora_rank", Input).value = "0"
        await pilot.pause()
        assert form.query_one("#lora_rank", Input).has_class("-invalid")
        assert "lora_rank must be in [1, 256] (got 0)" in plain(form.query_one("#new-job-estimate"))
        form.query_one("#provider", Select).value = "openai"
        await pilot.pause()
        assert not section.display  # OpenAI declares none
