"""The evaluate screen's LLM judge key driven with Pilot through a stub provider: the dialog
shows the prompt and the cost, an edited prompt is stored with the run, the result is shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TextArea

from screens.evaluate import EvaluateScreen
from screens.judge_dialog import JudgeDialog
from tests.judge_stub import StubJudge
from tests.test_ratings_experiments import two_runs
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.registry import Providers
from tuiapp.store.judgements import judge_runs


async def test_judge_key_shows_prompt_and_cost_then_judges(
    home: AppPaths, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, job, tuned, base = two_runs(home, write_jsonl)
    stub = StubJudge("positive")
    asked: list[str] = []

    async def get(self: Providers, name: str) -> StubJudge:
        asked.append(name)
        return stub

    monkeypatch.setattr(Providers, "get", get)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = EvaluateScreen(job.id)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JudgeDialog), "the judge dialog")
        dialog = app.screen
        assert isinstance(dialog, JudgeDialog)
        assert dialog.query_one("#judge-model", Input).value == "local:SmolLM2-135M-Instruct"
        assert "{answer_b}" in dialog.query_one("#judge-prompt", TextArea).text
        await until(
            pilot, lambda: "Cost: 20 calls" in plain(dialog.query_one("#judge-cost")), "cost"
        )
        assert "out (o200k_base): free" in plain(dialog.query_one("#judge-cost"))  # local: free
        dialog.query_one("#judge-model", Input).value = "nocolon"
        await until(
            pilot, lambda: "provider:model" in plain(dialog.query_one("#judge-cost")), "hint"
        )
        await pilot.press("ctrl+r")  # refused: no judge model
        assert isinstance(app.screen, JudgeDialog)
        dialog.query_one("#judge-model", Input).value = "stubby:judge-model"
        area = dialog.query_one("#judge-prompt", TextArea)
        area.text = area.text.replace("{answer_b}", "")  # a broken edit is named
        await until(
            pilot, lambda: "lacks {answer_b}" in plain(dialog.query_one("#judge-cost")), "lack"
        )
        area.text = area.text.replace("[Answer B]\n", "[Answer B]\n{answer_b}") + "Be strict.\n"
        await until(
            pilot, lambda: "Cost: 20 calls" in plain(dialog.query_one("#judge-cost")), "recount"
        )
        assert "unknown price" in plain(dialog.query_one("#judge-cost"))
        assert dialog.query_one("#judge-mode", Select).value == "pairwise"
        await pilot.press("ctrl+r")
        await until(
            pilot,
            lambda: "LLM judge run" in plain(screen.query_one("#evaluate-scores")),
            "the judge's result on the screen",
        )
        scores = plain(screen.query_one("#evaluate-scores"))
        assert "fine-tuned 10 wins, 0 ties, 0 losses: win rate 100%" in scores
        assert "no blind human ratings of the same items" in scores
    assert asked == ["stubby"] and len(stub.prompts) == 20
    (run,) = judge_runs(store, tuned.id, base.id)
    assert run.model == "judge-model" and run.template.endswith("Be strict.\n")
    assert all(p.endswith("Be strict.\n") for p in stub.prompts)
