"""A small, offline guess at the language of a text: the writing system first, then, for
Latin script, the most frequent function words of a few common languages.

Good enough to show a dataset's language mix (is 3% of it Spanish?), not for single words."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

_STOPWORDS = {
    "en": "the and is are of to in that it you for was with this have not be on what",
    "es": "el la los las de que y en es por para con una un del se lo no como está",
    "fr": "le la les de des et est que un une pour dans pas en sur vous il ce qui du",
    "de": "der die das und ist nicht ein eine ich zu den mit von sie es auf für sich",
    "pt": "o os de que e do da em um uma para com não é se na no por mais você",
    "it": "il di che e la è un una per non sono del della con le si gli ma come",
    "nl": "de het een en van is dat niet in op te zijn met voor je ik die maar",
}
_LANGS_OF: dict[str, list[str]] = {}  # function word -> the languages that use it
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        _LANGS_OF.setdefault(_word, []).append(_lang)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_BEYOND_LATIN = re.compile(r"[^\x00-\u02ff]")  # past Latin Extended and IPA
_SCRIPTS = (  # first word of the Unicode character name -> script label
    ("CJK", "zh/ja"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CYRILLIC", "cyrillic"),
    ("ARABIC", "arabic"),
    ("HEBREW", "hebrew"),
    ("GREEK", "greek"),
    ("DEVANAGARI", "hindi"),
    ("THAI", "thai"),
)
MIN_LETTERS = 12  # fewer letters than this and the answer is "unknown"


@lru_cache(maxsize=8192)
def _script(char: str) -> str:
    """The script label of one letter beyond Latin ('other' for anything not listed)."""
    name = unicodedata.name(char, "")
    for prefix, label in _SCRIPTS:
        if name.startswith(prefix):
            return label
    return "other"


def detect_language(text: str) -> str:
    """An ISO-639-1 code (en, es, fr, de, pt, it, nl), a script label (cyrillic, zh/ja, ...),
    'latin' for Latin-script text in none of the listed languages, or 'unknown'."""
    sample = text[:2000]
    letters = sum(map(str.isalpha, sample))
    if letters < MIN_LETTERS:
        return "unknown"
    beyond = [c for c in _BEYOND_LATIN.findall(sample) if c.isalpha()]
    if len(beyond) * 2 > letters:  # mostly not Latin script: name the script
        script, _ = Counter(_script(c) for c in beyond[:400]).most_common(1)[0]
        return script
    words = _TOKEN.findall(sample.lower())
    scores = dict.fromkeys(_STOPWORDS, 0)
    for word in words:
        for lang in _LANGS_OF.get(word, ()):
            scores[lang] += 1
    best = max(scores, key=scores.__getitem__)
    if scores[best] < 2 or scores[best] < 0.05 * len(words):
        return "latin"
    return best
