"""PII detection precision and recall on a generated labelled set, per kind, with decoys that
look like PII but are not (order numbers failing Luhn, version strings, bad IBANs, ...).
Baseline in the same run: a naive detector (a bare email regex and any run of 9+ digits).

Usage: python -m benchmarks.bench_pii [N]   (default 20,000 sentences)
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import Counter

from tuiapp.data.pii import find_pii, luhn_ok

FILLER = "please check the account details we discussed and confirm by friday".split()  # noqa: SIM905


def card(rng: random.Random) -> str:
    """A Luhn-valid 16-digit card number, grouped by four."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    for check in range(10):
        if luhn_ok("".join(map(str, digits + [check]))):
            digits.append(check)
            break
    s = "".join(map(str, digits))
    return " ".join(s[i : i + 4] for i in range(0, 16, 4))


def bad_card(rng: random.Random) -> str:
    """A 16-digit order number that fails Luhn."""
    while True:
        s = "".join(str(rng.randrange(10)) for _ in range(16))
        if not luhn_ok(s):
            return s


def iban(rng: random.Random, valid: bool = True) -> str:
    """A German IBAN with a correct (or deliberately wrong) check number."""
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    check = 98 - int(bban + "131400") % 97  # D=13, E=14
    if not valid:
        check = (check % 97) + 1
    raw = f"DE{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


GENERATORS = {
    "email": lambda r: f"{r.choice(['ann', 'bob', 'li.wei'])}{r.randrange(99)}@example.org",
    "phone": lambda r: f"+44 20 {r.randrange(1000, 9999)} {r.randrange(1000, 9999)}",
    "credit_card": card,
    "iban": iban,
    "ssn": lambda r: f"{r.randrange(100, 600)}-{r.randrange(10, 99)}-{r.randrange(1000, 9999)}",
    "ip_address": lambda r: f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
    "api_key": lambda r: "sk-" + "".join(r.choice("abcdefghijkLMNOP0123456789") for _ in range(40)),
    "street_address": lambda r: (
        f"{r.randrange(1, 9999)} "
        f"{r.choice(['Baker', 'Elm', 'Maple Grove', 'Sunset', 'Old Mill'])} "
        f"{r.choice(['Street', 'Ave', 'Road', 'Lane', 'Blvd', 'Drive'])}"
    ),
}
DECOYS = [
    lambda r: f"order {bad_card(r)}",
    lambda r: f"version {r.randrange(9)}.{r.randrange(20)}.{r.randrange(20)}.{r.randrange(99)}",
    lambda r: f"iban {iban(r, valid=False)}",
    lambda r: f"in {r.randrange(1900, 2030)} we sold {r.randrange(10, 999)} units",
    lambda r: f"{r.randrange(2, 99)} Happy Customers Say Thanks",  # names but no street
]


def make(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    """Sentences with 0-2 planted items (labels) and sometimes a decoy."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.sample(FILLER, 6)
        labels = []
        for _ in range(rng.choice([0, 1, 1, 2])):
            kind = rng.choice(list(GENERATORS))
            words.insert(rng.randrange(len(words) + 1), GENERATORS[kind](rng))
            labels.append(kind)
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(DECOYS)(rng))
        out.append((" ".join(words), labels))
    return out


def naive(text: str) -> list[str]:
    """The baseline: an email regex and any run of 9 or more digits."""
    return ["email"] * len(re.findall(r"\S+@\S+", text)) + ["number"] * len(
        re.findall(r"\d[\d -]{7,}\d", text)
    )


def score(data: list[tuple[str, list[str]]], detect) -> tuple[Counter, Counter, Counter, float]:  # type: ignore[no-untyped-def, type-arg]
    """True positives, false positives, false negatives per kind, and seconds."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    t0 = time.perf_counter()
    for text, labels in data:
        got = Counter(detect(text))
        want = Counter(labels)
        for kind in set(got) | set(want):
            tp[kind] += min(got[kind], want[kind])
            fp[kind] += max(0, got[kind] - want[kind])
            fn[kind] += max(0, want[kind] - got[kind])
    return tp, fp, fn, time.perf_counter() - t0


def main() -> None:
    """Print per-kind precision and recall for tuiapp and the baseline."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    data = make(n)
    tp, fp, fn, seconds = score(data, lambda t: [f.kind for f in find_pii(t)])
    print(
        f"{n:,} sentences, {sum(len(labels) for _, labels in data):,} planted items, "
        f"decoys in ~30%; tuiapp {seconds:.2f} s"
    )
    for kind in GENERATORS:
        p = tp[kind] / max(1, tp[kind] + fp[kind])
        r = tp[kind] / max(1, tp[kind] + fn[kind])
        print(f"  {kind:<14} precision {p:.3f}  recall {r:.3f}  (fp {fp[kind]}, fn {fn[kind]})")
    extra = {k: v for k, v in fp.items() if k not in GENERATORS}
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(
        f"  overall      precision {all_tp / max(1, all_tp + all_fp):.3f}  recall "
        f"{all_tp / max(1, all_tp + all_fn):.3f}  other false positives {extra or 0}"
    )
    btp, bfp, bfn, _ = score(data, naive)
    flagged = sum(btp.values()) + sum(bfp.values())
    decoy_hits = sum(1 for text, labels in data if not labels and naive(text))
    print(
        f"baseline (email regex + 9+ digit runs): flags {flagged:,} items, "
        f"{decoy_hits:,} clean-or-decoy sentences flagged, cannot tell kinds apart"
    )


if __name__ == "__main__":
    main()
