"""Worker processes that end with the process that started them (a kill -9 of an import, a
scan or a torchrun launcher leaves no worker behind holding its pipes)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; elsewhere a no-op),
    and end now if the parent is already gone. Used as the initializer of worker pools."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent was gone before that took effect
        os._exit(1)
