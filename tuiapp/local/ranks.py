"""What a training process needs to know when torchrun started several (data-parallel): its
rank, the batch it trains on, a view of the state that leaves the writing to rank 0, and one
answer for all ranks to "stop now?"."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

from tuiapp.local.state import LocalState

RANK = int(os.environ.get("RANK", "0"))  # set by torchrun for each training process
WORLD_SIZE = int(os.environ.get("WORLD_SIZE", "1"))


class RankState(LocalState):
    """The state as a training process other than rank 0 sees it: it reads the job, but writes
    nothing (events, checkpoints and the job row are rank 0's)."""

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> None:
        """Dropped: rank 0 writes."""


def per_device_batch(batch_size: int, world: int) -> tuple[int, str]:
    """The batch each process trains on when the job's (global) batch_size is split over
    `world` processes, and what the user is told when it does not split evenly (rounded up)."""
    per_device = -(-batch_size // world)
    if per_device * world == batch_size:
        return per_device, ""
    return per_device, (
        f"batch size {batch_size} does not split over {world} processes: using "
        f"{per_device} per process, a global batch of {per_device * world}"
    )


def any_rank(code: int) -> int:
    """The largest of each rank's value (one small all-reduce; the value itself alone)."""
    if WORLD_SIZE <= 1:
        return code
    import torch
    import torch.distributed as dist

    on_gpu = dist.get_backend() == "nccl"
    device = torch.device("cuda", torch.cuda.current_device()) if on_gpu else torch.device("cpu")
    value = torch.tensor([code], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return int(value.item())


def die_with_launcher() -> None:
    """Under torchrun, end when torchrun is killed (SIGKILL: it cannot stop its ranks, which
    run in sessions of their own): a rank left behind would go on training beside the job's
    restart. Linux only (prctl); elsewhere a no-op."""
    if WORLD_SIZE <= 1 or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() == 1:  # torchrun was gone before that took effect
        os._exit(1)
