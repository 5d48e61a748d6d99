"""Run an LLM judge over two evaluation runs' answers to the same items: pairwise in both orders
(run A shown first, then run B shown first; a disagreement is a tie) or a 1-10 rubric score of
each answer. The prompts are costed before anything is sent, calls run concurrently (a bounded
number at a time), each reply is stored as it arrives, and a rerun of an interrupted judge run
only asks what has no reply yet. The summary holds the win rate and the agreement with the
blind human ratings of the same items."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tuiapp.data.base_models import base_model
from tuiapp.data.tokens import TokenCounter
from tuiapp.evals.judge import (
    Agreement,
    CostEstimate,
    agreement,
    combine,
    cost,
    human_verdict,
    missing_placeholders,
    parse_score,
    parse_verdict,
    render,
    score_verdict,
)
from tuiapp.evals.ratings import WinRate, win_rate_of
from tuiapp.providers.base import Provider, ProviderError
from tuiapp.services.eval_run import eval_items
from tuiapp.store import Store
from tuiapp.store.evals import get_run, outputs
from tuiapp.store.judgements import (
    Judgement,
    JudgeRun,
    create_judge_run,
    finish_judge_run,
    get_judge_run,
    human_verdicts,
    judge_runs,
    judgements,
    save_judgement,
)

DEFAULT_CONCURRENCY = 8
PARAMS: dict[str, Any] = {"temperature": 0, "max_tokens": 512}
FREE_PROVIDERS = ("local",)  # our own backend: no price per token


@dataclass(frozen=True)
class JudgeAsk:
    """One judge call: the item, which order or answer ('ab', 'ba', 'a', 'b'), the prompt."""

    position: int
    ask: str
    prompt: str


@dataclass(frozen=True)
class JudgeSummary:
    """What a judge run found: run A's win rate over B, mean rubric scores, agreement."""

    run: JudgeRun
    verdicts: dict[int, str]  # position -> a / b / tie (run terms), readable items only
    win: WinRate
    unreadable: int
    failed: int
    mean_score_a: float | None
    mean_score_b: float | None
    human: Agreement


def question_text(messages: list[dict[str, Any]]) -> str:
    """The prompt as the judge reads it: the user's text alone, or role-labelled turns."""
    if len(messages) == 1 and messages[0].get("role") == "user":
        return str(messages[0].get("content", ""))
    return "\n".join(f"{m.get('role')}: {m.get('content')}" for m in messages)


def judge_asks(store: Store, run_a: int, run_b: int, mode: str, template: str) -> list[JudgeAsk]:
    """Every call a judge run makes over the items both runs answered."""
    problems = missing_placeholders(template, mode)
    if problems:
        raise ValueError(f"the judge prompt lacks {', '.join(problems)}")
    first = get_run(store, run_a)
    items = {i.position: i for i in eval_items(store, first.version_id, first.split)}
    got_a, got_b = outputs(store, run_a), outputs(store, run_b)
    asks = []
    for position in sorted(items.keys() & got_a.keys() & got_b.keys()):
        a, b = got_a[position].output, got_b[position].output
        if a is None or b is None:
            continue
        item = items[position]
        question = question_text(item.messages)
        if mode == "pairwise":
            asks.append(JudgeAsk(position, "ab", render(template, question, a, b, item.reference)))
            asks.append(JudgeAsk(position, "ba", render(template, question, b, a, item.reference)))
        else:
            asks.append(JudgeAsk(position, "a", render(template, question, a, "", item.reference)))
            asks.append(JudgeAsk(position, "b", render(template, question, b, "", item.reference)))
    return asks


def estimate(
    asks: list[JudgeAsk], provider: str, model: str, max_tokens: int = PARAMS["max_tokens"]
) -> CostEstimate:
    """The cost of the calls before they are made: prompt tokens counted with the judge
    model's encoding, priced at its input/output price (free on the local backend)."""
    info = base_model(model)
    counter = TokenCounter(info.encoding)
    tokens = sum(counter.messages([{"role": "user", "content": a.prompt}]) for a in asks)
    price_in: float | None
    price_out: float | None
    if provider in FREE_PROVIDERS:
        price_in, price_out = 0.0, 0.0
    else:  # base_models.toml lists inference prices only where a model has them
        price_in = getattr(info, "input_price_per_million", None)
        price_out = getattr(info, "output_price_per_million", None)
    return cost(tokens, len(asks), max_tokens, info.encoding, price_in, price_out)


def start_judge(
    store: Store,
    run_a: int,
    run_b: int,
    provider: str,
    model: str,
    mode: str,
    template: str,
    *,
    params: dict[str, Any] | None = None,
) -> JudgeRun:
    """Record a judge run with its prompt and cost estimate (no calls yet)."""
    asks = judge_asks(store, run_a, run_b, mode, template)
    if not asks:
        raise ValueError("the two runs have no answered items in common to judge")
    params = {**PARAMS, **(params or {})}
    guess = estimate(asks, provider, model, int(params["max_tokens"]))
    return create_judge_run(
        store,
        run_a,
        run_b,
        mode,
        provider,
        model,
        template,
        len(asks),
        params=params,
        estimate={"prompt_tokens": guess.prompt_tokens, "usd": guess.usd, "calls": guess.calls},
    )


