"""The end of a training run: the final model written (a LoRA adapter, or the whole model of
a full fine-tune), the metrics CSV attached, the model published and the job succeeded."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tuiapp.local.state import LocalState, new_id, now

RESULT_COLUMNS = ["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"]


def save_final(trainer: Any, out: Path, full: bool) -> Path:
    """The trained model's folder: `adapter` (peft's two files) or, for a full fine-tune,
    `model` (safetensors weights, config and tokenizer: a model folder of its own)."""
    if not full:
        adapter = out / "adapter"
        trainer.model.save_pretrained(adapter)
        return adapter
    folder = out / "model"
    trainer.model.save_pretrained(folder)
    trainer.processing_class.save_pretrained(folder)
    return folder


def publish(
    state: LocalState,
    job: dict[str, Any],
    name: str,
    folder: Path,
    rows: list[dict[str, Any]],
    trained_tokens: int,
) -> None:
    """Attach the metrics CSV, list the model (its folder in `adapter_path`, whole or not),
    and mark the job succeeded."""
    job_id = job["id"]
    result_id = new_id("file")
    result_path = state.files_dir / result_id
    with open(result_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    state.execute(
        "INSERT INTO files(id, bytes, created_at, filename, purpose, status) "
        "VALUES (?, ?, ?, 'step_metrics.csv', 'fine-tune-results', 'processed')",
        (result_id, result_path.stat().st_size, now()),
    )
    state.execute(
        "INSERT OR REPLACE INTO models(id, created, owned_by, base_model, adapter_path, "
        "job_id) VALUES (?, ?, 'local', ?, ?, ?)",
        (name, now(), job["model"], str(folder), job_id),
    )
    state.set_job(
        job_id,
        status="succeeded",
        finished_at=now(),
        fine_tuned_model=name,
        trained_tokens=trained_tokens,
        result_files=[result_id],
        estimated_finish=None,
    )
    state.add_event(job_id, f"New fine-tuned model created: {name}")
    state.add_event(job_id, "The job has successfully completed")
