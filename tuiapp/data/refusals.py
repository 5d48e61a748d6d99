"""Refusals told by how an answer opens ("I'm sorry, but I can't help with that."), never by
words further in ("One of the biggest challenges I could face as an AI is..."): a refusal says
so first. The phrases are data (regular-expression fragments over lower-cased text with
contractions spelled out), so a language or a wording is one more line."""

from __future__ import annotations

import re

# An opening that hedges: an apology or an "as an AI" disclaimer. Alone it refuses nothing
# ("I'm sorry to hear that"); it counts with an inability in the same sentence.
HEDGES = [
    r"i am sorry",
    r"sorry",
    r"i apologi[sz]e",
    r"(?:my )?apologies",
    r"unfortunately",
    r"regrettably",
    r"i am afraid",
    r"as an? (?:\w+ ){0,3}(?:ai|language model|assistant|chatbot)",
    r"i am (?:\w+ ){0,3}(?:ai|language model)",
]
# The speaker saying it cannot or will not, after "i" (or "and"/"so"/"but" in a hedged
# sentence: "I'm an AI language model and do not have access...").
INABILITIES = [
    r"cannot",
    r"will not",
    r"(?:am )?unable to",
    r"am not (?:able|allowed|permitted|going|designed|programmed) to",
    r"am not in a position to",
    r"am not capable of",
    r"will not be able to",
    r"(?:must|have to|will have to|must respectfully) decline",
    r"refuse to",
    r"do not (?:have|possess) (?:the )?(?:ability|capability|capacity|means|access)",
    r"do not have (?:\w+ ){0,3}access",
    r"do not feel comfortable",
    r"am not comfortable",
]
# Openings that refuse with no hedge: "I can't help with that", "I must decline".
DIRECT_NEEDS_VERB = [
    r"cannot",
    r"will not",
    r"am unable to",
    r"am not (?:able|allowed|permitted|going) to",
    r"will not be able to",
    r"refuse to",
]
REFUSAL_VERBS = [
    r"help",
    r"assist",
    r"provide",
    r"comply",
    r"fulfil+",
    r"do (?:that|this|so)",
    r"create",
    r"generate",
    r"write",
    r"share",
    r"give",
    r"answer",
    r"support",
    r"engage",
    r"discuss",
    r"offer",
    r"produce",
    r"complete",
    r"participate",
    r"continue",
    r"perform",
]
DIRECT_FLAT = [
    r"(?:must|have to|will have to|must respectfully) decline",
    r"do not (?:have|possess) (?:the )?(?:ability|capability|capacity|means)",
    r"am not capable of",
    r"am not (?:designed|programmed) to",
    r"am not in a position to",
    r"do not feel comfortable",
    r"am not comfortable",
]
# Whole openings, by language, matched at the start of the first sentence.
OPENINGS = {
    "en": [
        r"(?:that|this) is not something i (?:can|am able to|will)",
    ],
    "es": [
        r"(?:lo siento|lamentablemente|disculpa|perdón)\b.*\bno (?:puedo|podré|me es posible)",
        r"no puedo (?:ayudar|proporcionar|hacer eso|cumplir|responder)",
    ],
    "fr": [
        r"(?:je suis désolée?|désolée?|malheureusement|je regrette)\b.*"
        r"\b(?:je ne (?:peux|pourrai|suis pas en mesure)|il m'est impossible)",
        r"je ne (?:peux|pourrai) pas (?:vous |t')?(?:aider|fournir|répondre|faire cela)",
    ],
    "de": [
        r"(?:es tut mir leid|tut mir leid|entschuldigung|leider)\b.*"
        r"\b(?:ich kann|kann ich|ich darf|darf ich)\b.*\bnicht\b",
        r"ich kann (?:ihnen |dir )?(?:dabei |hierbei |damit )?nicht (?:weiter)?helfen",
    ],
    "pt": [
        r"(?:desculpe|lamento|sinto muito|infelizmente)\b.*\bnão (?:posso|consigo|poderei)",
        r"não (?:posso|consigo) (?:ajudar|fornecer|fazer isso|responder)",
    ],
    "it": [
        r"(?:mi dispiace|spiacente|purtroppo)\b.*\bnon (?:posso|sono in grado)",
        r"non posso (?:aiutar|fornire|farlo|rispondere)",
    ],
    "zh": [
        r"(?:很抱歉|抱歉|对不起|不好意思|作为一个?(?:人工智能|ai|语言模型))[^。！？]*?(?:我)?(?:无法|不能)",
        r"我(?:无法|不能)(?:帮助|协助|提供|回答|满足|完成)",
    ],
}

SPELLED_OUT = {  # contractions spelled out, so each phrase is written once; adverbs dropped
    "can't": "cannot",
    "cant": "cannot",
    "can not": "cannot",
    "won't": "will not",
    "don't": "do not",
    "dont": "do not",
    "i'm": "i am",
    "im": "i am",
    "i'll": "i will",
    "i'd": "i would",
    "that's": "that is",
    "this's": "this is",
    "it's": "it is",
    **dict.fromkeys(["currently", "really", "simply", "just", "actually", "truly", "also"], ""),
}
_SPELL = re.compile(r"\b(?:" + "|".join(sorted(SPELLED_OUT, key=len, reverse=True)) + r")\b")
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u02bc`", "'"))
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？\n]")
_LEAD = " \t\r\n*_#>\"'`-"
OPENING_CHARS = 400  # a refusal says so in its first sentence or two
SHORT_SENTENCE = 16  # "Sorry!" or "I apologize." alone (chars): the next sentence is read too


def _alternatives(fragments: list[str]) -> str:
    """One regular-expression group of all the fragments."""
    return "(?:" + "|".join(fragments) + ")"


_HEDGED = re.compile(
    rf"^{_alternatives(HEDGES)}\b.*?\b(?:i|and|so|but) {_alternatives(INABILITIES)}\b"
)
_DIRECT = re.compile(
    rf"^i (?:{_alternatives(DIRECT_NEEDS_VERB)} (?:you )?{_alternatives(REFUSAL_VERBS)}\b"
    rf"(?! but\b)|{_alternatives(DIRECT_FLAT)}\b)"
)
_OTHERS = re.compile("^" + _alternatives([p for ps in OPENINGS.values() for p in ps]))


def opening(text: str) -> str:
    """The first sentence, lower-cased with contractions spelled out (two when the first is a
    bare "Sorry!")."""
    head = text[:OPENING_CHARS].lstrip(_LEAD)
    parts = [p.strip() for p in _SENTENCE_END.split(head, maxsplit=2) if p.strip()]
    if not parts:
        return ""
    first = parts[0]
    if len(first) <= SHORT_SENTENCE and len(parts) > 1:
        first = f"{first} {parts[1]}"
    first = _SPELL.sub(lambda m: SPELLED_OUT[m.group()], first.translate(_APOSTROPHES).lower())
    return " ".join(first.split())


def is_refusal(text: str) -> bool:
    """Whether an answer opens by refusing (or by saying it is unable to)."""
    first = opening(text)
    return bool(_HEDGED.search(first) or _DIRECT.search(first) or _OTHERS.search(first))
