"""What the contract suite expects of each stubbed adapter beyond the common scenarios: the
create request's body in its API's terms, and what watching its job to the end stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TOKEN = "tt0123abcd"
HYPER = {"n_epochs": 2, "batch_size": 8, "learning_rate_multiplier": 2}


def openai_body(body: dict[str, Any]) -> None:
    """Hyperparameters through `method`, the token in metadata."""
    assert body["method"] == {"type": "supervised", "supervised": {"hyperparameters": HYPER}}
    assert (body["validation_file"], body["suffix"], body["seed"]) == ("file-2", "pirate", 7)
    assert body["metadata"] == {"tuiapp_token": TOKEN}


def together_body(body: dict[str, Any]) -> None:
    """Epochs, batch size and seed by Together's names; evaluations with a validation file;
    the token in the suffix."""
    assert (body["n_epochs"], body["batch_size"], body["random_seed"]) == (2, 8, 7)
    assert body["validation_file"] == "file-2" and body["n_evals"] == 10
    assert body["training_method"]["method"] == "sft" and body["training_type"]["type"] == "Lora"
    assert body["suffix"] == f"pirate-{TOKEN}"


def mistral_body(body: dict[str, Any]) -> None:
    """Weighted training files, epochs as a float, the token in an 18-character suffix."""
    assert body["training_files"] == [{"file_id": "file-1", "weight": 1}]
    assert body["validation_files"] == ["file-2"] and body["hyperparameters"]["epochs"] == 2.0
    assert body["suffix"] == f"pirate-{TOKEN}" and len(body["suffix"]) <= 18


def fireworks_body(body: dict[str, Any]) -> None:
    """Datasets by resource name, epochs and batch size by Fireworks' names, the holdout as
    the evaluation dataset, the token in the display name (and in the job id, a query)."""
    assert body == {
        "dataset": "accounts/acct-1/datasets/file-1",
        "evaluationDataset": "accounts/acct-1/datasets/file-2",
        "baseModel": "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "epochs": 2,
        "batchSize": 8,
        "displayName": f"pirate-{TOKEN}",
    }


BODY_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "openai": openai_body,
    "azure": openai_body,
    "together": together_body,
    "mistral": mistral_body,
    "fireworks": fireworks_body,
}
OPENAI_WATCHED = (
    [(1, 2.0, None, None), (2, 1.5, None, None)],
    [1, 2],
    "ft:gpt-4.1-mini:org::abc",
    ["event 1"],
)
WATCHED: dict[str, tuple[Any, ...]] = {  # metrics, checkpoint steps, model, first messages
    "openai": OPENAI_WATCHED,
    "azure": OPENAI_WATCHED,
    "together": (
        [(1, 2.0, None, None), (2, 1.5, 1.6, None)],
        [2],
        "u/Llama-3.1-8B-ft-1",
        ["event 1", "event 2"],
    ),
    "mistral": (
        [(1, 2.0, 2.1, 0.5), (2, 1.5, 1.6, 0.6)],
        [1, 2],
        "ft:open-mistral-nemo:p:j-1",
        ["status-updated"],
    ),
    "fireworks": (
        [(1, 2.0, None, None), (2, 1.5, 1.6, None)],
        [2],
        "accounts/acct-1/models/tuiapp-ft",
        ["job created", "step 1", "step 2", "completed", "job finished"],
    ),
}
