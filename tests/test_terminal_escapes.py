"""Text from a dataset or a model never reaches the terminal as escape sequences: an ESC (or
any C0/C1 control) in an example or an answer is drawn, not obeyed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from screens.evaluate import EvaluateScreen
from screens.review import ReviewScreen
from screens.targeted_example import TargetedExampleScreen
from tests.test_ratings_experiments import two_runs
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store.evals import EvalOutput, save_output

# sets the window title, then writes "pwned" to the clipboard (OSC 52), then clears the screen
HOSTILE = "Hi\x1b]0;owned\x07 there\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m end"


def frame_text(app: object) -> str:
    """Everything the app would write to the terminal for one full frame of its screen."""
    screen = app.screen  # type: ignore[attr-defined]
    update = screen._compositor.render_full_update()
    return update.render_segments(app.console)  # type: ignore[attr-defined]


async def test_escape_sequences_in_an_example_are_drawn_not_sent(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl(
        [
            {
                "messages": [
                    {"role": "user", "content": HOSTILE},
                    {"role": "assistant", "content": "ok"},
                ]
            }
        ]
        * 3
    )
    app = make_app(home, open_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        await until(pilot, lambda: "there" in frame_text(app), "the example drawn")
        frame = frame_text(app)
    for sequence in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x9b"):
        assert sequence not in frame
    assert "\u241b" in frame  # ESC shown as its control picture
    assert json.loads(path.read_text().splitlines()[0])["messages"][0]["content"] == HOSTILE


async def test_escape_sequences_in_a_model_answer_are_drawn_on_evaluate_and_in_the_editor(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, job, tuned, _base = two_runs(home, write_jsonl)
    save_output(store, tuned.id, EvalOutput(0, 0, HOSTILE, None, 5.0, 3, 2))  # the model said it
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        app.push_screen(EvaluateScreen(job.id))
        await until(pilot, lambda: "Hi" in frame_text(app), "the answer in the table")
        for sequence in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x9b"):
            assert sequence not in frame_text(app)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, TargetedExampleScreen), "the editor")
        await until(pilot, lambda: "there" in frame_text(app), "the answer in the editor")
        frame = frame_text(app)
    for sequence in ("\x1b]0;", "\x1b]52;", "\x1b[2J", "\x9b"):
        assert sequence not in frame
