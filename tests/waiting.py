"""One way for tests to wait: poll a condition until it holds, or fail naming what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from textual.pilot import Pilot

T = TypeVar("T")


def _timed_out(what: str | Callable[[], str], timeout: float) -> AssertionError:
    """The error for a wait that ran out: what was awaited and for how long."""
    said = what() if callable(what) else what
    return AssertionError(f"timed out after {timeout:g} s waiting for {said}")


async def until(
    pilot: Pilot[Any],
    condition: Callable[[], T],
    what: str | Callable[[], str],
    timeout: float = 30,
    interval: float = 0.05,
) -> T:
    """Let the app run (Pilot pauses) until condition() is truthy; return its value.

    Raises AssertionError naming `what` (a text, or a function giving one at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause(interval)
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout)


def wait_until(
    condition: Callable[[], T],
    what: str | Callable[[], str],
    timeout: float = 60,
    interval: float = 0.1,
) -> T:
    """Poll condition() (sleeping in between) until it is truthy; return its value.

    Raises AssertionError naming `what` (a text, or a function giving one at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout)
        time.sleep(interval)
