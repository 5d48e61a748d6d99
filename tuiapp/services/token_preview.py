"""The loss-mask preview: an example rendered with the model's chat template, each token
marked as the local trainer labels it (`tokenize_chat`, the trainer's own function: one owner
of the mask), weight-0 turns left out, cut where training cuts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuiapp.data.base_models import base_model
from tuiapp.data.examine import content_text, conversation, token_counts
from tuiapp.local.chat_tokens import IGNORE, template_messages, tokenize_chat
from tuiapp.services.model_tokens import ModelTokenizer, counter_for

PROMPT, TRAINED, CUT = "prompt", "trained", "cut"  # what a piece of the preview is


@dataclass(frozen=True)
class TokenPreview:
    """An example as the model will see it, in pieces marked prompt, trained or cut."""

    model: str
    counted_with: str
    note: str
    max_len: int
    total: int  # tokens before truncation
    trained: int  # tokens the loss is computed on, after truncation
    input_ids: list[int] = field(default_factory=list)  # what the trainer keeps
    labels: list[int] = field(default_factory=list)
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (text, PROMPT|TRAINED|CUT)
    weight_zero: int = 0  # assistant turns left out with weight 0

    @property
    def truncated(self) -> int:
        """Tokens past the limit, which training never sees."""
        return max(0, self.total - self.max_len)


def preview(tok: ModelTokenizer, obj: dict[str, Any]) -> TokenPreview:
    """The example rendered with the model's chat template, each token marked as the local
    trainer labels it (`tokenize_chat`, the trainer's own function), cut at the limit."""
    messages = conversation(obj)
    skipped = sum(1 for m in messages if _is_assistant(m) and m.get("weight", 1) == 0)
    if tok.tokenizer is None:
        return _estimate_preview(tok, obj, messages, skipped)
    tokenizer = tok.tokenizer
    try:
        kept = tokenize_chat(tokenizer, messages, tok.max_len)
        full = tokenize_chat(tokenizer, messages, 2**62)
        text = tokenizer.apply_chat_template(template_messages(messages), tokenize=False)
    except Exception as err:  # the template refuses this conversation: say so, estimate
        why = f"the chat template refuses this example ({type(err).__name__}: {err})"
        encoding = base_model(tok.model).encoding
        fallback = ModelTokenizer(tok.model, None, "", encoding, tok.max_len, why)
        return _estimate_preview(fallback, obj, messages, skipped)
    kinds = [
        CUT if i >= tok.max_len else TRAINED if label != IGNORE else PROMPT
        for i, label in enumerate(full.labels)
    ]
    return TokenPreview(
        tok.model,
        tok.counted_with,
        "",
        tok.max_len,
        len(full.input_ids),
        kept.trained_tokens,
        kept.input_ids,
        kept.labels,
        _merge(zip(_token_texts(tokenizer, text, full.input_ids), kinds, strict=True)),
        skipped,
    )


def _is_assistant(message: Any) -> bool:
    """An assistant message (of any JSON value)."""
    return isinstance(message, dict) and message.get("role") == "assistant"


def _token_texts(tokenizer: Any, text: str, ids: list[int]) -> list[str]:
    """Each token's text, covering `text` exactly (offsets), else each token decoded."""
    try:
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = list(enc["offset_mapping"]) if list(enc["input_ids"]) == ids else None
    except (NotImplementedError, ValueError, KeyError):  # a slow tokenizer has no offsets
        offsets = None
    if not offsets:
        return [tokenizer.decode([i]) for i in ids]
    pieces, pos = [], 0
    for n, (_, end) in enumerate(offsets):
        end = len(text) if n == len(offsets) - 1 else max(end, pos)
        pieces.append(text[pos:end])  # a gap before a token goes with it
        pos = end
    return pieces


def _merge(pieces: Any) -> list[tuple[str, str]]:
    """Adjacent pieces of the same kind joined into one."""
    out: list[tuple[str, str]] = []
    for text, kind in pieces:
        if out and out[-1][1] == kind:
            out[-1] = (out[-1][0] + text, kind)
        else:
            out.append((text, kind))
    return out


def _estimate_preview(
    tok: ModelTokenizer, obj: dict[str, Any], messages: list[Any], skipped: int
) -> TokenPreview:
    """Without the model's tokenizer: the messages as text, assistant replies marked,
    counted with tiktoken."""
    counter = counter_for(tok.encoding)
    pieces: list[tuple[str, str]] = []
    trained = 0
    for m in messages:
        if not isinstance(m, dict):
            continue
        body = template_messages([m])[0]["content"]
        learn = _is_assistant(m) and m.get("weight", 1) != 0
        pieces.append((f"{m.get('role')}:\n", PROMPT))
        pieces.append((body or content_text(m.get("content")), TRAINED if learn else PROMPT))
        pieces.append(("\n\n", PROMPT))
        trained += counter.conversation([m])[1] if learn else 0  # as the API bills it
    total = token_counts(obj, counter)[0]
    note = tok.note or f"no chat template published for {tok.model}: counted as the API bills it"
    return TokenPreview(
        tok.model,
        tok.counted_with,
        note,
        tok.max_len,
        total,
        trained,
        pieces=_merge(pieces),
        weight_zero=skipped,
    )
