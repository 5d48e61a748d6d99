"""Long messages wrap at the widget's real width instead of being cut (the edit dialog's error
said "...line 8 colu" at 80 columns)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from tests.test_review_ui import wait_imported
from tuiapp.app import make_app
from tuiapp.paths import AppPaths


async def test_an_edit_error_is_shown_whole_at_80_columns(home: AppPaths, good_file: Path) -> None:
    app = make_app(home, open_path=good_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_imported(pilot, app.screen)
        await pilot.press("e")
        await pilot.pause()
        broken = '{"messages": [{"role": "user", "content": "hi"},\n' * 8 + '{"role": '
        app.screen.query_one(TextArea).text = broken
        await pilot.press("ctrl+s")
        await pilot.pause()
        status = app.screen.query_one("#edit-status")
        message = str(status.render())
        assert "Not valid JSON" in message
        shown = " ".join(
            strip.text.strip()
            for strip in app.screen._compositor.render_strips()
            if strip.text.strip()
        )
        tail = message.split()[-3:]  # the end of the message, where it was cut
        assert " ".join(tail) in shown, (tail, shown[-300:])
