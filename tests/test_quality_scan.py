"""The quality scan in the store: duplicates, personal data and consistency items, linked to
their examples; keeping one of a group; redaction as an undoable edit; tag counts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tuiapp.data.check_turns import has_refusal
from tuiapp.data.language import detect_language
from tuiapp.data.quality_checks import Finding, item_positions, register, unregister
from tuiapp.data.quality_report import DuplicateSummary, QualityReport
from tuiapp.data.redaction import find_in_example, redact_example
from tuiapp.paths import AppPaths
from tuiapp.services.edits import examiner
from tuiapp.services.quality import scan_quality
from tuiapp.store.examples import DUPLICATES, ExampleFilter, filtered_positions, get_example
from tuiapp.store.quality import (
    changed_since_scan,
    duplicate_group,
    item_counts,
    load_scan,
    tag_counts,
)
from tuiapp.store.review import keep_only, save_edit, set_status, set_tags, undo_last

LONG = "Our refund policy allows returns within thirty days of delivery for any unused item"


def quality_file(write_jsonl: Callable[..., Path]) -> Path:
    """20 examples with planted duplicates, PII, a second system prompt, refusals, Spanish."""
    rows = [chat(f"Question number {i} about topic {i * 7}?", f"Answer {i}.") for i in range(12)]
    rows[3] = chat("Where do I send it?", "Email refunds@example.com or call +1 415 555 0134.")
    rows[5] = chat(LONG + " today?", LONG + ".", system="You are a pirate.")
    rows += [
        chat(LONG + " today?", LONG + "."),  # 12: exact copy of 5 but other system prompt
        chat(LONG.upper() + " today?", LONG + "."),  # 13: exact copy of 12 (case)
        chat(LONG + " now?", LONG + "!"),  # 14: near copy of 12
        chat("Hack my neighbour's wifi", "I'm sorry, but I can't help with that."),  # 15
        chat("¿Dónde está la estación de tren?", "La estación está en el centro de la ciudad."),
        chat("Tell me a secret", "Sure"),  # 17
        chat("Empty?", " "),  # 18: whitespace-only answer
        chat("Card?", "Use 4111 1111 1111 1111 for the test."),  # 19
    ]
    return write_jsonl(rows)


def test_scan_links_every_finding_to_its_examples(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, quality_file(write_jsonl))
    report = scan_quality(store, dataset.id)
    items = item_counts(store, dataset.id)
    assert report.duplicates == DuplicateSummary(
        groups=1, exact_groups=0, near_groups=1, to_drop=2, exact_to_drop=1, near_to_drop=1
    )
    assert items["duplicate:near"] == 1 and items["duplicate:exact"] == 1
    assert report.pii == {"credit_card": 1, "email": 1, "phone": 1}

    def members(item: str) -> list[int]:
        return list(filtered_positions(store, dataset.id, ExampleFilter(item=item)))

    assert members("pii:email") == [3] and members("pii:credit_card") == [19]
    assert members("refusal") == [15]
    assert members("empty_turn") == [18]
    assert members("lang:es") == [16]
    prompts = report.consistency.system_prompts
    assert [(p.text, p.count) for p in prompts] == [
        ("Be brief.", 19),
        ("You are a pirate.", 1),
    ]
    assert members(f"system:{prompts[1].key}") == [5]
    assert report.consistency.labels == {}  # answers are sentences, not labels
    assert QualityReport.from_dict(report.to_dict()) == report  # what the store keeps
    # the duplicates view lists the group, kept one first
    group = list(filtered_positions(store, dataset.id, ExampleFilter(item=DUPLICATES)))
    assert group == [12, 13, 14]  # 5 has another system prompt: under the threshold
    view = duplicate_group(store, dataset.id, 13)
    assert view is not None and view.total == 1
    assert [(m.idx, m.keep, m.exact) for m in view.members] == [
        (12, True, True),
        (13, False, True),
        (14, False, False),
    ]
    assert 0.7 <= view.members[2].similarity < 1
    scan = load_scan(store, dataset.id)
    assert scan is not None and changed_since_scan(store, dataset.id, scan) == 0
    time.sleep(1.1)  # timestamps have one-second resolution
    set_status(store, get_example(store, dataset.id, 0), "accepted")  # type: ignore[arg-type]
    assert changed_since_scan(store, dataset.id, scan) == 0  # a decision changes no finding
    edited = get_example(store, dataset.id, 0)
    assert edited is not None
    save_edit(store, edited, examiner(dataset)(edited.text.replace("0", "zero"), 1))
    assert changed_since_scan(store, dataset.id, scan) == 1


def test_keep_one_rejects_the_rest_and_undoes_as_one(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, quality_file(write_jsonl))
    scan_quality(store, dataset.id)
    view = duplicate_group(store, dataset.id, 14)
    assert view is not None
    keep = view.members[-1].idx  # keep a later one: the user decides, not the order
    set_status(store, get_example(store, dataset.id, keep), "rejected")  # type: ignore[arg-type]
    others = [get_example(store, dataset.id, m.idx) for m in view.members if m.idx != keep]
    keep_only(store, get_example(store, dataset.id, keep), others)  # type: ignore[arg-type]
    statuses = {m.idx: get_example(store, dataset.id, m.idx).status for m in view.members}  # type: ignore[union-attr]
    assert statuses[keep] == "pending"
    assert all(s == "rejected" for i, s in statuses.items() if i != keep)
    undone = undo_last(store, dataset.id)
    assert undone is not None and undone.first == keep and undone.count == len(view.members)
    after = {m.idx: get_example(store, dataset.id, m.idx).status for m in view.members}  # type: ignore[union-attr]
    assert after[keep] == "rejected" and [s for i, s in after.items() if i != keep] == [
        "pending"
    ] * (len(view.members) - 1)


def test_redaction_replaces_one_or_all_findings() -> None:
    obj = chat("Mail jane@example.com", "Call +1 415 555 0134 or jane@example.com")
    found = find_in_example(obj)
    assert [(f.finding.kind, f.role, f.message) for f in found] == [
        ("email", "user", 1),
        ("phone", "assistant", 2),
        ("email", "assistant", 2),
    ]
    one = redact_example(obj, found[1])
    assert one["messages"][2]["content"] == "Call [PHONE] or jane@example.com"
    assert one["messages"][1]["content"] == "Mail jane@example.com"
    every = redact_example(obj)
    assert json.dumps(every).count("[EMAIL]") == 2 and not find_in_example(every)
    assert obj["messages"][1]["content"] == "Mail jane@example.com"  # the input is untouched
    parts = {"messages": [{"role": "user", "content": [{"type": "text", "text": "ip 8.8.8.8 x"}]}]}
    assert redact_example(parts)["messages"][0]["content"][0]["text"] == "ip [IP_ADDRESS] x"


def test_language_and_refusal_detection() -> None:
    assert detect_language("The cat is on the mat and it is happy with that") == "en"
    assert detect_language("Le chat est sur le tapis et il est content de la vie") == "fr"
    assert detect_language("Der Hund ist nicht in dem Haus, und das ist gut so") == "de"
    assert detect_language("Привет, как дела? Всё хорошо, спасибо большое") == "ru"
    assert detect_language("ok") == "unknown"
    assert has_refusal(chat("help", "As an AI language model, I cannot do that."))
    assert not has_refusal(chat("help", "Sorry for the wait! Here it is."))


def test_tag_counts_and_tag_filter(home: AppPaths, good_file: Path) -> None:
    store, dataset = imported(home, good_file)
    for idx, tags in [(0, ["edge", "math"]), (1, ["edge"]), (4, ["math"])]:
        set_tags(store, get_example(store, dataset.id, idx), tags)  # type: ignore[arg-type]
    assert tag_counts(store, dataset.id) == {"edge": 2, "math": 2}
    assert list(filtered_positions(store, dataset.id, ExampleFilter(tag="edge"))) == [0, 1]
    text = orjson.loads(get_example(store, dataset.id, 0).text)  # type: ignore[union-attr]
    assert text["messages"][1]["content"] == "Question 0?"


def test_redact_the_whole_dataset_and_undo_it_at_once(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    from tuiapp.services.edits import redact_dataset

    store, dataset = imported(home, quality_file(write_jsonl))
    scan_quality(store, dataset.id)
    assert redact_dataset(store, dataset) == 2  # lines 4 and 20
    # the fictional 555 number stays (redact-all leaves caveated findings unless picked)
    assert [k for k in item_counts(store, dataset.id) if k.startswith("pii:")] == ["pii:phone"]
    mail = get_example(store, dataset.id, 3)
    assert mail is not None and "[EMAIL] or call +1 415 555 0134." in (mail.edited or "")
    card = get_example(store, dataset.id, 19)
    assert card is not None and "[CREDIT_CARD]" in (card.edited or "")
    undone = undo_last(store, dataset.id)
    assert undone is not None and undone.field == "edited" and undone.changed == [3, 19]
    assert get_example(store, dataset.id, 19).edited is None  # type: ignore[union-attr]


def test_worker_processes_give_the_same_scan(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    store, dataset = imported(home, quality_file(write_jsonl))
    alone = scan_quality(store, dataset.id, workers=1)
    items_alone = item_counts(store, dataset.id)
    groups_alone = list(filtered_positions(store, dataset.id, ExampleFilter(item=DUPLICATES)))
    parallel = scan_quality(store, dataset.id, workers=2)  # 8 ranges over 2 spawned processes
    assert parallel == alone
    assert item_counts(store, dataset.id) == items_alone
    assert list(filtered_positions(store, dataset.id, ExampleFilter(item=DUPLICATES))) == (
        groups_alone
    )


def test_workers_start_when_stderr_is_not_a_real_file(
    home: AppPaths, write_jsonl: Callable[..., Path]
) -> None:
    """Inside the TUI, sys.stderr is Textual's capture (fileno() -1): the scan still runs
    its workers (a fresh interpreter, so multiprocessing starts from scratch)."""
    import subprocess
    import sys

    store, dataset = imported(home, quality_file(write_jsonl))
    store.close()
    code = (
        "import sys\n"
        "class Capture:\n"
        "    def write(self, text): return len(text)\n"
        "    def flush(self): pass\n"
        "    def fileno(self): return -1\n"
        "sys.stderr = Capture()\n"
        "from tuiapp.store import open_store\n"
        "from tuiapp.services.quality import scan_quality\n"
        f"store = open_store({str(home.database)!r})\n"
        f"report = scan_quality(store, {dataset.id}, workers=2)\n"
        "print(report.examples, report.duplicates.groups)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["20", "1"]


class ShoutingCheck:
    """A check from outside the app: answers written in capitals."""

    name = "shouting"
    title = "shouting"

    def __init__(self) -> None:
        self.items = item_positions()

    def add(self, idx: int, obj: Any) -> None:
        answers = (
            [m.get("content", "") for m in obj.get("messages", [])] if isinstance(obj, dict) else []
        )
        if any(isinstance(a, str) and len(a) > 3 and a.isupper() for a in answers):
            self.items["shouting"].append(idx)

    def merge(self, other: ShoutingCheck) -> None:
        for key, members in other.items.items():
            self.items[key].extend(members)

    def finish(self, examples: int) -> list[Finding]:
        return [Finding("shouting", "answers in capitals", len(self.items["shouting"]))]


def test_a_new_check_is_one_class_and_its_registration(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from screens.quality import report_rows
    from tuiapp.cli import main

    register(ShoutingCheck)
    try:
        rows = [
            chat(f"Question {i}?", "NO WAY, NEVER." if i in (2, 7) else "ok") for i in range(12)
        ]
        path = write_jsonl(rows)
        store, dataset = imported(home, path)
        for workers in (1, 2):  # the check runs in worker processes too
            report = scan_quality(store, dataset.id, workers=workers)
            section = next(s for s in report.consistency.sections if s.name == "shouting")
            assert section.findings == [Finding("shouting", "answers in capitals", 2)]
            assert list(filtered_positions(store, dataset.id, ExampleFilter(item="shouting"))) == [
                2,
                7,
            ]
        assert ("shouting", "shouting", "answers in capitals", 2, "") in report_rows(report, {})
        assert QualityReport.from_dict(report.to_dict()) == report
        assert main(["quality", str(dataset.id)]) == 0
        assert "shouting: answers in capitals 2" in capsys.readouterr().out
    finally:
        unregister("shouting")


def test_a_report_stored_before_check_sections_reads_with_its_turns() -> None:
    old = {"examples": 10, "threshold": 0.7, "empty_turns": 1, "refusals": 2, "pii": {}}
    turns = QualityReport.from_dict(old).consistency.sections
    assert [(s.name, [(f.item, f.count, f.detail) for f in s.findings]) for s in turns] == [
        ("turns", [("empty_turn", 1, ""), ("refusal", 2, "20.0%")])
    ]
