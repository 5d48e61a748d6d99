"""The trainer's LM head off Triton devices (the CPU): a training step reports the same
loss and token accuracy as the hand-written loop on the same batch (assistant tokens only,
weight 0 skipped), with fewer floating-point operations than that loop (TRL's own head scored
every position, prompt and padding too, and computed them twice: the CPU trained slower than
the loop it replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuiapp.local.chat_tokens import Tokenized, tokenize_chat
from tuiapp.local.devices import Placement
from tuiapp.local.hyperparams import TrainingSettings

pytest.importorskip("trl")

CHATS: list[list[dict[str, Any]]] = [
    [
        {"role": "system", "content": "You are a helpful assistant who answers briefly."},
        {"role": "user", "content": "What is the capital of France? Tell me please."},
        {"role": "assistant", "content": "Paris."},
    ],
    [
        {"role": "user", "content": "Hello, how are you? The weather is sunny today."},
        {"role": "assistant", "content": "I am fine, thank you.", "weight": 0},
        {"role": "user", "content": "Answer like a pirate: where is the treasure?"},
        {"role": "assistant", "content": "Arr matey, on the island!"},
    ],
    [
        {"role": "user", "content": "yes no maybe"},
        {"role": "assistant", "content": "maybe"},
    ],
]


def _trainer(model: Path, tmp_path: Path) -> tuple[Any, list[Tokenized]]:
    """The SFT trainer a CPU job builds on the tiny model, and the batch's items."""
    from transformers import AutoTokenizer

    from tuiapp.local.hf_trainers import RunSpec, build_sft

    tokenizer = AutoTokenizer.from_pretrained(model)
    items = [tokenize_chat(tokenizer, chat, 1024) for chat in CHATS]
    settings = TrainingSettings(1, len(items), 1.0, 1e-3, 3)
    spec = RunSpec(str(model), tmp_path, settings, Placement("cpu", "fp32", "cpu"), 1024)
    trainer, _ = build_sft(spec, tokenizer, items, [], 10**9, [])
    return trainer, items


def _counter() -> Any:
    """A FLOP counter that also counts the in-place `addmm_` of TRL's tiled backward."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    def addmm_(acc: Any, a: Any, b: Any, *args: Any, **kwargs: Any) -> int:
        return 2 * a[0] * a[1] * b[1]

    return FlopCounterMode(display=False, custom_mapping={torch.ops.aten.addmm_: addmm_})


def _fit(model: Any, items: list[Tokenized], pad_id: int) -> None:
    """A few steps of the hand loop on the batch, every weight trained (the adapter alone
    barely moves a tiny random model), so that some next tokens are predicted right (the
    accuracies compared are not all zero); the trainable weights are the adapter's again."""
    import torch

    from tuiapp.local.batches import collate, loss_and_accuracy

    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    model.requires_grad_(True)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    for _ in range(40):
        loss_and_accuracy(model, collate(items, pad_id))[0].backward()
        opt.step()
        opt.zero_grad()
    for name, p in model.named_parameters():
        p.requires_grad_(name in trainable)


def _step(trainer: Any) -> tuple[float, float, int]:
    """One training forward and backward on the whole batch: its loss, the token accuracy
    TRL logs for it, and the floating-point operations it took."""
    batch = trainer._prepare_inputs(next(iter(trainer.get_train_dataloader())))
    trainer.model.train()
    trainer._metrics["train"].clear()
    with _counter() as flops:
        loss = trainer.compute_loss(trainer.model, batch)
        loss.backward()
    trainer.model.zero_grad()
    return (
        float(loss.detach()),
        trainer._metrics["train"]["mean_token_accuracy"][-1],
        flops.get_total_flops(),
    )


def _hand_step(model: Any, items: list[Tokenized], pad_id: int) -> tuple[float, float, int]:
    """The hand-written loop's step on the same batch: loss, accuracy, operations."""
    from tuiapp.local.batches import collate, loss_and_accuracy

    with _counter() as flops:
        loss, accuracy, _ = loss_and_accuracy(model, collate(items, pad_id))
        loss.backward()
    model.zero_grad()
    return float(loss), accuracy, flops.get_total_flops()


@pytest.mark.parametrize("plain_tokens", [2048, 0])  # logits in one piece / TRL's tiles
def test_a_cpu_step_matches_the_hand_loop_and_costs_less(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plain_tokens: int
) -> None:
    from tuiapp.local import trainer_head

    monkeypatch.setattr(trainer_head, "PLAIN_HEAD_TOKENS", plain_tokens)
    trainer, items = _trainer(tiny_model, tmp_path)
    pad_id = trainer.processing_class.pad_token_id
    _fit(trainer.model, items, pad_id)
    loss, accuracy, flops = _step(trainer)
    hand_loss, hand_accuracy, hand_flops = _hand_step(trainer.model, items, pad_id)
    assert loss == pytest.approx(hand_loss, rel=1e-5)
    assert 0.0 < accuracy == pytest.approx(hand_accuracy, abs=1e-6)
    # the weight-0 reply and every prompt token carry no loss; "Paris." and the rest do
    assert sum(t.trained_tokens for t in items) < sum(len(t.input_ids) for t in items) / 2
    assert flops < hand_flops


def test_the_parameters_are_counted_once_a_run_not_every_step(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import PreTrainedModel

    counted: list[bool] = []
    count = PreTrainedModel.num_parameters

    def spy(self: Any, *args: Any, **kwargs: Any) -> int:
        counted.append(True)
        return int(count(self, *args, **kwargs))

    monkeypatch.setattr(PreTrainedModel, "num_parameters", spy)
    trainer, _ = _trainer(tiny_model, tmp_path)
    trainer.args.max_steps, trainer.args.save_strategy = 3, "no"
    before = len(counted)
    trainer.train()
    assert trainer.state.global_step == 3 and trainer.state.total_flos > 0
    assert len(counted) - before <= 1
