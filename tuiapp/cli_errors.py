"""How the CLI fails: unreadable input (exit 2) said plainly, a broken pipe ended quietly, and
an unexpected exception as one line (exit 3) with the traceback in a log under the data dir."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tuiapp.paths import app_paths
from tuiapp.redact import redact

EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNREADABLE, EXIT_CRASH = 0, 1, 2, 3


def unreadable(path: Path) -> str | None:
    """Why an input file cannot be read ("no such file", "is a directory", ...), or None."""
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a directory, not a file"
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except PermissionError:
        return "permission denied (cannot read it)"
    except OSError as err:
        return err.strerror or str(err)
    return None


def describe_os_error(err: OSError) -> str:
    """An OSError as 'path: reason', without the errno noise."""
    if err.filename is not None and err.strerror:
        return f"{err.filename}: {err.strerror}"
    return str(err)


def say(message: object) -> None:
    """Print one problem on stderr, prefixed and with secrets masked."""
    print(f"tuiapp: {redact(message)}", file=sys.stderr)


def progress(line: str) -> None:
    """One line of progress or a warning on stderr, as it happens, with secrets masked."""
    print(redact(line), file=sys.stderr, flush=True)


def quiet_broken_pipe() -> int:
    """The reader of stdout went away (`| head`): stop without a traceback, like cat does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the flush at exit must not fail again
    except (OSError, ValueError):
        pass
    return EXIT_ACCEPTED


def crash_log_path(home: str | None, data_dir: Path | None = None) -> Path:
    """A new log file for a crash, in the data dir's `logs` folder (else the temp dir)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.log"
    try:
        folder = (data_dir or app_paths(home).data_dir) / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    except OSError:
        return Path(tempfile.gettempdir()) / f"tuiapp-{name}"


def crash_line(
    err: BaseException, argv: Sequence[str], home: str | None, data_dir: Path | None = None
) -> str:
    """Write the traceback (secrets masked) to a log; the one line that says what and where."""
    log = crash_log_path(home, data_dir)
    text = "".join(traceback.format_exception(err))
    try:
        log.write_text(redact(f"tuiapp {' '.join(argv)}\n\n{text}"), encoding="utf-8")
        where = f"details in {log}"
    except OSError:
        where = "no log could be written"
    summary = (str(err).splitlines() or [""])[0][:300]
    return redact(f"internal error: {type(err).__name__}: {summary}; {where}")


def report_crash(err: BaseException, argv: Sequence[str], home: str | None) -> int:
    """Write the traceback (secrets masked) to a log and say so in one line; exit 3."""
    say(crash_line(err, argv, home))
    return EXIT_CRASH


def home_from_argv(argv: Sequence[str]) -> str | None:
    """The --home given on the command line, if any (for the crash log's folder)."""
    for i, arg in enumerate(argv):
        if arg == "--home" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--home="):
            return arg.split("=", 1)[1]
    return None
