"""The code stays clean: ruff (lint + format) and mypy over the packages, the tests and the
benchmarks, as CI runs them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ["tuiapp", "screens", "tests", "benchmarks"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a tool module from this interpreter in the project root."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint_and_format() -> None:
    lint = run("ruff", "check", *TREES)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run("ruff", "format", "--check", *TREES)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy(mypy_run: subprocess.CompletedProcess[str]) -> None:
    """mypy_run started at the session's start (conftest), so it overlaps the other tests."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["packages"] == TREES  # mypy checks what ruff checks: tests and benchmarks too
    assert mypy_run.args[1:] == ["-m", "mypy"]  # the project's configuration, nothing narrowed
    assert mypy_run.returncode == 0, mypy_run.stdout + mypy_run.stderr
