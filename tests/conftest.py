"""Shared fixtures: a private TUIAPP_HOME, JSONL writers, sample examples."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.leaks import stop_leaked_servers
from tests.lint_support import BackgroundTool
from tuiapp.paths import AppPaths, app_paths

NEEDS_LOCAL = "needs the `local` extra (torch): a real model or the local server"


def chat(
    user: str = "What is 2+2?", answer: str = "4", system: str | None = "Be brief."
) -> dict[str, Any]:
    """A valid chat example."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppPaths]:
    """App folders inside the test's temporary directory; a local server the test (or the app
    it ran) left running in them fails the test and is killed."""
    monkeypatch.setenv("TUIAPP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUIAPP_TODAY", "2026-12-01")  # the catalog's dates, judged as on this day
    yield app_paths(tmp_path / "home").ensure()
    leaked = stop_leaked_servers(tmp_path / "home")
    assert not leaked, f"the test left local server(s) {leaked} running (killed now)"


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write objects (or raw strings) as lines of a JSONL file."""

    def write(lines: list[Any], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        with open(path, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
        return path

    return write


@pytest.fixture
def good_file(write_jsonl: Callable[..., Path]) -> Path:
    """Twelve valid examples (the API needs at least ten)."""
    return write_jsonl([chat(f"Question {i}?", f"Answer {i}.") for i in range(12)])


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny randomly initialised Llama for the whole session (built in seconds)."""
    pytest.importorskip("torch", reason=NEEDS_LOCAL)
    from tests.local_support import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture
def server(tmp_path: Path, tiny_model: Path, home: AppPaths) -> Iterator[tuple[str, Any, Path]]:
    """The real local server on a free loopback port, its base model the tiny Llama:
    yields (base_url, the LocalAPI, the state folder)."""
    import shutil

    from tests.local_support import running_server

    root = tmp_path / "local"
    (root / "models").mkdir(parents=True)
    shutil.copytree(tiny_model, root / "models" / "tiny-llama")
    with running_server(root) as (url, api):
        yield url, api, root


MYPY_NODE = "tests/test_lint.py::test_mypy"
BACKGROUND_MYPY = pytest.StashKey[BackgroundTool]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start test_mypy's type-check now, in the background, when this run includes it (not in
    pytest-xdist's workers: each collects every test, and would start one of its own)."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return
    if any(item.nodeid == MYPY_NODE for item in session.items):
        session.config.stash[BACKGROUND_MYPY] = BackgroundTool("mypy")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A background mypy that no test waited for (-x, a deselection, Ctrl-C) ends here."""
    tool = session.config.stash.get(BACKGROUND_MYPY, None)
    if tool is not None:
        tool.stop()


@pytest.fixture
def mypy_run(request: pytest.FixtureRequest) -> subprocess.CompletedProcess[str]:
    """mypy over the project as configured: the run started at collection, else one now."""
    tool = request.config.stash.get(BACKGROUND_MYPY, None) or BackgroundTool("mypy")
    try:
        return tool.result()
    finally:
        tool.stop()
