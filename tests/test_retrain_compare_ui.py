"""The TUI's retrain evaluates the new job when it succeeds, as `tuiapp retrain --wait` does:
the app's job watcher sees the move's new job end, the new model answers the same holdout,
and a notification compares the two models and says where the comparison shows (the
experiments table, the old job's retrain dialog); a job no move made is left alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.test_retrain_cli import FT, imported_job
from tests.waiting import until
from tuiapp.app import make_app
from tuiapp.paths import AppPaths
from tuiapp.providers.base import Capabilities, Completion, RemoteJob
from tuiapp.services.eval_run import eval_items
from tuiapp.services.experiments import experiments
from tuiapp.store import open_store
from tuiapp.store.evals import EvalOutput, create_run, finish_run, list_runs, outputs, save_output
from tuiapp.store.jobs import get_job, insert_job, update_job
from tuiapp.store.retrains import add_retrain, get_retrain, set_retrain

NEW_MODEL = "ft:local:tiny-llama:retrained"


class Backend:
    """A provider whose jobs have all succeeded and whose model answers every holdout prompt
    with its reference (so the new model is better on each item)."""

    capabilities = Capabilities(checkpoints=False)

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers: dict[str, str] = answers
        self.asked: list[str] = []

    async def job(self, remote_id: str) -> RemoteJob:
        return RemoteJob(remote_id, "succeeded", "tiny-llama", fine_tuned_model=NEW_MODEL)

    async def new_events(self, remote_id: str, after: str | None) -> list[Any]:
        return []

    async def complete(self, model: str, messages: list[dict[str, Any]], **_: Any) -> Completion:
        self.asked.append(model)
        return Completion(self.answers[messages[-1]["content"]], 9, 3)


class Pool:
    """The app's provider pool, handing out the one backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    async def get(self, name: str) -> Any:
        return self.backend

    async def close(self) -> None:
        """Nothing to close."""


def said(app: Any) -> list[str]:
    """The notifications shown so far."""
    return [n.message for n in app._notifications]


def moved_job(home: AppPaths, write_jsonl: Callable[..., Path]) -> tuple[int, int, Backend]:
    """An imported job with its old answers recorded ('Wrong.' each), moved to local: the
    new job still running in the store (the TUI was closed while it trained); (old, new)."""
    old = imported_job(home, write_jsonl)
    store = open_store(home.database)
    version_id = get_job(store, old).version_id
    assert version_id is not None
    items = eval_items(store, version_id)
    run = create_run(store, version_id, "openai", FT, len(items), job_id=old)
    for item in items:
        save_output(
            store, run.id, EvalOutput(item.position, item.example_id, "Wrong.", None, 1, 9, 1)
        )
    finish_run(store, run.id, "completed", {"items": len(items), "token_f1": 0.0})
    new = insert_job(
        store,
        provider="local",
        remote_id="ftjob-new",
        version_id=version_id,
        base_model="tiny-llama",
        training_file="file-1",
        status="running",
    )
    link = add_retrain(store, old, "local", "tiny-llama", {})
    set_retrain(store, link.id, new_job=new.id, old_run=run.id)
    other = insert_job(  # a job no move made: finishing, it is not evaluated
        store,
        provider="local",
        remote_id="ftjob-other",
        version_id=version_id,
        base_model="tiny-llama",
        training_file="file-1",
        status="running",
    )
    answers = {i.messages[-1]["content"]: i.reference for i in items}
    store.close()
    assert other.id == new.id + 1
    return old, new.id, Backend(answers)


async def run_until_compared(home: AppPaths, backend: Backend) -> list[str]:
    """Run the app on the backend until it notifies the first retrain's comparison; the
    notifications shown by then."""
    app = make_app(home)
    app.providers = app.workspace.providers = Pool(backend)  # type: ignore[assignment]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot,
            lambda: any(m.startswith("Retrain 1,") for m in said(app)),
            lambda: str(said(app)),
        )
        return said(app)


async def test_a_retrain_that_succeeds_is_evaluated_and_compared(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    old, new, backend = moved_job(home, write_jsonl)
    shown = await run_until_compared(home, backend)
    store = open_store(home.database)
    link = get_retrain(store, 1)
    assert link.new_run is not None
    new_run = [r for r in list_runs(store) if r.id == link.new_run][0]
    n = len(outputs(store, new_run.id))
    rows = {row.job_id: row for row in experiments(store)}
    store.close()
    assert new_run.model == NEW_MODEL and new_run.status == "completed" and n == new_run.total
    assert backend.asked == [NEW_MODEL] * n  # the other finished job was not evaluated
    assert rows[new].eval_run == new_run.id and rows[new].token_f1 == 1.0
    assert f"Job {new} is a retrain: evaluating its model on the holdout to compare…" in shown
    assert (
        f"Retrain 1, job {old} -> job {new} on the holdout: token F1 0.000 -> 1.000 (+1.000); "
        f"new better on {n}, same on 0, worse on 0. Both are in the experiments table (eval "
        f"runs {link.old_run} and {new_run.id}); m on job {old} shows it again; "
        f"`tuiapp retrain {old} --compare`."
    ) in shown


async def test_a_comparison_cut_short_by_a_stop_is_finished_at_the_next_start(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    """The new job had succeeded and its evaluation had begun when the app was closed: no job
    end announces it again, so the next start finishes the evaluation and compares."""
    old, new, backend = moved_job(home, write_jsonl)
    store = open_store(home.database)
    update_job(store, new, status="succeeded", fine_tuned_model=NEW_MODEL)
    job = get_job(store, new)
    assert job.version_id is not None
    items = eval_items(store, job.version_id)
    begun = create_run(store, job.version_id, "local", NEW_MODEL, len(items), job_id=new)
    first = items[0]
    save_output(
        store,
        begun.id,
        EvalOutput(first.position, first.example_id, first.reference, None, 1, 9, 1),
    )
    set_retrain(store, 1, new_run=begun.id)
    store.close()
    await run_until_compared(home, backend)
    store = open_store(home.database)
    run = [r for r in list_runs(store) if r.id == begun.id][0]
    n = len(outputs(store, run.id))
    store.close()
    assert run.status == "completed" and n == len(items)
    assert backend.asked == [NEW_MODEL] * (len(items) - 1)  # the answered item not asked again
