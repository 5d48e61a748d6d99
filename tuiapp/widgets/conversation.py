"""Render one example as a conversation: roles, system prompt, tool calls, weights, problems."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tuiapp.data.examine import conversation
from tuiapp.data.problems import Severity
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
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                parts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                parts.append("[image]")
        return "\n".join(parts)
    return "" if content is None else json.dumps(content, ensure_ascii=False)


def render_message(message: Any) -> RenderableType:
    """One message as a titled panel."""
    if not isinstance(message, dict):
        return Text(f"(not a message: {message!r})", style="red")
    role = message.get("role")
    title = Text(str(role), style=ROLE_STYLES.get(str(role), "bold red"))
    if "name" in message:
        title.append(f" ({message['name']})", style="dim")
    if "weight" in message:
        weight = message["weight"]
        title.append(f"  weight {weight}", style="bold" if weight == 0 else "dim")
    body = Text(_clip(_content_text(message.get("content"))))
    for call in message.get("tool_calls") or []:
        fn = call.get("function", {}) if isinstance(call, dict) else {}
        body.append(f"\n→ {fn.get('name')}({fn.get('arguments')})", style="yellow")
        if isinstance(call, dict) and call.get("id"):
            body.append(f"  [{call['id']}]", style="dim")
    if isinstance(message.get("function_call"), dict):
        fc = message["function_call"]
        body.append(f"\n→ {fc.get('name')}({fc.get('arguments')})", style="yellow")
    if message.get("tool_call_id"):
        title.append(f"  ← {message['tool_call_id']}", style="dim")
    return Panel(body, title=title, title_align="left", border_style="dim", expand=True)


def render_example(example: Example, obj: Any) -> RenderableType:
    """The whole example: header, problems, then the conversation (or the raw line)."""
    header = Text()
    header.append(f"line {example.line}", style="bold")
    header.append(f"  {example.status}", style={"accepted": "green", "rejected": "red",
                                                 "flagged": "yellow"}.get(example.status, "dim"))
    header.append(f"  {example.n_tokens:,} tokens ({example.n_assistant_tokens:,} assistant)"
                  f"  {example.n_messages} messages", style="dim")
    if example.edited is not None:
        header.append("  edited", style="bold magenta")
    parts: list[RenderableType] = [header]
    if example.tags:
        parts.append(Text("tags: " + ", ".join(example.tags), style="cyan"))
    if example.note:
        parts.append(Text("note: " + example.note, style="italic"))
    for problem in example.problems:
        style = "red" if problem.severity is Severity.ERROR else "yellow"
        label = "error" if problem.severity is Severity.ERROR else "warning"
        where = f" {problem.path}" if problem.path else ""
        parts.append(Text(f"{label} {problem.kind}{where}: {problem.describe().split(': ', 1)[-1]}",
                          style=style))
    if not isinstance(obj, dict):
        parts.append(Panel(Text(_clip(example.text)), title="raw line", border_style="red"))
        return Group(*parts)
    holder = obj["input"] if isinstance(obj.get("input"), dict) else obj
    tools = holder.get("tools")
    if isinstance(tools, list) and tools:
        names = [t.get("function", {}).get("name") for t in tools if isinstance(t, dict)]
        parts.append(Text("tools: " + ", ".join(str(n) for n in names), style="yellow"))
    messages = conversation(obj)
    rejected = obj.get("non_preferred_output")
    parts += [render_message(m) for m in messages]
    if isinstance(rejected, list):
        parts.append(Text("non-preferred output:", style="bold red"))
        parts += [render_message(m) for m in rejected]
    return Group(*parts)


class ExampleView(VerticalScroll, can_focus=False):
    """A scrolling view of one example."""

    DEFAULT_CSS = """
    ExampleView { padding: 0 1; }
    ExampleView > Static { width: 100%; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        """One Static holds the rendered example."""
        yield Static(id="example-body")

    def show(self, renderable: RenderableType) -> None:
        """Replace what is shown and scroll to the top."""
        self.query_one("#example-body", Static).update(renderable)
        self.scroll_home(animate=False)
