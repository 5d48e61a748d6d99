"""From a bad answer to a better dataset: a prompt a model answered badly (an evaluation item,
a playground turn, a loss the LLM judge found), with the answer a person corrected, becomes a
new accepted example of the version's source dataset, tagged `targeted`, with where it came
from kept as its source record (the review shows it); freezing then makes a child version
whose holdout is the parent's (see `tuiapp.services.freeze`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from tuiapp.data.examine import content_text, conversation
from tuiapp.data.quality import pii_kinds
from tuiapp.evals.judge import MODES
from tuiapp.problems import Problem, Severity
from tuiapp.services.edits import examiner
from tuiapp.services.eval_run import eval_items
from tuiapp.services.judge_run import latest_summary
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.evals import get_run, list_runs, outputs
from tuiapp.store.quality import replace_pii_items
from tuiapp.store.targeted import TARGETED, append_example, next_line
from tuiapp.store.versions import Version, get_version, iter_entries

VERDICT = {"a": "win", "b": "loss", "tie": "tie"}  # a judge's, for the run judged first


@dataclass(frozen=True)
class Origin:
    """Where a bad answer was seen: `eval`, `judge` or `playground`, a location a person reads
    (`eval run 3, item 7 (model ft:...)`) and the facts behind it (run ids, the model)."""

    kind: str
    location: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalTarget:
    """An evaluation item as ctrl+t on the evaluate screen takes it: the prompt, the data's
    reference, what the run's model answered (None when it has no answer) and the origin."""

    messages: list[dict[str, Any]]
    reference: str
    answer: str | None
    origin: Origin


@dataclass(frozen=True)
class Targeted:
    """The example added: its dataset, position, line, tokens and any warnings it has."""

    dataset_id: int
    idx: int
    line: int
    n_tokens: int
    warnings: list[Problem]


def eval_origin(
    run_id: int | None,
    version_id: int,
    position: int,
    model: str | None,
    judge: tuple[int, str, str] | None = None,
) -> Origin:
    """An evaluation item (of run `run_id`, or of the version's holdout when none ran), and
    `judge` (judge run id, its model, its verdict for the fine-tuned model) when one judged it."""
    where = f"eval run {run_id}" if run_id is not None else f"version {version_id} holdout"
    location = f"{where}, item {position}" + (f" (model {model})" if model else "")
    details: dict[str, Any] = {
        "eval_run": run_id,
        "version_id": version_id,
        "item": position,
        "model": model,
    }
    if judge is None:
        return Origin("eval", location, details)
    judge_id, judge_model, verdict = judge
    location += f", judged a {verdict} by judge run {judge_id} ({judge_model})"
    return Origin("judge", location, {**details, "judge_run": judge_id, "verdict": verdict})


def eval_target(store: Store, run_id: int, position: int) -> EvalTarget:
    """Item `position` (the # the evaluate screen shows) of an evaluation run, with the run's
    answer and, when a judge run put this run first, the judge's verdict on it. KeyError
    when there is no such run or item."""
    run = get_run(store, run_id)
    items = eval_items(store, run.version_id, run.split)
    item = next((i for i in items if i.position == position), None)
    if item is None:
        shown = f"0-{items[-1].position}" if items else "none"
        raise KeyError(f"eval run {run_id} has no item {position} (items: {shown})")
    got = outputs(store, run_id).get(position)
    judge = None
    for other in list_runs(store, run.version_id):
        found = (latest_summary(store, run_id, other.id, m) for m in MODES)
        summary = next((s for s in found if s is not None), None)
        if summary is not None and (verdict := summary.verdicts.get(position)):
            model = f"{summary.run.provider}:{summary.run.model}"
            judge = (summary.run.id, model, VERDICT[verdict])
            break
    origin = eval_origin(run_id, run.version_id, position, run.model, judge)
    return EvalTarget(item.messages, item.reference, got.output if got else None, origin)


def playground_origin(job_id: int | None, model: str, turn: int) -> Origin:
    """A playground answer: the job it was opened from, the model, which answer of the chat."""
    where = f"playground, job {job_id}" if job_id is not None else "playground"
    return Origin(
        "playground",
        f"{where}, answer {turn} (model {model})",
        {"job_id": job_id, "model": model, "turn": turn},
    )


