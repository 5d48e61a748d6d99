"""A small, offline guess at the language of a text: the writing system first, then, for
Latin script, the most frequent function words of a few common languages.

Good enough to show a dataset's language mix (is 3% of it Spanish?), not for single words."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_STOPWORDS = {
    "en": "the and is are of to in that it you for was with this have not be on what",
    "es": "el la los las de que y en es por para con una un del se lo no como está",
    "fr": "le la les de des et est que un une pour dans pas en sur vous il ce qui du",
    "de": "der die das und ist nicht ein eine ich zu den mit von sie es auf für sich",
    "pt": "o os de que e do da em um uma para com não é se na no por mais você",
    "it": "il di che e la è un una per non sono del della con le si gli ma come",
    "nl": "de het een en van is dat niet in op te zijn met voor je ik die maar",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
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


def _script(char: str) -> str:
    """The script label of one letter ('latin' for anything not listed)."""
    name = unicodedata.name(char, "")
    for prefix, label in _SCRIPTS:
        if name.startswith(prefix):
            return label
    return "latin"


def detect_language(text: str) -> str:
    """An ISO-639-1 code (en, es, fr, de, pt, it, nl), a script label (cyrillic, zh/ja, ...),
    'latin' for Latin-script text in none of the listed languages, or 'unknown'."""
    sample = text[:2000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return "unknown"
    scripts = Counter(_script(c) for c in letters[:400] if ord(c) > 0x2FF or c.isascii())
    script, _ = scripts.most_common(1)[0] if scripts else ("latin", 0)
    if script != "latin":
        return script
    words = [w.lower() for w in _TOKEN.findall(sample)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] < 2 or scores[best] < 0.05 * len(words):
        return "latin"
    return best
