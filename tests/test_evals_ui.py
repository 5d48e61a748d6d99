"""The playground, the blind rating and the experiments screens driven with Pilot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from screens.experiments import ExperimentsScreen
from screens.playground import PlaygroundScreen
from screens.rating import RatingScreen
from tests.test_ratings_experiments import two_runs
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.services.ratings import win_rate
from tuiapp.store import open_store


async def test_rating_keys_store_blind_verdicts(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = RatingScreen(tuned.id, base.id, "ann")
        app.push_screen(screen)
        await pilot.pause()
        assert "Left (← or 1)" in plain(screen.query_one("#rating-left"))
        assert "ft:" not in plain(screen.query_one("#rating-left"))  # no model names
        for _ in range(6):  # always pick the fine-tuned answer, wherever it is shown
            pair = screen.queue[0]
            await pilot.press("left" if pair.left.startswith("positive") else "right")
        await pilot.press("t", "x")
        await pilot.pause()
        assert "8/10 this session" in plain(screen.query_one("#rating-status"))
    result = win_rate(open_store(home.database), tuned.id, base.id, "ann")
    assert (result.wins, result.losses, result.ties, result.both_bad) == (6, 0, 1, 1)


async def test_experiments_sort_compare_and_export(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    two_runs(home, write_jsonl)
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExperimentsScreen) and len(screen.rows) == 1
        row = screen.query_one("#experiments-table", DataTable).get_row_at(0)
        assert "0.9000" in row and "ft:SmolLM2:local::1" in row
        await pilot.press("o")  # job_id ascending
        assert not screen.descending
        await pilot.press("c")  # nothing marked: a warning, no dialog
        assert isinstance(app.screen, ExperimentsScreen)
        await pilot.press("x")
        await pilot.pause()
        target = tmp_path / "runs.md"
        app.screen.query_one("#prompt-input", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    table = target.read_text().splitlines()
    assert table[0].startswith("| job_id |") and "ft:SmolLM2:local::1" in table[2]


async def ask_the_playground(
    app: Any, pilot: Any, message: str, max_tokens: int, temperature: float | None = None
) -> PlaygroundScreen:
    """Open the playground with the tiny model in both panes and send one message."""
    screen = PlaygroundScreen()
    app.push_screen(screen)
    await pilot.pause()
    screen.query_one("#model-left", Input).value = "tiny-llama"
    screen.query_one("#model-right", Input).value = "tiny-llama"
    screen.query_one("#max_tokens", Input).value = str(max_tokens)
    if temperature is not None:
        screen.query_one("#temperature", Input).value = f"{temperature:g}"
    screen.query_one("#message").focus()
    await pilot.press(*message, "enter")
    return screen


async def test_playground_streams_two_models_and_saves_the_session(
    home: AppPaths, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    app = make_app(home)
    async with app.run_test(size=(110, 34)) as pilot:
        screen = await ask_the_playground(app, pilot, "hello there", max_tokens=6, temperature=0)
        await until(
            pilot,
            lambda: all(
                "tokens ·" in plain(screen.query_one(f"#head-{s}")) for s in ("left", "right")
            ),
            "both answers",
            timeout=60,
        )
        assert [len(p.history) for p in screen.panes] == [2, 2]  # user + assistant each
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = "greeting"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+n")  # a new chat empties both panes
        assert [len(p.history) for p in screen.panes] == [0, 0]
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("enter")  # the only session
        await pilot.pause()
        assert [len(p.history) for p in screen.panes] == [2, 2]
    saved = (
        open_store(home.database)
        .conn.execute("SELECT name, settings, transcript FROM playground_sessions")
        .fetchone()
    )
    assert saved[0] == "greeting" and json.loads(saved[1])["max_tokens"] == "6"
    assert json.loads(saved[2])[0]["history"][0] == {"role": "user", "content": "hello there"}


async def test_evaluate_screen_runs_both_models_and_shows_items(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    server: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from screens.evaluate import EvaluateScreen, ItemScreen
    from tests.test_jobs import trained_job
    from tuiapp.store.evals import list_runs

    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    _store, version, done = await trained_job(home, write_jsonl, url, tmp_path / "up")
    job = done
    app = make_app(home)
    async with app.run_test(size=(110, 34)) as pilot:
        screen = EvaluateScreen(job.id)
        app.push_screen(screen)
        await pilot.pause()
        assert "No evaluation yet" in plain(screen.query_one("#evaluate-scores"))
        await pilot.press("r")
        await until(
            pilot,
            lambda: "token_f1" in plain(screen.query_one("#evaluate-scores")),
            "scores",
            timeout=60,
        )
        scores = plain(screen.query_one("#evaluate-scores"))
        assert "fine-tuned" in scores and "base" in scores and "holdout perplexity" in scores
        table = screen.query_one("#evaluate-items", DataTable)
        assert table.row_count == version.counts["holdout"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ItemScreen)
    runs = list_runs(open_store(home.database), version.id)
    assert sorted(r.model for r in runs) == sorted([done.fine_tuned_model or "", "tiny-llama"])
    assert all(r.status == "completed" for r in runs)


async def test_playground_says_when_the_provider_is_slow(
    home: AppPaths, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import httpx

    url, api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    warm = {"model": "tiny-llama", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    assert httpx.post(f"{url}/chat/completions", json=warm, timeout=60).status_code == 200
    engine = next(iter(api.models.pool._bases.values())).engine
    forward = engine._forward

    def slow_prefill(*args: Any, **kwargs: Any) -> Any:
        if "attention_mask" not in kwargs:  # a prefill: the provider takes its time to start
            time.sleep(4.5)
        return forward(*args, **kwargs)

    monkeypatch.setattr(engine, "_forward", slow_prefill)
    app = make_app(home)
    async with app.run_test(size=(110, 34)) as pilot:
        screen = await ask_the_playground(app, pilot, "hello", max_tokens=3)
        await until(
            pilot,
            lambda: "waiting for local" in plain(screen.query_one("#head-left")),
            "the slow-provider notice",
            timeout=60,
        )
        assert "gives up after 120 s" in plain(screen.query_one("#head-left"))
        await until(
            pilot,
            lambda: "tokens ·" in plain(screen.query_one("#head-left")),
            "the answer",
            timeout=60,
        )
