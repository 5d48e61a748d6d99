"""Which base models fit the machine the local backend trains on: the estimate from a model
folder, the free memory the server reports (`GET /v1/local/machine`, behind its key like the
rest of the API) and the job form's "fits / tight / too big" for LoRA, QLoRA or full."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from textual.widgets import Input

from screens.new_job import NewJobScreen
from tests.local_support import running_server
from tests.test_jobs import frozen_version
from tests.test_review_ui import plain
from tests.test_store_and_import import imported
from tests.test_versions import WORDS, accept_all
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.local import machine
from tuiapp.local.machine import (
    MachineMemory,
    describe_fits,
    fetch_report,
    parse_report,
    read_memory,
)
from tuiapp.local.model_fit import (
    REFERENCE_BYTES_PER_PARAM,
    ModelShape,
    config_parameters,
    fits,
    need_bytes,
    read_shape,
    verdict,
)
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.widgets.model_hint import ModelHint

GIB = 2**30


def fake_memory(free_gib: float, kind: str = "gpu") -> Callable[[], MachineMemory]:
    """A machine with this much free memory (the server's reading replaced)."""
    device = "cuda:0 (NVIDIA H200)" if kind == "gpu" else "cpu (2 threads)"
    return lambda: MachineMemory(device, kind, int(free_gib * GIB), int(140 * GIB))


async def open_job_form(pilot: Any) -> Any:
    """From the datasets screen, the job form for the only version: its model hint."""
    app = pilot.app
    await pilot.press("f3", "n")
    await pilot.pause()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, NewJobScreen), "the form")
    return app.screen.query_one("#models-hint")


def test_the_estimate_counts_the_weights_and_grows_with_the_way_of_training(
    tiny_model: Path, tmp_path: Path
) -> None:
    from transformers import AutoModelForCausalLM

    shape = read_shape(tiny_model)
    assert shape is not None
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert shape.parameters == sum(p.numel() for p in model.parameters())  # exact, no load
    config = json.loads((tiny_model / "config.json").read_text())
    assert config_parameters(config) == pytest.approx(shape.parameters, rel=0.02)
    no_weights = tmp_path / "config-only"  # a folder without weights: from its config
    no_weights.mkdir()
    shutil.copy(tiny_model / "config.json", no_weights)
    assert read_shape(no_weights) == ModelShape(
        config_parameters(config), shape.hidden, shape.layers, shape.embedding_parameters
    )
    seven_b = ModelShape(7 * 10**9, 4096, 32, 2 * 32000 * 4096)
    qlora, lora, full = (need_bytes(seven_b, m) / GIB for m in ("qlora", "lora", "full"))
    assert qlora < 20 < lora < 50 < 100 < full < 140  # ~16 bytes/param for full with AdamW
    assert [(f.mode, f.verdict) for f in fits(seven_b, 40 * GIB)] == [
        ("lora", "tight"),
        ("qlora", "fits"),
        ("full", "too big"),
    ]
    assert (verdict(79, 100), verdict(95, 100), verdict(101, 100)) == ("fits", "tight", "too big")


def test_dpo_needs_both_answers_activations_and_a_full_fine_tune_its_reference_copy() -> None:
    seven_b = ModelShape(7 * 10**9, 4096, 32, 2 * 32000 * 4096)
    full, full_dpo = (need_bytes(seven_b, "full", m) for m in ("supervised", "dpo"))
    assert full_dpo - full > seven_b.parameters * REFERENCE_BYTES_PER_PARAM  # + activations
    assert need_bytes(seven_b, "lora", "dpo") > need_bytes(seven_b, "lora")  # two answers a pair
    # with LoRA the reference is the base with its adapter off: no weights are added
    lora_extra = need_bytes(seven_b, "lora", "dpo") - need_bytes(seven_b, "lora")
    assert lora_extra == need_bytes(seven_b, "qlora", "dpo") - need_bytes(seven_b, "qlora")
    on_an_h200 = {
        (f.method, f.mode): f.verdict
        for f in fits(seven_b, 140 * GIB, methods=("supervised", "dpo"))
    }
    assert on_an_h200[("supervised", "full")] == "tight"
    assert on_an_h200[("dpo", "full")] == "too big"  # what the form said "tight" for before


