"""One example as rich renderables: roles, system prompt, tool calls, weights, problems, personal
data, a preference pair's two answers with their word diff (shown by `ExampleView`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from tuiapp.data.checks import detect_format
from tuiapp.data.examine import content_text, conversation
from tuiapp.data.limits import short, too_deep
from tuiapp.data.pii import find_pii
from tuiapp.data.word_diff import MAX_WORDS, WordDiff, word_diff
from tuiapp.problems import Severity
from tuiapp.store.records import Example

MAX_SHOWN_CHARS = 20_000  # a 20 MB line is shown cut, never rendered whole
ROLE_STYLES = {
    "system": "bold magenta",
    "developer": "bold magenta",
    "user": "bold cyan",
    "assistant": "bold green",
    "tool": "bold yellow",
    "function": "bold yellow",
}
PREFERRED_STYLE = "bold green"
NON_PREFERRED_STYLE = "bold red"
ONLY_PREFERRED = "reverse green"  # words the other answer does not have
ONLY_NON_PREFERRED = "reverse red"


def _clip(text: str) -> str:
    """Text cut to what a screen can usefully show."""
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    return text[:MAX_SHOWN_CHARS] + f"\n… ({len(text) - MAX_SHOWN_CHARS:,} more characters)"


def _content_text(content: Any) -> str:
    """Message content as plain text (text parts joined, images named)."""
    if content is None or isinstance(content, str | list):
        return content_text(content, image="[image]")
    return json.dumps(content, ensure_ascii=False)


def render_message(message: Any) -> Text:
    """One message: a coloured role line, then the content (plain Text: cheap to repaint)."""
    if not isinstance(message, dict):
        return Text(f"(not a message: {short(message)})\n", style="red")
    role = message.get("role")
    style = ROLE_STYLES.get(str(role), "bold red")
    title = Text("▌", style=style.replace("bold ", "")) + Text(f" {role}", style=style)
    if "name" in message:
        title.append(f" ({message['name']})", style="dim")
    if "weight" in message:
        weight = message["weight"]
        title.append(f"  weight {weight}", style="bold" if weight == 0 else "dim")
    body = Text(_clip(_content_text(message.get("content"))))
    _mark_pii(body)
    if message.get("tool_call_id"):
        title.append(f"  ← {message['tool_call_id']}", style="dim")
    lines = [title, *([body] if body.plain else []), *_call_lines(message)]
    return Text("\n").join(lines) + Text("\n")


def _mark_pii(body: Text) -> None:
    """Highlight the personal data in a message's text."""
    for finding in find_pii(body.plain):
        body.stylize("bold reverse red", finding.start, finding.end)


def _call_lines(message: dict[str, Any]) -> list[Text]:
    """A message's tool calls (and legacy function call), one line each."""
    calls: list[Text] = []
    calls_given = message.get("tool_calls")
    for call in calls_given if isinstance(calls_given, list) else []:
        fn = call.get("function") if isinstance(call, dict) else None
        fn = fn if isinstance(fn, dict) else {}
        line = Text(f"→ {fn.get('name')}({fn.get('arguments')})", style="yellow")
        if isinstance(call, dict) and call.get("id"):
            line.append(f"  [{call['id']}]", style="dim")
        calls.append(line)
    if isinstance(message.get("function_call"), dict):
        fc = message["function_call"]
        calls.append(Text(f"→ {fc.get('name')}({fc.get('arguments')})", style="yellow"))
    return calls


def _answer(outputs: Any) -> tuple[str, list[Text]]:
    """One side of a preference pair: its messages' text joined, and its tool-call lines."""
    messages = [m for m in outputs if isinstance(m, dict)] if isinstance(outputs, list) else []
    text = "\n\n".join(t for m in messages if (t := _content_text(m.get("content"))))
    return _clip(text), [line for m in messages for line in _call_lines(m)]


