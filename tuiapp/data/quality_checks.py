"""The protocol of a quality check, and the registry that makes a new one a module plus its
registration: the scan feeds every registered check each example once (in ranges that worker
processes read, merged in order), and each check ends in findings that the report, the quality
screen and `tuiapp quality` show without knowing the check.

A third-party package adds checks through the `tuiapp.quality_checks` entry-point group (each
entry point names a check class)."""

from __future__ import annotations

import functools
import sys
from array import array
from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, TypeVar

ENTRY_POINT_GROUP = "tuiapp.quality_checks"


@dataclass(frozen=True)
class Finding:
    """One line of a check's section: which examples (its item key), a label, how many, a note."""

    item: str
    label: str
    count: int
    detail: str = ""


@dataclass(frozen=True)
class CheckSection:
    """What one check found."""

    name: str
    title: str
    findings: list[Finding]


class QualityCheck(Protocol):
    """A check over examples: `add` sees each example once (`obj` is the parsed JSON, any
    value), `merge` adds what the same check counted over the examples that follow, `finish`
    returns the findings. `items` maps item keys to the example positions they hold."""

    name: ClassVar[str]
    title: ClassVar[str]
    items: dict[str, array[int]]

    def add(self, idx: int, obj: Any) -> None:
        """Look at one example."""
        ...

    def merge(self, other: Any) -> None:
        """Add another instance's counts (the examples after these)."""
        ...

    def finish(self, examples: int) -> list[Finding]:
        """The findings, once every example was added."""
        ...


def positions() -> array[int]:
    """A compact list of example positions (8 bytes each)."""
    return array("q")


def item_positions() -> dict[str, array[int]]:
    """Item key -> positions, growing on first use."""
    return defaultdict(positions)


CheckType = TypeVar("CheckType", bound=type)
_REGISTERED: dict[str, type] = {}


def register(cls: CheckType) -> CheckType:
    """Make a check class part of every scan (a decorator)."""
    _REGISTERED[cls.name] = cls  # type: ignore[attr-defined]
    return cls


@functools.cache
def _plugins() -> None:
    """Register the checks third-party packages declare as entry points (once a process)."""
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register(point.load())
        except Exception as err:  # a broken plug-in must not stop the scan
            print(f"tuiapp: quality check {point.name!r} skipped: {err}", file=sys.stderr)


def registered() -> tuple[str, ...]:
    """Where every registered check class lives (`module:Class`): built-ins first, then
    plug-ins. Worker processes get this list and build the same checks from it."""
    from tuiapp.data import check_turns  # noqa: F401 - the built-in checks register on import

    _plugins()
    return tuple(f"{cls.__module__}:{cls.__qualname__}" for cls in _REGISTERED.values())


def new_checks(where: tuple[str, ...] | None = None) -> list[Any]:
    """A fresh instance of each check named (by default every registered one)."""
    import importlib

    out = []
    for path in registered() if where is None else where:
        module, _, name = path.partition(":")
        out.append(getattr(importlib.import_module(module), name)())
    return out


def unregister(name: str) -> None:
    """Remove a check (tests, or a user turning one off)."""
    _REGISTERED.pop(name, None)
