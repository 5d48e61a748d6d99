"""The training process of one job: TRL's SFT trainer (over accelerate, with peft LoRA) on a
causal LM, loss on assistant tokens only, on CUDA, Apple MPS or the CPU.

Run as `python -m tuiapp.local.trainer STATE_DIR JOB_ID`. It reads the job and its files from
the local state, writes metrics events, checkpoints and the final model back to it, and stops
at the end of the current step on a SIGTERM (cancel or pause; pause saves that step, so resume
goes on from exactly there, with the optimizer, scheduler and data order restored).

Under torchrun (`tuiapp.local.launch`, several GPUs or `TUIAPP_LOCAL_PROCESSES`) each process
trains on its share of every batch (data-parallel, through accelerate): the job's batch_size is
the global batch, split evenly over the processes; only rank 0 writes events, checkpoints, the
final model and the job row; a SIGTERM stops every rank after the same step."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from tuiapp.local.batches import read_examples
from tuiapp.local.chat_tokens import Tokenized, tokenize_chat
from tuiapp.local.devices import choose
from tuiapp.local.hf_trainers import (
    RunSpec,
    build_dpo,
    build_sft,
    dpo_rows,
    model_note,
    settings_note,
    steps,
    truncate,
)
from tuiapp.local.hyperparams import extras_given, resolve
from tuiapp.local.job_callback import JobCallback, Progress, Schedule
from tuiapp.local.model_store import model_dirs, resolve_base
from tuiapp.local.publish import publish, save_final
from tuiapp.local.ranks import RANK, WORLD_SIZE, RankState, any_rank, per_device_batch
from tuiapp.local.state import LocalState, now, open_state

MAX_SEQ_LEN = int(os.environ.get("TUIAPP_LOCAL_MAX_SEQ_LEN", "1024"))
# test hooks: a slow model load and slow steps, to pause or kill a trainer at a known moment
LOAD_DELAY = float(os.environ.get("TUIAPP_TRAINER_LOAD_DELAY", "0"))
STEP_DELAY = float(os.environ.get("TUIAPP_TRAINER_STEP_DELAY", "0"))
THREADS = int(os.environ.get("TUIAPP_LOCAL_THREADS", "2"))


class Stop(Exception):
    """SIGTERM arrived: the server asked us to cancel or pause."""


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest complete checkpoint (its trainer state is written last, so a kill while
    saving leaves an older complete one to resume from)."""
    done = [p for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    return max(done, key=lambda p: int(p.name.split("-")[-1]), default=None)


class Trainer:
    """One job's training run."""

    def __init__(self, state: LocalState, job_id: str) -> None:
        self.state = state
        job = state.job(job_id)
        if job is None:
            raise SystemExit(f"no job {job_id}")
        self.job = job
        self.job_id = job_id
        if RANK != 0:
            self.state = RankState(state.root, state.conn)
        self.out = state.jobs_dir / job_id
        self.out.mkdir(parents=True, exist_ok=True)
        self.signalled = False
        self.truncated = (0, 0)  # training examples cut to max_seq_length, tokens cut

    def _on_sigterm(self, *_: Any) -> None:
        """Remember the request; the trainer stops at the end of the current step."""
        self.signalled = True

    def stop_request(self) -> str | None:
        """ "cancel" or "pause" (any other SIGTERM, a shutdown, saves like a pause) once a
        SIGTERM came; None before. With several processes every rank gets the same answer at
        the same step (a cancel wins), as soon as one of them was signalled."""
        code = 0
        if self.signalled:
            job = self.state.job(self.job_id) or {}
            code = 2 if job.get("status") == "cancelled" else 1
        code = any_rank(code)
        self.signalled = self.signalled or code > 0
        return {0: None, 1: "pause", 2: "cancel"}[code]

    def run(self) -> None:
        """Train, reporting as we go; any failure becomes the job's error."""
        signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._train()
        except Stop:
            pass
        except Exception as err:  # the job must fail with a reason, never hang in 'running'
            if RANK != 0:  # its traceback goes to trainer.log; rank 0 says why the job failed
                raise
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
    def _tokenized(
        self, tokenizer: Any, file_id: str | None, max_len: int, count: bool = False
    ) -> list[Tokenized]:
        """A file's examples with something to learn from, as token ids and labels, cut to
        `max_len` tokens (how many were cut kept in `self.truncated` when `count`)."""
        if not file_id:
            return []
        whole = [
            tokenize_chat(tokenizer, ex["messages"], 1 << 30)
            for ex in read_examples(self.state, file_id)
        ]
        items, *truncated = truncate(whole, max_len)
        if count:
            self.truncated = (truncated[0], truncated[1])
        return items

    def _pairs(self, file_id: str | None) -> list[dict[str, Any]]:
        """A preference file's pairs, as TRL's DPO trainer reads them."""
        return dpo_rows(read_examples(self.state, file_id)) if file_id else []

    def _train(self) -> None:
        import torch
        from transformers import AutoTokenizer

        torch.set_num_threads(max(1, THREADS // WORLD_SIZE))  # the CPU's share of each process
        job = self.job
        base_path = resolve_base(job["model"], model_dirs([self.state.root / "models"]))
        if base_path is None:
            raise ValueError(f"base model {job['model']!r} is not available locally")
        method = json.loads(job["method"] or "{}").get("type", "supervised")
        hyper = json.loads(job["hyperparameters"] or "{}")
        placement = choose()
        max_len = resolve(hyper, 1, 0).max_seq_length or MAX_SEQ_LEN
        tokenizer = AutoTokenizer.from_pretrained(base_path)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        pairs: list[dict[str, Any]] = []
        items: list[Tokenized] = []
        if method == "dpo":
            pairs = self._pairs(job["training_file"])
            valid_pairs = self._pairs(job["validation_file"])
            if not pairs:
                raise ValueError("no preference pair has a prompt and both answers")
            n_train, has_valid = len(pairs), bool(valid_pairs)
        else:
            items = self._tokenized(tokenizer, job["training_file"], max_len, count=True)
            valid_items = self._tokenized(tokenizer, job["validation_file"], max_len)
            if not items:
                raise ValueError("no training example has an assistant message to learn from")
            n_train, has_valid = len(items), bool(valid_items)
        settings = resolve(hyper, n_train, int(job["seed"]))
        per_device, uneven = per_device_batch(settings.batch_size, WORLD_SIZE)
        if uneven:
            self.state.add_event(self.job_id, uneven.capitalize(), level="warn")
            settings = dataclasses.replace(settings, batch_size=per_device * WORLD_SIZE)
        spec = RunSpec(
            base_path,
            self.out / "hf",
            dataclasses.replace(settings, batch_size=per_device),  # what one process trains on
            placement,
            max_len,
        )
        per_epoch, total = steps(n_train, settings)
        schedule = Schedule(total, per_epoch, max(1, total // 20), has_valid)
        callback = JobCallback(
            self.state,
            self.job_id,
            schedule,
            Progress(
                reported=self._reported_steps(),
                stop=self.stop_request,
                patience=settings.early_stopping_patience,
                min_delta=settings.early_stopping_min_delta,
            ),
            placement,
            lambda step: f"{self._model_name()}:ckpt-step-{step}",
            job["model"],
            step_delay=STEP_DELAY,
        )
        if method == "dpo":
            beta = float(hyper.get("beta") if hyper.get("beta") not in (None, "auto") else 0.1)
            trainer, callback.full_validation = build_dpo(
                spec, tokenizer, pairs, valid_pairs, beta, schedule.eval_every, [callback]
            )
        else:
            trainer, callback.full_validation = build_sft(
                spec, tokenizer, items, valid_items, schedule.eval_every, [callback]
            )
            if settings.packing:  # fewer, fuller sequences: the run has fewer steps
                per_epoch, total = steps(len(trainer.train_dataset), settings)
                schedule.steps_per_epoch, schedule.total_steps = per_epoch, total
        resume = latest_checkpoint(spec.out)
        if resume is not None:
            rows = resume / "tuiapp_metrics.json"
            callback.progress.rows = json.loads(rows.read_text()) if rows.is_file() else []
        start_step = int(resume.name.split("-")[-1]) if resume else 0
        time.sleep(LOAD_DELAY)
        if self.stop_request():  # paused or cancelled while loading: stop before the next step
            raise Stop
        self.state.set_job(  # the status is the runner's and the API's: never written here
            self.job_id,
            hyperparameters={
                "n_epochs": settings.n_epochs,
                "batch_size": settings.batch_size,
                "learning_rate_multiplier": settings.learning_rate_multiplier,
                **({"beta": beta} if method == "dpo" else {}),
                **extras_given(hyper),
            },
        )
        self.state.add_event(
            self.job_id,
            (
                f"Fine-tuning job started ({method}): {n_train} examples, "
                f"{settings.n_epochs} epochs, batch size {settings.batch_size}, {total} steps, "
                + model_note(settings, trainer.model, reference=method == "dpo")
                + f", learning rate {settings.learning_rate:g}, on "
                f"{placement.name} in {placement.precision}"
                + (f", {WORLD_SIZE} processes data-parallel" if WORLD_SIZE > 1 else "")
                + (f" (resumed at step {start_step})" if start_step else "")
                + settings_note(settings, max_len, self.truncated)
            ),
        )
        trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        if self.signalled or RANK != 0:
            raise Stop  # the runner says "Job paused at step N" once this process has ended
        trained_tokens = int(trainer.state.num_input_tokens_seen or 0)
        folder = save_final(trainer, self.out, settings.full_finetune)
        reported = callback.progress.rows
        publish(self.state, self.job, self._model_name(), folder, reported, trained_tokens)

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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the trainer process."""
    from tuiapp.local.ranks import die_with_launcher

    args = sys.argv[1:] if argv is None else argv
    die_with_launcher()
    state = open_state(args[0])
    try:
        Trainer(state, args[1]).run()
    except Exception:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
