"""ctrl+t on the evaluate screen (a row, a judged loss, the item view) and in the playground
opens the targeted-example editor with the prompt and the model's answer; the corrected
answer is saved as an accepted, tagged example that the review shows with where it came from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, TextArea

from screens.evaluate import EvaluateScreen, ItemScreen
from screens.playground import PlaygroundScreen
from screens.review import ReviewScreen
from screens.targeted_example import TargetedExampleScreen
from tests.test_ratings_experiments import two_runs
from tests.test_review_source import view_text
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.services.eval_run import eval_items
from tuiapp.store import Store, open_store
from tuiapp.store.examples import iter_examples
from tuiapp.store.judgements import Judgement, create_judge_run, save_judgement
from tuiapp.store.sources import example_source
from tuiapp.store.versions import get_version


def targeted(store: Store, version_id: int) -> list[tuple[str, list[dict[str, str]], str]]:
    """(status, messages, source location) of every example tagged targeted in the dataset
    of a version."""
    dataset_id = get_version(store, version_id).dataset_id
    found = []
    for example in iter_examples(store, dataset_id):
        if "targeted" in example.tags:
            source = example_source(store, dataset_id, example.idx)
            location = source.location if source else ""
            found.append((example.status, orjson.loads(example.text)["messages"], location))
    return found


async def edit_and_save(pilot: Pilot[Any], backspaces: int, typed: str) -> None:
    """In the open editor: take characters off the end of the answer, type more, save."""
    await until(pilot, lambda: isinstance(pilot.app.screen, TargetedExampleScreen), "the editor")
    await pilot.press(*["backspace"] * backspaces, *typed, "ctrl+s")
    await until(pilot, lambda: not isinstance(pilot.app.screen, TargetedExampleScreen), "saved")


async def test_ctrl_t_on_an_item_a_judged_loss_and_the_item_view_adds_examples_the_review_shows(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, job, tuned, base = two_runs(home, write_jsonl)
    judge = create_judge_run(store, tuned.id, base.id, "pairwise", "local", "judge-m", "t", 2)
    for ask, verdict in (("ab", "b"), ("ba", "a")):  # the base answer won in both orders
        save_judgement(store, judge.id, Judgement(3, ask, verdict, None, verdict, None, 1, 1))
    dataset_id = get_version(store, job.version_id).dataset_id
    item = eval_items(store, job.version_id)[0]
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = EvaluateScreen(job.id)
        app.push_screen(screen)
        await pilot.pause()
        assert "^t Targeted" in app.screen._compositor.render_strips()[-1].text  # the footer
        table = screen.query_one("#evaluate-items", DataTable)
        assert table.get_row_at(3)[-1] == "loss" and table.get_row_at(2)[-1] == "-"
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, TargetedExampleScreen), "the editor")
        editor = app.screen
        assert editor.query_one(TextArea).text == "positive 0"  # the fine-tuned answer
        title = str(editor.query_one("#targeted-title", Label).content)
        assert f"eval run {tuned.id}, item 0 (model ft:SmolLM2:local::1)" in title
        await edit_and_save(pilot, 2, "!")  # "positive 0" -> "positive!"
        assert isinstance(app.screen, EvaluateScreen)

        await pilot.press("down", "down", "down", "ctrl+t")  # the judged loss
        await edit_and_save(pilot, 10, "negative")

        await pilot.press("down", "enter")  # the item view: ctrl+t there too
        await until(pilot, lambda: isinstance(app.screen, ItemScreen), "the item")
        await pilot.press("ctrl+t")
        await edit_and_save(pilot, 0, " indeed")

        app.push_screen(ReviewScreen(dataset_id))
        await until(pilot, lambda: "▌ user" in view_text(pilot), "the review")
        await pilot.press("end")
        await until(pilot, lambda: f"eval run {tuned.id}, item 4" in view_text(pilot), "last")
        assert "positive 4 indeed" in view_text(pilot)
        assert "o: the original targeted record" in view_text(pilot)
    added = targeted(open_store(home.database), job.version_id)
    assert [status for status, _m, _l in added] == ["accepted"] * 3
    assert added[0][1] == [*item.messages, {"role": "assistant", "content": "positive!"}]
    assert added[1][1][-1]["content"] == "negative"
    assert added[1][2] == (
        f"eval run {tuned.id}, item 3 (model ft:SmolLM2:local::1), "
        f"judged a loss by judge run {judge.id} (local:judge-m)"
    )
    assert added[2][1][-1]["content"] == "positive 4 indeed"


async def test_ctrl_t_in_the_playground_corrects_the_last_answer(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, job, _tuned, _base = two_runs(home, write_jsonl)
    asked = [{"role": "user", "content": "Is this review good?"}]
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = PlaygroundScreen(job.id)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("ctrl+t")  # nothing answered yet: nothing to correct
        await pilot.pause()
        assert app.screen is screen
        left = screen.panes[0]
        left.load([*asked, {"role": "assistant", "content": "maybe"}])
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, TargetedExampleScreen), "the editor")
        assert app.screen.query_one(TextArea).text == "maybe"
        await edit_and_save(pilot, 5, "positive")
    (status, messages, location), *_ = targeted(store, job.version_id)
    assert status == "accepted"
    assert messages == [*asked, {"role": "assistant", "content": "positive"}]
    assert location == f"playground, job {job.id}, answer 1 (model ft:SmolLM2:local::1)"
