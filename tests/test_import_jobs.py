"""`tuiapp import-jobs`: against a stubbed OpenAI account (job list paged by has_more, file
retrieve and content, result files as plain and base64 CSV, a deleted training file), run
twice (nothing new the second time, changes updated), and against the real local backend;
the jobs screen's days left before a fine-tuned model retires, with the date injected."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import chat
from tests.openapi_check import assert_matches
from tests.provider_fakes import CREATED, Routes, ok
from tests.provider_fakes_fireworks import ACCOUNT, API, OUTPUT_MODEL, FireworksFake
from tests.provider_fakes_vendors import TogetherFake
from tests.test_cli_jobs import FakeProviders
from tuiapp import cli_import_jobs
from tuiapp.cli import main
from tuiapp.config import Timeouts
from tuiapp.data.model_retirement import days_left_text, retirement_date
from tuiapp.paths import AppPaths
from tuiapp.providers.adapter import Connection
from tuiapp.providers.registry import find
from tuiapp.services.experiments import experiments
from tuiapp.services.import_jobs import import_jobs
from tuiapp.store import open_store
from tuiapp.store.datasets import list_datasets
from tuiapp.store.jobs import job_metrics, list_jobs
from tuiapp.store.versions import get_version, iter_entries, list_versions

CSV_HEADER = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n"
PAGE = 2  # the stub answers at most this many jobs a page, so that three need two pages


def jsonl(examples: list[dict[str, Any]]) -> bytes:
    """Examples as JSONL bytes."""
    return "".join(json.dumps(e) + "\n" for e in examples).encode()


class Account:
    """A stubbed OpenAI account with three old jobs, every JSON answer checked against the
    published schema: ftjob-3 (succeeded, training + validation files, base64 result file),
    ftjob-2 (running on the first listing, no validation file, plain CSV once it succeeds),
    ftjob-1 (its training file deleted: 404)."""

    def __init__(self) -> None:
        self.files = {
            "file-t3": ("support.jsonl", jsonl([chat(f"Q3 {i}?", f"A3 {i}.") for i in range(12)])),
            "file-v3": (
                "support-val.jsonl",
                jsonl([chat(f"V3 {i}?", f"B3 {i}.") for i in range(4)]),
            ),
            "file-t2": ("tone.jsonl", jsonl([chat(f"Q2 {i}?", f"A2 {i}.") for i in range(10)])),
        }
        plain = CSV_HEADER + "1,1.5,0.5,,\n2,1.2,0.6,1.3,0.55\n"
        coded = CSV_HEADER + "1,2.0,0.4,2.1,0.3\n2,1.0,0.7,1.1,0.65\n3,0.5,0.9,0.8,0.8\n"
        self.results = {"file-r3": base64.b64encode(coded.encode()), "file-r2": plain.encode()}
        self.job2_done = False
        self.requests: list[str] = []

    def job(self, n: int) -> dict[str, Any]:
        """A FineTuningJob as the API documents it."""
        done = n != 2 or self.job2_done
        model = {3: "gpt-4o-mini-2024-07-18", 2: "gpt-4.1-mini-2025-04-14", 1: "gpt-4.1-nano"}[n]
        return {
            "id": f"ftjob-{n}",
            "object": "fine_tuning.job",
            "created_at": CREATED + n * 1000,
            "finished_at": CREATED + n * 1000 + 600 if done else None,
            "model": model,
            "fine_tuned_model": f"ft:{model}:org::x{n}" if done else None,
            "organization_id": "org-1",
            "status": "succeeded" if done else "running",
            "training_file": f"file-t{n}",
            "validation_file": "file-v3" if n == 3 else None,
            "hyperparameters": {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2},
            "method": {
                "type": "supervised",
                "supervised": {
                    "hyperparameters": {
                        "n_epochs": 3,
                        "batch_size": 4,
                        "learning_rate_multiplier": 2.0,
                    }
                },
            },
            "result_files": [f"file-r{n}"] if done and n != 1 else [],
            "trained_tokens": 5000 if done else None,
            "error": None,
            "seed": 42,
            "estimated_finish": None,
            "integrations": None,
            "metadata": None,
        }

    def answer(self, schema: str, body: dict[str, Any]) -> httpx.Response:
        """A JSON answer that matches its schema in OpenAI's spec."""
        assert_matches(schema, body)
        return httpx.Response(200, json=body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        if path == "/v1/fine_tuning/jobs":
            after = request.url.params.get("after")
            jobs = [self.job(n) for n in (3, 2, 1)]
            if after:
                jobs = jobs[[j["id"] for j in jobs].index(after) + 1 :]
            limit = min(PAGE, int(request.url.params.get("limit", 20)))
            page = {"object": "list", "data": jobs[:limit], "has_more": len(jobs) > limit}
            return self.answer("ListPaginatedFineTuningJobsResponse", page)
        if match := re.fullmatch(r"/v1/fine_tuning/jobs/([^/]+)/(events|checkpoints)", path):
            schema = "ListFineTuningJobEventsResponse"
            if match[2] == "checkpoints":
                schema = "ListFineTuningJobCheckpointsResponse"
            return self.answer(schema, {"object": "list", "data": [], "has_more": False})
        if match := re.fullmatch(r"/v1/files/([^/]+)(/content)?", path):
            file_id = match[1]
            if file_id in self.results and match[2]:
                return httpx.Response(200, content=self.results[file_id])
            if file_id not in self.files and file_id not in self.results:
                message = f"No such File object: {file_id}"
                error = {"message": message, "type": "invalid_request_error", "param": "id"}
                return httpx.Response(404, json={"error": {**error, "code": None}})
            name, content = self.files.get(file_id, ("step_metrics.csv", b""))
            if match[2]:
                return httpx.Response(200, content=content)
            file = {
                "id": file_id,
                "object": "file",
                "bytes": len(content),
                "created_at": CREATED,
                "filename": name,
                "purpose": "fine-tune",
                "status": "processed",
            }
            return self.answer("OpenAIFile", file)
        return httpx.Response(404, json={"error": {"message": f"no route {path}"}})


class AccountFake:
    """What FakeProviders needs from a fake: a transport."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def transport(self) -> httpx.MockTransport:
        """The stubbed account over httpx."""
        return httpx.MockTransport(self.account)


@pytest.fixture
def account(home: AppPaths, monkeypatch: pytest.MonkeyPatch) -> Account:
    """The CLI's provider pool connected to the stubbed account."""
    stub = Account()
    pool = lambda paths: FakeProviders(AccountFake(stub), home)  # type: ignore[arg-type]  # noqa: E731
    monkeypatch.setattr(cli_import_jobs, "_providers", pool)
    return stub


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run the CLI with --json: exit code, the summary, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def counts(home: AppPaths) -> tuple[int, int, int, int]:
    """Datasets, versions, jobs and metric rows in the store."""
    store = open_store(home.database)
    jobs = list_jobs(store)
    found = (
        len(list_datasets(store)),
        len(list_versions(store)),
        len(jobs),
        sum(len(job_metrics(store, j.id)) for j in jobs),
    )
    store.close()
    return found


def test_import_openai_jobs_files_versions_metrics(
    account: Account, home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    code, summary, err = run(capsys, "import-jobs", "--provider", "openai", "--yes", "--json")
    assert code == 1  # one job came without its version
    assert summary["new_jobs"] == 3 and summary["without_version"] == ["ftjob-1"]
    assert any("after=ftjob-2" in r for r in account.requests)  # the second page was asked for
    assert "openai: 3 jobs, 4 files" in err and "ftjob-3: succeeded" in err
    by_remote = {j["remote_id"]: j for j in summary["jobs"]}
    assert by_remote["ftjob-1"]["problems"][0].startswith("training file file-t1: not found (404)")
    assert "problem: training file file-t1: not found (404)" in err
    assert by_remote["ftjob-3"]["metric_steps"] == 3  # the base64 result file
    assert by_remote["ftjob-2"]["metric_steps"] == 0  # still running: no result file yet

    store = open_store(home.database)
    jobs = {j.remote_id: j for j in list_jobs(store)}
    assert jobs["ftjob-1"].id < jobs["ftjob-2"].id < jobs["ftjob-3"].id  # the order they ran in
    three = jobs["ftjob-3"]
    assert three.provider == "openai" and three.base_model == "gpt-4o-mini-2024-07-18"
    assert three.fine_tuned_model == "ft:gpt-4o-mini-2024-07-18:org::x3"
    assert three.hyperparameters == {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 2}
    assert three.created_at == "2025-11-24T16:50:00+00:00"  # CREATED + 3000 s, not now
    assert (three.training_file, three.validation_file) == ("file-t3", "file-v3")
    assert [m.train_loss for m in job_metrics(store, three.id)] == [2.0, 1.0, 0.5]
    assert three.version_id is not None
    version = get_version(store, three.version_id)
    assert version.counts["train"] == 12 and version.counts["holdout"] == 4
    assert version.report["imported_from"]["files"]["training"]["file_id"] == "file-t3"
    assert version.report["imported_from"]["files"]["validation"]["file_id"] == "file-v3"
    holdout = [json.loads(e.text) for e in iter_entries(store, version.id, "holdout")]
    assert holdout[0]["messages"][1]["content"] == "V3 0?"  # the validation file, as it was
    assert jobs["ftjob-1"].version_id is None and jobs["ftjob-1"].status == "succeeded"
    rows = {e.job_id: e for e in experiments(store)}
    assert rows[three.id].model_id == three.fine_tuned_model
    assert rows[three.id].train_loss == 0.5 and rows[three.id].valid_loss == 0.8
    assert rows[three.id].train_examples == 12
    store.close()
    assert counts(home) == (3, 2, 3, 3)


def test_a_second_run_updates_and_adds_nothing(
    account: Account, home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import-jobs", "--provider", "openai", "--yes", "--json")
    before = counts(home)
    store = open_store(home.database)
    ids = {j.remote_id: j.id for j in list_jobs(store)}
    store.close()
    account.job2_done = True  # ftjob-2 finished meanwhile: its plain CSV result file appears
    code, summary, _err = run(capsys, "import-jobs", "--provider", "openai", "--yes", "--json")
    assert code == 1 and summary["new_jobs"] == 0 and summary["updated_jobs"] == 3
    assert counts(home)[:3] == before[:3]  # no new dataset, version or job
    store = open_store(home.database)
    two = next(j for j in list_jobs(store) if j.remote_id == "ftjob-2")
    assert two.id == ids["ftjob-2"] and two.status == "succeeded"
    assert two.fine_tuned_model == "ft:gpt-4.1-mini-2025-04-14:org::x2"
    assert [m.train_loss for m in job_metrics(store, two.id)] == [1.5, 1.2]  # plain CSV
    store.close()
    assert counts(home)[3] == before[3] + 2


def test_without_yes_and_no_terminal_it_asks_for_yes(
    account: Account, home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import-jobs", "--provider", "openai"])
    assert code == 2 and "pass --yes" in capsys.readouterr().err
    assert counts(home) == (0, 0, 0, 0)


def test_import_from_the_real_local_backend(
    server: Any,
    home: AppPaths,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import openai

    from tests.test_local_server import wait_for

    url, _api, _root = server
    monkeypatch.setenv("TUIAPP_LOCAL_URL", url)
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    rows = [chat(f"Say something {i}", "arr matey", None) for i in range(12)]
    train = client.files.create(file=("pirate.jsonl", jsonl(rows)), purpose="fine-tune")
    valid = client.files.create(file=("pirate-val.jsonl", jsonl(rows[:4])), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="tiny-llama",
        training_file=train.id,
        validation_file=valid.id,
        hyperparameters={"n_epochs": 1, "batch_size": 4},
    )
    done = wait_for(client, job.id)
    assert done.status == "succeeded", done.error

    code, summary, _err = run(capsys, "import-jobs", "--provider", "local", "--yes", "--json")
    assert code == 0, summary
    (imported,) = summary["jobs"]
    assert imported["remote_id"] == job.id and imported["metric_steps"] == 3  # 12 / 4, 1 epoch
    store = open_store(home.database)
    (stored,) = list_jobs(store)
    assert stored.fine_tuned_model == done.fine_tuned_model and stored.status == "succeeded"
    assert stored.hyperparameters["n_epochs"] == 1 and stored.hyperparameters["batch_size"] == 4
    assert stored.version_id is not None
    version = get_version(store, stored.version_id)
    assert (version.counts["train"], version.counts["holdout"]) == (12, 4)
    assert len(list_datasets(store)) == 2
    (row,) = experiments(store)
    assert row.model_id == done.fine_tuned_model and row.train_loss is not None
    store.close()
    code, summary, _err = run(capsys, "import-jobs", "--provider", "local", "--yes", "--json")
    assert code == 0 and summary["new_jobs"] == 0
    assert counts(home)[:3] == (2, 1, 1)


def test_days_left_before_a_model_retires() -> None:
    table = {"gpt-4o-mini": date(2027, 1, 14), "gpt-4.1-nano": date(2026, 10, 23)}
    today = date(2026, 12, 1)
    assert retirement_date("gpt-4o-mini-2024-07-18", table) == date(2027, 1, 14)
    assert retirement_date("ft:gpt-4o-mini-2024-07-18:org::x3", table) == date(2027, 1, 14)
    assert retirement_date("SmolLM2-135M-Instruct", table) is None
    assert days_left_text(retirement_date("gpt-4o-mini-2024-07-18", table), today) == (
        "44 days left"
    )
    assert days_left_text(retirement_date("gpt-4.1-nano", table), today) == "retired"
    assert days_left_text(date(2026, 12, 2), today) == "1 day left"
    assert days_left_text(None, today) == ""


async def test_the_jobs_screen_says_how_long_the_model_answers(
    home: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    import screens.jobs
    from screens.jobs import JobsScreen
    from tests.waiting import until
    from tuiapp.app import make_app
    from tuiapp.store.jobs import insert_job, update_job

    store = open_store(home.database)
    for n, model in ((1, "gpt-4.1-nano-2025-04-14"), (2, "gpt-4o-mini-2024-07-18")):
        job = insert_job(
            store,
            provider="openai",
            remote_id=f"ftjob-{n}",
            base_model=model,
            training_file="file-1",
            status="succeeded",
        )
        update_job(store, job.id, fine_tuned_model=f"ft:{model}:org::x{n}")
    store.close()
    table = {"gpt-4o-mini": date(2027, 1, 14), "gpt-4.1-nano": date(2026, 10, 23)}
    lookup: Callable[[str], date | None] = lambda name: retirement_date(name, table)  # noqa: E731
    monkeypatch.setattr(screens.jobs, "retirement_date", lookup)
    monkeypatch.setattr(screens.jobs, "today", lambda: date(2026, 12, 1))
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen), "jobs")

        def detail() -> str:
            return str(app.screen.query_one("#jobs-detail").render())

        await until(pilot, lambda: "44 days left" in detail(), "the newest job's days left")
        assert "gpt-4o-mini-2024-07-18 (44 days left) -> ft:gpt-4o-mini" in detail()
        await pilot.press("down")
        await until(pilot, lambda: "(retired)" in detail(), "the retired model")


def test_import_jobs_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import-jobs", "--help"])
    assert "--provider" in capsys.readouterr().out


class TogetherAccount(TogetherFake):
    """Together's API with one finished job that names its training file, which downloads."""

    def job(self, status: str | None = None) -> dict[str, Any]:
        """The fake's job, finished, with its training file."""
        return {**super().job("succeeded"), "training_file": "file-123"}

    def routes(self) -> Routes:
        """The fake's routes plus the file and its content."""
        rows = [chat(f"T {i}?", f"U {i}.") for i in range(10)]
        file = {"id": "file-123", "object": "file", "bytes": 1, "created_at": 1}
        file |= {"filename": "tg.jsonl", "purpose": "fine-tune", "FileType": "jsonl"}
        content = lambda request: httpx.Response(200, content=jsonl(rows))  # noqa: E731
        return {
            **super().routes(),
            "GET /v1/files/file-123": lambda request: httpx.Response(200, json=file),
            "GET /v1/files/file-123/content": content,
        }


async def test_import_from_together_through_its_adapter(home: AppPaths, tmp_path: Path) -> None:
    pytest.importorskip("together")
    spec = find("together")
    assert spec is not None
    fake = TogetherAccount(100)
    env = {"TOGETHER_API_KEY": "sk-test"}
    provider = await spec.connect(Connection("sk-test", env, home, Timeouts(), fake.transport()))
    store = open_store(home.database)
    try:
        report = await import_jobs(store, provider, tmp_path / "imported")
        again = await import_jobs(store, provider, tmp_path / "imported")
    finally:
        await provider.close()
    (job,) = report.jobs
    assert job.remote_id == "ft-1" and job.status == "succeeded" and job.problems == []
    assert job.fine_tuned_model == "u/Llama-3.1-8B-ft-1" and job.metric_steps == 2  # events
    assert job.version_id is not None
    assert get_version(store, job.version_id).counts["train"] == 10
    assert [j.new for j in again.jobs] == [False] and len(list_jobs(store)) == 1
    store.close()


def test_a_file_imported_before_is_the_same_dataset(
    account: Account, home: AppPaths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "my-copy-of-support.jsonl"
    mine.write_bytes(account.files["file-t3"][1])
    assert main(["import", str(mine)]) == 0
    capsys.readouterr()
    code, summary, _err = run(
        capsys, "import-jobs", "--provider", "openai", "--limit", "1", "--yes", "--json"
    )
    assert code == 0 and [j["remote_id"] for j in summary["jobs"]] == ["ftjob-3"]
    assert not any("after=" in r for r in account.requests)  # one page was enough
    store = open_store(home.database)
    datasets = {d.name: d for d in list_datasets(store)}
    assert sorted(datasets) == ["my-copy-of-support.jsonl", "support-val.jsonl"]  # no third
    (job,) = list_jobs(store)
    assert job.version_id is not None
    assert get_version(store, job.version_id).dataset_id == datasets[mine.name].id
    store.close()


def test_no_key_or_an_unknown_provider_exit_2(
    home: AppPaths, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr("tuiapp.providers.registry.keyring_key", lambda name: None)
    assert main(["import-jobs", "--provider", "openai", "--yes"]) == 2
    assert "openai: no API key" in capsys.readouterr().err
    assert main(["import-jobs", "--provider", "nosuch", "--yes"]) == 2
    assert "unknown provider 'nosuch'" in capsys.readouterr().err


class FireworksAccount(FireworksFake):
    """Fireworks with two finished supervised jobs on two list pages (no DPO job); the first
    trained on dataset d-1 (downloadable through its signed URL), the second on a deleted one."""

    def routes(self) -> Routes:
        """The fake's routes plus the job list, the dataset and its download."""
        routes = super().routes()

        def jobs(request: httpx.Request) -> httpx.Response:
            first = {**self.job("succeeded"), "evaluationDataset": None}
            second = {
                **first,
                "name": f"accounts/{ACCOUNT}/supervisedFineTuningJobs/old-2",
                "dataset": f"accounts/{ACCOUNT}/datasets/gone",
                "createTime": "2026-11-20T09:00:00Z",
            }
            if request.url.params.get("pageToken") == "p2":
                return httpx.Response(200, json={"supervisedFineTuningJobs": [second]})
            return httpx.Response(
                200, json={"supervisedFineTuningJobs": [first], "nextPageToken": "p2"}
            )

        rows = jsonl([chat(f"F {i}?", f"G {i}.") for i in range(11)])
        dataset = {"name": f"accounts/{ACCOUNT}/datasets/d-1", "state": "READY"}
        signed = {"filenameToSignedUrls": {"d.jsonl": "https://storage.example/signed/d.jsonl"}}
        routes.update(
            {
                f"GET {API}/supervisedFineTuningJobs": jobs,
                f"GET {API}/dpoJobs": ok({"dpoJobs": []}),
                f"GET {API}/datasets/d-1": ok({**dataset, "displayName": "d.jsonl", "bytes": 1}),
                f"GET {API}/datasets/d-1:getDownloadEndpoint": ok(signed),
                "GET /signed/d.jsonl": lambda request: httpx.Response(200, content=rows),
            }
        )
        return routes


async def test_import_from_fireworks_through_its_adapter(home: AppPaths, tmp_path: Path) -> None:
    spec = find("fireworks")
    assert spec is not None
    fake = FireworksAccount(100)
    env = {"FIREWORKS_API_KEY": "fw-test", "FIREWORKS_ACCOUNT_ID": ACCOUNT}
    provider = await spec.connect(Connection("fw-test", env, home, Timeouts(), fake.transport()))
    store = open_store(home.database)
    try:
        report = await import_jobs(store, provider, tmp_path / "imported")
    finally:
        await provider.close()
    old, new = report.jobs  # oldest first
    assert old.remote_id == "supervisedFineTuningJobs/old-2" and old.version_id is None
    assert old.problems[0].startswith("training file gone: not found (404)")
    assert new.status == "succeeded" and new.fine_tuned_model == OUTPUT_MODEL
    assert new.version_id is not None and new.metric_steps == 2  # from its metrics file
    assert get_version(store, new.version_id).counts["train"] == 11
    store.close()


def test_a_job_started_from_tuiapp_keeps_its_version(
    account: Account,
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.test_jobs import frozen_version
    from tuiapp.store.jobs import insert_job

    store, version = frozen_version(home, write_jsonl)
    mine = insert_job(
        store,
        provider="openai",
        remote_id="ftjob-3",
        version_id=version.id,
        base_model="gpt-4o-mini-2024-07-18",
        training_file="file-t3",
        status="running",
    )
    store.close()
    code, summary, err = run(capsys, "import-jobs", "--provider", "openai", "--yes", "--json")
    assert code == 1 and summary["new_jobs"] == 2  # ftjob-2 and ftjob-1, not ftjob-3
    assert f"version {version.id} holds them already" in err
    store = open_store(home.database)
    three = next(j for j in list_jobs(store) if j.remote_id == "ftjob-3")
    assert three.id == mine.id and three.version_id == version.id and three.status == "succeeded"
    assert not any(d.name.startswith("support") for d in list_datasets(store))  # not downloaded
    store.close()


def test_the_plain_report_names_each_job_and_the_missing_file(
    account: Account, home: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-jobs", "--provider", "openai", "--yes"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "job 1 (new) ftjob-1 · succeeded · gpt-4.1-nano · no version · 0 steps"
        " · ft:gpt-4.1-nano:org::x1"
    )
    assert lines[1].startswith("  training file file-t1: not found (404)")
    assert lines[-1] == (
        "job 3 (new) ftjob-3 · succeeded · gpt-4o-mini-2024-07-18 · version 2 · 3 steps"
        " · ft:gpt-4o-mini-2024-07-18:org::x3"
    )
