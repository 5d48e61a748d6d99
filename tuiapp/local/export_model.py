"""Take a local job's model out: the PEFT adapter, a merged safetensors model, an Ollama
Modelfile or a GGUF file (with llama.cpp's converter), for the final model or a checkpoint,
each written whole into a folder of its own (atomically), with the commands that serve it."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tuiapp.data.atomic import atomic_folder
from tuiapp.local import export_writers as writers
from tuiapp.local.model_store import LOOPBACK, is_full_model, resolve_base
from tuiapp.local.state import open_state

FORMATS = ("adapter", "merged", "ollama", "gguf")
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
VLLM_MAX_LORA_RANK = 16  # vLLM's default --max-lora-rank
FULL_HAS_NO_ADAPTER = (
    "job {job} is a full fine-tune: it trained every weight, so there is no LoRA adapter to "
    "export. Use --format merged (the whole model as safetensors, which vLLM and transformers "
    "load as it is) or --format ollama (a Modelfile FROM that model folder, no ADAPTER line)"
)
MANIFEST = "tuiapp-export.json"  # names the files of an export, so a new one may replace it


class ExportError(Exception):
    """Why a model cannot be exported: `missing` (something to find is not there) or
    `refused` (it exists but cannot be exported here, as asked)."""

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Source:
    """What an export reads: a local job's adapter (final or a checkpoint's) and its base, or
    a full fine-tune's whole model folder."""

    job_id: str
    model_id: str
    base_model: str
    base_path: Path
    adapter_path: Path
    step: int | None
    training_file: Path | None
    full: bool = False  # a full fine-tune: `adapter_path` is a whole model folder

    @property
    def slug(self) -> str:
        """A short name for folders and Ollama: base, job and step, lower case."""
        name = f"{Path(self.base_model).name}-{self.job_id.split('-')[-1][:8]}"
        if self.step is not None:
            name += f"-step{self.step}"
        return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-")


@dataclass
class ExportResult:
    """A finished export: where, how long, how big, and how to serve it."""

    format: str
    path: Path
    source: Source
    seconds: float = 0.0
    size_bytes: int = 0
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The result as a JSON object (`--json`)."""
        return {
            "format": self.format,
            "path": str(self.path),
            "model": self.source.model_id,
            "base_model": self.source.base_model,
            "step": self.source.step,
            "seconds": round(self.seconds, 2),
            "bytes": self.size_bytes,
            "commands": self.commands,
            "notes": self.notes,
        }


def remote_backend(env: Mapping[str, str]) -> str | None:
    """The URL of a local backend on another machine (TUIAPP_LOCAL_URL), else None."""
    url = env.get("TUIAPP_LOCAL_URL")
    if url and urlparse(url).hostname not in LOOPBACK:
        return url
    return None


def find_source(root: Path, job_id: str, dirs: list[Path], step: int | None = None) -> Source:
    """The adapter and base model of a local job (its final model, or the checkpoint at
    `step`), checked to be on disk."""
    if not (root / "server.db").is_file():
        raise ExportError(f"no local backend state in {root} (no job has run here)", "missing")
    state = open_state(root)
    try:
        job = state.job(job_id)
        if job is None:
            raise ExportError(f"the local backend in {root} has no job {job_id}", "missing")
        steps = [
            r["step_number"]
            for r in state.rows(
                "SELECT step_number FROM checkpoints WHERE job_id = ? ORDER BY step_number",
                (job_id,),
            )
        ]
        listed = ", ".join(map(str, steps)) or "none yet"
        if step is None:
            if job["status"] != "succeeded" or not job["fine_tuned_model"]:
                raise ExportError(
                    f"job {job_id} is {job['status']}: only a succeeded job has a final model; "
                    f"export a checkpoint instead (--checkpoint STEP; checkpoints: {listed})"
                )
            model = state.one("SELECT * FROM models WHERE id = ?", (job["fine_tuned_model"],))
            if model is None:
                raise ExportError(f"job {job_id}'s model is not recorded", "missing")
            model_id, adapter = model["id"], Path(model["adapter_path"])
        else:
            row = state.one(
                "SELECT * FROM checkpoints WHERE job_id = ? AND step_number = ?", (job_id, step)
            )
            if row is None:
                raise ExportError(
                    f"job {job_id} has no checkpoint at step {step} (checkpoints: {listed})",
                    "missing",
                )
            model_id, adapter = row["fine_tuned_model_checkpoint"], Path(row["path"])
    finally:
        state.conn.close()
    training = root / "files" / job["training_file"] if job["training_file"] else None
    if is_full_model(adapter):  # a full fine-tune: the folder is the model, no base needed
        own = Path(resolve_base(job["model"], dirs) or adapter)
        return Source(job_id, model_id, job["model"], own, adapter, step, training, True)
    missing = [name for name in ADAPTER_FILES if not (adapter / name).is_file()]
    if missing:
        raise ExportError(f"{adapter} lacks {', '.join(missing)}: the adapter is gone", "missing")
    base = resolve_base(job["model"], dirs)
    if base is None:
        where = ", ".join(str(d) for d in dirs)
        raise ExportError(
            f"the base model {job['model']} is not in the model folders ({where}): "
            f"serve it again with `tuiapp local pull {job['model']}`",
            "missing",
        )
    return Source(job_id, model_id, job["model"], Path(base), adapter, step, training)


def default_out(root: Path, source: Source, fmt: str) -> Path:
    """Where an export goes when no folder is given: beside the backend's state."""
    return root / "exports" / source.slug / fmt