def targeted_example(
    fmt: str, messages: list[dict[str, Any]], answer: str, model_answer: str | None
) -> dict[str, Any]:
    """The example in the dataset's format: a chat with the desired answer last, or (a
    preference dataset) the desired answer preferred over the model's."""
    prompt = [{"role": m["role"], "content": m["content"]} for m in messages]
    if fmt == "preference":
        if not model_answer:
            raise ValueError("a preference example needs the model's answer as the rejected one")
        return {
            "input": {"messages": prompt},
            "preferred_output": [{"role": "assistant", "content": answer}],
            "non_preferred_output": [{"role": "assistant", "content": model_answer}],
        }
    return {"messages": [*prompt, {"role": "assistant", "content": answer}]}


def add_targeted(
    store: Store,
    version_id: int,
    messages: list[dict[str, Any]],
    answer: str,
    origin: Origin,
    model_answer: str | None = None,
) -> Targeted:
    """Add the prompt with the desired answer to the source dataset of a version: checked and
    counted the way its import did, accepted, tagged `targeted`, with the origin (and the
    model's answer) as its source record. ValueError when the answer is empty or the example
    has errors (it would be left out of every version)."""
    if not answer.strip():
        raise ValueError("the desired answer is empty")
    if not messages:
        raise ValueError("there is no prompt to answer")
    dataset = get_dataset(store, get_version(store, version_id).dataset_id)
    obj = targeted_example(dataset.format, messages, answer, model_answer)
    result = examiner(dataset)(orjson.dumps(obj).decode(), next_line(store, dataset.id))
    if result.severity is Severity.ERROR:
        errors = [p.message for p in result.problems if p.severity is Severity.ERROR]
        raise ValueError("the example has errors: " + "; ".join(errors))
    record = {
        "origin": origin.kind,
        "location": origin.location,
        **origin.details,
        "model_answer": model_answer,
        "desired_answer": answer,
    }
    source = (TARGETED, origin.location, orjson.dumps(record).decode())
    idx = append_example(store, dataset.id, result, [TARGETED], source)
    replace_pii_items(store, dataset.id, idx, pii_kinds(result.text))
    return Targeted(dataset.id, idx, result.line, result.n_tokens, list(result.problems))


def kept_holdout(
    store: Store, parent: Version, ids: list[int], targeted: set[int], objs: dict[int, Any]
) -> tuple[list[int], list[int], list[str]]:
    """(train, holdout, what the plan says): the parent's holdout examples still taken stay
    the holdout, everything else (the targeted examples first of all) goes to train."""
    before = {e.example_id for e in iter_entries(store, parent.id, "holdout")}
    holdout = [i for i, example_id in enumerate(ids) if example_id in before - targeted]
    train = [i for i, example_id in enumerate(ids) if example_id not in before - targeted]
    said = [
        f"holdout kept from version {parent.id} ({parent.name}): {len(holdout)} examples, "
        f"so the scores compare; targeted examples, all in train: {len(targeted)}"
    ]
    if len(holdout) != len(before):
        said.append(f"{len(before) - len(holdout)} of the parent's holdout examples are not taken")
    prompts = {prompt_text(objs[ids[i]]) for i in holdout}
    same = sum(prompt_text(objs[example_id]) in prompts for example_id in targeted)
    if same:
        said.append(
            f"targeted examples with the prompt of a holdout example: {same} (the child's "
            "holdout scores on those items are on prompts it trained on)"
        )
    return train, holdout, said


def prompt_text(obj: Any) -> str:
    """An example's conversation before its last assistant answer, as text."""
    messages = [m for m in conversation(obj) if isinstance(m, dict)]
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=0)
    return "\n".join(f"{m.get('role')}: {content_text(m.get('content'))}" for m in messages[:last])


def targeted_to_train(
    train: Sequence[int], holdout: Sequence[int], ids: list[int], targeted: set[int]
) -> tuple[list[int], list[int]]:
    """A fresh split with the targeted examples moved to train: a corrected answer is
    something to learn, never a test."""
    moved = [i for i in holdout if ids[i] in targeted]
    return sorted({*train, *moved}), [i for i in holdout if ids[i] not in targeted]
