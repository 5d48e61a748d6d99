"""The review shows where a converted example came from (`alpaca.json record 2`) and, with `o`,
the original record as the file held it; `o` again shows the converted conversation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label

from screens.review import ReviewScreen
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.widgets.conversation import ExampleView

RECORDS = [
    {"instruction": "Name a colour.", "input": "", "output": "Blue."},
    {"instruction": "Translate to French.", "input": "the cat", "output": "le chat"},
    {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5", "system": "Be exact."},
    *({"instruction": f"Count to {n}.", "input": "", "output": f"1 to {n}."} for n in range(9)),
]  # twelve: the API needs ten


def view_text(pilot: Pilot[Any]) -> str:
    """The example view as the screen shows it, lines joined."""
    view = pilot.app.screen.query_one("#review-example", ExampleView)
    return "\n".join(strip.text.rstrip() for strip in view.lines)


async def reviewed(pilot: Pilot[Any]) -> ReviewScreen:
    """The review screen once its import is complete and an example is shown."""
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await until(pilot, lambda: screen.dataset.import_state == "complete", "the import")
    await until(pilot, lambda: "▌ user" in view_text(pilot), "the first example")
    return screen


async def test_o_toggles_between_the_conversation_and_the_original_record(
    home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    assert main(["import", str(path)]) == 0  # imported through the CLI, reviewed in the TUI
    capsys.readouterr()
    app = make_app(home, open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        await reviewed(pilot)
        await pilot.press("j")
        await until(pilot, lambda: "alpaca.json record 2" in view_text(pilot), "record 2")
        shown = view_text(pilot)
        assert "o: the original alpaca record" in shown
        assert "Translate to French.\nthe cat" in shown  # converted: instruction + input
        assert '"instruction"' not in shown
        await pilot.press("n")  # dialogs name the record too, not a line the file lacks
        await until(pilot, lambda: pilot.app.screen.query("#prompt-title"), "the note dialog")
        title = pilot.app.screen.query_one("#prompt-title", Label).content
        assert str(title) == "Note for alpaca.json record 2"
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("o")
        await until(pilot, lambda: "original alpaca record" in view_text(pilot), "the record")
        shown = view_text(pilot)
        assert shown.startswith("alpaca.json record 2  original alpaca record")
        for line in ('"instruction": "Translate to French."', '"input": "the cat"'):
            assert line in shown  # the record's own fields, pretty-printed
        assert '"output": "le chat"' in shown and "▌ user" not in shown

        await pilot.press("j")  # the choice stays while moving through the list
        await until(pilot, lambda: "alpaca.json record 3" in view_text(pilot), "record 3")
        assert '"system": "Be exact."' in view_text(pilot)

        await pilot.press("o")
        await until(pilot, lambda: "▌ user" in view_text(pilot), "the conversation")
        assert view_text(pilot).startswith("alpaca.json record 3  pending")
        assert '"instruction"' not in view_text(pilot)


async def test_o_on_an_example_stored_as_read_says_so(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    chat = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]
    }
    app = make_app(home, open_path=write_jsonl([chat], "chat.jsonl"))
    async with app.run_test(size=(100, 30)) as pilot:
        await reviewed(pilot)
        assert view_text(pilot).startswith("line 1  pending")  # no source: the file's line
        assert "o: the original" not in view_text(pilot)
        await pilot.press("o")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert "This example was stored as the file has it: no other record." in said
        assert "▌ user" in view_text(pilot)


async def test_the_example_is_wrapped_again_at_the_new_width_when_the_terminal_resizes(
    home: AppPaths, tmp_path: Path
) -> None:
    words = " ".join(f"word{n}" for n in range(120))
    path = tmp_path / "long.json"
    path.write_text(json.dumps([{**RECORDS[0], "output": words}, *RECORDS[1:]]), "utf-8")
    app = make_app(home, open_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await reviewed(pilot)
        view = pilot.app.screen.query_one("#review-example", ExampleView)
        narrow = view_text(pilot)
        await pilot.resize_terminal(160, 24)
        await until(pilot, lambda: view_text(pilot).count("\n") < narrow.count("\n"), "re-wrap")
        wide = view_text(pilot)
        assert wide.split() == narrow.split()  # every word kept, in its order
        inner = view.scrollable_content_region.width - 2  # a cell of padding each side
        assert max(len(line) for line in wide.splitlines()) <= inner
        assert max(len(line) for line in wide.splitlines()) > inner - 10  # the width is used
        drawn = [view.render_line(y) for y in range(view.size.height)]
        assert {strip.cell_length for strip in drawn} == {view.scrollable_content_region.width}
        assert drawn[0].text.startswith(" ")
