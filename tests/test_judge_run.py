"""The LLM judge run end to end through a stub provider: both orders asked and stored, the
verdicts combined, rubric scores, resume after failures, agreement with blind human ratings,
the experiments table's columns and `tuiapp judge` with its exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from tests.judge_stub import StubJudge, StubProviders, shown_answers
from tests.test_ratings_experiments import two_runs
from tuiapp import cli_judge
from tuiapp.cli import main
from tuiapp.evals.judge import default_template
from tuiapp.paths import AppPaths
from tuiapp.providers.base import Provider
from tuiapp.services.experiments import experiments
from tuiapp.services.judge_run import (
    estimate,
    judge_asks,
    latest_summary,
    run_judge,
    start_judge,
    unfinished_judge,
)
from tuiapp.services.ratings import pairs, rate
from tuiapp.store.judgements import judgements


async def judged(store: Any, tuned: Any, base: Any, stub: StubJudge, mode: str = "pairwise"):  # type: ignore[no-untyped-def]
    """Start and run a judge over the two runs with the stub."""
    run = start_judge(store, tuned.id, base.id, "stub", "judge-model", mode, default_template(mode))
    return await run_judge(store, cast(Provider, stub), run.id, concurrency=4)


async def test_pairwise_asks_both_orders_and_stores_every_reply(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    stub = StubJudge("positive")  # prefers the fine-tuned model's answers ("positive 3")
    summary = await judged(store, tuned, base, stub)
    assert len(stub.prompts) == 20  # 10 items, each in both orders
    rows = judgements(store, summary.run.id)
    assert {ask for _, ask in rows} == {"ab", "ba"} and len(rows) == 20
    ab = [p for p in stub.prompts if shown_answers(p)["Answer A"] == "positive 0"]
    ba = [p for p in stub.prompts if shown_answers(p)["Answer B"] == "positive 0"]
    assert len(ab) == 1 and len(ba) == 1  # the same item, fine-tuned shown first, then second
    assert {r.verdict for (_, ask), r in rows.items() if ask == "ab"} == {"a"}
    assert {r.verdict for (_, ask), r in rows.items() if ask == "ba"} == {"b"}  # positions
    assert (summary.win.wins, summary.win.ties, summary.win.losses) == (10, 0, 0)
    assert summary.run.template == default_template("pairwise")  # stored with the run
    assert summary.run.status == "completed"
    assert experiments(store)[0].judge_win_rate == pytest.approx(1.0)


async def test_a_judge_that_prefers_the_first_position_gives_all_ties(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    summary = await judged(store, tuned, base, StubJudge(first=True))
    assert (summary.win.wins, summary.win.ties, summary.win.losses) == (0, 10, 0)
    assert experiments(store)[0].judge_win_rate == pytest.approx(0.5)


async def test_rubric_scores_each_answer_with_the_reference(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    stub = StubJudge("positive")
    summary = await judged(store, tuned, base, stub, "rubric")
    assert (summary.mean_score_a, summary.mean_score_b) == (9.0, 4.0)
    assert summary.win.wins == 10  # the higher score wins the item
    references = {p.split("[Reference answer]\n")[1].split("\n")[0] for p in stub.prompts}
    assert references <= {"positive", "negative", "neutral"} and references  # the item's own
    row = experiments(store)[0]
    assert row.judge_score == pytest.approx(9.0) and row.judge_win_rate is None  # no pairwise


async def test_an_interrupted_judge_run_goes_on_where_it_stopped(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    summary = await judged(store, tuned, base, StubJudge(fail={3, 4, 5}))
    assert summary.run.status == "incomplete" and summary.failed >= 2
    again = unfinished_judge(store, tuned.id, base.id, "judge-model", "pairwise")
    assert again is not None and again.id == summary.run.id
    stub = StubJudge()
    done = await run_judge(store, cast(Provider, stub), again.id)
    assert len(stub.prompts) == 3  # only the three failed calls are asked again
    assert done.run.status == "completed" and done.win.wins == 10 and done.failed == 0


async def test_agreement_with_the_blind_human_ratings(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    shown = pairs(store, tuned.id, base.id, "ann")
    for pair in shown[:6]:  # ann agrees with the judge on 6 items ...
        rate(store, tuned.id, base.id, "ann", pair, "left" if pair.first == "a" else "right")
    for pair in shown[6:8]:  # ... and prefers the base model on 2
        rate(store, tuned.id, base.id, "ann", pair, "right" if pair.first == "a" else "left")
    summary = await judged(store, tuned, base, StubJudge(first=True))  # all ties: no agreement
    assert summary.human.n == 8 and summary.human.raw == 0.0
    summary = await judged(store, tuned, base, StubJudge("positive"))  # all "a"
    assert summary.human.n == 8 and summary.human.raw == pytest.approx(0.75)
    assert summary.human.kappa == pytest.approx(0.0)  # the judge's one label: chance level
    assert latest_summary(store, tuned.id, base.id) == summary
    assert experiments(store)[0].judge_kappa == pytest.approx(0.0)


def test_cost_estimate_before_running(home: AppPaths, write_jsonl: Callable[..., Path]) -> None:
    store, _job, tuned, base = two_runs(home, write_jsonl)
    asks = judge_asks(store, tuned.id, base.id, "pairwise", default_template("pairwise"))
    local = estimate(asks, "local", "SmolLM2-135M-Instruct")
    assert local.calls == 20 and local.prompt_tokens > 20 * 100 and local.usd == 0.0
    hosted = estimate(asks, "openai", "gpt-4o-mini-2024-07-18")
    assert hosted.encoding == "o200k_base" and "unknown price" in hosted.describe()
    with pytest.raises(ValueError, match="answer_b"):
        judge_asks(store, tuned.id, base.id, "pairwise", "{question} {answer_a}")


def test_cli_judge_exit_codes_json_and_progress(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, job, _tuned, _base = two_runs(home, write_jsonl)
    providers = StubProviders(StubJudge("positive"))
    monkeypatch.setattr(cli_judge, "_providers", lambda _home: providers)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["judge", str(job.id), "--judge", "stub:judge-model"]) == 1  # no terminal, no --yes
    assert "pass --yes" in capsys.readouterr().err
    assert not store.conn.execute("SELECT COUNT(*) FROM judge_runs").fetchone()[0]
    assert main(["judge", str(job.id), "--judge", "nomodel"]) == 2
    assert "PROVIDER:MODEL" in capsys.readouterr().err
    assert main(["judge", "999", "--judge", "stub:m", "--yes"]) == 1
    assert main(["judge", str(job.id), "--judge", "stub:judge-model", "--yes", "--json"]) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert (result["wins"], result["ties"], result["losses"]) == (10, 0, 0)
    assert result["win_rate"] == 1.0 and providers.asked == ["stub"]
    assert "judge: 20/20 asked" in out.err  # progress on stderr
    assert out.err.index("judge: 0/20 asked") < out.err.index("judge: 1/20")  # before any reply
    assert (
        main(["judge", str(job.id), "--judge", "stub:judge-model", "--mode", "rubric", "--yes"])
        == 0
    )
    text = capsys.readouterr().out
    assert "mean rubric score: fine-tuned 9.00, base 4.00" in text
