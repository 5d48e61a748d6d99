"""The quality screen counts what still matters: "changed since" counts only content edits,
and duplicate groups whose copies review has already rejected are not to drop any more."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from screens.quality import QualityScreen
from screens.review import ReviewScreen
from tests.test_quality_scan import quality_file
from tests.test_review_ui import plain, wait_imported
from tests.test_store_and_import import imported
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.services.edits import examiner
from tuiapp.services.quality import scan_quality
from tuiapp.services.quality_now import current_report
from tuiapp.store.datasets import get_dataset
from tuiapp.store.examples import ExampleFilter, get_example
from tuiapp.store.quality import Scan, changed_since_scan, load_scan, open_duplicates
from tuiapp.store.review import save_edit, set_note, set_status_where, undo_last

LONG_AGO = "2000-01-01T00:00:00+00:00"


def test_changed_since_counts_edits_not_decisions(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, quality_file(write_jsonl))
    scan_quality(store, dataset.id)
    before = Scan(LONG_AGO, 0.7, {})  # a scan older than every change below
    set_status_where(store, dataset.id, ExampleFilter(), "accepted")
    example = get_example(store, dataset.id, 0)
    assert example is not None
    set_note(store, example, "looked at it")
    assert changed_since_scan(store, dataset.id, before) == 0
    result = examiner(get_dataset(store, dataset.id))(example.text.replace("0", "zero"), 1)
    save_edit(store, example, result)
    assert changed_since_scan(store, dataset.id, before) == 1
    undo_last(store, dataset.id)  # the edit taken back: the text is the scanned one again
    assert changed_since_scan(store, dataset.id, before) == 0


def test_resolved_duplicate_groups_are_not_to_drop(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, quality_file(write_jsonl))
    scan_quality(store, dataset.id)
    scan = load_scan(store, dataset.id)
    assert scan is not None
    assert open_duplicates(store, dataset.id).to_drop == 2
    set_status_where(store, dataset.id, ExampleFilter(text="now?"), "rejected")  # one copy
    report = current_report(store, dataset.id, scan)
    assert (report.duplicates.groups, report.duplicates.to_drop) == (1, 1)
    set_status_where(store, dataset.id, ExampleFilter(text="TODAY?"), "rejected")  # the other
    report = current_report(store, dataset.id, scan)
    assert (report.duplicates.groups, report.duplicates.to_drop) == (0, 0)
    assert report.duplicates.exact_to_drop == report.duplicates.near_to_drop == 0


async def test_quality_screen_drops_a_group_kept_one_of(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app = make_app(home, open_path=quality_file(write_jsonl))
    async with app.run_test(size=(120, 30)) as pilot:
        review = await wait_imported(pilot, app.screen)
        await pilot.press("D")  # scans, then shows the report
        await until(pilot, lambda: isinstance(app.screen, QualityScreen), "quality screen")
        quality = app.screen
        assert isinstance(quality, QualityScreen)
        await until(pilot, lambda: quality.scan is not None, "the scan")
        assert "1 groups, 2 to drop" in plain(quality.query_one("#quality-summary"))
        await pilot.press("enter")  # the duplicate groups, in the review
        await until(pilot, lambda: app.screen is review, "back in the review")
        await pilot.pause(0.3)
        await pilot.press("K")  # keep the first copy, reject the others
        await pilot.pause()
        assert isinstance(review, ReviewScreen)
        await pilot.press("Q")
        await until(pilot, lambda: isinstance(app.screen, QualityScreen), "quality again")
        summary = app.screen.query_one("#quality-summary")
        await until(pilot, lambda: "0 groups, 0 to drop" in plain(summary), "the group resolved")
        assert "changed since" not in plain(summary)  # keep-one only rejected: no edit
