"""Every main screen and dialog at 80x24 and at 120x35, as snapshots (`pytest --snapshot-update`
after a deliberate change), taken once the screen's workers are done, and a check that the
footer shows whole keys ending with the palette and that toasts cover neither it nor a title."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from screens.choice import ChoiceScreen
from screens.confirm import ConfirmScreen
from screens.freeze import FreezeScreen
from screens.judge_dialog import JudgeDialog
from screens.open_file import OpenFileScreen
from screens.prompt import PromptScreen
from screens.quality import QualityScreen
from screens.redact_plan import RedactPlanScreen
from screens.report import ReportScreen
from tests.test_jobs_ui import finished_job
from tests.test_snapshots import sample_lines
from tests.test_store_and_import import imported
from tests.test_versions import accept_all
from tests.waiting import until
from tuiapp.app import TuiApp, make_app
from tuiapp.data.redaction import RedactionPlan
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.store.jobs import update_job
from tuiapp.widgets.key_footer import KeyFooter

SIZES = [(80, 24), (120, 35)]
Opener = Callable[[TuiApp, dict[str, int]], Awaitable[None]]
FIXED = Path("/tmp/tuiapp-snapshots")  # fixed paths: screens show the dataset's path
RECENT = FIXED / "train.jsonl"  # the open dialog lists it
NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)  # what the store stamps rows with


class FrozenClock(dt.datetime):
    """datetime, with `now` always NOW (the store's stamps: versions, scans)."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> FrozenClock:  # type: ignore[override]
        """NOW."""
        return cls.fromtimestamp(NOW.timestamp(), tz)


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
    elif what == "quality":
        app.push_screen(QualityScreen(ids["dataset"]))
    elif what == "token_preview":
        nav.token_preview(ids["dataset"], 0)
    else:
        app.push_screen(DIALOGS[what]())


def _redaction_plan() -> RedactionPlan:
    """A plan with an email and a phone number in it."""
    plan = RedactionPlan()
    user = {"role": "user", "content": "Mail jane@example.com or call +1 415-867-5309."}
    plan.add(0, 1, {"messages": [user, {"role": "assistant", "content": "Noted."}]})
    return plan


def _open_file() -> OpenFileScreen:
    """The open dialog with one recent file, at a path that is the same on every run."""
    RECENT.parent.mkdir(parents=True, exist_ok=True)
    RECENT.write_text("{}\n")
    return OpenFileScreen(recent=[str(RECENT)])


DIALOGS: dict[str, Callable[[], Screen[Any]]] = {
    "confirm": lambda: ConfirmScreen(
        "Delete calc.jsonl?", "Its 14 examples and every decision go.", yes="Delete", no="Keep"
    ),
    "choice": lambda: ChoiceScreen(
        "Show which examples?", [("pending", "pending (10)"), ("accepted", "accepted (4)")]
    ),
    "prompt": lambda: PromptScreen("Note on line 3", value="check the sum", hint="Enter saves"),
    "freeze": lambda: FreezeScreen("calc v2"),
    "open_file": _open_file,
    "redact_plan": lambda: RedactPlanScreen("Redact line 1", _redaction_plan()),
    "judge_dialog": lambda: JudgeDialog("gpt-4o-mini", lambda *_: "about $0.01 for 12 items"),
}


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
    "quality": ("f2", "quality"),
    "token_preview": ("f2", "token_preview"),
    **{name: ("f2", name) for name in DIALOGS},
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
    monkeypatch.setattr("tuiapp.store.db.datetime", FrozenClock)


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until the workers of the screens are done (the app's job watcher runs for ever
    and is left out), then for the repaint of what they found."""
    app = pilot.app
    for _ in range(5):
        busy = [w for w in app.workers if w.node is not app and not w.is_finished]
        if not busy:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(app.workers.wait_for_complete(busy), 5)
        await pilot.pause()
    await pilot.pause()


READY: dict[str, Callable[[Screen[Any]], bool]] = {  # what a screen shows once its work is done
    # the scan's worker ends once the screen has shown it; waited for, whatever the box's load
    "quality": lambda screen: bool(
        isinstance(screen, QualityScreen)
        and screen.scan is not None
        and screen.query_one("#quality-body").display
    ),
}


def opened(home: AppPaths, write_jsonl: Callable[..., Path], name: str) -> tuple[TuiApp, Any]:
    """The app and a `run_before` that opens screen `name` and lets it settle."""
    FIXED.mkdir(parents=True, exist_ok=True)
    path = FIXED / "calc.jsonl"
    path.write_bytes(write_jsonl(sample_lines(), "calc.jsonl").read_bytes())
    ids = world(home, path)
    app = make_app(home)
    key, drill = SCREENS[name]

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.press(key)
        await pilot.pause()
        if drill:
            await go(app, ids, drill)
        await pilot.pause()
        await settled(pilot)
        if (ready := READY.get(name)) is not None:
            await until(pilot, lambda: ready(app.screen), f"the {name} screen's results")
        for field in app.screen.query("Input, TextArea"):
            field.cursor_blink = False  # type: ignore[attr-defined]  # a blink is no change
        await pilot.pause(0.3)

    return app, run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(  # type: ignore[no-untyped-def]
    snap_compare, quiet: None, home: AppPaths, write_jsonl: Callable[..., Path], name: str, size
) -> None:
    app, run_before = opened(home, write_jsonl, name)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("name", [n for n in SCREENS if n not in DIALOGS])
async def test_footer_ends_with_the_palette_and_keeps_f1_at_80(
    quiet: None, home: AppPaths, write_jsonl: Callable[..., Path], name: str
) -> None:
    app, run_before = opened(home, write_jsonl, name)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_before(pilot)
        line = app.screen._compositor.render_strips()[-1].text.rstrip()
        assert line.endswith("^p palette"), line
        assert "f1 Keys" in line or not app.screen.query_one(KeyFooter).visible_keys(), line


async def test_toasts_sit_under_the_title_line_narrow_and_clear_of_the_footer(
    quiet: None, home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    app, run_before = opened(home, write_jsonl, "review")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await run_before(pilot)
        app.notify("Nothing to undo.", title="Undo")
        await until(pilot, lambda: bool(app.screen.query("Toast")), "the toast")
        await pilot.pause()
        toast = app.screen.query_one("Toast").region
        footer = app.screen.query_one(KeyFooter).region
        assert toast.y == 1 and toast.bottom <= footer.y, (toast, footer)  # under the title
        assert toast.right >= 76 and toast.width <= 32 and toast.height <= 2, toast  # narrow


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rating_screen_snapshot(  # type: ignore[no-untyped-def]
    snap_compare, quiet: None, home: AppPaths, write_jsonl: Callable[..., Path], size
) -> None:
    from screens.rating import RatingScreen
    from tests.test_ratings_experiments import two_runs

    _store, _job, tuned, base = two_runs(home, write_jsonl)
    app = make_app(home)

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        app.push_screen(RatingScreen(tuned.id, base.id, "ann"))
        await settled(pilot)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
