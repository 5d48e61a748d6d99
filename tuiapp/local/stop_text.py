"""How much of a reply's text can be sent yet: stop strings cut it, and a possible stop-string
prefix or an incomplete UTF-8 character at its end waits for the next token."""

from __future__ import annotations

from collections.abc import Sequence


def release(text: str, sent: str, stop: Sequence[str]) -> tuple[str, bool]:
    """(the reply's text that may be sent by now, whether a stop string ended it); `text` is
    everything decoded so far, `sent` what was already sent."""
    hit = min((text.find(s) for s in stop if s in text), default=-1)
    if hit >= 0:
        return text[:hit], True
    keep = max((len(s) - 1 for s in stop), default=0)
    ready = len(text) - keep if keep else len(text)
    if text.endswith("\ufffd"):
        ready = min(ready, len(text) - 1)
    return (text[:ready] if ready > len(sent) else sent), False
