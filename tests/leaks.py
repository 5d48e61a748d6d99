"""Find `tuiapp local serve` processes a test left running in its own TUIAPP_HOME."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def servers_of(home: Path) -> list[int]:
    """Pids of local servers whose TUIAPP_HOME is `home` (read from /proc; [] elsewhere)."""
    found = []
    wanted = f"TUIAPP_HOME={home}".encode()
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if b"local\0serve" not in command:
                continue
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def stop_leaked_servers(home: Path, grace: float = 5.0) -> list[int]:
    """Pids of servers still running in `home` after `grace` seconds, killed (a test that
    stops its server sees it exit within the grace period)."""
    deadline = time.monotonic() + grace
    while (left := servers_of(home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        with contextlib.suppress(OSError):  # it exited just now
            os.kill(pid, signal.SIGKILL)
    return left