def unfinished_judge(
    store: Store, run_a: int, run_b: int, model: str, mode: str
) -> JudgeRun | None:
    """The latest judge run of this model and mode that stopped before it finished."""
    return next(
        (
            r
            for r in judge_runs(store, run_a, run_b)
            if r.model == model and r.mode == mode and r.status != "completed"
        ),
        None,
    )


async def run_judge(
    store: Store,
    provider: Provider,
    judge_id: int,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int, int], None] | None = None,
) -> JudgeSummary:
    """Ask every call that has no reply yet, then summarise the run."""
    run = get_judge_run(store, judge_id)
    asks = judge_asks(store, run.run_a, run.run_b, run.mode, run.template)
    done = {k for k, j in judgements(store, judge_id).items() if j.error is None}
    todo = [a for a in asks if (a.position, a.ask) not in done]
    options = {k: v for k, v in run.params.items() if k in ("temperature", "max_tokens", "seed")}
    gate = asyncio.Semaphore(max(1, concurrency))
    finished = len(asks) - len(todo)

    async def ask(item: JudgeAsk) -> None:
        nonlocal finished
        async with gate:
            try:
                reply = await provider.complete(
                    run.model, [{"role": "user", "content": item.prompt}], **options
                )
            except ProviderError as err:
                result = Judgement(item.position, item.ask, None, str(err), None, None, None, None)
            else:
                pairwise = run.mode == "pairwise"
                result = Judgement(
                    item.position,
                    item.ask,
                    reply.text,
                    None,
                    parse_verdict(reply.text) if pairwise else None,
                    None if pairwise else parse_score(reply.text),
                    reply.prompt_tokens,
                    reply.completion_tokens,
                )
        save_judgement(store, judge_id, result)
        finished += 1
        if progress is not None:
            progress(finished, len(asks))

    if progress is not None:  # the bar shows where it starts (0%, or a resumed share) at once
        progress(finished, len(asks))
    await asyncio.gather(*(ask(a) for a in todo))
    failed = sum(1 for j in judgements(store, judge_id).values() if j.error is not None)
    finish_judge_run(store, judge_id, "completed" if not failed else "incomplete")
    return summarise(store, judge_id)


def _mean(values: list[int]) -> float | None:
    """The mean, or None of nothing."""
    return sum(values) / len(values) if values else None


def summarise(store: Store, judge_id: int) -> JudgeSummary:
    """Per-item verdicts (both orders combined, or from the two scores), the win rate, mean
    rubric scores and the agreement with every blind human rating of the same items."""
    run = get_judge_run(store, judge_id)
    got = judgements(store, judge_id)
    positions = sorted({p for p, _ in got})
    first, second = ("ab", "ba") if run.mode == "pairwise" else ("a", "b")
    verdicts: dict[int, str] = {}
    unreadable = failed = 0
    for position in positions:
        one, two = got.get((position, first)), got.get((position, second))
        if one is None or two is None or one.error or two.error:
            failed += 1
            continue
        verdict = (
            combine(one.verdict, two.verdict)
            if run.mode == "pairwise"
            else score_verdict(one.score, two.score)
        )
        if verdict is None:
            unreadable += 1
        else:
            verdicts[position] = verdict
    counts = {v: sum(1 for x in verdicts.values() if x == v) for v in ("a", "b", "tie")}
    rated = human_verdicts(store, run.run_a, run.run_b)
    human = [(verdicts[p], human_verdict(v)) for p, v in rated if p in verdicts]
    scores = {
        side: [j.score for (_, ask), j in got.items() if ask == side and j.score is not None]
        for side in "ab"
    }
    return JudgeSummary(
        run,
        verdicts,
        win_rate_of(counts),
        unreadable,
        failed,
        _mean([s for s in scores["a"] if s is not None]),
        _mean([s for s in scores["b"] if s is not None]),
        agreement(human),
    )


def latest_summary(
    store: Store, run_a: int, run_b: int, mode: str | None = None
) -> JudgeSummary | None:
    """The newest judge run over these two runs (of one mode, or any), summarised; None
    when there is none."""
    runs = [r for r in judge_runs(store, run_a, run_b) if mode is None or r.mode == mode]
    return summarise(store, runs[0].id) if runs else None


def summary_lines(summary: JudgeSummary) -> list[str]:
    """The result as lines for a person (the CLI prints them, the evaluate screen shows them)."""
    win, run = summary.win, summary.run
    lines = [
        f"judge run {run.id}: {run.provider}:{run.model}, {run.mode}, {run.status}",
        f"  fine-tuned {win.wins} wins, {win.ties} ties, {win.losses} losses"
        + (f": win rate {100 * win.rate:.0f}%" if win.rated else ""),
    ]
    if summary.mean_score_a is not None or summary.mean_score_b is not None:
        shown = [
            f"{v:.2f}" if v is not None else "-"
            for v in (summary.mean_score_a, summary.mean_score_b)
        ]
        lines.append(f"  mean rubric score: fine-tuned {shown[0]}, base {shown[1]} (1-10)")
    if summary.unreadable or summary.failed:
        lines.append(
            f"  {summary.unreadable} items without a readable verdict, {summary.failed} failed"
        )
    lines.append(f"  {summary.human.describe()}")
    return lines
