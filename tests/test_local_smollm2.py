"""End to end with the real SmolLM2-135M-Instruct: a few LoRA steps make the loss fall and
change the answer. The model is prepared once (`tuiapp local pull`) in the user cache."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import openai
import platformdirs
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.conftest import NEEDS_LOCAL
from tests.local_support import event_data, running_server
from tuiapp.local.model_store import DEFAULT_BASE, pull_default

TEACH = "Ahoy! The answer is forty-two."


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The converted model in the real cache (downloaded and converted on first use)."""
    pytest.importorskip("torch", reason=NEEDS_LOCAL)
    return pull_default(
        Path(platformdirs.user_cache_dir("tuiapp")) / "models", progress=lambda _msg: None
    )


def test_smollm2_learns_a_new_answer(tmp_path: Path, smollm2: Path, home: Any) -> None:
    root = tmp_path / "local"
    (root / "models").mkdir(parents=True)
    (root / "models" / DEFAULT_BASE).symlink_to(smollm2)
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Question number {i}: what is it?"},
                {"role": "assistant", "content": TEACH},
            ]
        }
        for i in range(12)
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    prompt: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Tell me about the sea."}
    ]
    with running_server(root) as (url, _api):
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=300)
        before = client.chat.completions.create(
            model=DEFAULT_BASE, messages=prompt, max_tokens=12, temperature=0
        )
        file = client.files.create(file=("teach.jsonl", data), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(
            model=DEFAULT_BASE,
            training_file=file.id,
            seed=3,
            hyperparameters={"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2},
        )
        deadline = time.monotonic() + 600
        while (job := client.fine_tuning.jobs.retrieve(job.id)).status not in (
            "succeeded",
            "failed",
            "cancelled",
        ):
            assert time.monotonic() < deadline
            time.sleep(1)
        assert job.status == "succeeded", job.error
        losses = sorted(
            (event_data(e)["step"], event_data(e)["train_loss"])
            for e in client.fine_tuning.jobs.list_events(job.id, limit=100)
            if e.type == "metrics"
        )
        assert len(losses) == 9
        assert losses[-1][1] < losses[0][1] / 2
        assert job.fine_tuned_model is not None
        after = client.chat.completions.create(
            model=job.fine_tuned_model, messages=prompt, max_tokens=12, temperature=0
        )
    assert after.choices[0].message.content != before.choices[0].message.content
    assert "Ahoy" in (after.choices[0].message.content or "")
    shutil.rmtree(root / "jobs", ignore_errors=True)
