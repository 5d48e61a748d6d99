"""mypy for test_lint, started in the background as the session's collection ends, so its minute
of type-checking overlaps the other tests instead of adding to them; it runs at a lower CPU
priority, so on a busy box it takes only the time the tests leave idle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NICENESS = 10  # under the tests: mypy gets a core only when they leave one idle


def _lower_priority() -> None:
    """In the child, before exec: yield the CPU to the tests."""
    os.nice(NICENESS)


class BackgroundTool:
    """A tool module run from this interpreter in the project root (its output piped: only a
    failing run prints enough to fill a pipe, and then it waits until the result is read)."""

    def __init__(self, *args: str) -> None:
        self.args = [sys.executable, "-m", *args]
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_lower_priority if hasattr(os, "nice") else None,
        )

        self._result: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        """Wait for the tool to end; what it printed and its exit status."""
        if self._result is None:
            out, err = self.process.communicate()
            self._result = subprocess.CompletedProcess(self.args, self.process.returncode, out, err)
        return self._result

    def stop(self) -> None:
        """End it if still running (the session ended first: -x, a deselection, Ctrl-C)."""
        if self._result is None:
            self.process.kill()
            self.result()