class PreferencePair:
    """The two answers of a preference example, labelled, the words only one of them has
    highlighted: side by side where the width allows, stacked where it does not."""

    SIDE_BY_SIDE = 60  # narrower than this, two columns of text are too thin to read

    def __init__(self, preferred: Any, non_preferred: Any) -> None:
        (text_a, self.calls_a), (text_b, self.calls_b) = _answer(preferred), _answer(non_preferred)
        self.diff: WordDiff = word_diff(text_a, text_b)
        self.body_a, self.body_b = Text(text_a), Text(text_b)
        for body, spans, style in (
            (self.body_a, self.diff.only_a, ONLY_PREFERRED),
            (self.body_b, self.diff.only_b, ONLY_NON_PREFERRED),
        ):
            for start, end in spans:
                body.stylize(style, start, end)
            _mark_pii(body)

    def summary(self) -> Text:
        """One line: how many words only each side has, how alike the two are."""
        d = self.diff
        if not self.body_a.plain and not self.body_b.plain:
            return Text("word diff: neither answer has text", style="bold red")
        if not d.words_only_a and not d.words_only_b:
            return Text("word diff: the two answers are the same word for word", style="bold red")
        line = Text("word diff: ", style="bold")
        line.append(f"{d.words_only_a:,} words only in preferred", style=ONLY_PREFERRED)
        line.append(" · ")
        line.append(f"{d.words_only_b:,} only in non-preferred", style=ONLY_NON_PREFERRED)
        if d.cut:
            line.append(f" (the first {MAX_WORDS:,} words compared)")
        return line

    def _sides(self) -> tuple[Group, Group]:
        """Each side's text and tool calls."""
        return Group(self.body_a, *self.calls_a), Group(self.body_b, *self.calls_b)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The summary, then the two answers in columns (wide) or one above the other."""
        yield self.summary()
        side_a, side_b = self._sides()
        label_a = Text("▌ preferred", style=PREFERRED_STYLE)
        label_b = Text("▌ non-preferred", style=NON_PREFERRED_STYLE)
        if options.max_width >= self.SIDE_BY_SIDE:
            table = Table(box=box.MINIMAL, expand=True, show_edge=False, pad_edge=False)
            table.add_column(label_a, ratio=1)
            table.add_column(label_b, ratio=1)
            table.add_row(side_a, side_b)
            yield table
        else:
            yield Group(label_a, side_a, Text(), label_b, side_b)


def render_example(
    example: Example,
    obj: Any,
    notes: Sequence[RenderableType] = (),
    where: str = "",
    estimate: str = "",
) -> RenderableType:
    """The whole example: header (`where` it came from, else its line), notes (duplicate
    group, personal data), problems, then the conversation (or the raw line) with personal
    data highlighted; a preference pair's two answers side by side with their word diff.
    `estimate` names the encoding when the counts only estimate the model's own tokens."""
    header = Text()
    header.append(where or f"line {example.line}", style="bold")
    header.append(
        f"  {example.status}",
        style={"accepted": "green", "rejected": "red", "flagged": "yellow"}.get(
            example.status, "dim"
        ),
    )
    approx = "~" if estimate else ""
    header.append(
        f"  {approx}{example.n_tokens:,} tokens ({example.n_assistant_tokens:,} assistant)"
        + (f" {estimate} estimate, T: the model's own" if estimate else "")
        + f"  {example.n_messages} messages",
        style="dim",
    )
    if example.edited is not None:
        header.append("  edited", style="bold magenta")
    parts: list[RenderableType] = [header, *notes]
    if example.tags:
        parts.append(Text("tags: " + ", ".join(example.tags), style="cyan"))
    if example.note:
        parts.append(Text("note: " + example.note, style="italic"))
    for problem in example.problems:
        style = "red" if problem.severity is Severity.ERROR else "yellow"
        label = "error" if problem.severity is Severity.ERROR else "warning"
        where = f" {problem.path}" if problem.path else ""
        parts.append(
            Text(
                f"{label} {problem.kind}{where}: {problem.describe().split(': ', 1)[-1]}",
                style=style,
            )
        )
    if not isinstance(obj, dict) or too_deep(obj):  # too deep to walk: shown as the raw line
        parts.append(Text("▌ raw line", style="bold red"))
        parts.append(Text(_clip(example.text)))
        return Group(*parts)
    holder = obj["input"] if isinstance(obj.get("input"), dict) else obj
    tools = holder.get("tools")
    if isinstance(tools, list) and tools:
        fns = [t.get("function") for t in tools if isinstance(t, dict)]
        names = [fn.get("name") for fn in fns if isinstance(fn, dict)]
        parts.append(Text("tools: " + ", ".join(str(n) for n in names), style="yellow"))
    if detect_format(obj) == "preference":
        prompt = holder.get("messages") if holder is not obj else None
        parts += [render_message(m) for m in (prompt if isinstance(prompt, list) else [])]
        parts.append(PreferencePair(obj.get("preferred_output"), obj.get("non_preferred_output")))
        return Group(*parts)
    parts += [render_message(m) for m in conversation(obj)]
    return Group(*parts)
