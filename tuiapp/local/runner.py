"""Moves jobs through their states: validates files, starts one trainer process at a time,
notices when it ends, cancels and pauses, and picks up jobs after a server restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tuiapp.data.validate import validate_file
from tuiapp.local.state import LocalState, now
from tuiapp.problems import KINDS

CANCEL_GRACE_SECONDS = 5.0  # a cancelled trainer has nothing to save: killed after this
# a paused trainer saves at the end of its current step, however long that takes on a CPU
PAUSE_GRACE_SECONDS = float(os.environ.get("TUIAPP_LOCAL_PAUSE_GRACE_SECONDS", "1800"))
MAX_RESTARTS = 2  # a trainer that dies (killed, out of memory) is restarted this often
PROCESSES_ENV = "TUIAPP_LOCAL_PROCESSES"  # training processes per job (`serve --processes`)


def _alive(pid: int | None, job_id: str) -> bool:
    """True if pid is a running trainer process of this job."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc here: trust the pid
    return b"tuiapp.local.trainer" in cmdline and job_id.encode() in cmdline


def file_error(path: Path, param: str) -> dict[str, Any] | None:
    """The API-style error for a training/validation file the API would reject, else None."""
    summary = validate_file(path, workers=1)
    errors = dict(summary.format_errors)
    if param == "validation_file":  # the 10-example minimum is for training files only
        errors.pop("too_few_examples", None)
    if not summary.rejected or not errors:
        return None
    kind = sorted(errors, key=lambda k: summary.first_lines.get(k, [0])[:1])[0]
    lines = summary.first_lines.get(kind)
    where = f" Line {lines[0]}:" if lines else ""
    return {
        "code": "invalid_training_file" if param == "training_file" else "invalid_file",
        "param": param,
        "message": (
            f"The job failed due to an invalid {param.replace('_', ' ')}. Invalid "
            f"file format.{where} {KINDS.get(kind, (0, kind))[1]} ({kind}; "
            f"{summary.format_errors[kind]} example(s))."
        ),
    }


def processes(env: dict[str, str] | None = None) -> int:
    """Training processes per job: `TUIAPP_LOCAL_PROCESSES` when set (it also works on the CPU,
    over gloo), else one per CUDA GPU; 1 without CUDA or with another device forced."""
    env = dict(os.environ) if env is None else env
    asked = env.get(PROCESSES_ENV, "").strip()
    if asked:
        return max(1, int(asked)) if asked.isdigit() else 1  # `serve --processes` checks it
    if env.get("TUIAPP_LOCAL_DEVICE", "auto").lower() not in ("auto", "cuda"):
        return 1
    try:
        import torch
    except ImportError:
        return 1
    return max(1, torch.cuda.device_count())


def trainer_command(root: Path, job_id: str, nprocs: int) -> list[str]:
    """The trainer process, or torchrun starting `nprocs` of them (data-parallel)."""
    trainer = ["-m", "tuiapp.local.trainer", str(root), job_id]
    if nprocs <= 1:
        return [sys.executable, *trainer]
    launcher = ["-m", "tuiapp.local.launch", "--standalone", f"--nproc-per-node={nprocs}"]
    return [sys.executable, *launcher, "--signals-to-handle=SIGINT,SIGHUP,SIGQUIT", *trainer]


