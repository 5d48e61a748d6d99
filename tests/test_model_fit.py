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
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.local import machine
from tuiapp.local.machine import MachineMemory, fetch_report, read_memory
from tuiapp.local.model_fit import (
    ModelShape,
    config_parameters,
    fits,
    need_bytes,
    read_shape,
    verdict,
)
from tuiapp.paths import AppPaths
from tuiapp.widgets.model_hint import ModelHint

GIB = 2**30


def fake_memory(free_gib: float, kind: str = "gpu") -> Callable[[], MachineMemory]:
    """A machine with this much free memory (the server's reading replaced)."""
    device = "cuda:0 (NVIDIA H200)" if kind == "gpu" else "cpu (2 threads)"
    return lambda: MachineMemory(device, kind, int(free_gib * GIB), int(140 * GIB))


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
        assert {f.mode: f.verdict for f in tiny.fits} == {
            "lora": "tight",  # the 1 GiB runtime dominates a tiny model
            "qlora": "tight",
            "full": "tight",
        }
        wrong_key = openai.AsyncOpenAI(base_url=url, api_key="nope", max_retries=0)
        assert await fetch_report(wrong_key) is None  # the form then shows no verdicts


async def test_the_job_form_shows_the_gpu_box_memory_and_the_verdict_for_the_chosen_mode(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)  # as a laptop reaches a GPU box
    monkeypatch.setattr(machine, "read_memory", fake_memory(120))
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f3", "n")
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NewJobScreen), "the form")
        hint = app.screen.query_one("#models-hint")
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
