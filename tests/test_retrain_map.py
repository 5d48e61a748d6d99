"""The retrain mapping, provider by provider: what goes across as it is, what is converted
(and how), and what has no equivalent (a note says it is left to the target's default)."""

from __future__ import annotations

from typing import Any

import pytest

from tuiapp.data.retrain_map import RetrainMapping, Source, map_job
from tuiapp.services.retrain import source_of, target_of
from tuiapp.store.jobs import Job

OPENAI_JOB = {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2}


def moved(hyper: dict[str, Any], to: str, src: str = "openai", **kw: Any) -> RetrainMapping:
    """Map a job of `src` with these hyperparameters to the provider `to`."""
    base = 1e-3 if src == "local" else None
    source = Source(src, kw.get("method", "supervised"), hyper, kw.get("seed"), base)
    return map_job(source, target_of(to))


def fates(mapping: RetrainMapping) -> dict[str, str]:
    """name -> kept | converted | dropped."""
    return {n.name: n.fate for n in mapping.notes}


def test_openai_to_local_keeps_the_three_and_says_the_rate_differs() -> None:
    m = moved(OPENAI_JOB, "local", seed=7)
    assert m.hyperparameters == OPENAI_JOB and m.seed == 7 and not m.refused
    assert fates(m) == {
        "n_epochs": "kept",
        "batch_size": "kept",
        "learning_rate_multiplier": "kept",
        "seed": "kept",
    }
    (lr,) = [n for n in m.notes if n.name == "learning_rate_multiplier"]
    assert "local's own base rate (0.001 x it), not openai's" in lr.text


def test_openai_to_together_drops_the_multiplier() -> None:
    m = moved(OPENAI_JOB, "together")
    assert m.hyperparameters == {"n_epochs": 3, "batch_size": 4}
    assert fates(m)["learning_rate_multiplier"] == "dropped"
    assert [n.text for n in m.lost] == ["together takes no learning rate: left to its default"]


def test_openai_to_fireworks_has_no_absolute_rate_and_no_seed() -> None:
    m = moved(OPENAI_JOB, "fireworks", seed=3)
    assert m.hyperparameters == {"n_epochs": 3, "batch_size": 4}
    assert m.extra_hyperparameters == {} and m.seed is None
    lost = {n.name: n.text for n in m.lost}
    assert "does not publish what multiplier 1 means" in lost["learning_rate_multiplier"]
    assert lost["seed"] == "fireworks takes no seed: the run is not repeatable"


def test_local_to_fireworks_converts_multiplier_rank_and_length() -> None:
    hyper = {**OPENAI_JOB, "lora_rank": 16, "lora_alpha": 32, "max_seq_length": 512}
    m = moved(hyper, "fireworks", src="local")
    assert m.extra_hyperparameters == {
        "learning_rate": pytest.approx(2e-3),
        "lora_rank": 16,
        "max_context_length": 512,
    }
    assert fates(m) == {
        "learning_rate": "converted",
        "n_epochs": "kept",
        "batch_size": "kept",
        "lora_rank": "kept",
        "lora_alpha": "dropped",
        "max_context_length": "converted",
    }
    (alpha,) = m.lost
    assert alpha.text == "fireworks picks its own adapter shape: left to its default"


def test_fireworks_to_local_turns_the_rate_into_a_multiplier() -> None:
    m = moved({"n_epochs": 2, "learning_rate": 5e-4, "lora_rank": 8}, "local", src="fireworks")
    assert m.hyperparameters == {"n_epochs": 2, "learning_rate_multiplier": 0.5}
    assert m.extra_hyperparameters == {"lora_rank": 8}
    (lr,) = [n for n in m.notes if n.name == "learning_rate_multiplier"]
    assert lr.fate == "converted" and lr.text == "learning rate 0.0005 / local's base rate 0.001"


def test_fireworks_to_openai_cannot_turn_a_rate_into_a_multiplier() -> None:
    m = moved({"learning_rate": 5e-4, "lora_rank": 8}, "openai", src="fireworks")
    assert m.hyperparameters == {} and m.extra_hyperparameters == {}
    assert fates(m) == {"learning_rate": "dropped", "lora_rank": "dropped"}


def test_dpo_beta_goes_to_local_and_is_lost_on_together() -> None:
    hyper = {"n_epochs": 1, "beta": 0.2}
    to_local = moved(hyper, "local", method="dpo")
    assert to_local.method == "dpo" and to_local.extra_hyperparameters == {"beta": 0.2}
    to_together = moved(hyper, "together", method="dpo")
    assert [n.text for n in to_together.lost] == ["together takes no DPO beta: left to its default"]


def test_mistral_refuses_dpo_and_has_no_batch_size() -> None:
    assert moved({}, "mistral", method="dpo").refused == (
        "mistral has no dpo jobs (it offers supervised)"
    )
    m = moved(OPENAI_JOB, "mistral")
    assert m.hyperparameters == {"n_epochs": 3}
    assert fates(m) == {
        "learning_rate_multiplier": "dropped",
        "n_epochs": "kept",
        "batch_size": "dropped",
    }


def test_auto_values_are_left_on_auto_and_say_nothing() -> None:
    m = moved({"n_epochs": "auto", "batch_size": None}, "local")
    assert m.hyperparameters == {} and m.notes == []


def test_the_source_is_what_the_job_trained_with() -> None:
    job = Job(
        1, "openai", "ftjob-1", 1, "gpt-4o-mini-2024-07-18", "supervised",
        {"n_epochs": 5, "batch_size": "auto"}, {"n_epochs": 3, "batch_size": 8}, None, 11,
        "file-1", None, "succeeded", "ft:x", None, None, None, {}, [], None, "", "", None,
    )  # fmt: skip
    assert source_of(job) == Source("openai", "supervised", {"n_epochs": 5, "batch_size": 8}, 11)
