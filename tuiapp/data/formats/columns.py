"""Table rows (CSV, or Parquet/Arrow columns no record format claims) as OpenAI examples:
prompt / completion columns and their common aliases, an optional system column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tuiapp.data.formats.convert import Converted

PROMPTS = ("prompt", "instruction", "question", "query")
EXTRA = ("input",)  # joined to the prompt with a newline, as Alpaca's input is
ANSWERS = ("completion", "output", "answer", "response")
SYSTEMS = ("system", "system_prompt")
WANTED = "prompt/completion, instruction/input/output, question/answer, or prompt/chosen/rejected"


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which columns (as named in the file) hold the prompt, the answer(s) and the system."""

    prompt: str
    extra: str | None
    answer: str | None
    chosen: str | None
    rejected: str | None
    system: str | None

    @property
    def is_preference(self) -> bool:
        """True when the rows are chosen / rejected answers to a prompt."""
        return self.answer is None


def _find(names: Mapping[str, str], wanted: Iterable[str]) -> str | None:
    """The column (as written) of the first wanted name present, case and spaces ignored."""
    return next((names[w] for w in wanted if w in names), None)


def column_map(columns: Iterable[Any]) -> ColumnMap | None:
    """How these columns map to an example, None when no prompt and answer columns are there."""
    names: dict[str, str] = {}
    for column in columns:
        if isinstance(column, str):
            names.setdefault(column.strip().lower(), column)
    prompt, extra = _find(names, PROMPTS), _find(names, EXTRA)
    if prompt is None:
        prompt, extra = extra, None
    answer = _find(names, ANSWERS)
    chosen, rejected = names.get("chosen"), names.get("rejected")
    if prompt is None or (answer is None and (chosen is None or rejected is None)):
        return None
    if answer is not None:
        chosen = rejected = None
    return ColumnMap(prompt, extra, answer, chosen, rejected, _find(names, SYSTEMS))


def no_columns(columns: Iterable[Any]) -> str:
    """What to say when no columns map: the columns seen and the ones wanted."""
    seen = ", ".join(str(c) for c in columns) or "none"
    return f"no known columns: the header has {seen} (wanted {WANTED}; a system column optional)"


def from_columns(row: Mapping[str, Any], cmap: ColumnMap) -> Converted:
    """system -> system; prompt (and input, joined by a newline) -> user; completion -> assistant;
    chosen / rejected -> a preference example's preferred / non-preferred output."""
    messages: list[dict[str, Any]] = []
    if cmap.system is not None and (system := row.get(cmap.system)):
        messages.append({"role": "system", "content": system})
    prompt = row.get(cmap.prompt)
    if cmap.extra is not None and isinstance(prompt, str) and (extra := row.get(cmap.extra)):
        prompt = f"{prompt}\n{extra}"
    messages.append({"role": "user", "content": prompt})
    if cmap.is_preference:
        return Converted(
            {
                "input": {"messages": messages},
                "preferred_output": [_answer(row.get(cmap.chosen or ""))],
                "non_preferred_output": [_answer(row.get(cmap.rejected or ""))],
            }
        )
    messages.append(_answer(row.get(cmap.answer or "")))
    return Converted({"messages": messages})


def _answer(value: Any) -> dict[str, Any]:
    """An assistant message with this content."""
    return {"role": "assistant", "content": value}
