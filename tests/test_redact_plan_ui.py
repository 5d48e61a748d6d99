"""Redact-all as a plan (Pilot): kinds with counts and before -> after examples, a kind
unpicked, an item skipped, one batch applied and undone; placeholders show literally."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import SelectionList, Static

from screens.confirm import ConfirmScreen
from screens.quality import QualityScreen
from screens.redact_plan import RedactPlanScreen
from tests.test_review_ui import plain, wait_imported
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example

URL = "https://time.com/2014/10/05/how-transformers-work-3f9a2b7c1d8e4f6a/"


def chat(user: str, assistant: str) -> dict[str, object]:
    """A two-turn example."""
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    }


def pii_file(write_jsonl: Callable[..., Path]) -> Path:
    """Five examples: an email, a URL beside an SSN and phones (one fictional), an SSN, a phone."""
    return write_jsonl(
        [
            chat("Mail jane@example.com please", "Done."),
            chat(f"Read {URL} ; my SSN is 123-45-6789", "Call +1 415-867-5309 or (555) 123-4567."),
            chat("SSN 234-56-7890 on file", "Noted."),
            chat("Who do I call?", "Or +44 20 7946 0958."),
            chat("Thanks", "You are welcome."),
        ]
    )


def edited(home: AppPaths, dataset_id: int, idx: int) -> str | None:
    """The stored edit of one example (None when unedited)."""
    example = get_example(open_store(home.database), dataset_id, idx)
    assert example is not None
    return example.edited


async def test_pick_kinds_skip_an_item_apply_and_undo(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=pii_file(write_jsonl))
    async with app.run_test(size=(110, 40)) as pilot:
        review = await wait_imported(pilot, app.screen)
        dsid = review.dataset.id
        await pilot.press("Q")
        await until(pilot, lambda: isinstance(app.screen, QualityScreen), "quality screen")
        quality = app.screen
        assert isinstance(quality, QualityScreen)
        await until(pilot, lambda: quality.scan is not None, "the scan")
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, RedactPlanScreen), "the plan")
        dialog = app.screen
        assert isinstance(dialog, RedactPlanScreen)
        assert list(dialog.plan.groups) == ["email", "ssn", "phone", "phone (fictional 555 number)"]
        examples = plain(dialog.query_one("#redact-examples", Static))
        assert "line 1: Mail jane@example.com please -> Mail [EMAIL] please" in examples
        assert "5 of 6 replacement(s) picked" in plain(dialog.query_one("#redact-summary"))
        await pilot.press("space")  # unpick email
        await pilot.press("down", "down")  # to the phones
        assert "line 4: Or +44 20 7946 0958. -> Or [PHONE]." in plain(
            dialog.query_one("#redact-examples", Static)
        )
        await pilot.press("tab", "end", "space")  # skip the last phone (line 4)
        assert "3 of 6 replacement(s) picked" in plain(dialog.query_one("#redact-summary"))
        await pilot.press("a")
        await until(pilot, lambda: app.screen is quality, "back on the quality screen")
        await until(pilot, lambda: edited(home, dsid, 2) is not None, "the redaction")
        assert edited(home, dsid, 0) is None  # email unpicked
        assert edited(home, dsid, 3) is None  # its phone skipped
        row = edited(home, dsid, 1) or ""
        assert URL in row and "my SSN is [SSN]" in row
        assert "Call [PHONE] or (555) 123-4567." in row  # the fictional number stays
        assert "SSN [SSN] on file" in (edited(home, dsid, 2) or "")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is review, "back in the review")
        await pilot.press("u")  # one undo takes the whole batch back
        await until(pilot, lambda: edited(home, dsid, 1) is None, "the undo")
        assert edited(home, dsid, 2) is None


async def test_placeholders_and_brackets_render_literally_in_dialogs(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    path = write_jsonl([chat("[b]Note[/b]: mail jane@example.com [red]now", "Ok.")])
    app = make_app(home, open_path=path)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_imported(pilot, app.screen)
        await pilot.press("Q")
        await until(pilot, lambda: isinstance(app.screen, QualityScreen), "quality screen")
        quality = app.screen
        assert isinstance(quality, QualityScreen)
        await until(pilot, lambda: quality.scan is not None, "the scan")
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, RedactPlanScreen), "the plan")
        shown = plain(app.screen.query_one("#redact-examples", Static))
        assert "[b]Note[/b]: mail [EMAIL] [red]now" in shown
        items = app.screen.query_one("#redact-items", SelectionList)
        assert "-> [b]Note[/b]: mail [EMAIL] [red]now" in str(items.get_option_at_index(0).prompt)
        await pilot.press("escape")
        app.push_screen(ConfirmScreen("Redact?", Text("a placeholder such as [EMAIL]. Kept.")))
        await pilot.pause()
        assert "such as [EMAIL]. Kept." in plain(app.screen.query_one("#confirm-body", Static))


def test_cli_redact_lists_the_plan_then_applies_the_picked_kinds(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from tuiapp.cli import main

    path = pii_file(write_jsonl)
    assert main(["import", str(path)]) == 1  # 1: fewer than the 10 examples the API needs
    capsys.readouterr()
    assert main(["redact", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "redact email: 1 in 1 example(s)" in out
    assert "keep   phone (fictional 555 number): 1 in 1 example(s)" in out
    assert "-> Mail [EMAIL] please" in out
    assert "dry run: 5 replacement(s) would be made; nothing changed" in out
    assert edited(home, 1, 0) is None
    assert main(["redact", str(path), "--kinds", "ssn,phone"]) == 0
    assert "redacted 4 finding(s) in 3 example(s) as one batch" in capsys.readouterr().out
    assert edited(home, 1, 0) is None  # email not picked
    row = edited(home, 1, 1) or ""
    assert URL in row and "[SSN]" in row and "Call [PHONE] or (555) 123-4567." in row
    assert main(["redact", str(path), "--kinds", "mail"]) == 2
    assert "unknown kind(s): mail" in capsys.readouterr().err
