"""Preference pairs in the review: the two answers side by side (stacked when narrow), labelled,
with their word diff marked; `w` swaps them as an edit that keeps the original, `u` undoes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from screens.review import ReviewScreen
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.data.word_diff import MAX_WORDS, word_diff
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example
from tuiapp.widgets.conversation import ExampleView

PREFERRED = "The capital of France is Paris, a city on the Seine."
NON_PREFERRED = "The capital of France is Lyon, a city on the Rhone."


def pair(question: str, preferred: str, non_preferred: str) -> dict[str, Any]:
    """One example in OpenAI's preference (DPO) format."""
    return {
        "input": {"messages": [{"role": "user", "content": question}]},
        "preferred_output": [{"role": "assistant", "content": preferred}],
        "non_preferred_output": [{"role": "assistant", "content": non_preferred}],
    }


# --- the word diff ------------------------------------------------------------------------
def test_word_diff_marks_the_words_only_one_side_has() -> None:
    diff = word_diff(PREFERRED, NON_PREFERRED)
    assert [PREFERRED[a:b] for a, b in diff.only_a] == ["Paris,", "Seine."]
    assert [NON_PREFERRED[a:b] for a, b in diff.only_b] == ["Lyon,", "Rhone."]
    assert (diff.words_only_a, diff.words_only_b) == (2, 2)
    assert 0.7 < diff.ratio < 1


def test_word_diff_runs_insertions_and_spacing() -> None:
    a, b = "keep this  text", "keep all of this text\ttoo"
    diff = word_diff(a, b)
    assert diff.only_a == []  # spacing is not a difference
    assert [b[s:e] for s, e in diff.only_b] == ["all of", "too"]  # a run of new words is one span
    assert diff.words_only_b == 3
    same = word_diff("same words", "same  words")
    assert (same.only_a, same.only_b, same.ratio) == ([], [], 1.0)
    assert word_diff("", "").ratio == 1.0
    assert [x[1] for x in word_diff("", "new").only_b] == [3]


def test_word_diff_compares_the_first_words_of_a_long_text() -> None:
    long = " ".join(f"w{i}" for i in range(MAX_WORDS + 10))
    diff = word_diff(long, long + " extra")
    assert diff.cut and diff.only_b == []  # the tail (and "extra") were not compared
    assert not word_diff("a b", "a c").cut


# --- the review ---------------------------------------------------------------------------
def view_lines(pilot: Pilot[Any]) -> list[str]:
    """The example view's lines as the screen shows them."""
    view = pilot.app.screen.query_one("#review-example", ExampleView)
    return [strip.text.rstrip() for strip in view.lines]


def marked_words(pilot: Pilot[Any]) -> set[str]:
    """The words the example view shows reversed (the word diff's marks)."""
    view = pilot.app.screen.query_one("#review-example", ExampleView)
    marked = " ".join(
        seg.text for strip in view.lines for seg in strip if seg.style and seg.style.reverse
    )
    return set(marked.split())


def answer_under(lines: list[str], label: str, next_label: str) -> str:
    """The text between a stacked label line and the next one."""
    start = next(i for i, line in enumerate(lines) if line == f"▌ {label}")
    end = next(i for i, line in enumerate(lines) if line == f"▌ {next_label}")
    return " ".join(lines[start + 1 : end])


async def open_review(pilot: Pilot[Any]) -> ReviewScreen:
    """Wait for the import, then for the first example on screen."""
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await until(pilot, lambda: screen.dataset.import_state == "complete", "the import")
    await until(pilot, lambda: any("preferred" in line for line in view_lines(pilot)), "the pair")
    return screen


async def test_pair_side_by_side_labelled_with_the_diff_marked(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([pair("Capital of France?", PREFERRED, NON_PREFERRED)], "dpo.jsonl")
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_review(pilot)
        lines = view_lines(pilot)
        labels = [line for line in lines if "▌ preferred" in line]
        assert len(labels) == 1 and "▌ non-preferred" in labels[0]  # one line: side by side
        assert any("Paris" in line and "Lyon" in line for line in lines)
        assert "Capital of France?" in lines[lines.index("▌ user") + 1]  # the prompt above
        assert lines.index("▌ user") < lines.index(labels[0])
        assert "word diff: 2 words only in preferred · 2 only in non-preferred" in lines
        marked = marked_words(pilot)
        assert {"Paris,", "Seine.", "Lyon,", "Rhone."} <= marked
        assert not {"capital", "France", "city"} & marked


async def test_swap_is_an_edit_that_keeps_the_original_and_u_undoes_it(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([pair("Capital of France?", PREFERRED, NON_PREFERRED)], "dpo.jsonl")
    app = make_app(home, open_path=path)
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: stacked, still labelled
        screen = await open_review(pilot)
        lines = view_lines(pilot)
        assert "Paris" in answer_under(lines, "preferred", "non-preferred")
        assert "w: swap preferred and non-preferred" in " ".join(lines)
        assert {"Paris,", "Lyon,"} <= marked_words(pilot)  # the diff is kept when stacked

        await pilot.press("w")
        await until(pilot, lambda: "edited" in " ".join(view_lines(pilot)), "the swap")
        lines = view_lines(pilot)
        assert "Lyon" in answer_under(lines, "preferred", "non-preferred")
        assert "Paris" not in answer_under(lines, "preferred", "non-preferred")
        store = open_store(home.database)
        example = get_example(store, screen.dataset.id, 0)
        assert example is not None and example.edited is not None
        edited, original = json.loads(example.edited), json.loads(example.original)
        assert edited["preferred_output"][0]["content"] == NON_PREFERRED
        assert edited["non_preferred_output"][0]["content"] == PREFERRED
        assert original["preferred_output"][0]["content"] == PREFERRED  # the original is kept

        await pilot.press("u")
        await until(pilot, lambda: "edited" not in " ".join(view_lines(pilot)), "the undo")
        assert "Paris" in answer_under(view_lines(pilot), "preferred", "non-preferred")
        example = get_example(store, screen.dataset.id, 0)
        assert example is not None and example.edited is None


async def test_swap_on_a_chat_example_says_so(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    chat = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    }
    app = make_app(home, open_path=write_jsonl([chat], "chat.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await until(pilot, lambda: screen.dataset.import_state == "complete", "the import")
        await pilot.press("w")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "Nothing to swap: not a preference pair with both answers." in said
        example = get_example(open_store(home.database), screen.dataset.id, 0)
        assert example is not None and example.edited is None
