"""UI figures, Pilot-measured: start-up vs a bare Textual app with a DataTable, time to the
first page of a big file, and keypress-to-repaint while moving through the review list.

Keypress cost is the CPU time the process spends from a key press to the end of the repaint
(`time.thread_time` of the event-loop thread around Pilot's press + pause): Pilot's own
waits are sleeps, which wall
time would count (~80 ms a key even for a bare DataTable) but CPU time does not. The same
figure for a bare DataTable app is printed as the baseline.

Usage: python -m benchmarks.bench_ui [N] [--file PATH] [--only startup|keys] [--repeat K]
(default 1,000,000 examples; --repeat: key figures K times, each against its own bare run)
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import write_dataset

BARE = """
from textual.app import App
from textual.widgets import DataTable, Footer
class Bare(App):
    def compose(self):
        yield DataTable()
        yield Footer()
    def on_mount(self):
        t = self.query_one(DataTable); t.add_columns("a", "b"); t.add_row("1", "2")
        self.call_after_refresh(self.exit)
Bare().run(headless=True)
"""

OURS = """
import sys
from tuiapp.app import make_app
from tuiapp.paths import app_paths
app = make_app(app_paths(sys.argv[1]))
app.call_later(lambda: app.call_after_refresh(app.exit))
app.run(headless=True)
"""


def startup_seconds(home: Path, runs: int = 7) -> dict[str, float]:
    """Median wall and CPU seconds (bare, ours) of fresh processes that start an app and exit
    after the first paint, run interleaved (bare, ours, bare, ...) so load hits both alike.
    CPU (user + system of the child) is the steadier figure on a shared box."""
    times: dict[str, list[float]] = {"bare": [], "ours": [], "bare_cpu": [], "ours_cpu": []}
    for _ in range(runs):
        for name, code, args in (("bare", BARE, []), ("ours", OURS, [str(home)])):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            times[f"{name}_cpu"].append(cpu)
    return {name: statistics.median(values) for name, values in times.items()}


async def key_cpu_ms(pilot, presses: int, keys: tuple[str, ...]) -> list[float]:  # type: ignore[no-untyped-def]
    """CPU milliseconds per key press, repaint included."""
    times = []
    for i in range(presses):
        key = keys[0] if i % 10 else keys[1]  # 54 j + 6 pagedown: stays inside 100 rows
        t = time.thread_time()
        await pilot.press(key)
        await pilot.pause()
        times.append((time.thread_time() - t) * 1000)
    return times


async def bare_keys(presses: int, rows: int = 100) -> float:
    """Median CPU ms per key for a bare DataTable of `rows` rows."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("line", "tokens", "preview")
            for i in range(rows):
                table.add_row(str(i), "123", "What is the capital of France? " * 3)
            table.focus()

    async with Bare().run_test(size=(120, 35)) as pilot:
        return statistics.median(await key_cpu_ms(pilot, presses, ("down", "pagedown")))


async def first_page_and_keys(home: Path, path: Path, presses: int) -> tuple[float, float, float]:
    """(seconds to the first page, median ms per keypress, p95 ms per keypress)."""
    from screens.review import ReviewScreen
    from tuiapp.app import make_app
    from tuiapp.paths import app_paths
    from tuiapp.widgets.example_list import ExampleList

    t0 = time.perf_counter()
    app = make_app(app_paths(home), open_path=path)
    async with app.run_test(size=(120, 35)) as pilot:
        while not (
            isinstance(app.screen, ReviewScreen)
            and app.screen.query(ExampleList)  # composed (a reopened dataset shows at once)
            and app.screen.query_one(ExampleList).count > 0
            and app.screen.example is not None
        ):
            await asyncio.sleep(0.005)
        await pilot.pause()
        first_page = time.perf_counter() - t0
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        while screen.dataset.import_state != "complete":  # keys measured without the import
            await asyncio.sleep(0.2)
        times = await key_cpu_ms(pilot, presses, ("j", "pagedown"))
    return first_page, statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main() -> None:
    """Run every figure and print them with their baselines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--presses", type=int, default=30)  # j x27 + 3 pages: within 100 rows
    parser.add_argument("--runs", type=int, default=7)  # start-up runs of each app
    parser.add_argument("--only", choices=("startup", "keys"))  # one figure (keys: no start-up)
    parser.add_argument("--repeat", type=int, default=1)  # key figures: runs, each with a bare
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "startup"):
            t = startup_seconds(Path(tmp) / "home0", args.runs)
            print(
                f"start-up to first paint (median of {args.runs}, interleaved): bare Textual app "
                f"with a DataTable {t['bare'] * 1000:.0f} ms, tuiapp {t['ours'] * 1000:.0f} ms, "
                f"ratio {t['ours'] / t['bare']:.2f}x; CPU {t['bare_cpu'] * 1000:.0f} vs "
                f"{t['ours_cpu'] * 1000:.0f} ms, ratio {t['ours_cpu'] / t['bare_cpu']:.2f}x"
            )
        if args.only == "startup":
            return
        small = write_dataset(Path(tmp) / "small.jsonl", 200)
        big = args.file or write_dataset(Path(tmp) / "big.jsonl", args.n)
        ratios: dict[str, list[float]] = {}
        for run in range(args.repeat):  # later runs reopen the stored datasets: no import
            bare_ms = asyncio.run(bare_keys(args.presses))
            print(f"run {run + 1}: keypress CPU ms, bare DataTable (100 rows): {bare_ms:.1f} ms")
            for label, path in (("200 examples", small), (f"{args.n:,} examples", big)):
                first, median, p95 = asyncio.run(
                    first_page_and_keys(Path(tmp) / f"home-{path.stem}", path, args.presses)
                )
                ratios.setdefault(label, []).append(median / bare_ms)
                print(
                    f"{label:>20}: first page {first * 1000:.0f} ms after start; keypress to "
                    f"repaint CPU median {median:.1f} ms, p95 {p95:.1f} ms "
                    f"({median / bare_ms:.1f}x the bare DataTable)"
                )
        for label, values in ratios.items():
            ratio = statistics.median(values)
            print(f"{label:>20}: median ratio of {len(values)} runs {ratio:.2f}x")


if __name__ == "__main__":
    main()