def test_an_older_server_that_judges_supervised_only_gives_no_dpo_verdict() -> None:
    body = {
        "memory": {"device": "cpu", "kind": "ram", "free_bytes": 8 * GIB, "total_bytes": 16 * GIB},
        "models": [
            {
                "id": "m",
                "parameters": 135_000_000,
                "fits": [{"mode": "lora", "need_bytes": GIB, "verdict": "fits"}],
            }
        ],
    }
    report = parse_report(body)
    assert report is not None
    (model,) = report.models
    assert model.fit("lora") is not None and model.fit("lora", "dpo") is None
    lines = [line for _verdict, line in describe_fits(report, "lora", "dpo")]
    assert not any(line.startswith("fits") for line in lines)  # not judged as supervised


def test_the_machine_reading_is_ram_without_cuda() -> None:
    reading = read_memory()  # this box: no GPU; /proc/meminfo (or psutil)
    assert reading.kind == "ram" and 0 < reading.free_bytes <= reading.total_bytes


async def test_the_server_reports_its_memory_and_which_models_fit(
    tmp_path: Path, tiny_model: Path, home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "local"
    (root / "models").mkdir(parents=True)
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    monkeypatch.setattr(machine, "read_memory", fake_memory(1.1))
    with running_server(root, api_key="secret") as (url, _api):
        refused = httpx.get(f"{url}/local/machine")
        assert refused.status_code == 401  # the machine is behind the key like the rest
        client = openai.AsyncOpenAI(base_url=url, api_key="secret", max_retries=0)
        report = await fetch_report(client)
        assert report is not None
        assert report.memory.device == "cuda:0 (NVIDIA H200)"
        assert report.memory.free_bytes == int(1.1 * GIB)
        (tiny,) = report.models
        assert tiny.id == "tiny-llama" and tiny.parameters > 10_000
        assert {(f.method, f.mode): f.verdict for f in tiny.fits} == {
            (method, mode): "tight"  # the 1 GiB runtime dominates a tiny model
            for method in ("supervised", "dpo")
            for mode in ("lora", "qlora", "full")
        }
        assert tiny.fit("full", "dpo").need_bytes > tiny.fit("full").need_bytes  # type: ignore[union-attr]
        wrong_key = openai.AsyncOpenAI(base_url=url, api_key="nope", max_retries=0)
        assert await fetch_report(wrong_key) is None  # the form then shows no verdicts


@pytest.fixture
def gpu_box(server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app reaches the local backend as a laptop reaches a GPU box, with 120 GiB free."""
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    monkeypatch.setattr(machine, "read_memory", fake_memory(120))


async def test_the_job_form_shows_the_gpu_box_memory_and_the_verdict_for_the_chosen_mode(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    gpu_box: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        hint = await open_job_form(pilot)
        await until(pilot, lambda: "GPU cuda:0" in plain(hint), "the machine's memory")
        text = plain(hint)
        assert "GPU cuda:0 (NVIDIA H200): 120.0 GiB free of 140.0 GiB" in text
        assert "fits: tiny-llama (0.05M) LoRA ~1.0 GiB" in text
        app.screen.query_one("#full_finetune", Input).value = "yes"
        await until(pilot, lambda: "full fine-tune" in plain(hint), "the full verdict")
        assert "fits: tiny-llama (0.05M) full fine-tune ~1.0 GiB" in plain(hint)
        monkeypatch.setattr(machine, "read_memory", fake_memory(0.5, "ram"))
        app.screen.query_one("#models-hint", ModelHint).load(
            "local"
        )  # asked again: a smaller machine
        await until(pilot, lambda: "RAM cpu" in plain(hint), "the new reading")
        assert "too big: tiny-llama (0.05M) full fine-tune" in plain(hint)


async def test_on_preference_data_the_job_form_judges_dpo_with_its_reference_copy(
    home: AppPaths, write_jsonl: Callable[..., Path], gpu_box: None
) -> None:
    pairs = [
        {
            "input": {"messages": [{"role": "user", "content": f"Greet me {i} {WORDS[i % 7]}"}]},
            "preferred_output": [{"role": "assistant", "content": f"Arr, ahoy {i}!"}],
            "non_preferred_output": [{"role": "assistant", "content": f"Hello {i}."}],
        }
        for i in range(30)
    ]
    store, dataset = imported(home, write_jsonl(pairs, "pairs.jsonl"))
    accept_all(store, dataset.id)
    commit(store, plan_freeze(store, dataset.id, fraction=0.1), "v1")
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        hint = await open_job_form(pilot)
        await until(pilot, lambda: "LoRA DPO ~" in plain(hint), "the DPO verdict")
        assert "pairs x 2 answers" in plain(hint)
        app.screen.query_one("#full_finetune", Input).value = "yes"
        await until(pilot, lambda: "full fine-tune DPO" in plain(hint), "the full DPO verdict")
        assert "~20 B/param with DPO's reference copy" in plain(hint)
