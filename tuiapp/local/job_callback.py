"""The bridge from a Hugging Face trainer to a local job: OpenAI-shaped metrics events,
checkpoints per epoch, the estimated finish, and stopping at a step boundary on request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from tuiapp.local.devices import Placement, memory_in_use_mb
from tuiapp.local.early_stop import EarlyStop, early_stop
from tuiapp.local.state import LocalState, new_id, now

STEP_DELAY_ENV = "TUIAPP_TRAINER_STEP_DELAY"  # test hook: slow steps, to pause at a known moment


@dataclass
class Schedule:
    """What the run does when: its length, and the steps that are evaluated."""

    total_steps: int
    steps_per_epoch: int
    eval_every: int
    has_validation: bool

    def evaluates(self, step: int) -> bool:
        """Whether the trainer runs the (sampled) validation after `step`."""
        return self.has_validation and (step % self.eval_every == 0 or step == self.total_steps)


@dataclass
class Progress:
    """What the callback has reported, kept for the results file and a resume."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    reported: int = 0  # the last step a metrics event exists for (a restart repeats none)
    stop: Callable[[], str | None] = lambda: None  # "pause"/"cancel" once a SIGTERM came
    patience: int | None = None  # early stopping: evaluations without improvement (None: off)
    min_delta: float = 0.0
    stopped_early: EarlyStop | None = None


