"""Language identification and refusal detection on hand-written labelled sets
(benchmarks/data/): 217 ordinary sentences in 18 languages, some of them three words long, and
102 assistant answers, 42 of them refusals.

Baselines in the same run, copied here as they were before the identifier came in: the
script-and-function-word guess (`script_guess`) and the refusal regex matched anywhere in an
answer (`REFUSAL_ANYWHERE`). The guess names scripts ("cyrillic", "zh/ja") rather than
languages; besides the strict score it also gets a lenient one, where a script label counts as
right for every language written in that script.

Usage: python -m benchmarks.bench_language
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from tuiapp.data.language import detect_language
from tuiapp.data.refusals import is_refusal

DATA = Path(__file__).parent / "data"

# ---- the baselines, as they were -------------------------------------------------------------
_STOPWORDS = {
    "en": "the and is are of to in that it you for was with this have not be on what",
    "es": "el la los las de que y en es por para con una un del se lo no como está",
    "fr": "le la les de des et est que un une pour dans pas en sur vous il ce qui du",
    "de": "der die das und ist nicht ein eine ich zu den mit von sie es auf für sich",
    "pt": "o os de que e do da em um uma para com não é se na no por mais você",
    "it": "il di che e la è un una per non sono del della con le si gli ma come",
    "nl": "de het een en van is dat niet in op te zijn met voor je ik die maar",
}
_LANGS_OF: dict[str, list[str]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        _LANGS_OF.setdefault(_word, []).append(_lang)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_BEYOND_LATIN = re.compile(r"[^\x00-\u02ff]")
_SCRIPTS = (
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
# Which languages a script label of the guess stands for (the lenient score).
SCRIPT_OF = {"cyrillic": {"ru", "uk", "bg"}, "zh/ja": {"zh", "ja"}, "arabic": {"ar", "fa"}}
REFUSAL_ANYWHERE = re.compile(
    r"\b(?:I'?m sorry,? but I (?:can(?:no|')t|won'?t|am unable)|I (?:can(?:no|')t|won'?t|am "
    r"unable to) (?:help|assist|provide|do|comply)|I'?m (?:not able|unable) to (?:help|assist)"
    r"|As an AI(?: language model)?,? I)",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def _script(char: str) -> str:
    """The script label of one letter beyond Latin (baseline)."""
    name = unicodedata.name(char, "")
    for prefix, label in _SCRIPTS:
        if name.startswith(prefix):
            return label
    return "other"


def script_guess(text: str) -> str:
    """The detector before fastText: script first, then function words of 7 languages."""
    sample = text[:2000]
    letters = sum(map(str.isalpha, sample))
    if letters < 12:
        return "unknown"
    beyond = [c for c in _BEYOND_LATIN.findall(sample) if c.isalpha()]
    if len(beyond) * 2 > letters:
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


# ---- the runs --------------------------------------------------------------------------------
def rows(name: str) -> list[tuple[str, str]]:
    """(label, text) pairs of a data file, comments skipped."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [
        (label, text) for label, text in (ln.split("\t", 1) for ln in lines if ln and ln[0] != "#")
    ]


def score(
    detect: Callable[[str], str], sentences: list[tuple[str, str]]
) -> tuple[Counter[str], Counter[str], float]:
    """Right answers per language (strict, lenient) and microseconds per sentence."""
    strict: Counter[str] = Counter()
    lenient: Counter[str] = Counter()
    start = time.perf_counter()
    for lang, text in sentences:
        got = detect(text)
        strict[lang] += got == lang
        lenient[lang] += got == lang or lang in SCRIPT_OF.get(got, ())
    return strict, lenient, (time.perf_counter() - start) / len(sentences) * 1e6


def bench_languages() -> None:
    """Accuracy per language, identifier against the guess."""
    sentences = rows("language_sentences.tsv")
    detect_language("warm up: load the model once")
    total = Counter(lang for lang, _ in sentences)
    new, _, new_us = score(detect_language, sentences)
    old, old_lenient, old_us = score(script_guess, sentences)
    print(f"language identification: {len(sentences)} sentences, {len(total)} languages")
    print(f"{'lang':<6}{'n':>4}{'fastText':>10}{'guess':>8}{'guess*':>8}")
    for lang, n in total.items():
        print(f"{lang:<6}{n:>4}{new[lang]:>10}{old[lang]:>8}{old_lenient[lang]:>8}")
    n = len(sentences)
    a_new, a_old, a_len = (
        sum(new.values()) / n,
        sum(old.values()) / n,
        sum(old_lenient.values()) / n,
    )
    print(
        f"accuracy: fastText {a_new:.3f} ({new_us:.0f} us/sentence), guess {a_old:.3f} "
        f"({old_us:.0f} us), guess* (script labels counted) {a_len:.3f}"
    )
    print(f"ratio fastText / guess: {a_new / max(a_old, 1e-9):.2f}x (lenient {a_new / a_len:.2f}x)")
    missed = [
        (lang, detect_language(t), t[:50]) for lang, t in sentences if detect_language(t) != lang
    ]
    for lang, got, text in missed:
        print(f"  missed: {lang} -> {got}: {text}")


def bench_refusals() -> None:
    """False positives on ordinary answers and recall on refusals, opening rule against regex."""
    answers = rows("refusal_answers.tsv")
    ordinary = [t for label, t in answers if label == "answer"]
    refusals = [t for label, t in answers if label == "refusal"]
    print(f"\nrefusals: {len(ordinary)} ordinary answers, {len(refusals)} refusals")
    for name, flag in (
        ("opening phrases", is_refusal),
        ("regex anywhere (baseline)", lambda t: bool(REFUSAL_ANYWHERE.search(t))),
    ):
        fp = [t for t in ordinary if flag(t)]
        hits = sum(map(flag, refusals))
        print(
            f"{name}: false positives {len(fp)}/{len(ordinary)} "
            f"({len(fp) / len(ordinary):.1%}), recall {hits}/{len(refusals)} "
            f"({hits / len(refusals):.1%})"
        )
        for text in fp:
            print(f"  false positive: {text[:70]}")
        if flag is is_refusal:
            for text in refusals:
                if not flag(text):
                    print(f"  missed: {text[:70]}")


def main() -> None:
    """Both benchmarks."""
    bench_languages()
    bench_refusals()


if __name__ == "__main__":
    main()
