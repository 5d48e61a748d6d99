"""Snapshots of the main screens (`pytest --snapshot-update` after a deliberate change)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.conftest import chat
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths


def sample_lines() -> list[object]:
    """A small, fixed dataset with one of each common problem."""
    lines: list[object] = [
        chat(f"What is {i} + {i}?", f"{2 * i}.", system="You are a calculator.") for i in range(14)
    ]
    lines[1] = {
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": '{"temp_c": 18}'},
            {"role": "assistant", "content": "18 °C and sunny.", "weight": 1},
        ]
    }
    lines[3] = '{"messages": [oops'
    lines[5] = {
        "messages": [{"role": "bot", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    }
    lines[8] = {"messages": [{"role": "user", "content": "no answer here"}]}
    return lines


async def wait_imported(pilot: Pilot[Any]) -> None:
    """Let the import finish and the screen settle."""

    def imported() -> bool:
        dataset = getattr(pilot.app.screen, "dataset", None)
        return dataset is not None and dataset.import_state == "complete"

    await until(pilot, imported, "the import")
    await pilot.pause(0.2)


def test_review_screen(snap_compare, home: AppPaths, write_jsonl: Callable[..., Path]) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home, open_path=write_jsonl(sample_lines(), "calc.jsonl"))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_imported(pilot)
        await pilot.press("a", "r", "j", "f", "k")  # f moves on: back to the flagged one
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_review_screen_80x24(
    snap_compare,
    home: AppPaths,  # type: ignore[no-untyped-def]
    write_jsonl: Callable[..., Path],
) -> None:
    app = make_app(home, open_path=write_jsonl(sample_lines(), "calc.jsonl"))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_imported(pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_review_preference_pair(
    snap_compare: Callable[..., bool], home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    def pair(n: int, preferred: str, non_preferred: str) -> dict[str, object]:
        return {
            "input": {"messages": [{"role": "user", "content": f"Where is landmark {n}?"}]},
            "preferred_output": [{"role": "assistant", "content": preferred}],
            "non_preferred_output": [{"role": "assistant", "content": non_preferred}],
        }

    lines = [
        pair(0, "It stands in Paris, on the left bank of the Seine.", "It stands in Lyon."),
        *(pair(n, f"In city {n}.", f"Somewhere near city {n + 1}.") for n in range(1, 12)),
    ]
    app = make_app(home, open_path=write_jsonl(lines, "pairs.jsonl"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_imported(pilot)

    assert snap_compare(app, terminal_size=(120, 35), run_before=run_before)


def test_report_screen(snap_compare, home: AppPaths, write_jsonl: Callable[..., Path]) -> None:  # type: ignore[no-untyped-def]
    app = make_app(home, open_path=write_jsonl(sample_lines(), "calc.jsonl"))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_imported(pilot)
        await pilot.press("R")
        await until(
            pilot,
            lambda: (
                pilot.app.screen.query("#report-body")
                and pilot.app.screen.query_one("#report-body").display
            ),
            "the report",
        )
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(110, 50), run_before=run_before)
