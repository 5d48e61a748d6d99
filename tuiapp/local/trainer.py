"""The training process of one job: LoRA on a causal LM, loss on assistant tokens only.

Run as `python -m tuiapp.local.trainer STATE_DIR JOB_ID`. It reads the job and its files from
the local state, writes metrics events, checkpoints and the final model back to it, and stops
within one step of a SIGTERM (cancel or pause; pause saves where it stopped, so resume goes on
from that exact step)."""

from __future__ import annotations

import csv
import json
import math
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from tuiapp.local.batches import collate, loss_and_accuracy, read_examples
from tuiapp.local.chat_tokens import Tokenized, tokenize_chat
from tuiapp.local.hyperparams import resolve
from tuiapp.local.model_store import model_dirs, resolve_base
from tuiapp.local.state import LocalState, new_id, now, open_state

MAX_SEQ_LEN = int(os.environ.get("TUIAPP_LOCAL_MAX_SEQ_LEN", "1024"))
# test hooks: a slow model load and slow steps, to pause or kill a trainer at a known moment
LOAD_DELAY = float(os.environ.get("TUIAPP_TRAINER_LOAD_DELAY", "0"))
STEP_DELAY = float(os.environ.get("TUIAPP_TRAINER_STEP_DELAY", "0"))
THREADS = int(os.environ.get("TUIAPP_LOCAL_THREADS", "2"))
RESULT_COLUMNS = ["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"]


class Stop(Exception):
    """SIGTERM arrived: the server asked us to cancel or pause."""


