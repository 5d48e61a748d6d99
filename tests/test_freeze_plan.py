"""Freeze says what it takes: accepted only or everything not rejected, how many examples it
leaves out and why, and warnings with their true reason (provider minimum, empty holdout)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from screens.versions import describe_plan
from tests.conftest import chat
from tuiapp.cli import main
from tuiapp.paths import AppPaths
from tuiapp.services.freeze import plan_freeze
from tuiapp.store import open_store
from tuiapp.store.examples import ExampleFilter
from tuiapp.store.review import set_status_where


def words(i: int) -> str:
    """Eight words no other example shares (so no two examples are near-duplicates)."""
    return " ".join(hashlib.md5(f"{i}-{j}".encode()).hexdigest()[:7] for j in range(8))


def imported(write_jsonl: Callable[..., Path], n: int, broken: tuple[int, ...] = ()) -> int:
    """Import n distinct examples (lines in `broken` are not JSON); the dataset id."""
    lines = ["{broken" if i in broken else chat(words(i), words(i + 1000)) for i in range(n)]
    assert main(["import", str(write_jsonl(lines))]) in (0, 1)
    return 1


def decide(home: AppPaths, status: str, text: str | None = None) -> None:
    """Give the examples whose text contains `text` (every one: None) this status."""
    store = open_store(home.database)
    set_status_where(store, 1, ExampleFilter(text=text), status)
    store.close()


def test_one_accepted_of_many_says_what_was_left_out_and_why(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    dataset = imported(write_jsonl, 203)
    decide(home, "accepted", words(5).split()[0])
    plan = plan_freeze(open_store(home.database), dataset)
    assert (plan.counts["train"], plan.counts["holdout"]) == (1, 0)
    assert plan.report["left_out"] == {"pending": 202}
    assert plan.warnings == [
        "1 training examples: the fine-tuning API needs at least 10",
        "the holdout is empty: 15% of 1 examples rounds to none (freeze at least 4 for one "
        "holdout example)",
        "left out: 202 pending",
    ]
    assert "near-duplicate" not in " ".join(plan.warnings)
    assert "takes the accepted examples" in describe_plan(plan)


def test_everything_not_rejected_takes_pending_and_flagged(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    dataset = imported(write_jsonl, 40, broken=(3,))
    decide(home, "rejected", words(7).split()[0])
    decide(home, "flagged", words(8).split()[0])
    decide(home, "accepted", words(9).split()[0])
    store = open_store(home.database)
    narrow = plan_freeze(store, dataset)
    assert narrow.counts["examples"] == 1
    assert narrow.report["left_out"] == {"flagged": 1, "pending": 37, "rejected": 1}
    wide = plan_freeze(store, dataset, include="not_rejected")
    assert wide.counts["examples"] == 38  # 40, less the rejected one and the broken line
    assert wide.report["left_out"] == {"rejected": 1, "in error": 1}
    assert wide.warnings == ["left out: 1 rejected, 1 in error"]
    assert "takes every example not rejected" in describe_plan(wide)
    with pytest.raises(ValueError, match="include must be one of"):
        plan_freeze(store, dataset, include="everything")


def test_nothing_to_freeze_names_what_there_is(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    dataset = imported(write_jsonl, 12)
    with pytest.raises(ValueError, match=r"no accepted examples .*\(12 pending\): accept some"):
        plan_freeze(open_store(home.database), dataset)


def test_cli_freeze_include_not_rejected(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    imported(write_jsonl, 30)
    decide(home, "rejected", words(2).split()[0])
    capsys.readouterr()
    assert main(["freeze", "1"]) == 2
    assert "no accepted examples without errors to freeze (29 pending, 1 rejected)" in (
        capsys.readouterr().err
    )
    assert main(["freeze", "1", "--include", "not-rejected"]) == 0
    captured = capsys.readouterr()
    assert "train 25, holdout 4" in captured.out
    assert "warning: left out: 1 rejected" in captured.err


def test_a_fictional_555_number_does_not_count_as_personal_data(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    lines = [chat(words(i), words(i + 1000)) for i in range(12)]
    lines[3] = chat("Call the shop", "Ring (555) 123-4567 before noon.")
    lines[4] = chat("Call my aunt", "Her number is (415) 867-5309.")
    assert main(["import", str(write_jsonl(lines))]) in (0, 1)
    decide(home, "accepted")
    plan = plan_freeze(open_store(home.database), 1)
    assert plan.pii_examples == 1 and dict(plan.pii_kinds) == {"phone": 1}  # the real one only