@contextlib.contextmanager
def export_folder(target: Path) -> Iterator[Path]:
    """A temporary folder that replaces `target` when complete; a previous export there (its
    manifest lists its files) may be replaced, a folder of other files is refused."""
    expected: frozenset[str] = frozenset()
    manifest = target / MANIFEST
    with contextlib.suppress(OSError, ValueError, TypeError):
        expected = frozenset([MANIFEST, *json.loads(manifest.read_text())["files"]])
    try:
        with atomic_folder(target, expected) as tmp:
            yield tmp
            files = sorted(p.name for p in tmp.iterdir())
            (tmp / MANIFEST).write_text(json.dumps({"files": files}, indent=1) + "\n")
    except (FileExistsError, NotADirectoryError) as err:
        raise ExportError(str(err)) from None


def folder_size(path: Path) -> int:
    """Bytes of the files in a folder (links not followed)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def export(source: Source, fmt: str, out: Path, converter: Path | None = None) -> ExportResult:
    """Write one export of `source` into `out` (replacing an earlier export there)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "adapter" and source.full:
        raise ExportError(FULL_HAS_NO_ADAPTER.format(job=source.job_id))
    script = writers.find_converter(converter) if fmt == "gguf" else None
    started = time.monotonic()
    result = ExportResult(fmt, out.resolve(), source)
    with export_folder(out) as folder:
        if fmt == "adapter":
            writers.write_adapter(source, folder)
        elif fmt == "merged":
            writers.write_merged(source, folder)
        elif fmt == "ollama":
            result.notes += writers.write_ollama(source, folder, result.path)
        else:
            assert script is not None
            result.notes += writers.write_gguf(source, folder, script)
    result.seconds = time.monotonic() - started
    result.size_bytes = folder_size(out)
    result.commands = serve_commands(result)
    return result


def lora_rank(folder: Path) -> int:
    """The adapter's LoRA rank (its largest, with per-module ranks), 0 when unreadable."""
    try:
        config = json.loads((folder / "adapter_config.json").read_text())
        ranks = [int(config.get("r") or 0), *map(int, (config.get("rank_pattern") or {}).values())]
    except (OSError, ValueError, TypeError, AttributeError):
        return 0
    return max(ranks)


def serve_commands(result: ExportResult) -> list[str]:
    """One-line commands that serve the export with Ollama, llama.cpp and vLLM."""
    path, source, name = result.path, result.source, result.source.slug
    remake = f"tuiapp export-model {source.job_id}" + (
        f" --checkpoint {source.step}" if source.step is not None else ""
    )
    ollama = f"ollama create {name} -f {path / 'Modelfile'} && ollama run {name}"
    if result.format == "adapter":
        rank = lora_rank(path)
        wider = f" --max-lora-rank {rank}" if rank > VLLM_MAX_LORA_RANK else ""
        return [
            f"vllm serve {source.base_path} --enable-lora --lora-modules {name}={path}{wider}",
            f"ollama: {remake} --format ollama (a Modelfile with FROM + ADAPTER)",
            f"llama.cpp: {remake} --format gguf (llama-server needs a GGUF file)",
        ]
    if result.format == "merged":
        return [
            f"vllm serve {path}",
            f"ollama: {remake} --format ollama",
            f"llama.cpp: {remake} --format gguf",
        ]
    if result.format == "ollama":
        return [ollama]
    return [f"llama-server -m {path / 'model.gguf'}", ollama]
