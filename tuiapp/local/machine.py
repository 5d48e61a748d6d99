"""The machine the local backend trains on, as a client sees it: the free memory of the
device its trainers use (GPU memory with CUDA, else RAM) and how each served base model would
fit (`GET /v1/local/machine`), so a laptop's job form judges the GPU box, not itself."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tuiapp.local.model_fit import (
    BYTES_PER_PARAM,
    METHODS,
    MODES,
    REFERENCE_BYTES_PER_PARAM,
    TYPICAL_BATCH,
    TYPICAL_TOKENS,
    Fit,
    fits,
    gib,
    read_shape,
)
from tuiapp.local.model_store import list_base_models


@dataclass(frozen=True)
class MachineMemory:
    """Free and total memory of the device training uses: `kind` "gpu" or "ram"."""

    device: str
    kind: str
    free_bytes: int
    total_bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def ram() -> tuple[int, int]:
    """Available and total RAM in bytes: psutil when installed, else /proc/meminfo, else
    the page counts of sysconf."""
    if importlib.util.find_spec("psutil") is not None:
        import psutil

        memory = psutil.virtual_memory()
        return int(memory.available), int(memory.total)
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        kb = {k: int(v.split()[0]) * 1024 for k, v in fields.items() if v.split()}
        return kb["MemAvailable"], kb["MemTotal"]
    except (OSError, KeyError, ValueError):
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
        return os.sysconf("SC_AVPHYS_PAGES") * page, total


def read_memory() -> MachineMemory:
    """The trainers' device (as `tuiapp.local.devices.choose` picks it) and its free memory:
    CUDA's free memory on GPU 0 (each data-parallel process holds a whole copy), else RAM
    (the CPU, and Apple's unified memory)."""
    placement = None
    if importlib.util.find_spec("torch") is not None:
        from tuiapp.local.devices import choose

        try:
            placement = choose()
        except ValueError:  # a forced device that is not there: the trainer will say so
            placement = None
    if placement is not None and placement.device == "cuda":
        import torch

        free, total = torch.cuda.mem_get_info(0)
        return MachineMemory(placement.name, "gpu", int(free), int(total))
    free, total = ram()
    name = placement.name if placement is not None else "cpu"
    return MachineMemory(name, "ram", free, total)


def machine_report(dirs: list[Path], memory: MachineMemory) -> dict[str, Any]:
    """The memory and, for each served base model, its parameters and the fit of each mode
    (LoRA, QLoRA, full) for each method (supervised, DPO)."""
    models = []
    for model_id, folder in list_base_models(dirs).items():
        shape = read_shape(folder)
        if shape is None:
            continue
        models.append(
            {
                "id": model_id,
                "parameters": shape.parameters,
                "fits": [fit.to_dict() for fit in fits(shape, memory.free_bytes, MODES, METHODS)],
            }
        )
    return {"object": "local.machine", "memory": memory.to_dict(), "models": models}


@dataclass(frozen=True)
class ModelFit:
    """One served base model: its parameters and how each way of training it fits."""

    id: str
    parameters: int
    fits: tuple[Fit, ...]

    def fit(self, mode: str, method: str = "supervised") -> Fit | None:
        """The fit of one mode ("lora", "qlora", "full") for one method ("supervised",
        "dpo"); None when the server did not judge it (an older one judges supervised only)."""
        return next((f for f in self.fits if (f.mode, f.method) == (mode, method)), None)


@dataclass(frozen=True)
class MachineReport:
    """What `GET /v1/local/machine` answers, typed."""

    memory: MachineMemory
    models: tuple[ModelFit, ...]


def parse_report(body: Any) -> MachineReport | None:
    """The server's answer as dataclasses; None when it is not one (an older server)."""
    try:
        memory = MachineMemory(**{k: body["memory"][k] for k in MachineMemory.__annotations__})
        models = tuple(
            ModelFit(
                str(m["id"]),
                int(m["parameters"]),
                tuple(
                    Fit(
                        str(f["mode"]),
                        int(f["need_bytes"]),
                        str(f["verdict"]),
                        str(f.get("method", "supervised")),
                    )
                    for f in m["fits"]
                ),
            )
            for m in body["models"]
        )
    except (KeyError, TypeError, ValueError):
        return None
    return MachineReport(memory, models)


async def fetch_report(client: Any) -> MachineReport | None:
    """Ask a local backend (an `openai.AsyncOpenAI` client on its /v1) for its machine; None
    when it cannot say (an older server, a network error)."""
    import openai

    try:
        body = await client.get("/local/machine", cast_to=object)
    except openai.OpenAIError:
        return None
    return parse_report(body)


MODE_NAMES = {"lora": "LoRA", "qlora": "QLoRA 4-bit", "full": "full fine-tune"}


def count_text(parameters: int) -> str:
    """A parameter count as people say it: 135M, 1.7B."""
    if parameters >= 10**9:
        return f"{parameters / 1e9:.1f}B"
    return f"{parameters / 1e6:.0f}M" if parameters >= 10**7 else f"{parameters / 1e6:.2f}M"


def describe_fits(
    report: MachineReport, mode: str, method: str = "supervised", limit: int = 6
) -> list[tuple[str, str]]:
    """Lines for the job form, each with its verdict ("" for the memory and note lines):
    the training device's free memory, then the served base models, smallest first, with
    what training them in `mode` by `method` needs."""
    memory = report.memory
    what = "GPU" if memory.kind == "gpu" else "RAM"
    lines = [
        ("", f"{what} {memory.device}: {gib(memory.free_bytes)} free of {gib(memory.total_bytes)}")
    ]
    ranked = sorted(report.models, key=lambda m: m.parameters)
    for model in ranked[:limit]:
        fit = model.fit(mode, method)
        if fit is not None:
            lines.append(
                (
                    fit.verdict,
                    f"{fit.verdict}: {model.id} ({count_text(model.parameters)}) "
                    f"{way_text(mode, method)} ~{gib(fit.need_bytes)}",
                )
            )
    if len(ranked) > limit:
        lines.append(("", f"… {len(ranked) - limit} more served models"))
    lines.append(("", rough_text(method)))
    return lines


def way_text(mode: str, method: str) -> str:
    """ "LoRA", "full fine-tune DPO": the way of training a verdict is for."""
    name = MODE_NAMES.get(mode, mode)
    return f"{name} DPO" if method == "dpo" else name


def rough_text(method: str) -> str:
    """What the estimate assumes, said under the verdicts."""
    full = int(BYTES_PER_PARAM["full"])
    if method == "dpo":
        return (
            f"rough: {TYPICAL_BATCH} pairs x 2 answers x {TYPICAL_TOKENS} tokens; full "
            f"~{full + REFERENCE_BYTES_PER_PARAM} B/param with DPO's reference copy"
        )
    return f"rough: batch {TYPICAL_BATCH} x {TYPICAL_TOKENS} tokens; full ~{full} B/param"
