"""Personal data and secrets in text: emails, phone numbers, card numbers (Luhn-checked),
IBANs (mod-97-checked), US SSNs, IP addresses, street addresses (house number, names, street
suffix), API keys (gitleaks' provider formats) and high-entropy tokens judged with their
context (never a URL, path, UUID, hash or data URL); with spans, so they can be highlighted and
replaced by typed placeholders. A finding with a caveat (inside a URL, a fictional 555 phone
number) is shown but not redacted unless the user picks it."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from tuiapp.data.entropy import entropy
from tuiapp.data.pii_context import Context
from tuiapp.data.secret_rules import provider_keys

KINDS = (
    "email",
    "phone",
    "credit_card",
    "iban",
    "ssn",
    "ip_address",
    "street_address",
    "api_key",
    "secret",
)
IN_URL = "inside a URL"
FICTIONAL = "fictional 555 number"


@dataclass(frozen=True, order=True)
class Finding:
    """One piece of personal data or a secret: where it is and what kind."""

    start: int
    end: int
    kind: str
    text: str
    caveat: str = ""  # why redact-all leaves it unless picked ("" when it is certain)

    @property
    def placeholder(self) -> str:
        """What a redaction puts in its place, e.g. `[EMAIL]`."""
        return f"[{self.kind.upper()}]"


_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_PHONE = re.compile(  # international (+CC ...) or North American (AAA) BBB-CCCC
    r"(?<![\w.+])(?:\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}"
    r"|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?!\w|\.\d)"  # a full stop may end the sentence
)
_CARD = re.compile(  # 13-19 digits in a row, or groups of four with one kind of separator
    r"(?<![\d-])(?<![A-Z]{2}\d{2} )"  # not the digits inside an IBAN
    r"(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?)(?!\d)"
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_STREET = re.compile(  # US/UK-style: house number, 1-3 capitalised words, a street suffix
    r"\b\d{1,5}[A-Z]?(?: [A-Z][a-z]+){1,3} (?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane"
    r"|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Way|Parkway|Pkwy|Square|Sq)\b\.?"
    r"(?:,? (?:Apt|Suite|Unit|#) ?\w+)?"
)
_SSN = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_API_KEY = re.compile(
    r"\b(?:sk-(?:proj-)?[A-Za-z0-9_-]{20,}|ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}"
    r"|AKIA[0-9A-Z]{16}|xox[baprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
    r"|hf_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20})\b"
)
_TOKEN = re.compile(r"\b[A-Za-z0-9_\-+/=]{32,}\b")
_DIGIT = re.compile(r"\d")
_VERSION_CONTEXT = re.compile(r"(?:version|v|release|build)\s*$", re.IGNORECASE)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """The ISO 13616 mod-97 check."""
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_pii(text: str) -> list[Finding]:
    """Every finding in the text, in order, without overlaps (the first kind found wins)."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    contexts: list[Context] = []

    def context() -> Context:  # built on first need: most texts have no finding at all
        if not contexts:
            contexts.append(Context(text))
        return contexts[0]

    def add(start: int, end: int, kind: str, caveat: str = "") -> None:
        if any(start < e and s < end for s, e in taken):
            return
        if kind not in ("email", "api_key") and context().in_blob(start, end):
            return
        taken.append((start, end))
        if not caveat and context().in_url(start, end):
            caveat = IN_URL
        found.append(Finding(start, end, kind, text[start:end], caveat))

    for start, end, _rule in provider_keys(text):
        add(start, end, "api_key")
    for m in _API_KEY.finditer(text):
        add(m.start(), m.end(), "api_key")
    if "@" in text:
        for m in _EMAIL.finditer(text):
            add(m.start(), m.end(), "email")
    if not _DIGIT.search(text):  # every other kind holds a digit: most text stops here
        return sorted(found)
    for m in _IBAN.finditer(text):
        if iban_ok(m.group()):
            add(m.start(), m.end(), "iban")
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            add(m.start(), m.end(), "credit_card")
    for m in _STREET.finditer(text):
        add(m.start(), m.end(), "street_address")
    for m in _SSN.finditer(text):
        add(m.start(), m.end(), "ssn")
    for m in _IPV4.finditer(text):
        if _is_ip(m.group()) and not _VERSION_CONTEXT.search(text[: m.start()]):
            add(m.start(), m.end(), "ip_address")
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 9:
            add(m.start(), m.end(), "phone", FICTIONAL if _fictional(digits) else "")
    for m in _TOKEN.finditer(text):
        if _random_looking(m.group()) and not context().ordinary_at(m.start(), m.end()):
            add(m.start(), m.end(), "secret")
    return sorted(found)


def _fictional(digits: str) -> bool:
    """A North American number with 555 as exchange or area code: films and examples use
    them (555-01xx are reserved for fiction, area code 555 is not in service), never a person."""
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 7:
        return digits[:3] == "555"
    return len(digits) == 10 and "555" in (digits[:3], digits[3:6])


def _random_looking(token: str) -> bool:
    """A long token with letters and digits mixed in one run, like a key (not words joined by
    `_` or `-`, nor a hex hash: those have their own checks)."""
    if entropy(token) <= 4.0:
        return False
    runs = re.split(r"[_\-+/=.]+", token)
    return any(
        len(run) >= 16 and any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        for run in runs
    )


def _is_ip(text: str) -> bool:
    """A valid, non-trivial IPv4 address (not 0.0.0.0-like placeholders)."""
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return not address.is_unspecified


def redact(text: str, findings: list[Finding] | None = None) -> str:
    """The text with every finding replaced by its typed placeholder."""
    out, last = [], 0
    for f in sorted(findings if findings is not None else find_pii(text)):
        out += [text[last : f.start], f.placeholder]
        last = f.end
    return "".join(out) + text[last:]
