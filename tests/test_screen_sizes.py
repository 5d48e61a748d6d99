"""Every main screen at 80x24 and at 120x35, as snapshots (`pytest --snapshot-update` after a
deliberate change), and a check that the footer shows whole keys ending with the palette."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.report import ReportScreen
from tests.test_jobs_ui import finished_job
from tests.test_snapshots import sample_lines
from tests.test_store_and_import import imported
from tests.test_versions import accept_all
from tests.waiting import until
from tuiapp.app import TuiApp, make_app
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.store.jobs import update_job
from tuiapp.widgets.key_footer import KeyFooter

SIZES = [(80, 24), (120, 35)]
Opener = Callable[[TuiApp, dict[str, int]], Awaitable[None]]


def world(home: AppPaths, path: Path) -> dict[str, int]:
    """A dataset with a frozen version and a finished job on it."""
    home.ensure()
    store, dataset = imported(home, path)
    accept_all(store, dataset.id)
    version = commit(store, plan_freeze(store, dataset.id, fraction=0.2, seed=1), "v1")
    job_id = finished_job(home)
    update_job(store, job_id, version_id=version.id)
    return {"dataset": dataset.id, "version": version.id, "job": job_id}


async def go(app: TuiApp, ids: dict[str, int], what: str) -> None:
    """Open one screen the way its key would."""
    nav = app.workspace.nav
    if what == "review":
        nav.review(ids["dataset"])
    elif what == "report":
        app.push_screen(ReportScreen(ids["dataset"]))
    elif what == "versions":
        nav.versions(ids["dataset"])
    elif what == "job":
        nav.job(ids["job"])
    elif what == "new_job":
        nav.new_job(ids["version"])
    elif what == "providers":
        nav.providers()
    elif what == "evaluate":
        nav.evaluate(ids["job"])
    elif what == "playground":
        nav.playground(ids["job"])
    elif what == "overlay":
        nav.loss_curves([ids["job"]])


SCREENS: dict[str, tuple[str, str | None]] = {  # name: (F-key, drill-down)
    "datasets": ("f2", None),
    "review": ("f2", "review"),
    "report": ("f2", "report"),
    "versions": ("f2", "versions"),
    "jobs": ("f3", None),
    "job": ("f3", "job"),
    "new_job": ("f3", "new_job"),
    "providers": ("f3", "providers"),
    "evaluate": ("f3", "evaluate"),
    "playground": ("f3", "playground"),
    "experiments": ("f4", None),
    "overlay": ("f4", "overlay"),
}


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider keys, no local backend, UTC: the same screen on every machine."""
    for name in (
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "TOGETHER_API_KEY",
        "MISTRAL_API_KEY",
        "FIREWORKS_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUIAPP_LOCAL_URL", "http://127.0.0.1:1")  # refused at once
    monkeypatch.setenv("TUIAPP_LOCAL_AUTOSTART", "0")  # never start a backend here
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def opened(home: AppPaths, write_jsonl: Callable[..., Path], name: str) -> tuple[TuiApp, Any]:
    """The app and a `run_before` that opens screen `name` and lets it settle."""
    ids = world(home, write_jsonl(sample_lines(), "calc.jsonl"))
    app = make_app(home)
    key, drill = SCREENS[name]

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press(key)
        await pilot.pause()
        if drill:
            await go(app, ids, drill)
        await pilot.pause(0.5)
        await until(pilot, lambda: bool(app.screen.query(KeyFooter)), "the screen")
        await pilot.pause(0.3)

    return app, run_before


# screens whose content settles through background workers (counts, plans, a provider's
# answer) at a moment the snapshot cannot wait for: checked by the footer test below only
UNSETTLED = {"datasets", "versions", "playground"}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", [n for n in SCREENS if n not in UNSETTLED])
def test_screen_snapshot(  # type: ignore[no-untyped-def]
    snap_compare, quiet: None, home: AppPaths, write_jsonl: Callable[..., Path], name: str, size
) -> None:
    app, run_before = opened(home, write_jsonl, name)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("name", list(SCREENS))
async def test_footer_ends_with_the_palette_and_keeps_f1_at_80(
    quiet: None, home: AppPaths, write_jsonl: Callable[..., Path], name: str
) -> None:
    app, run_before = opened(home, write_jsonl, name)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_before(pilot)
        line = app.screen._compositor.render_strips()[-1].text.rstrip()
        assert line.endswith("^p palette"), line
        assert "f1 Keys" in line or not app.screen.query_one(KeyFooter).visible_keys(), line
