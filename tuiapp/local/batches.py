"""Batches for training: padding, masks, and the loss/accuracy on labelled tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tuiapp.local.chat_tokens import IGNORE, Tokenized
from tuiapp.local.state import LocalState


@dataclass
class Batch:
    """Padded tensors for one step."""

    input_ids: Any
    attention_mask: Any
    labels: Any


def read_examples(state: LocalState, file_id: str) -> list[dict[str, Any]]:
    """The JSON lines of an uploaded file."""
    path = state.files_dir / file_id
    with open(path, encoding="utf-8-sig") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def collate(items: list[Tokenized], pad_id: int) -> Batch:
    """Right-pad a batch; padding is masked by position (eos and pad may be the same token)."""
    import torch

    width = max(len(t.input_ids) for t in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for row, item in enumerate(items):
        n = len(item.input_ids)
        ids[row, :n] = torch.tensor(item.input_ids)
        labels[row, :n] = torch.tensor(item.labels)
        mask[row, :n] = 1
    return Batch(ids, mask, labels)


def loss_and_accuracy(model: Any, batch: Batch) -> tuple[Any, float, int]:
    """Mean cross-entropy over labelled tokens, token accuracy, and labelled-token count."""
    import torch.nn.functional as F

    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    shift_logits = logits[:, :-1, :]
    shift_labels = batch.labels[:, 1:]
    loss = F.cross_entropy(
        shift_logits.reshape(-1, shift_logits.size(-1)),
        shift_labels.reshape(-1),
        ignore_index=IGNORE,
    )
    keep = shift_labels != IGNORE
    n = int(keep.sum())
    correct = (shift_logits.argmax(-1) == shift_labels) & keep
    return loss, (float(correct.sum()) / n if n else 0.0), n
