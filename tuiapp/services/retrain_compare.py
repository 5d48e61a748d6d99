"""The old and the new model of a move side by side: each metric of their holdout runs (old,
new, the change) and, item by item, where the new answer's token F1 beat, tied or lost to the
old one's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuiapp.evals.metrics import token_f1
from tuiapp.services.eval_run import eval_items
from tuiapp.store import Store
from tuiapp.store.evals import EvalRun, get_run, list_runs, outputs
from tuiapp.store.jobs import get_job
from tuiapp.store.retrains import Retrain, retrain_into, retrains_of

SHOWN = (  # the metrics of `evals.metrics.score`, in the order the table shows them
    "exact_match",
    "normalized_exact_match",
    "token_f1",
    "label_accuracy",
    "label_macro_f1",
    "valid_json",
    "json_schema_match",
    "check",
    "failed",
    "mean_latency_ms",
)


@dataclass(frozen=True)
class MetricRow:
    """One metric of both runs (None where a run has no value)."""

    name: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        """New minus old, when both are known."""
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass
class Comparison:
    """A move's two runs on the same holdout, compared."""

    link: Retrain
    old_run: EvalRun | None
    new_run: EvalRun | None
    rows: list[MetricRow] = field(default_factory=list)
    better: int = 0  # items where the new answer's token F1 is higher
    same: int = 0
    worse: int = 0

    @property
    def complete(self) -> bool:
        """True when both runs exist."""
        return self.old_run is not None and self.new_run is not None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (`--json`)."""
        return {
            "retrain": self.link.id,
            "old_job": self.link.old_job,
            "new_job": self.link.new_job,
            "old_run": self.old_run.id if self.old_run else None,
            "new_run": self.new_run.id if self.new_run else None,
            "metrics": [
                {"name": r.name, "old": r.old, "new": r.new, "delta": r.delta} for r in self.rows
            ],
            "items": {"better": self.better, "same": self.same, "worse": self.worse},
        }


def old_run_of(store: Store, link: Retrain) -> EvalRun | None:
    """The old model's run: the one linked, else the newest completed one of its job."""
    if link.old_run is not None:
        return get_run(store, link.old_run)
    job = get_job(store, link.old_job)
    runs = [
        r
        for r in list_runs(store, job.version_id)
        if r.job_id == job.id and r.model == job.fine_tuned_model and r.status == "completed"
    ]
    return runs[0] if runs else None


def new_run_of(store: Store, link: Retrain) -> EvalRun | None:
    """The new model's run: the one linked, else the newest completed holdout run of the new
    job's model (an evaluation started from its job screen)."""
    if link.new_run is not None:
        return get_run(store, link.new_run)
    if link.new_job is None:
        return None
    job = get_job(store, link.new_job)
    runs = [
        r
        for r in list_runs(store, job.version_id)
        if r.job_id == job.id
        and r.model == job.fine_tuned_model
        and r.status == "completed"
        and r.split == "holdout"
    ]
    return runs[0] if runs else None


def _number(value: Any) -> float | None:
    """A score as a float (None for what is not a number)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def compare(store: Store, link: Retrain) -> Comparison:
    """Both runs' metrics and the item-by-item tally (what exists so far)."""
    old = old_run_of(store, link)
    new = new_run_of(store, link)
    found = Comparison(link, old, new)
    if old is None or new is None:
        return found
    names = [n for n in SHOWN if n in old.scores or n in new.scores]
    found.rows = [
        MetricRow(n, _number(old.scores.get(n)), _number(new.scores.get(n))) for n in names
    ]
    references = {i.position: i.reference for i in eval_items(store, new.version_id, new.split)}
    before, after = outputs(store, old.id), outputs(store, new.id)
    for position, reference in references.items():
        a = before.get(position)
        b = after.get(position)
        f1_old = token_f1(a.output, reference) if a and a.output is not None else 0.0
        f1_new = token_f1(b.output, reference) if b and b.output is not None else 0.0
        found.better += f1_new > f1_old
        found.same += f1_new == f1_old
        found.worse += f1_new < f1_old
    return found


def history_lines(store: Store, job_id: int) -> list[str]:
    """What the job screen's dialog says of earlier moves of this job (and the one that made
    it): each new job's state and, once both runs exist, token F1 old -> new."""
    lines = []
    if made := retrain_into(store, job_id):
        lines.append(f"this job is retrain {made.id} of job {made.old_job}")
    for link in retrains_of(store, job_id):
        state = get_job(store, link.new_job).status if link.new_job else "not created"
        line = f"moved before: retrain {link.id} -> job {link.new_job} on {link.provider} "
        lines.append(line + f"{link.model} ({state})")
        found = compare(store, link)
        f1 = next((r for r in found.rows if r.name == "token_f1"), None)
        if f1 is not None and f1.old is not None and f1.new is not None:
            lines.append(
                f"  token F1 {f1.old:.3f} -> {f1.new:.3f} ({f1.new - f1.old:+.3f}); new better "
                f"on {found.better}, same on {found.same}, worse on {found.worse}"
            )
        elif state == "succeeded":
            lines.append(
                f"  compare: `tuiapp retrain {job_id} --compare` (or e on job {link.new_job})"
            )
    return lines


def latest_link(store: Store, old_job: int) -> Retrain | None:
    """The newest move of a job, if it was moved."""
    links = retrains_of(store, old_job)
    return links[0] if links else None
