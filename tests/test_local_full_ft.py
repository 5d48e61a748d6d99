"""Full fine-tuning on the local backend, through the real server and the `openai` SDK: every
weight trained (no adapter), checkpoints and the final model are whole model folders served
as they are, a pause resumes with the same losses, and the model exports as a full folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.local_support import event_data
from tests.test_local_server import pirate_lines, wait_for
from tests.waiting import wait_until
from tuiapp.cli import main
from tuiapp.local.export_model import ExportError, export, find_source

FULL = {"full_finetune": True, "n_epochs": 2, "batch_size": 6, "learning_rate_multiplier": 100}
PROMPT: Any = [{"role": "user", "content": "Say something 3"}]


def losses(client: openai.OpenAI, job_id: str) -> dict[int, float]:
    """Each step's training loss, from the metrics events."""
    events = client.fine_tuning.jobs.list_events(job_id, limit=100)
    return {
        event_data(e)["step"]: event_data(e)["train_loss"] for e in events if e.type == "metrics"
    }


def answer(client: openai.OpenAI, model: str) -> str:
    """The served model's greedy answer to PROMPT."""
    reply = client.chat.completions.create(
        model=model,
        messages=PROMPT,
        temperature=0,
        max_tokens=8,
    )
    return reply.choices[0].message.content or ""


def greedy_of_folder(folder: Path) -> str:
    """What transformers itself answers greedily from a model folder (8 tokens, PROMPT)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    text = tokenizer.apply_chat_template(PROMPT, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=8, do_sample=False)
    return str(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))


def test_full_finetune_trains_serves_pauses_and_exports_the_whole_model(
    server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, api, root = server
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    file = client.files.create(file=("t.jsonl", pirate_lines(12)), purpose="fine-tune")
    method: Any = {"type": "supervised", "supervised": {"hyperparameters": FULL}}
    job = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, method=method, seed=3
    )
    done = wait_for(client, job.id, timeout=120)
    assert done.status == "succeeded", done.error
    started = [
        e.message
        for e in client.fine_tuning.jobs.list_events(job.id, limit=100)
        if e.message.startswith("Fine-tuning job started")
    ]
    assert "full fine-tune of all" in started[0] and "GiB with AdamW" in started[0]
    assert "LoRA" not in started[0]

    final = root / "jobs" / job.id / "model"
    names = {p.name for p in final.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= names
    assert "adapter_config.json" not in names  # every weight, no adapter
    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id))
    assert sorted(c.step_number for c in checkpoints) == [2, 4]
    assert all(
        (
            Path(
                api.state.one(
                    "SELECT path FROM checkpoints WHERE step_number = ? AND job_id = ?",
                    (c.step_number, job.id),
                )["path"]
            )
            / "model.safetensors"
        ).is_file()
        for c in checkpoints
    )

    # served: the fine-tuned model answers as its own folder does, unlike the base
    assert done.fine_tuned_model
    served = answer(client, done.fine_tuned_model)
    assert served == greedy_of_folder(final)
    assert served != answer(client, "tiny-llama")
    first = min(checkpoints, key=lambda c: c.step_number).fine_tuned_model_checkpoint
    assert answer(client, first) != served  # a checkpoint is its own model too

    # pause and resume: the same seed gives the same loss at every step, across the pause
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "1.5")
    again = client.fine_tuning.jobs.create(
        model="tiny-llama", training_file=file.id, method=method, seed=3
    )
    wait_until(lambda: losses(client, again.id), "the first step", timeout=60)
    assert client.fine_tuning.jobs.pause(again.id).status == "paused"
    wait_until(lambda: not api.state.job(again.id)["pid"], timeout=30, what="the pause")
    paused_at = api.state.job(again.id)["resume_step"]
    assert 1 <= paused_at < 4
    monkeypatch.setenv("TUIAPP_TRAINER_STEP_DELAY", "0")
    client.fine_tuning.jobs.resume(again.id)
    assert wait_for(client, again.id, timeout=120).status == "succeeded"
    assert losses(client, again.id) == pytest.approx(losses(client, job.id), rel=1e-5)

    # export: merged is the whole model; adapter is refused and says what to use instead
    code = main(["export-model", job.id, "--format", "merged", "--data", str(root)])
    out = capsys.readouterr()
    assert code == 0, out.err
    folder = root / "exports" / f"tiny-llama-{job.id.split('-')[-1][:8]}" / "merged"
    assert "optimizer.pt" not in {p.name for p in folder.iterdir()}
    assert greedy_of_folder(folder) == served
    assert main(["export-model", job.id, "--format", "adapter", "--data", str(root)]) == 1
    refused = capsys.readouterr().err
    assert "full fine-tune" in refused and "--format merged" in refused
    source = find_source(root, job.id, [root / "models"], step=2)
    result = export(source, "ollama", root / "ollama")
    modelfile = (root / "ollama" / "Modelfile").read_text()
    lines = modelfile.splitlines()
    assert "FROM ." in lines and not any(line.startswith("ADAPTER") for line in lines)
    assert any("no adapter for an ADAPTER line" in note for note in result.notes)
    with pytest.raises(ExportError, match="no LoRA adapter"):
        export(source, "adapter", root / "adapter")
    assert json.loads((root / "ollama" / "config.json").read_text())["architectures"]


def test_qlora_is_refused_here_with_what_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """No bitsandbytes on this box: the 400 says to install it; with it but no CUDA GPU, the
    400 says torch sees none (a QLoRA job never starts on a CPU)."""
    import importlib.util

    from tuiapp.local import hyperparams
    from tuiapp.local.hyperparams import HyperparameterError, check_hyperparameters

    real = importlib.util.find_spec
    monkeypatch.setattr(
        hyperparams.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "bitsandbytes" else real(name, *a),
    )
    with pytest.raises(HyperparameterError, match="pip install bitsandbytes") as missing:
        check_hyperparameters({"load_in_4bit": True})
    assert missing.value.param == "hyperparameters.load_in_4bit"
    monkeypatch.setattr(hyperparams.importlib.util, "find_spec", lambda name, *a: object())
    with pytest.raises(HyperparameterError, match="needs a CUDA GPU, and torch sees none"):
        check_hyperparameters({"load_in_4bit": True})


def test_full_finetune_is_offered_with_its_memory_and_refuses_lora_settings() -> None:
    from tuiapp.local.hyperparams import HyperparameterError, check_hyperparameters, resolve
    from tuiapp.providers.openai_adapters import LOCAL_CAPABILITIES

    offered = {e.name: e for e in LOCAL_CAPABILITIES.extra_hyperparameters}
    assert "16 bytes/param with AdamW" in offered["full_finetune"].help
    for other in ({"lora_rank": 16}, {"load_in_4bit": True}):
        with pytest.raises(HyperparameterError, match="full_finetune trains every weight") as no:
            check_hyperparameters({"full_finetune": True, **other})
        assert no.value.param == f"hyperparameters.{next(iter(other))}"
    full = resolve({"full_finetune": True}, 100, 0)
    assert full.full_finetune and full.learning_rate < resolve({}, 100, 0).learning_rate
