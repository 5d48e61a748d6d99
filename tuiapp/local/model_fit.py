"""Will a base model train on this machine? A rough, pure estimate of the memory a local job
needs (LoRA, QLoRA 4-bit or full fine-tuning with AdamW; supervised or DPO), from the model
folder's parameter count, against the free memory of the device it trains on: "fits", "tight"
or "too big"."""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MODES = ("lora", "qlora", "full")
METHODS = ("supervised", "dpo")
# bytes per parameter of the weights and their training state, as this trainer holds them
BYTES_PER_PARAM = {
    "lora": 4.0,  # frozen weights in float32 (bf16/fp16 is autocast), adapter and AdamW ~1%
    "qlora": 0.56,  # NF4 weights with double-quantized constants (embeddings stay float32)
    "full": 16.0,  # float32 weight + gradient + AdamW's two moments
}
# DPO's frozen reference model: with LoRA it is the base with the adapter switched off (no
# copy); a full fine-tune holds a second float32 copy of every weight
REFERENCE_BYTES_PER_PARAM = 4
DPO_SEQUENCES = 2  # each pair trains its preferred and its non-preferred answer
ADAPTER_SHARE = 0.005  # LoRA's trained parameters (rank 8, all linear layers), with AdamW's 16 B
ACTIVATION_BYTES = 40  # per token, per hidden unit, per layer (float32, no checkpointing)
RUNTIME_BYTES = 1 << 30  # torch, the CUDA context or the CPU libraries, the tokenizer
TYPICAL_BATCH, TYPICAL_TOKENS = 4, 512  # the batch the estimate assumes
FITS_SHARE = 0.8  # up to this share of the free memory "fits"; up to all of it is "tight"
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}


@dataclass(frozen=True)
class ModelShape:
    """What the estimate reads from a model folder: parameters, and the sizes activations
    and float32 embeddings scale with (0 when the config does not say)."""

    parameters: int
    hidden: int = 0
    layers: int = 0
    embedding_parameters: int = 0


@dataclass(frozen=True)
class Fit:
    """One model and one way of training it: bytes needed, and how that compares."""

    mode: str
    need_bytes: int
    verdict: str  # "fits", "tight", "too big"
    method: str = "supervised"  # or "dpo"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def safetensors_parameters(folder: Path) -> int | None:
    """The exact parameter count from the safetensors headers (no weights are read)."""
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        return None
    total = 0
    for path in files:
        try:
            with open(path, "rb") as handle:
                (length,) = struct.unpack("<Q", handle.read(8))
                header = json.loads(handle.read(length))
        except (OSError, ValueError, struct.error):
            return None
        for name, tensor in header.items():
            if name != "__metadata__":
                count = 1
                for size in tensor.get("shape", []):
                    count *= int(size)
                total += count
    return total


def config_parameters(config: dict[str, Any]) -> int:
    """A decoder's parameters from its config (attention, MLP, embeddings), when no weights
    are there to count."""
    hidden = int(config.get("hidden_size") or 0)
    layers = int(config.get("num_hidden_layers") or 0)
    inner = int(config.get("intermediate_size") or 4 * hidden)
    heads = int(config.get("num_attention_heads") or 1)
    kv = int(config.get("num_key_value_heads") or heads)
    attention = 2 * hidden * hidden + 2 * hidden * (hidden * kv // heads)
    return layers * (attention + 3 * hidden * inner) + embedding_parameters(config)


def embedding_parameters(config: dict[str, Any]) -> int:
    """Input embeddings, and the output head when it is not tied to them."""
    size = int(config.get("vocab_size") or 0) * int(config.get("hidden_size") or 0)
    return size if config.get("tie_word_embeddings", True) else 2 * size


def read_shape(folder: Path) -> ModelShape | None:
    """A model folder's shape (None when it has no readable config.json)."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return None
    config = config.get("text_config", config) if isinstance(config, dict) else {}
    params = safetensors_parameters(folder)
    if params is None:
        try:
            index = json.loads((folder / "model.safetensors.index.json").read_text())
            dtype = str(config.get("torch_dtype") or config.get("dtype") or "float32")
            params = int(index["metadata"]["total_size"]) // DTYPE_BYTES.get(dtype, 4)
        except (OSError, ValueError, KeyError, TypeError):
            params = config_parameters(config)
    return ModelShape(
        params,
        int(config.get("hidden_size") or 0),
        int(config.get("num_hidden_layers") or 0),
        embedding_parameters(config),
    )


def need_bytes(shape: ModelShape, mode: str, method: str = "supervised") -> int:
    """Rough memory a job of this mode and method needs: weights and training state (with
    DPO's reference copy for a full fine-tune), activations of a typical batch (both answers
    of each DPO pair; the reference's forward keeps none), and the runtime."""
    weights = shape.parameters * BYTES_PER_PARAM[mode]
    if mode == "qlora":  # embeddings and the head are not quantized
        weights += shape.embedding_parameters * (4 - BYTES_PER_PARAM["qlora"])
    if mode != "full":
        weights += shape.parameters * ADAPTER_SHARE * 16
    elif method == "dpo":
        weights += shape.parameters * REFERENCE_BYTES_PER_PARAM
    sequences = TYPICAL_BATCH * (DPO_SEQUENCES if method == "dpo" else 1)
    activations = sequences * TYPICAL_TOKENS * shape.hidden * shape.layers * ACTIVATION_BYTES
    return int(weights + activations + RUNTIME_BYTES)


def verdict(need: int, free: int) -> str:
    """ "fits" with room to spare, "tight" when it just fits, else "too big"."""
    if need <= free * FITS_SHARE:
        return "fits"
    return "tight" if need <= free else "too big"


def fits(
    shape: ModelShape,
    free: int,
    modes: tuple[str, ...] = MODES,
    methods: tuple[str, ...] = ("supervised",),
) -> list[Fit]:
    """Each method's and mode's need and verdict against `free` bytes."""
    return [
        Fit(mode, need, verdict(need, free), method)
        for method in methods
        for mode in modes
        for need in [need_bytes(shape, mode, method)]
    ]


def gib(count: float) -> str:
    """Bytes as GiB, one decimal ("0.4 GiB")."""
    return f"{count / 2**30:.1f} GiB"
