"""Personal data inside a chat example: where each finding sits (message, content part), a plan
of what redaction would change (per kind, with before -> after examples, each item skippable)
and a copy of the example with the chosen findings replaced by typed placeholders."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tuiapp.data.examine import conversation
from tuiapp.data.pii import Finding, find_pii, redact


@dataclass(frozen=True)
class Located:
    """A finding and the text it is in: message number, content part number (None for string
    content), and the finding's span within that text."""

    message: int
    part: int | None
    finding: Finding
    role: str

    def describe(self) -> str:
        """e.g. `email in user message 2: jane@example.com`."""
        return f"{self.finding.kind} in {self.role} message {self.message + 1}: {self.finding.text}"

    @property
    def group(self) -> str:
        """The plan group it falls in: its kind, or e.g. `phone (fictional 555 number)`."""
        f = self.finding
        return f"{f.kind} ({f.caveat})" if f.caveat else f.kind

    def key(self, idx: int) -> str:
        """A stable name for this finding in example `idx`, to skip it by."""
        part = "" if self.part is None else self.part
        return f"{idx}:{self.message}:{part}:{self.finding.start}:{self.finding.kind}"


def _texts(obj: Any) -> Iterator[tuple[int, int | None, dict[str, Any], str]]:
    """(message number, part number, message, text) for every text in the conversation."""
    messages = conversation(obj) if isinstance(obj, dict) else []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            yield i, None, message, content
        elif isinstance(content, list):
            for j, part in enumerate(content):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    yield i, j, message, part["text"]


def find_in_example(obj: Any) -> list[Located]:
    """Every finding in the example's message texts, in reading order."""
    return [
        Located(i, j, finding, str(message.get("role")))
        for i, j, message, text in _texts(obj)
        for finding in find_pii(text)
    ]


def redact_example(
    obj: Any, only: Located | None = None, keep: Callable[[Located], bool] | None = None
) -> Any:
    """A copy of the example with its findings replaced by placeholders: every one, just
    `only`, or those `keep` chooses."""
    out = copy.deepcopy(obj)
    for i, j, message, text in list(_texts(out)):
        role = str(message.get("role"))
        findings = [
            f
            for f in find_pii(text)
            if (only is None or ((i, j) == (only.message, only.part) and f == only.finding))
            and (keep is None or keep(Located(i, j, f, role)))
        ]
        if not findings:
            continue
        new = redact(text, findings)
        if j is None:
            message["content"] = new
        else:
            message["content"][j]["text"] = new
    return out


@dataclass(frozen=True)
class PlanItem:
    """One replacement redaction would make: where, and a snippet before and after."""

    idx: int
    line: int
    located: Located
    before: str
    after: str

    @property
    def key(self) -> str:
        """The name the user skips it by."""
        return self.located.key(self.idx)


@dataclass
class PlanGroup:
    """Every planned replacement of one kind (and caveat): picked by default when certain."""

    name: str
    kind: str
    caveat: str
    items: list[PlanItem] = field(default_factory=list)

    @property
    def default(self) -> bool:
        """Redact-all picks it unless the user unpicks it (not for findings with a caveat)."""
        return not self.caveat

    @property
    def examples(self) -> int:
        """How many examples it changes."""
        return len({item.idx for item in self.items})


@dataclass(frozen=True)
class RedactionChoice:
    """What the user picked in a plan: the groups to redact and the single items to skip."""

    groups: frozenset[str]
    skip: frozenset[str] = frozenset()


@dataclass
class RedactionPlan:
    """What redaction would change, per group, in reading order."""

    groups: dict[str, PlanGroup] = field(default_factory=dict)

    def add(self, idx: int, line: int, obj: Any) -> None:
        """Plan every finding of one example."""
        texts = {(i, j): text for i, j, _m, text in _texts(obj)}
        for located in find_in_example(obj):
            f = located.finding
            name = located.group
            group = self.groups.setdefault(name, PlanGroup(name, f.kind, f.caveat))
            before, after = snippet(texts[(located.message, located.part)], f)
            group.items.append(PlanItem(idx, line, located, before, after))

    @property
    def total(self) -> int:
        """How many replacements the plan lists, picked or not."""
        return sum(len(group.items) for group in self.groups.values())

    def default_groups(self) -> set[str]:
        """The groups picked when the user changes nothing."""
        return {name for name, group in self.groups.items() if group.default}

    def chosen(self, groups: set[str], skip: set[str] | frozenset[str] = frozenset()) -> set[str]:
        """Keys of the items the picked groups replace, less the skipped ones."""
        return {
            item.key
            for name in groups
            if name in self.groups
            for item in self.groups[name].items
            if item.key not in skip
        }


def snippet(text: str, finding: Finding, width: int = 20) -> tuple[str, str]:
    """The finding with a little text around it, before and after redaction (one line)."""
    start, end = max(0, finding.start - width), min(len(text), finding.end + width)
    head = ("…" if start else "") + text[start : finding.start]
    tail = text[finding.end : end] + ("…" if end < len(text) else "")
    flat = (head + "\0" + tail).replace("\n", " ").split("\0")
    return flat[0] + finding.text + flat[1], flat[0] + finding.placeholder + flat[1]
