"""Export a job's model (`tuiapp export-model`, the job screen's key): the app's job found in
the store, then the local backend's files on this machine exported."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tuiapp.local.export_model import (
    ExportError,
    ExportResult,
    default_out,
    export,
    find_source,
    remote_backend,
)
from tuiapp.paths import AppPaths
from tuiapp.store import Store
from tuiapp.store.jobs import get_job

LOCAL = "local"  # tuiapp.providers.adapter.LOCAL


def state_root(paths: AppPaths) -> Path:
    """The local backend's state folder, as `tuiapp local serve` and the TUI start it."""
    return paths.data_dir / "local"


def served_dirs(root: Path, paths: AppPaths) -> list[Path]:
    """The folders the local backend finds base models in."""
    return [root / "models", paths.cache_dir / "models"]


def local_job_id(store: Store, ref: str) -> str:
    """The local backend's job id for an app job id (or a local ftjob id given as is)."""
    if not ref.isdigit():
        return ref
    try:
        job = get_job(store, int(ref))
    except KeyError:
        raise ExportError(f"no job with id {ref} (tuiapp jobs lists them)", "missing") from None
    if job.provider != LOCAL:
        raise ExportError(
            f"job {job.id} ran on {job.provider}, not on the local backend: a hosted "
            f"provider's model stays with the provider (export or download it there; "
            f"its id is {job.fine_tuned_model or job.remote_id})"
        )
    return job.remote_id


def export_job(
    store: Store,
    paths: AppPaths,
    env: Mapping[str, str],
    ref: str,
    fmt: str,
    step: int | None = None,
    out: Path | None = None,
    converter: Path | None = None,
    root: Path | None = None,
) -> ExportResult:
    """Export job `ref`'s final model (or its checkpoint at `step`) as `fmt`."""
    job_id = local_job_id(store, ref)
    return export_local_job(paths, env, job_id, fmt, step, out, converter, root)


def export_local_job(
    paths: AppPaths,
    env: Mapping[str, str],
    job_id: str,
    fmt: str,
    step: int | None = None,
    out: Path | None = None,
    converter: Path | None = None,
    root: Path | None = None,
) -> ExportResult:
    """Export a local backend job (its ftjob id) from this machine's state folder (or
    `root`); refused when the app's local backend is another machine."""
    if (url := remote_backend(env)) and root is None:
        again = f" --checkpoint {step}" if step is not None else ""
        raise ExportError(
            f"the local backend runs at {url}: the job's files live on that machine; run "
            f"`tuiapp export-model {job_id}{again} --format {fmt}` there (then copy the folder)"
        )
    root = root or state_root(paths)
    source = find_source(root, job_id, served_dirs(root, paths), step)
    return export(source, fmt, out or default_out(root, source, fmt), converter)
