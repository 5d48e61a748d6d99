"""UI figures, Pilot-measured: start-up vs a bare Textual app with a DataTable, time to the
first page of a big file, and keypress-to-repaint while moving through the review list.

Keypress cost is the CPU time the process spends from a key press to the end of the repaint
(`time.thread_time` of the event-loop thread around Pilot's press + pause): Pilot's own
waits are sleeps, which wall time would count (~80 ms a key even for a bare DataTable) but CPU
time does not. The same figure for a bare DataTable app is printed as the baseline.

A key costs very different amounts depending on whether the list scrolls, so both apps are
measured doing the same things, each checked press by press:
- unbound: a key bound to nothing (the floor: Pilot's press and waits, which post a message
  to every widget of the screen, and a frame with nothing to paint);
- move: the cursor moves down inside the view (two rows repainted, and our example pane);
- scroll: the cursor is on the last visible row, so each press scrolls the list by one row
  (every row repainted).
(Before, the bare table's presses moved its cursor inside the view, or not at all at the
end of its 100 rows, while ours scrolled the list on every press.)

Usage: python -m benchmarks.bench_ui [N] [--file PATH] [--home DIR] [--only startup|keys]
[--repeat K]  (default 1,000,000 examples; --home keeps the imported datasets between runs;
--repeat: key figures K times, each against its own bare run)
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
from collections.abc import Callable
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


REGIMES = ("unbound", "move", "scroll")
UNBOUND = "f20"  # a key neither app binds
PRESSES = 30  # per regime: fewer than the 33 rows a 120x35 list shows, for `move`


Cursor = Callable[[], tuple[int, int]]  # where a list's cursor is: (row, first row shown)


async def press_cpu_ms(pilot, key: str) -> float:  # type: ignore[no-untyped-def]
    """CPU milliseconds of one press, repaint included."""
    t = time.thread_time()
    await pilot.press(key)
    await pilot.pause()
    return (time.thread_time() - t) * 1000


async def regime_cpu_ms(  # type: ignore[no-untyped-def]
    pilot, cursor: Cursor, down: str, top: str, presses: int = PRESSES
) -> dict[str, float]:
    """Median CPU ms per press in each regime, from the top of the list; every press is checked
    to have done what its regime says (nothing, moved inside the view, or scrolled by one
    row)."""
    await pilot.press(top)
    await pilot.pause()
    times: dict[str, list[float]] = {regime: [] for regime in REGIMES}
    for regime in REGIMES:
        while regime == "scroll" and cursor()[1] == 0:  # down to the last visible row
            await pilot.press(down)
            await pilot.pause()
        still = regime == "unbound"
        key = UNBOUND if still else down
        for _ in range(presses):
            (row, top_row) = cursor()
            times[regime].append(await press_cpu_ms(pilot, key))
            moved = cursor()
            expected = (row, top_row) if still else (row + 1, top_row + (regime == "scroll"))
            if moved != expected:
                raise RuntimeError(f"{regime}: {key} moved {(row, top_row)} to {moved}")
    return {regime: statistics.median(values) for regime, values in times.items()}


async def bare_keys(rows: int = 1_000) -> dict[str, float]:
    """Median CPU ms per key, in each regime, for a bare DataTable of `rows` rows."""
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
        table = pilot.app.query_one(DataTable)
        return await regime_cpu_ms(
            pilot, lambda: (table.cursor_row, round(table.scroll_y)), "down", "home"
        )


async def first_page_and_keys(home: Path, path: Path) -> tuple[float, dict[str, float]]:
    """(seconds to the first page, median ms per keypress in each regime)."""
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
        rows = screen.query_one(ExampleList)
        times = await regime_cpu_ms(pilot, lambda: (rows.cursor, round(rows.scroll_y)), "j", "g")
    return first_page, times


def beyond_floor(ours: dict[str, float], bare: dict[str, float]) -> str:
    """Each moving regime's cost above its app's unbound-key floor, ours against the bare."""
    parts = []
    for regime in REGIMES[1:]:
        mine, theirs = ours[regime] - ours["unbound"], bare[regime] - bare["unbound"]
        parts.append(f"{regime} {mine:.1f} vs {theirs:.1f} ms ({mine / theirs:.2f}x)")
    return ", ".join(parts)


def main() -> None:
    """Run every figure and print them with their baselines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--home", type=Path)  # the app's state, kept: a second run skips the import
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
        home = args.home or Path(tmp)
        small = write_dataset(Path(tmp) / "small.jsonl", 200)
        big = args.file or write_dataset(Path(tmp) / "big.jsonl", args.n)
        ratios: dict[tuple[str, str], list[float]] = {}
        for run in range(args.repeat):  # later runs reopen the stored datasets: no import
            bare = asyncio.run(bare_keys())
            print(
                f"run {run + 1}: keypress CPU ms, bare DataTable (1,000 rows): "
                + ", ".join(f"{regime} {bare[regime]:.1f} ms" for regime in REGIMES)
            )
            for label, path in (("200 examples", small), (f"{args.n:,} examples", big)):
                first, ours = asyncio.run(first_page_and_keys(home / f"home-{path.stem}", path))
                for regime in REGIMES:
                    ratios.setdefault((label, regime), []).append(ours[regime] / bare[regime])
                print(
                    f"{label:>20}: first page {first * 1000:.0f} ms after start; keypress to "
                    "repaint CPU median "
                    + ", ".join(
                        f"{regime} {ours[regime]:.1f} ms ({ours[regime] / bare[regime]:.2f}x)"
                        for regime in REGIMES
                    )
                )
                print(f"{'':>20}  above the unbound key's floor: " + beyond_floor(ours, bare))
        for (label, regime), values in ratios.items():
            ratio = statistics.median(values)
            print(f"{label:>20}, {regime}: median ratio of {len(values)} runs {ratio:.2f}x")


if __name__ == "__main__":
    main()
