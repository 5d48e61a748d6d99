"""A stub judge provider for the judge tests and the benchmark: it reads the answers out of the
default prompts and answers as a judge that prefers one kind of answer, or the first shown."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tuiapp.providers.base import Completion, ProviderError

_SECTION = re.compile(r"\[(Answer A|Answer B|Answer)\]\n(.*?)(?:\n\n|\Z)", re.DOTALL)


def shown_answers(prompt: str) -> dict[str, str]:
    """The answers in a default-template prompt, by section name."""
    return {name: text.strip() for name, text in _SECTION.findall(prompt)}


class StubJudge:
    """Answers judge prompts: `prefers` is what a good answer starts with; `first` picks the
    first answer shown whatever it says; `delay` makes every call take that long; calls
    numbered in `fail` raise a provider error."""

    name = "stub"

    def __init__(
        self,
        prefers: str = "positive",
        *,
        first: bool = False,
        delay: float = 0.0,
        fail: set[int] | None = None,
    ) -> None:
        self.prefers, self.first, self.delay = prefers, first, delay
        self.fail = fail or set()
        self.prompts: list[str] = []

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        """One judge reply with made-up token counts."""
        prompt = str(messages[-1]["content"])
        self.prompts.append(prompt)
        number = len(self.prompts)
        if self.delay:
            await asyncio.sleep(self.delay)
        if number in self.fail:
            raise ProviderError("stub: the judge is down", "try again")
        shown = shown_answers(prompt)
        if "Answer" in shown:  # rubric
            good = shown["Answer"].startswith(self.prefers)
            return Completion(f"Reasoning here.\nScore: {9 if good else 4}/10", 50, 8)
        if self.first:
            return Completion("The first answer is clearly better.\n[[A]]", 60, 9)
        good_a = shown.get("Answer A", "").startswith(self.prefers)
        good_b = shown.get("Answer B", "").startswith(self.prefers)
        verdict = "tie" if good_a == good_b else "A" if good_a else "B"
        return Completion(f"Comparing both...\nVerdict: **{verdict}**", 60, 9)

    async def close(self) -> None:
        """Nothing to release."""


class StubProviders:
    """A provider pool that hands out one stub for every name."""

    def __init__(self, stub: StubJudge) -> None:
        self.stub = stub
        self.asked: list[str] = []

    async def get(self, name: str) -> StubJudge:
        """The stub."""
        self.asked.append(name)
        return self.stub

    async def close(self) -> None:
        """Nothing to close."""
