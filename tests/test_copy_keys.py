"""`y` copies a whole model id through the terminal (OSC 52), where the table cuts it."""

from __future__ import annotations

import base64
from pathlib import Path

from textual.app import App

from screens.experiments import ExperimentsScreen
from screens.jobs import JobsScreen
from screens.review import ReviewScreen
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.store import open_store
from tuiapp.store.jobs import insert_job, update_job

MODEL_ID = "ft:SmolLM2-135M-Instruct:local:pirate-capitals-v3:ckpt-step-1200-abcdef123456"


def job_with_model(home: AppPaths) -> None:
    """One finished job whose fine-tuned model id is longer than an 80-column cell."""
    store = open_store(home.ensure().database)
    job = insert_job(
        store,
        provider="local",
        remote_id="ftjob-1",
        version_id=None,
        base_model="SmolLM2-135M-Instruct",
        training_file="file-1",
        status="succeeded",
        hyperparameters={"n_epochs": 3},
        estimate={"usd": 0.0},
    )
    update_job(store, job.id, fine_tuned_model=MODEL_ID)


def record_writes(app: App[None]) -> list[str]:
    """What the app writes to the terminal from now on (the driver's writes, still made)."""
    assert app._driver is not None
    written: list[str] = []
    write = app._driver.write

    def recording_write(data: str) -> None:
        written.append(data)
        write(data)

    app._driver.write = recording_write  # type: ignore[method-assign]
    return written


def osc52(text: str) -> str:
    """The escape sequence that puts `text` on the terminal's clipboard."""
    return f"\x1b]52;c;{base64.b64encode(text.encode()).decode()}\a"


async def test_y_copies_the_whole_model_id_on_jobs_and_experiments(home: AppPaths) -> None:
    job_with_model(home)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        written = record_writes(app)
        for key, screen_type in (("f3", JobsScreen), ("f4", ExperimentsScreen)):
            await pilot.press(key)
            await until(pilot, lambda t=screen_type: isinstance(app.screen, t), key)  # type: ignore[misc]
            await pilot.pause()
            written.clear()
            await pilot.press("y")
            await pilot.pause()
            assert osc52(MODEL_ID) in "".join(written), key
        assert any(MODEL_ID[:40] in n.message for n in app._notifications)


async def test_jobs_list_shows_the_whole_model_id_of_the_selected_job(home: AppPaths) -> None:
    job_with_model(home)
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), "jobs")
        await until(
            pilot,
            lambda: MODEL_ID in str(app.screen.query_one("#jobs-detail").render()),
            "the detail line",
        )


async def test_y_in_the_review_copies_the_example_as_its_json_line(
    home: AppPaths, tmp_path: Path
) -> None:
    line = (
        '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}'
    )
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n")
    app = make_app(home, open_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await until(pilot, lambda: review.conversation.example is not None, "the example")
        written = record_writes(app)
        await pilot.press("y")
        await pilot.pause()
        assert osc52(line) in "".join(written)
