"""Ollama Modelfiles for an exported model: the chat template translated to Ollama's Go
template when it renders ChatML, and the system prompt the training examples share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Ollama's docs (docs/import.mdx): safetensors adapters import for these architectures
ADAPTER_ARCHITECTURES = frozenset(
    {
        "LlamaForCausalLM",
        "MistralForCausalLM",
        "MixtralForCausalLM",
        "GemmaForCausalLM",
        "Gemma2ForCausalLM",
    }
)
# ... and safetensors models (FROM a folder) for these; others need a GGUF file first
MODEL_ARCHITECTURES = ADAPTER_ARCHITECTURES | {"Phi3ForCausalLM"}

Render = Callable[[list[dict[str, str]]], str]  # messages -> the chat template's text

_PROBE = [
    {"role": "system", "content": "S1"},
    {"role": "user", "content": "U1"},
    {"role": "assistant", "content": "A1"},
    {"role": "user", "content": "U2"},
]


def chatml(messages: list[dict[str, str]]) -> str:
    """What a ChatML template renders for a conversation, with the assistant's turn opened."""
    turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return turns + "<|im_start|>assistant\n"


@dataclass(frozen=True)
class Template:
    """Ollama's TEMPLATE for a model (None when its chat template is not ChatML) and why."""

    text: str | None
    note: str
    stops: tuple[str, ...] = ()


def ollama_template(render: Render) -> Template:
    """Translate a chat template that renders ChatML (SmolLM2, Qwen, ...), found by rendering
    a probe conversation, including the default system prompt it adds when there is none."""
    try:
        probe = render(_PROBE)
        bare = render(_PROBE[1:2])
    except Exception as err:  # a template that cannot render the probe is no ChatML
        return Template(None, f"the chat template did not render a probe ({err})")
    if probe != chatml(_PROBE):
        return Template(
            None,
            "the chat template is not ChatML: no TEMPLATE written; Ollama reads "
            "tokenizer.chat_template from the weights and picks a matching template itself, "
            "else write TEMPLATE by hand (docs/template.mdx)",
        )
    default = ""
    prefix = bare[: -len(chatml(_PROBE[1:2]))] if bare.endswith(chatml(_PROBE[1:2])) else ""
    head, tail = "<|im_start|>system\n", "<|im_end|>\n"
    if prefix.startswith(head) and prefix.endswith(tail):
        default = prefix[len(head) : -len(tail)]
    text = ""
    if default:  # as the chat template: its own system prompt when the chat has none
        text += (
            '{{- if not (and .Messages (eq (index .Messages 0).Role "system")) }}'
            f"<|im_start|>system\n{default}<|im_end|>\n{{{{ end }}}}"
        )
    text += (
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n"
        "{{ end }}<|im_start|>assistant\n"
    )
    note = "ChatML, translated from the model's chat template"
    if default:
        note += " (with its default system prompt when a chat has none)"
    return Template(text, note, ("<|im_start|>", "<|im_end|>"))


def _messages(row: Any) -> list[Any]:
    """The messages of a chat example or of a preference example's input."""
    if not isinstance(row, dict):
        return []
    messages = row.get("messages")
    if messages is None and isinstance(row.get("input"), dict):
        messages = row["input"].get("messages")
    return messages if isinstance(messages, list) else []


@dataclass(frozen=True)
class SystemPrompt:
    """The system prompt every training example starts with (None when they differ) and why."""

    text: str | None
    note: str


def common_system_prompt(lines: Iterable[str]) -> SystemPrompt:
    """The one system prompt the examples (JSONL lines) share, if they all share one."""
    prompts: set[str] = set()
    examples = without = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            messages = _messages(json.loads(line))
        except ValueError:
            continue
        examples += 1
        first = messages[0] if messages and isinstance(messages[0], dict) else {}
        if first.get("role") == "system" and isinstance(first.get("content"), str):
            prompts.add(first["content"])
        else:
            without += 1
    if examples == 0:
        return SystemPrompt(None, "the training file has no examples to read a system prompt from")
    if len(prompts) == 1 and not without:
        return SystemPrompt(next(iter(prompts)), f"shared by all {examples:,} training examples")
    if not prompts:
        return SystemPrompt(None, "the training examples have no system prompt")
    return SystemPrompt(
        None,
        f"the training examples have {len(prompts):,} different system prompts "
        f"({without:,} have none): no SYSTEM written, send one with each chat",
    )


def file_system_prompt(path: Path | None) -> SystemPrompt:
    """The shared system prompt of a training file, or why there is none."""
    if path is None or not path.is_file():
        return SystemPrompt(None, "the training file is not on this machine")
    with open(path, encoding="utf-8", errors="replace") as handle:
        return common_system_prompt(handle)


def _quoted(text: str) -> str | None:
    """A Modelfile triple-quoted string, or None when the text cannot be one."""
    return None if '"""' in text else f'"""{text}"""'


@dataclass
class Modelfile:
    """The lines of a Modelfile and the notes that explain them."""

    source: str  # FROM
    adapter: str | None = None  # ADAPTER
    template: Template | None = None
    system: SystemPrompt | None = None
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The Modelfile, commented."""
        out = [f"# {note}" for note in self.notes]
        out.append(f"FROM {self.source}")
        if self.adapter:
            out.append(f"ADAPTER {self.adapter}")
        if self.template is not None:
            out.append(f"# TEMPLATE: {self.template.note}")
            quoted = _quoted(self.template.text or "")
            if self.template.text and quoted:
                out.append(f"TEMPLATE {quoted}")
            for stop in self.template.stops:
                out.append(f'PARAMETER stop "{stop}"')
        if self.system is not None:
            out.append(f"# SYSTEM: {self.system.note}")
            quoted = _quoted(self.system.text or "")
            if self.system.text and quoted:
                out.append(f"SYSTEM {quoted}")
            elif self.system.text:
                out.append('# (it holds """, which a Modelfile cannot quote: left out)')
        return "\n".join(out) + "\n"
