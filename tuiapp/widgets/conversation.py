"""Render one example as a conversation: roles, system prompt, tool calls, weights, problems."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.events import Resize
from textual.widgets import RichLog

from tuiapp.data.examine import content_text, conversation
from tuiapp.data.limits import short, too_deep
from tuiapp.data.pii import find_pii
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
    for finding in find_pii(body.plain):
        body.stylize("bold reverse red", finding.start, finding.end)
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
    if message.get("tool_call_id"):
        title.append(f"  ← {message['tool_call_id']}", style="dim")
    lines = [title, *([body] if body.plain else []), *calls]
    return Text("\n").join(lines) + Text("\n")


def render_example(
    example: Example, obj: Any, notes: Sequence[RenderableType] = ()
) -> RenderableType:
    """The whole example: header, notes (duplicate group, personal data), problems, then the
    conversation (or the raw line) with personal data highlighted."""
    header = Text()
    header.append(f"line {example.line}", style="bold")
    header.append(
        f"  {example.status}",
        style={"accepted": "green", "rejected": "red", "flagged": "yellow"}.get(
            example.status, "dim"
        ),
    )
    header.append(
        f"  {example.n_tokens:,} tokens ({example.n_assistant_tokens:,} assistant)"
        f"  {example.n_messages} messages",
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
    messages = conversation(obj)
    rejected = obj.get("non_preferred_output")
    parts += [render_message(m) for m in messages]
    if isinstance(rejected, list):
        parts.append(Text("non-preferred output:", style="bold red"))
        parts += [render_message(m) for m in rejected]
    return Group(*parts)


class ExampleView(RichLog, can_focus=False):
    """A scrolling view of one example, rendered once per example into lines (a line-API
    widget: showing the next example repaints this view without a layout pass)."""

    DEFAULT_CSS = """
    ExampleView { padding: 0 1; background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, wrap=True, markup=False, highlight=False, auto_scroll=False, min_width=20
        )
        self.shown: RenderableType = ""

    def show(self, renderable: RenderableType) -> None:
        """Replace what is shown and scroll to the top."""
        self.shown = renderable
        self.clear()
        self.write(renderable, scroll_end=False)
        self.scroll_home(animate=False, immediate=True)

    def on_resize(self, event: Resize) -> None:
        """Re-wrap the example for the new width (after RichLog's first-size handling)."""
        known = self._size_known
        super().on_resize(event)
        if known and event.size.width:
            self.clear()
            self.write(self.shown, scroll_end=False)
