"""Where training runs: CUDA, Apple MPS or the CPU, with the precision each does well.

Chosen automatically, or forced with `TUIAPP_LOCAL_DEVICE` (auto, cpu, cuda, mps) — what
`tuiapp local serve --device` sets for its trainers."""

from __future__ import annotations

import os
import resource
import sys
from dataclasses import dataclass
from typing import Any

DEVICE_ENV = "TUIAPP_LOCAL_DEVICE"
CHOICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Placement:
    """The device a trainer uses and its precision ("bf16", "fp16" or "fp32")."""

    device: str
    precision: str
    name: str  # what the user is told: "cuda:0 (NVIDIA H200)", "cpu (2 threads)"

    @property
    def bf16(self) -> bool:
        """Mixed precision in bfloat16."""
        return self.precision == "bf16"

    @property
    def fp16(self) -> bool:
        """Mixed precision in float16."""
        return self.precision == "fp16"


def _mps_available(torch: Any) -> bool:
    """Apple's Metal backend is built in and usable."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def choose(forced: str | None = None) -> Placement:
    """The device to train on: the one forced (an error if it is not there), else CUDA, then
    MPS, then the CPU. bf16 where the GPU supports it, else fp16 on CUDA; fp32 on MPS and the
    CPU (bf16 matmuls on most CPUs are slower than fp32)."""
    import torch

    wanted = (forced or os.environ.get(DEVICE_ENV) or "auto").lower()
    if wanted not in CHOICES:
        raise ValueError(f"device {wanted!r} is not one of {', '.join(CHOICES)}")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no CUDA GPU")
    if wanted == "mps" and not _mps_available(torch):
        raise ValueError("device 'mps' was asked for, but this torch has no usable MPS")
    if wanted in ("auto", "cuda") and torch.cuda.is_available():
        precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return Placement("cuda", precision, f"cuda:0 ({torch.cuda.get_device_name(0)})")
    if wanted in ("auto", "mps") and _mps_available(torch):
        return Placement("mps", "fp32", "mps (Apple GPU)")
    return Placement("cpu", "fp32", f"cpu ({torch.get_num_threads()} threads)")


def memory_in_use_mb(placement: Placement) -> float:
    """Peak memory so far, in MB: the GPU's allocator on CUDA, the process's peak RSS
    otherwise."""
    if placement.device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KB on Linux
