"""Atomic outputs: a `tuiapp version-export` killed with SIGKILL at any step leaves the old
complete folder or the new complete folder (never a mix of two versions), the manifest
carries each file's SHA-256, and a folder that disagrees with it is never uploaded."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services import export as export_module
from tuiapp.services.export import ExportMismatch, export_accepted, export_version, verify_export
from tuiapp.services.freeze import commit, plan_freeze
from tuiapp.services.launch import plan_job, start_job
from tuiapp.store import Store
from tuiapp.store.records import Example
from tuiapp.store.review import set_status
from tuiapp.store.versions import Version

WORDS = "apple river stone cloud maple tiger piano ocean lemon violet cactus rocket".split()  # noqa: SIM905

# Runs `tuiapp version-export` in a fresh interpreter and kills it with SIGKILL at the Nth
# step: each file operation (fsync, rename, swap, removal) and the middle of each file written.
KILLER = """
import os, shutil, signal, sys
import tuiapp.data.atomic as atomic
import tuiapp.services.export as export
kill_at, steps = int(os.environ["KILL_AT"]), [0]
def step():
    steps[0] += 1
    if steps[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
def hooked(fn):
    def wrapped(*args, **kwargs):
        step()
        return fn(*args, **kwargs)
    return wrapped
os.rename, os.replace, os.fsync = hooked(os.rename), hooked(os.replace), hooked(os.fsync)
shutil.rmtree = hooked(shutil.rmtree)
if os.environ.get("NO_EXCHANGE"):
    atomic._exchange = lambda a, b: False
atomic._exchange = hooked(atomic._exchange)
real_entries = export.iter_entries
def entries(*args):
    for n, entry in enumerate(real_entries(*args)):
        if n == 1:  # one step in the middle of each file
            step()
        yield entry
export.iter_entries = entries
from tuiapp.cli import main
code = main(sys.argv[1:])
print("STEPS", steps[0])
sys.exit(code)
"""


def two_versions(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> tuple[Store, Version, Version]:
    """A dataset frozen twice: v1 of 12 examples, v2 without three of them."""
    rows = [chat(f"{WORDS[i]} {WORDS[(i * 5 + 1) % 12]} {i}?", f"{WORDS[(i * 7 + 2) % 12]} {i}")
            for i in range(12)]  # fmt: skip
    store, dataset = imported(home, write_jsonl(rows))
    examples = list(store.rows("SELECT * FROM examples WHERE dataset_id = ?", [dataset.id]))
    for row in examples:
        set_status(store, Example.from_row(row), "accepted")
    v1 = commit(store, plan_freeze(store, dataset.id, fraction=0.25, seed=0), "v1")
    for row in examples[:3]:
        set_status(store, Example.from_row({**row, "status": "accepted"}), "rejected")
    v2 = commit(store, plan_freeze(store, dataset.id, fraction=0.25, seed=1), "v2")
    assert v1.content_hash != v2.content_hash
    return store, v1, v2


def folder_version(folder: Path) -> str:
    """The content hash the folder's files add up to, checked against its own manifest (the
    same recipe as a version's hash: train lines, then holdout lines)."""
    digest = hashlib.sha256()
    for split in ("train", "holdout"):
        digest.update(f"--- {split}\n".encode())
        digest.update((folder / f"{split}.jsonl").read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["content_hash"] == digest.hexdigest(), (
        "files of one version, manifest of another"
    )
    return digest.hexdigest()


def run_killed(home: AppPaths, out: Path, version: Version, kill_at: int, **env: str) -> str:
    """Run the export, killed at step `kill_at` (0: never); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", KILLER, "version-export", str(version.id), str(out)],  # fmt: skip
        env={**os.environ, "KILL_AT": str(kill_at), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, -9), done.stderr
    return done.stdout


@pytest.mark.parametrize("swap", ["exchange", "aside"])
def test_kill_9_at_every_step_leaves_one_whole_version(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path, swap: str
) -> None:
    store, v1, v2 = two_versions(home, write_jsonl)
    out = tmp_path / "out"
    env = {"NO_EXCHANGE": "1"} if swap == "aside" else {}
    export_version(store, v1.id, tmp_path / "count")
    steps = int(run_killed(home, tmp_path / "count", v2, 0, **env).split("STEPS")[1])
    assert steps >= 8  # writes, fsyncs, the swap and the clean-up are each a place to die
    outs = {k: tmp_path / f"out{k}" / "out" for k in range(1, steps + 1)}
    for out in outs.values():
        export_version(store, v1.id, out)
    with ThreadPoolExecutor(4) as pool:  # one fresh interpreter per kill point
        list(pool.map(lambda k: run_killed(home, outs[k], v2, k, **env), outs))
    seen = set()
    for out in outs.values():
        if swap == "exchange":  # one atomic swap: the folder is whole at every instant
            seen.add(folder_version(out))
        manifest = verify_export(out)  # a reader: restores a folder moved aside, checks hashes
        seen.add(folder_version(out))
        assert manifest["content_hash"] in (v1.content_hash, v2.content_hash)
        assert [p.name for p in out.parent.iterdir()] == ["out"]  # no temporary left over
    assert seen == {v1.content_hash, v2.content_hash}  # killed before and after the swap


def test_the_manifest_carries_each_files_sha256(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    store, v1, _ = two_versions(home, write_jsonl)
    export_version(store, v1.id, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    train = (tmp_path / "out" / "train.jsonl").read_bytes()
    assert manifest["files"]["train.jsonl"] == {
        "sha256": hashlib.sha256(train).hexdigest(),
        "bytes": len(train),
        "lines": manifest["counts"]["train"],
    }
    assert verify_export(tmp_path / "out", v1.content_hash)["name"] == "v1"


def test_a_folder_that_disagrees_with_its_manifest_is_refused(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    store, v1, v2 = two_versions(home, write_jsonl)
    export_version(store, v1.id, tmp_path / "v1")
    export_version(store, v2.id, tmp_path / "v2")
    mixed = tmp_path / "v1" / "holdout.jsonl"
    mixed.write_bytes((tmp_path / "v2" / "holdout.jsonl").read_bytes())
    with pytest.raises(ExportMismatch, match="holdout.jsonl does not match its SHA-256"):
        verify_export(tmp_path / "v1")
    with pytest.raises(ExportMismatch, match="not the one asked"):
        verify_export(tmp_path / "v2", v1.content_hash)


def test_upload_refuses_files_unlike_the_manifest(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, v1, _ = two_versions(home, write_jsonl)
    real = export_module.export_version

    def export_then_tamper(store: Store, version_id: int, folder: Path) -> list[Path]:
        paths = real(store, version_id, folder)
        with open(Path(folder) / "train.jsonl", "a") as handle:  # e.g. an editor, a sync tool
            handle.write(json.dumps(chat("leaked?", "holdout answer")) + "\n")
        return paths

    monkeypatch.setattr(export_module, "export_version", export_then_tamper)
    uploads: list[Path] = []

    async def upload(path: Path, *_: object) -> None:
        uploads.append(path)

    provider = SimpleNamespace(name="fake", upload=upload)
    plan = plan_job(store, "local", v1.id, "tiny-llama")
    with pytest.raises(ExportMismatch, match="train.jsonl does not match"):
        asyncio.run(start_job(store, provider, plan, tmp_path / "up"))  # type: ignore[arg-type]
    assert uploads == []


def test_version_export_never_deletes_a_folder_of_other_files(
    home: AppPaths, write_jsonl: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    store, v1, _ = two_versions(home, write_jsonl)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code = main(["version-export", str(v1.id), str(mine)])
    assert code == 2
    assert "holds other files (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    store.close()


def test_exports_keep_the_usual_permissions_and_a_failed_one_keeps_the_old_file(
    home: AppPaths,
    write_jsonl: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, v1, _ = two_versions(home, write_jsonl)
    umask = os.umask(0o022)
    os.umask(umask)
    export_version(store, v1.id, tmp_path / "out")
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask
    assert (tmp_path / "out" / "train.jsonl").stat().st_mode & 0o777 == 0o666 & ~umask
    out = tmp_path / "accepted.jsonl"
    assert export_accepted(store, v1.dataset_id, out).written == 9
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    before = out.read_bytes()

    def broken(*_: object, **__: object) -> Iterator[Example]:
        yield from []
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "iter_examples", broken)
    with pytest.raises(OSError, match="No space"):
        export_accepted(store, v1.dataset_id, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no .part