class JobCallback(TrainerCallback):
    """Reports each step as OpenAI reports it and stops where the runner asked."""

    def __init__(
        self,
        state: LocalState,
        job_id: str,
        schedule: Schedule,
        progress: Progress,
        placement: Placement,
        checkpoint_name: Callable[[int], str],
        base_model: str,
        step_delay: float = 0.0,
    ) -> None:
        self.state, self.job_id = state, job_id
        self.schedule, self.progress, self.placement = schedule, progress, placement
        self.checkpoint_name, self.base_model = checkpoint_name, base_model
        self.step_delay = step_delay
        self.full_validation: Callable[[], dict[str, float]] | None = None  # set by the trainer
        self._pending: dict[str, Any] | None = None  # a step's train metrics, before its eval
        self._started = 0.0
        self._first_step = 0
        self._tokens_at_start = 0

    # -- the run ------------------------------------------------------------------------
    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        """Start the clock after the model is loaded (ETA and tokens/s exclude the load)."""
        self._started = time.monotonic()
        self._first_step = state.global_step
        self._tokens_at_start = int(state.num_input_tokens_seen or 0)

    def on_step_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        """The test hook's delay, inside the step (a pause during it saves this step)."""
        if self.step_delay:
            time.sleep(self.step_delay)

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        """A SIGTERM came: stop after this step, saving it unless the job was cancelled."""
        request = self.progress.stop()
        if request is not None:
            control.should_training_stop = True
            control.should_save = request != "cancel"

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        """A training step's loss and accuracy: reported now, or with its validation."""
        logs = logs or {}
        if "loss" not in logs:
            return  # an evaluation's own log line
        step = state.global_step
        self._pending = {
            "step": step,
            "train_loss": float(logs["loss"]),
            # SFT: the share of next tokens predicted right; DPO: of pairs ranked right
            "train_mean_token_accuracy": float(
                logs.get("mean_token_accuracy", logs.get("rewards/accuracies", 0.0))
            ),
            "total_steps": self.schedule.total_steps,
            **self._resources(state),
        }
        if not self.schedule.evaluates(step):
            self._report(self._pending)

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        """The sampled validation of a step joins that step's event."""
        metrics = metrics or {}
        if "eval_loss" not in metrics or self._pending is None:
            return
        pending, self._pending = self._pending, None
        pending["valid_loss"] = float(metrics["eval_loss"])
        pending["valid_mean_token_accuracy"] = float(
            metrics.get("eval_mean_token_accuracy", metrics.get("eval_rewards/accuracies", 0.0))
        )
        self._report(pending)
        self._early_stop(pending["step"], control)

    def _early_stop(self, step: int, control: TrainerControl) -> None:
        """Stop after this step when the validation loss has stopped improving (the model is
        kept as it is now); an event says where and why."""
        progress = self.progress
        if progress.patience is None or progress.stopped_early is not None:
            return
        losses = [(r["step"], r["valid_loss"]) for r in progress.rows if r["valid_loss"] != ""]
        fired = early_stop(losses, progress.patience, progress.min_delta)
        if fired is None or fired.step != step:
            return
        progress.stopped_early = fired
        control.should_training_stop = True
        self.state.add_event(self.job_id, fired.message, data={"early_stopping": fired.to_dict()})

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        """A complete checkpoint is on disk: the resume point moves to it; at the end of an
        epoch it is also a checkpoint the API lists, with its full validation metrics."""
        step = state.global_step
        folder = Path(str(args.output_dir)) / f"checkpoint-{step}"
        self.state.set_job(self.job_id, resume_step=step)
        (folder / "tuiapp_metrics.json").write_text(json.dumps(self.progress.rows))
        at_epoch_end = (
            step % self.schedule.steps_per_epoch == 0 or step == self.schedule.total_steps
        )
        if at_epoch_end and step > self._first_step:
            self._register_checkpoint(step, folder)

    # -- reporting ----------------------------------------------------------------------
    def _resources(self, state: TrainerState) -> dict[str, Any]:
        """Device, tokens per second since the model loaded, and peak memory."""
        elapsed = max(1e-9, time.monotonic() - self._started)
        tokens = int(state.num_input_tokens_seen or 0) - self._tokens_at_start
        return {
            "device": self.placement.name,
            "tokens_per_second": round(tokens / elapsed, 1),
            "memory_mb": round(memory_in_use_mb(self.placement), 1),
        }

    def _report(self, metrics: dict[str, Any]) -> None:
        """A metrics event (once per step, even across restarts), the results row and a fresh
        estimated finish."""
        step = metrics["step"]
        self.progress.rows.append(
            {
                "step": step,
                "train_loss": metrics["train_loss"],
                "train_accuracy": metrics["train_mean_token_accuracy"],
                "valid_loss": metrics.get("valid_loss", ""),
                "valid_mean_token_accuracy": metrics.get("valid_mean_token_accuracy", ""),
            }
        )
        done = max(1, step - self._first_step)
        per_step = (time.monotonic() - self._started) / done
        remaining = self.schedule.total_steps - step
        self.state.set_job(self.job_id, estimated_finish=now() + int(per_step * remaining))
        if step <= self.progress.reported:
            return
        self.progress.reported = step
        self.state.add_event(
            self.job_id,
            f"Step {step}/{metrics['total_steps']}: training loss={metrics['train_loss']:.4f}",
            type="metrics",
            data=metrics,
        )

    def _register_checkpoint(self, step: int, folder: Path) -> None:
        """The epoch's checkpoint in the API's list and as a model that can be used."""
        last = self.progress.rows[-1] if self.progress.rows else {}
        metrics: dict[str, Any] = {
            "step": step,
            "train_loss": last.get("train_loss"),
            "train_mean_token_accuracy": last.get("train_accuracy"),
        }
        if self.full_validation is not None:
            metrics.update(self.full_validation())
        name = self.checkpoint_name(step)
        self.state.execute(
            "INSERT INTO checkpoints(id, job_id, created_at, step_number, metrics, "
            "fine_tuned_model_checkpoint, path) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id("ftckpt"), self.job_id, now(), step, json.dumps(metrics), name, str(folder)),
        )
        self.state.execute(
            "INSERT OR REPLACE INTO models(id, created, owned_by, base_model, adapter_path, "
            "job_id) VALUES (?, ?, 'local', ?, ?, ?)",
            (name, now(), self.base_model, str(folder), self.job_id),
        )
        epoch = -(-step // self.schedule.steps_per_epoch)
        self.state.add_event(
            self.job_id, f"Checkpoint created at step {step} (epoch {epoch})", data=metrics
        )
