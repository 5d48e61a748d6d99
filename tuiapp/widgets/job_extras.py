"""The job form's advanced section: the extra hyperparameters a provider declares (the LoRA
shape, full fine-tuning, QLoRA...), one labelled field each, shown for the chosen provider."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Collapsible, Input, Label

from tuiapp.data.job_form import ExtraHyperparameter, default_text
from tuiapp.providers.adapter import find
from tuiapp.providers.registry import available


def declared_extras(provider: str) -> tuple[ExtraHyperparameter, ...]:
    """The extra hyperparameters a provider declares (none for most)."""
    spec = find(provider)
    return spec.capabilities.extra_hyperparameters if spec else ()


def all_extras() -> list[ExtraHyperparameter]:
    """Every provider's extra hyperparameters, once each (the form shows the chosen one's)."""
    seen: dict[str, ExtraHyperparameter] = {}
    for spec in available():
        for extra in spec.capabilities.extra_hyperparameters:
            seen.setdefault(extra.name, extra)
    return list(seen.values())


class ExtrasSection(Collapsible):
    """A collapsed "advanced" section with a field per extra hyperparameter (blank: the
    default its label names; the help is the field's tooltip)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(title="advanced", collapsed=True, **kwargs)

    def compose(self) -> ComposeResult:
        """A label and a field for every provider's extras (the chosen one's shown)."""
        for extra in all_extras():
            yield Label(extra.label, id=f"label-{extra.name}", classes="extra")
            yield Input(
                "",
                id=extra.name,
                compact=True,
                placeholder=default_text(extra.default),
                tooltip=extra.help,
            )

    def show_provider(self, provider: str) -> None:
        """Hold the chosen provider's extras, and show only if it has some; another
        provider's are hidden and not sent."""
        declared = {extra.name for extra in declared_extras(provider)}
        self.display = bool(declared)
        self.title = f"advanced ({provider})"
        for extra in all_extras():
            for widget in (
                self.query_one(f"#label-{extra.name}"),
                self.query_one(f"#{extra.name}"),
            ):
                widget.display = extra.name in declared
