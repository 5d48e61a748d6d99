"""Outputs that appear whole or not at all: a file or folder is written beside its target
under a temporary name and renamed into place, so a kill -9 never leaves a mix of two runs."""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one step
_BLOCK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _unique() -> str:
    """A name part no other writer uses."""
    return uuid.uuid4().hex[:12]


def _fsync_dir(path: Path) -> None:
    """Make a rename inside this folder durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[IO[bytes]]:
    """Write a file under a temporary name beside it; it replaces `path` only when complete."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{_unique()}.part")
    try:
        with open(tmp, "xb") as handle:  # not mkstemp: the file keeps the usual permissions
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


def _asides(target: Path) -> list[Path]:
    """Old copies of `target` moved aside by an interrupted swap, newest first."""
    found = target.parent.glob(f".{target.name}.old-*")
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def recover_folder(target: str | Path) -> None:
    """Undo what a killed swap left behind: restore the old folder if the new one never
    arrived, and remove temporary and old copies."""
    target = Path(target)
    asides = _asides(target)
    if asides and not target.exists():
        os.rename(asides.pop(0), target)
    for stale in [*asides, *target.parent.glob(f".{target.name}.tmp-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def replace_folder(new: Path, target: Path) -> None:
    """Put the finished folder `new` at `target` in place of what was there, as one step
    where the platform allows it (else: old aside, new in, old removed; see recover_folder)."""
    if not target.exists():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new)  # `new` now holds the old folder
    else:
        aside = target.with_name(f".{target.name}.old-{_unique()}")
        os.rename(target, aside)
        os.rename(new, target)
        shutil.rmtree(aside)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_folder(target: str | Path, expected: frozenset[str]) -> Iterator[Path]:
    """A temporary folder beside `target` to fill; on success it replaces `target` whole.

    A `target` that holds anything but the `expected` file names is refused rather than
    replaced, so a folder of the user's own files is never deleted."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    if target.exists():
        if not target.is_dir():
            raise NotADirectoryError(f"{target}: not a folder")
        others = sorted(p.name for p in target.iterdir() if p.name not in expected)
        if others:
            listed = ", ".join(others[:3])
            raise FileExistsError(
                f"{target} holds other files ({listed}): choose a new or empty folder"
            )
    tmp = target.with_name(f".{target.name}.tmp-{_unique()}")
    tmp.mkdir()  # not mkdtemp: the folder keeps the usual permissions
    try:
        yield tmp
        for child in tmp.iterdir():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(tmp)
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
