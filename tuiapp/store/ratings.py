"""Blind A/B ratings of two evaluation runs: one verdict per rater and item."""

from __future__ import annotations

from dataclasses import dataclass

from tuiapp.store.db import Store, now


@dataclass(frozen=True)
class Rating:
    """A verdict on one item: a / b / tie / both_bad, and which run was shown on the left."""

    run_a: int
    run_b: int
    position: int
    rater: str
    verdict: str
    shown_first: str


def rated_positions(store: Store, run_a: int, run_b: int, rater: str) -> set[int]:
    """The items this rater has already rated for this pair of runs."""
    rows = store.conn.execute(
        "SELECT position FROM ratings WHERE run_a = ? AND run_b = ? AND rater = ?",
        [run_a, run_b, rater],
    )
    return {int(r[0]) for r in rows}


def save_rating(store: Store, rating: Rating) -> None:
    """Store a verdict, replacing the rater's earlier one on the same item."""
    with store.conn:
        store.conn.execute(
            "INSERT OR REPLACE INTO ratings(run_a, run_b, position, rater, verdict, shown_first,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                rating.run_a,
                rating.run_b,
                rating.position,
                rating.rater,
                rating.verdict,
                rating.shown_first,
                now(),
            ],
        )


def verdict_counts(
    store: Store, run_a: int, run_b: int, rater: str | None = None
) -> dict[str, int]:
    """How many items got each verdict (every rater, or one)."""
    sql = "SELECT verdict, COUNT(*) FROM ratings WHERE run_a = ? AND run_b = ?"
    params: list[object] = [run_a, run_b]
    if rater is not None:
        sql += " AND rater = ?"
        params.append(rater)
    rows = store.conn.execute(sql + " GROUP BY verdict", params).fetchall()
    return {str(v): int(n) for v, n in rows}
