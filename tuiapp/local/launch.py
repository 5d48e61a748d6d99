"""torchrun for one job's training processes, with SIGTERM left to them.

Run as `python -m tuiapp.local.launch TORCHRUN_ARGS... -m tuiapp.local.trainer STATE JOB`. The
runner signals this process's group and each training process's group (torchrun puts each in
a session of its own): every rank then stops at the end of the same step and rank 0 saves it.
torchrun itself would answer a SIGTERM by killing its workers after 30 s (a save can take
longer), so here it ignores SIGTERM and waits for them to end."""

from __future__ import annotations

import signal
import sys


def main(argv: list[str] | None = None) -> None:
    """torchrun's own entry point, with SIGTERM ignored (the trainers set their own handler)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from torch.distributed.run import main as torchrun

    torchrun(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
