"""An example's tokens as a model sees them: an open model's own tokenizer and chat template
(transformers, the `local` extra, from a local model folder or the Hugging Face cache, never a
download), OpenAI models' tiktoken encoding, or a tiktoken estimate with a note saying why."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tuiapp.data.base_models import base_model
from tuiapp.data.examine import conversation, token_counts
from tuiapp.data.tokens import TokenCounter
from tuiapp.local.chat_tokens import template_messages
from tuiapp.local.model_store import is_model_folder, list_base_models, model_dirs
from tuiapp.paths import AppPaths

OWN_COUNT_LIMIT = 20_000  # examples a report counts with an open model's own tokenizer


@dataclass(frozen=True)
class ModelTokenizer:
    """How one model's tokens are counted: its own tokenizer, or tiktoken and why."""

    model: str
    tokenizer: Any | None  # a transformers tokenizer with a chat template; None: tiktoken
    source: str  # where the tokenizer was loaded from ("" for tiktoken)
    encoding: str  # the tiktoken encoding of the estimate (used when there is no tokenizer)
    max_len: int  # tokens per example that training keeps
    note: str = ""  # why the counts are an estimate ("" when they are not)

    @property
    def counted_with(self) -> str:
        """The tokenizer's name as tables show it."""
        if self.tokenizer is not None:
            return "own tokenizer + chat template"
        return f"{self.encoding} (estimate)" if self.note else self.encoding


def local_model_dirs(paths: AppPaths) -> list[Path]:
    """The folders the local backend serves base models from (as `tuiapp local serve`)."""
    return model_dirs([paths.data_dir / "local" / "models"])


def _folder(model: str, dirs: list[Path]) -> Path | None:
    """A model's local folder: the path itself, a served id, or a served id's last part."""
    path = Path(model).expanduser()
    if is_model_folder(path):
        return path
    served = list_base_models(dirs)
    return served.get(model) or served.get(model.rsplit("/", 1)[-1])


_LOADED: dict[tuple[str, tuple[Path, ...]], ModelTokenizer] = {}


def load_tokenizer(model: str, dirs: list[Path]) -> ModelTokenizer:
    """The model's tokenizer (kept once loaded; slow the first time: use a worker). A failure
    is not kept: a model pulled later loads on the next call."""
    key = (model, tuple(dirs))
    if (found := _LOADED.get(key)) is not None:
        return found
    tok = _load(model, key[1])
    if tok.tokenizer is not None:
        _LOADED[key] = tok
    return tok


def _load(model: str, dirs: tuple[Path, ...]) -> ModelTokenizer:
    """Load a tokenizer, or say why the counts must be estimated."""
    info = base_model(model)
    if info.exact:  # an OpenAI model: its tiktoken encoding is its tokenizer
        return ModelTokenizer(model, None, "", info.encoding, info.token_limit)

    def estimate(why: str) -> ModelTokenizer:
        """The tiktoken fallback, with the reason."""
        note = f"estimate with {info.encoding}: {why}"
        return ModelTokenizer(model, None, "", info.encoding, info.token_limit, note)

    if importlib.util.find_spec("transformers") is None:
        return estimate("transformers is not installed (the `local` extra)")
    from transformers import AutoTokenizer

    folder = _folder(model, list(dirs))
    try:
        if folder is not None:
            tokenizer = AutoTokenizer.from_pretrained(folder)
        else:  # offline: the Hugging Face cache only
            tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
    except Exception as err:  # any loader failure means the same thing here: no tokenizer
        if folder is not None:
            return estimate(f"its tokenizer in {folder} does not load ({type(err).__name__})")
        return estimate("not a local model and not in the Hugging Face cache (offline)")
    if not getattr(tokenizer, "chat_template", None):
        return estimate(f"the tokenizer of {model} has no chat template")
    # a local folder is trained by the local trainer, which keeps its own limit
    limit = local_trainer_limit() if folder is not None else info.token_limit
    source = str(folder or "Hugging Face cache")
    return ModelTokenizer(model, tokenizer, source, info.encoding, limit)


def local_trainer_limit() -> int:
    """Tokens per example the local trainer keeps (`TUIAPP_LOCAL_MAX_SEQ_LEN`, 1,024)."""
    from tuiapp.local import trainer  # its own constant; imported late: the trainer is heavy

    return trainer.MAX_SEQ_LEN


def available_models(paths: AppPaths, first: str | None = None) -> list[str]:
    """Models a preview can switch between: `first`, the local backend's base models, and
    models in the Hugging Face cache that have a tokenizer."""
    names = [first] if first else []
    names += [m for m in list_base_models(local_model_dirs(paths)) if m not in names]
    return names + [m for m in _hf_cached() if m not in names]


def _hf_cached() -> list[str]:
    """Model ids in the Hugging Face cache with a tokenizer file (none without the hub)."""
    if importlib.util.find_spec("huggingface_hub") is None:
        return []
    from huggingface_hub import scan_cache_dir

    try:
        repos = scan_cache_dir().repos
    except Exception:  # no cache, or an unreadable one: nothing cached to offer
        return []
    wanted = {"tokenizer.json", "tokenizer_config.json"}
    return sorted(
        repo.repo_id
        for repo in repos
        if repo.repo_type == "model"
        and any(f.file_name in wanted for rev in repo.revisions for f in rev.files)
    )


@cache
def counter_for(encoding: str) -> TokenCounter:
    """One tiktoken counter per encoding, shared."""
    return TokenCounter(encoding)


def count(tok: ModelTokenizer, obj: dict[str, Any]) -> int | None:
    """Tokens of an example as the model sees it (chat template applied; with tiktoken, as
    `examine` counts); None when the chat template refuses the conversation."""
    if tok.tokenizer is None:
        return token_counts(obj, counter_for(tok.encoding))[0]
    messages = template_messages(conversation(obj))
    try:
        text = tok.tokenizer.apply_chat_template(messages, tokenize=False)
    except Exception:  # a template raises on what it cannot render (roles, order)
        return None
    return len(tok.tokenizer(text, add_special_tokens=False)["input_ids"])


class DatasetCounts:
    """An open model's token counts over a dataset: its own tokenizer for the first `limit`
    examples (about 300 a second on a 2-core box), the rest scaled from tiktoken by the ratio
    measured on those; an example the chat template refuses keeps its estimate."""

    def __init__(self, tok: ModelTokenizer, limit: int = OWN_COUNT_LIMIT) -> None:
        self.tok = tok
        self.limit = limit
        self.counts: list[int] = []
        self.refused = 0
        self._own = 0  # tokens counted with the tokenizer, and the estimate of the same
        self._estimated = 0

    def add(self, obj: dict[str, Any], estimate: int) -> None:
        """Count one example (`estimate`: its tiktoken count)."""
        if len(self.counts) >= self.limit:
            ratio = self._own / self._estimated if self._estimated else 1.0
            self.counts.append(round(estimate * ratio))
            return
        n = count(self.tok, obj)
        if n is None:
            self.refused += 1
            n = estimate
        else:
            self._own += n
            self._estimated += estimate
        self.counts.append(n)

    @property
    def note(self) -> str:
        """How the counts were made, in one line."""
        parts = [f"{self.tok.model}: counted with its own tokenizer and chat template"]
        if len(self.counts) > self.limit:
            parts.append(f"the first {self.limit:,} examples counted, the rest scaled")
        if self.refused:
            parts.append(f"{self.refused:,} the chat template refuses estimated")
        return "; ".join(parts)
