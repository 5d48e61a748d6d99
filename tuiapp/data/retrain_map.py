"""A finished job's method and hyperparameters carried to another provider: what passes as it
is, what is converted (and how), and what has no equivalent there (left to that provider's
default, said in a note). Pure: the caller describes the target (`Target`) from its adapter's
declarations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

THREE = ("n_epochs", "batch_size", "learning_rate_multiplier")  # OpenAI's, the job form's
RENAMES = {"max_seq_length": "max_context_length", "max_context_length": "max_seq_length"}
LEARNING_RATE = ("learning_rate_multiplier", "learning_rate")
LORA_SHAPE = ("lora_rank", "lora_alpha", "lora_dropout", "lora_target_modules")


@dataclass(frozen=True)
class Target:
    """What the target provider takes: its methods, which of the three, the extra names it
    accepts (LoRA rank, absolute learning_rate, beta...), whether a seed is sent, and the
    learning rate its multiplier 1 means (None: not published)."""

    provider: str
    methods: tuple[str, ...]
    three: tuple[str, ...]
    extras: tuple[str, ...] = ()
    seed: bool = True
    base_learning_rate: float | None = None


@dataclass(frozen=True)
class Source:
    """The job being moved: its provider, method, hyperparameters (what it really trained
    with: resolved values, the requested ones where given) and seed."""

    provider: str
    method: str
    hyperparameters: dict[str, Any]
    seed: int | None = None
    base_learning_rate: float | None = None  # what multiplier 1 meant there, when known


@dataclass(frozen=True)
class MappingNote:
    """One hyperparameter's fate: kept, converted, or dropped (no equivalent)."""

    name: str
    value: Any
    fate: str  # kept | converted | dropped
    text: str


@dataclass
class RetrainMapping:
    """The target job's fields, and what became of each source setting."""

    provider: str
    method: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # of the three
    extra_hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    notes: list[MappingNote] = field(default_factory=list)
    refused: str = ""  # non-empty: the target cannot run this job at all

    @property
    def lost(self) -> list[MappingNote]:
        """The settings that have no equivalent on the target."""
        return [n for n in self.notes if n.fate == "dropped"]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (`--json`, the link row)."""
        return {
            "provider": self.provider,
            "method": self.method,
            "hyperparameters": self.hyperparameters,
            "extra_hyperparameters": self.extra_hyperparameters,
            "seed": self.seed,
            "notes": [n.__dict__ for n in self.notes],
            "refused": self.refused,
        }


def _own(name: str) -> str:
    """A provider's name as a possessive: local's, fireworks'."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _given(value: Any) -> bool:
    """True for a real value (not 'auto' nor nothing)."""
    return value not in (None, "", "auto")


def _learning_rate(source: Source, target: Target, out: RetrainMapping) -> None:
    """Carry the learning rate: the multiplier where the target takes one, an absolute rate
    where it takes that (converted when a side says what multiplier 1 means), else a note."""
    hyper = source.hyperparameters
    mult = (
        hyper.get("learning_rate_multiplier")
        if _given(hyper.get("learning_rate_multiplier"))
        else None
    )
    given = hyper.get("learning_rate") if _given(hyper.get("learning_rate")) else None
    rate = float(given) if given is not None else None
    if rate is None and mult is not None and source.base_learning_rate:
        rate = source.base_learning_rate * float(mult)
    if mult is None and rate is None:
        return
    name, value = (
        ("learning_rate", given) if given is not None else ("learning_rate_multiplier", mult)
    )
    note = out.notes.append
    if "learning_rate_multiplier" in target.three:
        same = source.provider == target.provider
        if mult is not None and (given is None or same or not target.base_learning_rate):
            out.hyperparameters["learning_rate_multiplier"] = mult
            caveat = _multiplier_caveat(source, target)
            note(MappingNote("learning_rate_multiplier", mult, "kept", caveat))
        elif rate is not None and target.base_learning_rate:
            converted = round(rate / target.base_learning_rate, 6)
            out.hyperparameters["learning_rate_multiplier"] = converted
            base = target.base_learning_rate
            why = f"learning rate {rate:g} / {_own(target.provider)} base rate {base:g}"
            note(MappingNote("learning_rate_multiplier", converted, "converted", why))
        else:
            why = (
                f"{target.provider} takes a multiplier of a base rate it does not publish: "
                f"no multiplier follows from learning rate {rate:g}; left to its default"
            )
            note(MappingNote(name, value, "dropped", why))
    elif "learning_rate" in target.extras:
        if rate is not None:
            out.extra_hyperparameters["learning_rate"] = rate
            fate = "kept" if given is not None else "converted"
            why = (
                "absolute rate"
                if given is not None
                else f"multiplier {mult} x {_own(source.provider)} base rate "
                f"{source.base_learning_rate:g}"
            )
            note(MappingNote("learning_rate", rate, fate, why))
        else:
            why = (
                f"{target.provider} takes an absolute learning rate and {source.provider} does "
                f"not publish what multiplier 1 means: left to {_own(target.provider)} default"
            )
            note(MappingNote(name, value, "dropped", why))
    else:
        why = f"{target.provider} takes no learning rate: left to its default"
        note(MappingNote(name, value, "dropped", why))


def _multiplier_caveat(source: Source, target: Target) -> str:
    """What a multiplier carried across means on the target."""
    if source.provider == target.provider:
        return "same meaning there"
    base = f" ({target.base_learning_rate:g} x it)" if target.base_learning_rate else ""
    return (
        f"scales {_own(target.provider)} own base rate{base}, not {_own(source.provider)}: "
        "the absolute rate may differ"
    )


def map_job(source: Source, target: Target) -> RetrainMapping:
    """The target job's method, hyperparameters and seed, with a note for every source
    setting: kept, converted (how), or dropped (no equivalent on the target)."""
    out = RetrainMapping(target.provider, source.method)
    if source.method not in target.methods:
        out.refused = (
            f"{target.provider} has no {source.method} jobs (it offers {', '.join(target.methods)})"
        )
        return out
    _learning_rate(source, target, out)
    for name, value in source.hyperparameters.items():
        if name in LEARNING_RATE or not _given(value):
            continue
        renamed = RENAMES.get(name)
        if name in THREE and name in target.three:
            out.hyperparameters[name] = value
            out.notes.append(MappingNote(name, value, "kept", "same meaning there"))
        elif name in target.extras:
            out.extra_hyperparameters[name] = value
            out.notes.append(MappingNote(name, value, "kept", "same meaning there"))
        elif renamed and renamed in target.extras:
            out.extra_hyperparameters[renamed] = value
            out.notes.append(MappingNote(renamed, value, "converted", f"from {name}"))
        else:
            out.notes.append(MappingNote(name, value, "dropped", _no_equivalent(name, target)))
    if source.seed is not None:
        if target.seed:
            out.seed = source.seed
            out.notes.append(MappingNote("seed", source.seed, "kept", "same seed sent"))
        else:
            why = f"{target.provider} takes no seed: the run is not repeatable"
            out.notes.append(MappingNote("seed", source.seed, "dropped", why))
    return out


def _no_equivalent(name: str, target: Target) -> str:
    """Why a setting cannot go across."""
    if name in LORA_SHAPE:
        return f"{target.provider} picks its own adapter shape: left to its default"
    if name == "beta":
        return f"{target.provider} takes no DPO beta: left to its default"
    return f"{target.provider} has no {name}: left to its default"