class Trainer:
    """One job's training run."""

    def __init__(self, state: LocalState, job_id: str) -> None:
        self.state = state
        job = state.job(job_id)
        if job is None:
            raise SystemExit(f"no job {job_id}")
        self.job = job
        self.job_id = job_id
        self.out = state.jobs_dir / job_id
        self.out.mkdir(parents=True, exist_ok=True)
        self.stop_requested = False
        self.reported = 0
        self.metrics_rows: list[dict[str, Any]] = []

    def _on_sigterm(self, *_: Any) -> None:
        """Remember the request; the loop stops before the next step."""
        self.stop_requested = True

    def run(self) -> None:
        """Train, reporting as we go; any failure becomes the job's error."""
        signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._train()
        except Stop:
            pass
        except Exception as err:  # the job must fail with a reason, never hang in 'running'
            (self.out / "error.log").write_text(traceback.format_exc())
            message = f"{type(err).__name__}: {err}"
            self.state.set_job(
                self.job_id,
                status="failed",
                finished_at=now(),
                error={"code": "training_error", "message": message, "param": None},
                estimated_finish=None,
            )
            self.state.add_event(self.job_id, f"Training failed: {message}", level="error")
            raise

    # ---------------------------------------------------------------------------------
    def _train(self) -> None:
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(THREADS)
        job = self.job
        base_path = resolve_base(job["model"], model_dirs([self.state.root / "models"]))
        if base_path is None:
            raise ValueError(f"base model {job['model']!r} is not available locally")
        seed = int(job["seed"])
        random.seed(seed)
        torch.manual_seed(seed)

        tokenizer = AutoTokenizer.from_pretrained(base_path)
        pad_id = (
            tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else (tokenizer.eos_token_id or 0)
        )
        train = [
            tokenize_chat(tokenizer, ex["messages"], MAX_SEQ_LEN)
            for ex in read_examples(self.state, job["training_file"])
        ]
        train = [t for t in train if t.trained_tokens]
        valid = (
            [
                tokenize_chat(tokenizer, ex["messages"], MAX_SEQ_LEN)
                for ex in read_examples(self.state, job["validation_file"])
            ]
            if job["validation_file"]
            else []
        )
        valid = [t for t in valid if t.trained_tokens]
        if not train:
            raise ValueError("no training example has an assistant message to learn from")
        settings = resolve(json.loads(job["hyperparameters"] or "{}"), len(train), seed)
        steps_per_epoch = math.ceil(len(train) / settings.batch_size)
        total_steps = steps_per_epoch * settings.n_epochs

        model: Any = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
        model = get_peft_model(
            model,
            LoraConfig(
                r=settings.lora_r,
                lora_alpha=settings.lora_alpha,
                lora_dropout=0.0,
                target_modules="all-linear",
                task_type="CAUSAL_LM",
            ),
        )
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate
        )
        start_step = self._restore(model, optimizer)
        time.sleep(LOAD_DELAY)
        if self.stop_requested:  # paused or cancelled while loading: stop before step 1
            self._stopped(model, optimizer, start_step)
        self.reported = self._reported_steps()
        self.state.set_job(  # the status is the runner's and the API's: never written here
            self.job_id,
            hyperparameters={
                "n_epochs": settings.n_epochs,
                "batch_size": settings.batch_size,
                "learning_rate_multiplier": settings.learning_rate_multiplier,
            },
        )
        self.state.add_event(
            self.job_id,
            (
                f"Fine-tuning job started: {len(train)} examples, {settings.n_epochs} epochs, "
                f"batch size {settings.batch_size}, {total_steps} steps, LoRA r={settings.lora_r}, "
                f"learning rate {settings.learning_rate:g}"
                + (f" (resumed at step {start_step})" if start_step else "")
            ),
        )

        eval_every = max(1, total_steps // 20)
        trained_tokens = 0
        started = time.monotonic()
        step = 0
        model.train()
        for epoch in range(settings.n_epochs):
            order = list(range(len(train)))
            random.Random(seed * 1000 + epoch).shuffle(order)  # same order after a resume
            for b in range(steps_per_epoch):
                step += 1
                items = [
                    train[i] for i in order[b * settings.batch_size : (b + 1) * settings.batch_size]
                ]
                trained_tokens += sum(len(t.input_ids) for t in items)
                if step <= start_step:
                    continue
                if self.stop_requested:
                    self._stopped(model, optimizer, step - 1)
                time.sleep(STEP_DELAY)
                loss, accuracy, _ = loss_and_accuracy(model, collate(items, pad_id))
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                metrics: dict[str, Any] = {
                    "step": step,
                    "train_loss": loss.item(),
                    "train_mean_token_accuracy": accuracy,
                    "total_steps": total_steps,
                }
                if valid and (step % eval_every == 0 or step == total_steps):
                    vb = [
                        valid[(step // eval_every * settings.batch_size + k) % len(valid)]
                        for k in range(min(settings.batch_size, len(valid)))
                    ]
                    metrics["valid_loss"], metrics["valid_mean_token_accuracy"] = self._evaluate(
                        model, vb, pad_id
                    )
                self._report_step(metrics, started, step - start_step, total_steps - step)
            if step > start_step:  # an epoch finished before a resume has its checkpoint
                self._checkpoint(model, optimizer, step, epoch, valid, pad_id)
        self._finish(model, base_path, trained_tokens, step)

    def _evaluate(self, model: Any, items: list[Tokenized], pad_id: int) -> tuple[float, float]:
        """Loss and accuracy on some validation examples, without gradients."""
        import torch

        model.eval()
        total_loss = total_correct = total_n = 0.0
        with torch.no_grad():
            for i in range(0, len(items), 8):
                loss, acc, n = loss_and_accuracy(model, collate(items[i : i + 8], pad_id))
                total_loss += float(loss) * n
                total_correct += acc * n
                total_n += n
        model.train()
        return (total_loss / total_n, total_correct / total_n) if total_n else (0.0, 0.0)

    def _report_step(
        self, metrics: dict[str, Any], started: float, done: int, remaining: int
    ) -> None:
        """A metrics event, the results row, and a fresh estimated finish."""
        row = {
            "step": metrics["step"],
            "train_loss": metrics["train_loss"],
            "train_accuracy": metrics["train_mean_token_accuracy"],
            "valid_loss": metrics.get("valid_loss", ""),
            "valid_mean_token_accuracy": metrics.get("valid_mean_token_accuracy", ""),
        }
        self.metrics_rows.append(row)
        per_step = (time.monotonic() - started) / max(1, done)
        self.state.set_job(self.job_id, estimated_finish=now() + int(per_step * remaining))
        if metrics["step"] <= self.reported:
            return  # recomputed after a restart from an earlier checkpoint: already reported
        self.state.add_event(
            self.job_id,
            f"Step {metrics['step']}/{metrics['total_steps']}: "
            f"training loss={metrics['train_loss']:.4f}",
            type="metrics",
            data=metrics,
        )

    def _reported_steps(self) -> int:
        """The last step a metrics event was written for (before a crash and restart)."""
        row = self.state.one(
            "SELECT MAX(json_extract(data, '$.step')) AS step FROM events "
            "WHERE job_id = ? AND type = 'metrics'",
            (self.job_id,),
        )
        return int(row["step"] or 0) if row else 0

    def _model_name(self) -> str:
        """`ft:BASE:local:SUFFIX:ID`, as OpenAI names fine-tuned models."""
        base = Path(self.job["model"]).name
        return f"ft:{base}:local:{self.job['suffix'] or ''}:{self.job_id.split('-')[-1][:8]}"

    def _save_resume(self, model: Any, optimizer: Any, step: int) -> None:
        """Adapter and optimizer state at `step`, for pause/resume and restarts. Written
        beside the old state and swapped in, so a kill at any moment leaves one complete."""
        import shutil

        import torch

        resume, partial, old = (self.out / n for n in ("resume", "resume.partial", "resume.old"))
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        torch.save({"optimizer": optimizer.state_dict(), "step": step}, partial / "trainer.pt")
        (partial / "metrics.json").write_text(json.dumps(self.metrics_rows))
        if resume.exists():
            shutil.rmtree(old, ignore_errors=True)
            resume.rename(old)
        partial.rename(resume)
        shutil.rmtree(old, ignore_errors=True)
        self.state.set_job(self.job_id, resume_step=step)

    def _restore(self, model: Any, optimizer: Any) -> int:
        """Load the saved state if the job was paused or interrupted; returns its step (the
        step recorded in the state itself, whatever the job row says)."""
        import torch
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        resume = self.out / "resume"
        if not (resume / "trainer.pt").is_file() and (self.out / "resume.old").is_dir():
            resume = self.out / "resume.old"  # killed between the two renames
        if not (resume / "trainer.pt").is_file():
            return 0
        set_peft_model_state_dict(model, load_file(str(resume / "adapter_model.safetensors")))
        saved = torch.load(resume / "trainer.pt", weights_only=True)
        optimizer.load_state_dict(saved["optimizer"])
        rows = resume / "metrics.json"
        if rows.is_file():
            self.metrics_rows = json.loads(rows.read_text())
        return int(saved["step"])

    def _stopped(self, model: Any, optimizer: Any, step: int) -> None:
        """SIGTERM: save where we are unless the job was cancelled, then stop. The runner says
        where a paused job stopped; any other SIGTERM (a shutdown) leaves the job running, so
        the runner resumes it from this step."""
        job = self.state.job(self.job_id) or {}
        if job.get("status") != "cancelled":
            self._save_resume(model, optimizer, step)
        raise Stop  # the runner says "Job paused at step N" once this process has ended

    def _checkpoint(
        self, model: Any, optimizer: Any, step: int, epoch: int, valid: list[Tokenized], pad_id: int
    ) -> None:
        """A checkpoint at the end of each epoch, with its metrics."""
        path = self.out / f"checkpoint-step-{step}"
        model.save_pretrained(path)
        self._save_resume(model, optimizer, step)
        last = self.metrics_rows[-1] if self.metrics_rows else {}
        metrics: dict[str, Any] = {
            "step": step,
            "train_loss": last.get("train_loss"),
            "train_mean_token_accuracy": last.get("train_accuracy"),
        }
        if valid:
            metrics["full_valid_loss"], metrics["full_valid_mean_token_accuracy"] = self._evaluate(
                model, valid, pad_id
            )
        name = f"{self._model_name()}:ckpt-step-{step}"
        self.state.execute(
            "INSERT INTO checkpoints(id, job_id, created_at, step_number, metrics, "
            "fine_tuned_model_checkpoint, path) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id("ftckpt"), self.job_id, now(), step, json.dumps(metrics), name, str(path)),
        )
        self.state.execute(
            "INSERT OR REPLACE INTO models(id, created, owned_by, base_model, adapter_path, "
            "job_id) VALUES (?, ?, 'local', ?, ?, ?)",
            (name, now(), self.job["model"], str(path), self.job_id),
        )
        self.state.add_event(
            self.job_id, f"Checkpoint created at step {step} (epoch {epoch + 1})", data=metrics
        )

    def _finish(self, model: Any, base_path: str, trained_tokens: int, step: int) -> None:
        """Save the adapter, attach the metrics CSV, publish the model, succeed."""
        adapter = self.out / "adapter"
        model.save_pretrained(adapter)
        result_id = new_id("file")
        result_path = self.state.files_dir / result_id
        with open(result_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS)
            writer.writeheader()
            writer.writerows(self.metrics_rows)
        self.state.execute(
            "INSERT INTO files(id, bytes, created_at, filename, purpose, status) "
            "VALUES (?, ?, ?, 'step_metrics.csv', 'fine-tune-results', 'processed')",
            (result_id, result_path.stat().st_size, now()),
        )
        name = self._model_name()
        self.state.execute(
            "INSERT OR REPLACE INTO models(id, created, owned_by, base_model, adapter_path, "
            "job_id) VALUES (?, ?, 'local', ?, ?, ?)",
            (name, now(), self.job["model"], str(adapter), self.job_id),
        )
        self.state.set_job(
            self.job_id,
            status="succeeded",
            finished_at=now(),
            fine_tuned_model=name,
            trained_tokens=trained_tokens,
            result_files=[result_id],
            estimated_finish=None,
        )
        self.state.add_event(self.job_id, f"New fine-tuned model created: {name}")
        self.state.add_event(self.job_id, "The job has successfully completed")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the trainer process."""
    args = sys.argv[1:] if argv is None else argv
    state = open_state(args[0])
    try:
        Trainer(state, args[1]).run()
    except Exception:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