def _children(pid: int) -> list[int]:
    """The processes whose parent is pid (from /proc; none where there is no /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _signal(pid: int, sig: int) -> None:
    """Signal a trainer's process group (it was started in a session of its own) and, under
    torchrun, each training process's group too (torchrun starts each in a session of its
    own); just the process where there are no groups."""
    if not hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
        return
    for group in (pid, *_children(pid)):
        with contextlib.suppress(OSError):
            os.killpg(group, sig)


class JobRunner:
    """The server's job loop."""

    def __init__(self, state: LocalState) -> None:
        self.state = state
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kill_at: dict[str, float] = {}

    def recover(self) -> None:
        """After a restart: adopt trainers still alive; restart the others from their last
        saved step (or fail them once they have been restarted too often)."""
        for job in self.state.rows("SELECT * FROM jobs WHERE status = 'running'"):
            if _alive(job["pid"], job["id"]):
                self.state.add_event(job["id"], "Server restarted; training goes on")
            else:
                self._restart(job, "the server stopped while this job was running")

    def _restart(self, job: dict[str, Any], why: str) -> None:
        """Queue a job whose trainer died again, from its last saved step, a bounded number
        of times; after that, fail it with the trainer's real error."""
        restarts = int(job.get("restarts") or 0)
        if restarts >= MAX_RESTARTS:
            self._fail(
                job["id"],
                "training_error",
                f"The trainer process ended unexpectedly {restarts + 1} times ({why}): "
                f"{self._last_error(job['id'])}",
            )
            return
        step = int(job["resume_step"] or 0)
        self.state.set_job(job["id"], status="queued", pid=None, restarts=restarts + 1)
        where = f"from the checkpoint at step {step}" if step else "from the start"
        self.state.add_event(
            job["id"],
            f"Trainer stopped unexpectedly ({why}); resuming {where} "
            f"(restart {restarts + 1} of {MAX_RESTARTS})",
            level="warn",
        )

    def _last_error(self, job_id: str) -> str:
        """The trainer's own exception if it wrote one, else the last line of its log."""
        folder = self.state.jobs_dir / job_id
        error_log = folder / "error.log"
        if error_log.is_file():
            lines = error_log.read_text(errors="replace").strip().splitlines()
            if lines:
                return lines[-1]
        log = folder / "trainer.log"
        lines = log.read_text(errors="replace").strip().splitlines() if log.is_file() else []
        return lines[-1] if lines else "no output"

    def _fail(self, job_id: str, code: str, message: str, param: str | None = None) -> None:
        """Mark a job failed with an error object and an event."""
        self.state.set_job(
            job_id,
            status="failed",
            finished_at=now(),
            estimated_finish=None,
            error={"code": code, "message": message, "param": param},
        )
        self.state.add_event(job_id, message, level="error")

    async def run(self) -> None:
        """Tick forever (the server cancels this task on shutdown)."""
        while True:
            try:
                await self.tick()
            except Exception as err:  # keep the loop alive; the error goes to the log
                print(f"job runner: {type(err).__name__}: {err}", file=sys.stderr)
            await asyncio.sleep(0.25)

    async def tick(self) -> None:
        """One pass: validate new jobs, reap ended trainers, start the next queued job."""
        for job in self.state.rows(
            "SELECT * FROM jobs WHERE status = 'validating_files' ORDER BY seq"
        ):
            await asyncio.to_thread(self._validate, job)
        self._reap()
        running = self.state.one("SELECT id FROM jobs WHERE status = 'running'")
        if running is None:
            queued = self.state.one("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq")
            if queued is not None:
                self._start(queued)

    def _validate(self, job: dict[str, Any]) -> None:
        """Check the job's files as the API does; queue or fail the job."""
        for param in ("training_file", "validation_file"):
            if job[param]:
                error = file_error(self.state.files_dir / job[param], param)
                if error is not None:
                    self._fail(job["id"], error["code"], error["message"], error["param"])
                    return
        self.state.set_job(job["id"], status="queued")
        self.state.add_event(job["id"], "Files validated, moving job to queued state")

    def _start(self, job: dict[str, Any]) -> None:
        """Spawn the trainer (or torchrun and its trainers) in its own session, so it outlives a
        server that is stopped."""
        out = self.state.jobs_dir / job["id"]
        out.mkdir(parents=True, exist_ok=True)
        log = open(out / "trainer.log", "ab")  # noqa: SIM115 - the child owns it from here
        proc = subprocess.Popen(
            trainer_command(self.state.root, job["id"], processes()),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs[job["id"]] = proc
        self.state.set_job(job["id"], status="running", pid=proc.pid)
        self.state.add_event(job["id"], "Fine-tuning job started")

    def _reap(self) -> None:
        """Notice trainers that ended; kill those that ignore a stop request too long."""
        for job in self.state.rows("SELECT * FROM jobs WHERE pid IS NOT NULL"):
            job_id = job["id"]
            proc = self.procs.get(job_id)
            ended = proc.poll() is not None if proc else not _alive(job["pid"], job_id)
            if not ended:
                deadline = self.kill_at.get(job_id)
                if deadline is not None and time.monotonic() > deadline:
                    _signal(job["pid"], signal.SIGKILL)
                continue
            self.procs.pop(job_id, None)
            self.kill_at.pop(job_id, None)
            self.state.set_job(job_id, pid=None)
            if job["status"] == "running":  # it died without saying why
                code = proc.returncode if proc else None
                why = (
                    f"killed by signal {-code}"
                    if code is not None and code < 0
                    else f"exit status {code}"
                    if code is not None
                    else "it is gone"
                )
                self._restart(job, why)
            elif job["status"] == "paused":
                self._say_paused(job)

    def _say_paused(self, job: dict[str, Any]) -> None:
        """A paused job's trainer has ended: say at which step it will resume (the one it
        saved, whether it stopped after a step, during its start-up or was killed)."""
        saved = self.state.job(job["id"]) or job  # read after the end: its last save counts
        self.state.add_event(job["id"], f"Job paused at step {int(saved['resume_step'] or 0)}")

    def stop(self, job_id: str, status: str) -> None:
        """Cancel or pause: set the status first (the trainer reads it), then SIGTERM. A
        paused trainer saves at the end of its current step and exits; it is only killed if it
        has not after PAUSE_GRACE_SECONDS (then resume goes on from its last saved step)."""
        job = self.state.job(job_id)
        assert job is not None
        fields: dict[str, Any] = {"status": status, "estimated_finish": None}
        if status == "cancelled":
            fields["finished_at"] = now()
        self.state.set_job(job_id, **fields)
        self.state.add_event(
            job_id, "Job cancelled" if status == "cancelled" else "Pausing the job"
        )
        if job["pid"] and _alive(job["pid"], job_id):
            _signal(job["pid"], signal.SIGTERM)
            grace = CANCEL_GRACE_SECONDS if status == "cancelled" else PAUSE_GRACE_SECONDS
            self.kill_at[job_id] = time.monotonic() + grace

    def resume(self, job_id: str) -> None:
        """Queue a paused job again; it continues from the step where it paused."""
        self.state.set_job(job_id, status="queued")
        self.state.add_event(job_id, "Job resumed")
