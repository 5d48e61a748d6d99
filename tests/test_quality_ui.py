"""The duplicate, personal-data and version flows driven with Pilot, as a person would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable

from screens.confirm import ConfirmScreen
from screens.quality import QualityScreen
from screens.redact_plan import RedactPlanScreen
from screens.review import ReviewScreen
from screens.versions import VersionsScreen
from tests.test_quality_scan import quality_file
from tests.test_review_ui import body, plain, status_text, wait_imported
from tests.test_versions import sentiment_file
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.examples import get_example, iter_examples
from tuiapp.store.versions import iter_entries, list_versions
from tuiapp.widgets.example_list import ExampleList


async def test_duplicate_groups_keep_one_and_undo(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=quality_file(write_jsonl))
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await wait_imported(pilot, review)
        await pilot.press("D")  # no scan yet: the quality screen scans first
        await until(pilot, lambda: isinstance(app.screen, QualityScreen), "quality screen")
        quality = app.screen
        assert isinstance(quality, QualityScreen)
        await until(pilot, lambda: quality.scan is not None, "the scan")
        table = quality.query_one(DataTable)
        assert table.get_row("duplicates")[1].plain.strip() == "1"  # type: ignore[union-attr]
        await pilot.press("enter")  # the first item row is 'duplicate groups'
        await until(pilot, lambda: app.screen is review, "back in the review")
        example_list = review.query_one(ExampleList)
        await until(pilot, lambda: example_list.count == 3, "the group listed")
        assert "duplicate groups: 3" in status_text(app)
        assert "duplicate group 1/1" in body(review)
        await pilot.press("down", "K")  # keep line 14 (the exact copy), reject the rest
        await pilot.pause()
        store = open_store(home.database)
        dsid = review.dataset.id
        statuses = [get_example(store, dsid, i).status for i in (12, 13, 14)]  # type: ignore[union-attr]
        assert statuses == ["rejected", "pending", "rejected"]
        assert "reviewed 2/20" in status_text(app)
        await pilot.press("u")  # one undo takes the whole group back
        await pilot.pause()
        statuses = [get_example(store, dsid, i).status for i in (12, 13, 14)]  # type: ignore[union-attr]
        assert statuses == ["pending"] * 3
        assert "reviewed 0/20" in status_text(app)


async def test_personal_data_is_highlighted_and_redacted_as_an_edit(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=quality_file(write_jsonl))
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await wait_imported(pilot, review)
        review.query_one(ExampleList).cursor = 3
        await pilot.pause()
        shown = body(review)
        assert "personal data: email (assistant), phone (assistant)" in shown
        await pilot.press("z")  # the plan: email picked, the fictional 555 number not
        await until(pilot, lambda: isinstance(app.screen, RedactPlanScreen), "the plan")
        await pilot.press("a")
        await until(pilot, lambda: app.screen is review, "back in the review")
        store = open_store(home.database)
        example = get_example(store, review.dataset.id, 3)
        assert example is not None and example.edited is not None
        assert "[EMAIL]" in example.edited and "+1 415 555 0134" in example.edited
        assert "refunds@example.com" in example.original  # the original is kept
        assert "personal data: phone (assistant)" in body(review)
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, RedactPlanScreen), "the plan")
        await pilot.press("space", "a")  # pick the fictional number too
        await until(pilot, lambda: app.screen is review, "back in the review")
        example = get_example(store, review.dataset.id, 3)
        assert example is not None and "[PHONE]" in (example.edited or "")
        assert "personal data" not in body(review)


async def test_freeze_a_version_from_the_review(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=sentiment_file(write_jsonl))
    async with app.run_test(size=(100, 30)) as pilot:
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await wait_imported(pilot, review)
        store = open_store(home.database)
        for _ in range(61):
            await pilot.press("a")
        await pilot.pause()
        assert "✓ 61" in status_text(app)
        await pilot.press("V")
        await until(pilot, lambda: isinstance(app.screen, VersionsScreen), "versions")
        versions = app.screen
        assert "No versions yet" in plain(versions.query_one("#versions-info"))
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("tab", "end", "backspace", "backspace", *"20")  # v1; holdout 20%
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        assert "Create version 'v1'?" in plain(app.screen.query_one("#confirm-title"))
        assert "split stratified by label" in plain(app.screen.query_one("#confirm-body"))
        await pilot.press("y")
        await until(pilot, lambda: list_versions(store, review.dataset.id), "the version")
        version = list_versions(store, review.dataset.id)[0]
        assert version.name == "v1" and version.counts["holdout"] in (11, 12, 13)
        assert len(list(iter_entries(store, version.id))) == 61
        assert version.short_hash in str(versions.query_one(DataTable).get_row_at(0))
        assert sum(1 for _ in iter_examples(store, review.dataset.id, "accepted")) == 61
