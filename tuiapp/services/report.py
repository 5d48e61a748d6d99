"""The dataset report: problems by kind, token distributions, roles, turns and cost."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import orjson

from tuiapp.data.base_models import base_model, known_models
from tuiapp.data.check_preference import length_bias
from tuiapp.data.examine import conversation, token_counts
from tuiapp.data.stats import CostEstimate, Distribution, distribution, estimate_cost
from tuiapp.data.tokens import TokenCounter
from tuiapp.paths import AppPaths, app_paths
from tuiapp.problems import Severity
from tuiapp.services.model_tokens import DatasetCounts, load_tokenizer, local_model_dirs
from tuiapp.store import Store
from tuiapp.store.datasets import get_dataset
from tuiapp.store.example_reads import iter_report_rows
from tuiapp.store.examples import problem_counts, status_counts


@dataclass
class DatasetReport:
    """Everything the report screen shows about one dataset."""

    examples: int = 0
    usable: int = 0  # no error and not rejected: what training would see
    statuses: dict[str, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    tokens: list[int] = field(default_factory=list)
    assistant_tokens: list[int] = field(default_factory=list)
    roles: Counter[str] = field(default_factory=Counter)
    assistant_turns: Counter[int] = field(default_factory=Counter)
    with_system: int = 0
    costs: list[CostEstimate] = field(default_factory=list)
    pair_diffs: list[int] = field(default_factory=list)  # preferred - non-preferred tokens
    model_note: str = ""  # how an open model's tokens were counted (its own, or an estimate)

    @property
    def preferred_longer(self) -> float | None:
        """Share of preference pairs whose preferred answer is longer (None: no pairs)."""
        if not self.pair_diffs:
            return None
        return sum(d > 0 for d in self.pair_diffs) / len(self.pair_diffs)

    @property
    def mean_pair_diff(self) -> float | None:
        """Mean tokens the preferred answer has over the non-preferred one (None: no pairs)."""
        return sum(self.pair_diffs) / len(self.pair_diffs) if self.pair_diffs else None

    @property
    def length_bias_line(self) -> str:
        """The length bias of the pairs in one line ("" for chat data)."""
        if self.preferred_longer is None or self.mean_pair_diff is None:
            return ""
        longer = sum(d > 0 for d in self.pair_diffs)
        return (
            f"length bias: preferred answer longer in {longer:,} of {len(self.pair_diffs):,} "
            f"pairs ({self.preferred_longer:.0%}), mean difference {self.mean_pair_diff:+,.1f} "
            "tokens"
        )

    @property
    def token_stats(self) -> Distribution:
        """Distribution of tokens per usable example."""
        return distribution(self.tokens)

    @property
    def assistant_token_stats(self) -> Distribution:
        """Distribution of assistant tokens per usable example."""
        return distribution(self.assistant_tokens)


def dataset_report(
    store: Store, dataset_id: int, model: str | None = None, paths: AppPaths | None = None
) -> DatasetReport:
    """Build the report from the store (reads every example once; run it in a worker); an open
    `model` is counted with its own tokenizer when it loads (local folders in `paths`)."""
    report = DatasetReport(
        statuses=status_counts(store, dataset_id), problems=problem_counts(store, dataset_id)
    )
    counter = TokenCounter(base_model(model).encoding)
    models = [base_model(name) for name in _cost_models(model)]
    # the stored counts are in the dataset's encoding; every other model's is counted here
    stored = base_model(get_dataset(store, dataset_id).base_model).encoding
    recount = {m.encoding: TokenCounter(m.encoding) for m in models if m.encoding != stored}
    per_encoding: dict[str, list[int]] = {name: [] for name in recount}
    own, report.model_note = _own_counts(model, paths)
    for row in iter_report_rows(store, dataset_id):
        report.examples += 1
        if row.severity >= Severity.ERROR or row.status == "rejected":
            continue
        report.usable += 1
        report.tokens.append(row.n_tokens)
        report.assistant_tokens.append(row.n_assistant_tokens)
        obj = orjson.loads(row.text)
        for name, other in recount.items():
            per_encoding[name].append(token_counts(obj, other)[0])
        if own is not None:
            estimated = per_encoding.get(own.tok.encoding)
            own.add(obj, estimated[-1] if estimated else row.n_tokens)
        messages = conversation(obj)
        diff = length_bias(obj, counter)
        if diff is not None:
            report.pair_diffs.append(diff)
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        report.roles.update(str(r) for r in roles)
        report.assistant_turns[roles.count("assistant")] += 1
        report.with_system += "system" in roles or "developer" in roles
    per_encoding[stored] = report.tokens
    report.costs = [estimate_cost(per_encoding[m.encoding], m) for m in models]
    if own is not None and report.costs:
        limited = replace(models[0], token_limit=own.tok.max_len)
        report.costs[0] = estimate_cost(own.counts, limited, counted_with=own.tok.counted_with)
        report.model_note = own.note
    return report


def _own_counts(model: str | None, paths: AppPaths | None) -> tuple[DatasetCounts | None, str]:
    """An open model's own counter, or None and why its counts are estimates."""
    if not model or base_model(model).exact:
        return None, ""
    tok = load_tokenizer(model, local_model_dirs(paths or app_paths()))
    if tok.tokenizer is None:
        return None, f"{model}: {tok.note}"
    return DatasetCounts(tok), ""


def _cost_models(model: str | None) -> list[str]:
    """The cost table's rows: the dataset's model, then every priced model of the table."""
    names = [model] if model else []
    return names + [
        m
        for m in known_models()
        if base_model(m).price_per_million and not (model or "").startswith(m)
    ]
