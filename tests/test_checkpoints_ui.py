"""The job screen's checkpoints are usable: the table keeps its loss columns at 80x24, the
selected checkpoint's whole model id is on the line under it, `y` copies that id (OSC 52), `g`
opens it in the playground beside the base model and `e` evaluates it."""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from screens.evaluate import EvaluateScreen
from screens.job import JobScreen
from screens.job_checkpoints import CheckpointTable
from screens.playground import PlaygroundScreen
from tests.test_copy_keys import osc52, record_writes
from tests.test_review_ui import plain
from tests.waiting import until
from tuiapp.app import TuiApp, make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.base import RemoteCheckpoint
from tuiapp.store import open_store
from tuiapp.store.jobs import add_checkpoints, insert_job, update_job

BASE = "SmolLM2-135M-Instruct"
FINAL = "ft:SmolLM2-135M-Instruct:local:pirate-capitals-v3:final-abcdef123456"
CKPT = "ft:SmolLM2-135M-Instruct:local:pirate-capitals-v3:ckpt-step-{}-abcdef123456"


def job_with_checkpoints(home: AppPaths) -> int:
    """A finished job with two checkpoints (OpenAI-style metrics; the last with a full pass)."""
    store = open_store(home.ensure().database)
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-ckpt",
        version_id=None,
        base_model=BASE,
        training_file="file-1",
        status="succeeded",
        hyperparameters={"n_epochs": 2},
        estimate={"usd": 0.0},
    )
    update_job(store, job.id, fine_tuned_model=FINAL)
    add_checkpoints(
        store,
        job.id,
        [
            RemoteCheckpoint(
                "ftckpt-1", 20, CKPT.format(20), {"train_loss": 1.25, "valid_loss": 1.5}, 1
            ),
            RemoteCheckpoint(
                "ftckpt-2",
                40,
                CKPT.format(40),
                {
                    "train_loss": 0.75,
                    "valid_loss": 0.875,
                    "full_valid_loss": 0.8125,
                    "full_valid_mean_token_accuracy": 0.8,
                },
                2,
            ),
        ],
    )
    store.close()
    return job.id


def shown(widget: Widget) -> str:
    """What a widget draws now, line by line (what the user sees of it)."""
    lines = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(line.text for line in lines)


async def open_checkpoints(pilot: Pilot[Any], app: TuiApp, job_id: int) -> CheckpointTable:
    """The job screen with the keyboard focus on its checkpoint table (Tab, as a user would)."""
    app.workspace.nav.job(job_id)
    await until(pilot, lambda: isinstance(app.screen, JobScreen), "the job screen")
    table = app.screen.query_one(CheckpointTable)
    for _ in range(6):
        if table.has_focus:
            break
        await pilot.press("tab")
        await pilot.pause()
    assert table.has_focus
    return table


async def test_checkpoints_show_their_metrics_and_whole_id_and_copy_it(home: AppPaths) -> None:
    job_id = job_with_checkpoints(home)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_checkpoints(pilot, app, job_id)
        drawn = shown(table)
        assert "valid" in drawn and "full" in drawn, drawn  # the columns stay
        assert "1.500" in drawn and "0.812" in drawn, drawn  # their values are on screen
        detail = app.screen.query_one("#checkpoint-detail")
        assert CKPT.format(20) in plain(detail)
        await pilot.press("down")
        await pilot.pause()
        text = plain(detail).replace("\n", "")
        assert CKPT.format(40) in text and "full acc 80.0%" in text, text

        written = record_writes(app)
        await pilot.press("y")
        await pilot.pause()
        assert osc52(CKPT.format(40)) in "".join(written)


async def test_g_opens_the_checkpoint_beside_the_base_and_e_evaluates_it(home: AppPaths) -> None:
    job_id = job_with_checkpoints(home)
    app = make_app(home)
    async with app.run_test(size=(120, 35)) as pilot:
        await open_checkpoints(pilot, app, job_id)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        await pilot.pause()
        assert app.screen.query_one("#model-left", Input).value == CKPT.format(20)
        assert app.screen.query_one("#model-right", Input).value == BASE
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, JobScreen), "back to the job")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EvaluateScreen), "the evaluate screen")
        await pilot.pause()
        title = plain(app.screen.query_one("#evaluate-title"))
        assert CKPT.format(20) in title.replace("\n", "") and FINAL not in title, title
