"""PII detection precision and recall on a generated labelled set, per kind, with decoys that
look like PII but are not (order numbers failing Luhn, version strings, bad IBANs, ...).
Baseline in the same run: a naive detector (a bare email regex and any run of 9+ digits).

Second set, real-looking technical text: URLs, code, file paths, UUIDs, hex hashes, base64 data
URLs, version strings, fictional 555 phone numbers and plain numbers, with provider keys and
random secrets planted. It counts what redact-all would change by default (findings with a
caveat are left) and how many ordinary tokens it would corrupt; the baseline is the secret
detector before context (entropy alone).

Usage: python -m benchmarks.bench_pii [N]   (default 20,000 sentences)
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import Counter

from tuiapp.data.entropy import entropy
from tuiapp.data.pii import find_pii, luhn_ok, redact

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


HEX = "0123456789abcdef"
B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _run(r: random.Random, alphabet: str, n: int) -> str:
    """n random characters of an alphabet."""
    return "".join(r.choice(alphabet) for _ in range(n))


def _slug(r: random.Random) -> str:
    """A URL slug of words with a hex suffix, like a blog permalink."""
    words = r.sample("how to fine tune small models with lora adapters fast".split(), 4)  # noqa: SIM905
    return "-".join(words) + "-" + _run(r, HEX, 16)


ORDINARY = {
    "url": lambda r: (
        f"https://time.com/{r.randrange(2000, 2026)}/{r.randrange(1, 13):02d}/"
        f"{r.randrange(1, 29):02d}/{_slug(r)}/"
    ),
    "url_query": lambda r: f"https://www.example.org/search?q=lora&sig={_run(r, B62, 40)}",
    "path": lambda r: (
        f"/home/ann/runs/{_run(r, HEX, 8)}/checkpoint-{r.randrange(999)}/"
        f"adapter_{_run(r, B62, 32)}.safetensors"
    ),
    "windows_path": lambda r: f"C:\\Users\\ann\\cache\\{_run(r, B62, 36)}.bin",
    "uuid": lambda r: "-".join(_run(r, HEX, n) for n in (8, 4, 4, 4, 12)),
    "md5": lambda r: _run(r, HEX, 32),
    "sha1": lambda r: _run(r, HEX, 40),
    "sha256": lambda r: "sha256:" + _run(r, HEX, 64),
    "data_url": lambda r: "data:image/png;base64," + _run(r, B62 + "+/", 120) + "==",
    "version": lambda r: f"torch=={r.randrange(3)}.{r.randrange(20)}.{r.randrange(9)}",
    "code": lambda r: f"model.load_state_dict(torch.load('ckpt_{r.randrange(99)}.pt'))",
    "number": lambda r: f"{r.randrange(1, 99_999):,} tokens in {r.randrange(2, 60)} s",
}
FICTIONAL = [
    lambda r: f"(555) {r.randrange(100, 999)}-{r.randrange(1000, 9999)}",
    lambda r: f"555-01{r.randrange(10, 99)}",
    lambda r: f"+1 212-555-{r.randrange(1000, 9999)}",
]
KEYS = [
    lambda r: "ghp_" + _run(r, B62, 36),
    lambda r: "sk_live_" + _run(r, B62, 24),
    lambda r: "AKIA" + _run(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    lambda r: "hf_" + _run(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", 34),
    lambda r: (
        "xoxb-"
        + _run(r, "0123456789", 12)
        + "-"
        + _run(r, "0123456789", 12)
        + "-"
        + _run(r, B62, 24)
    ),
]
TECH = "see the run at then compare with and the answer is in".split()  # noqa: SIM905


def make_technical(n: int, seed: int = 1) -> list[tuple[str, list[str], list[str]]]:
    """(text, planted labels, ordinary tokens that must survive redaction) per sentence."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.sample(TECH, 5)
        labels: list[str] = []
        keep: list[str] = []
        for _ in range(rng.choice([1, 2, 3])):
            token = ORDINARY[rng.choice(list(ORDINARY))](rng)
            words.insert(rng.randrange(len(words) + 1), token)
            keep.append(token)
        if rng.random() < 0.2:
            token = rng.choice(FICTIONAL)(rng)
            words.insert(rng.randrange(len(words) + 1), f"call {token}")
            keep.append(token)
        roll = rng.random()
        if roll < 0.15:
            words.insert(rng.randrange(len(words) + 1), rng.choice(KEYS)(rng))
            labels.append("api_key")
        elif roll < 0.3:
            words.insert(rng.randrange(len(words) + 1), _run(rng, B62, 40))
            labels.append("secret")
        out.append((" ".join(words), labels, keep))
    return out


_OLD_TOKEN = re.compile(r"\b[A-Za-z0-9_\-+/=]{32,}\b")


def old_secrets(text: str) -> list[str]:
    """The secret detector before context: any 32+ character token with entropy over 4 bits."""
    return [
        "secret"
        for m in _OLD_TOKEN.finditer(text)
        if entropy(m.group()) > 4.0
        and any(c.isdigit() for c in m.group())
        and any(c.isalpha() for c in m.group())
    ]


def technical(n: int) -> None:
    """Precision and recall on technical text, and the ordinary tokens redaction corrupts."""
    data = make_technical(n)
    pairs = [(text, labels) for text, labels, _ in data]
    tp, fp, fn, seconds = score(pairs, lambda t: [f.kind for f in find_pii(t) if not f.caveat])
    caveated = sum(1 for text, _ in pairs for f in find_pii(text) if f.caveat)
    print(
        f"technical text: {n:,} sentences with URLs, paths, UUIDs, hashes, data URLs, code, "
        f"versions, numbers; {sum(len(labels) for _, labels in pairs):,} planted keys/secrets; "
        f"{seconds:.2f} s"
    )
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[kind] / max(1, tp[kind] + fp[kind])
        r = tp[kind] / max(1, tp[kind] + fn[kind])
        print(f"  {kind:<14} precision {p:.3f}  recall {r:.3f}  (fp {fp[kind]}, fn {fn[kind]})")
    corrupted: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text, _labels, keep in data:
        out = redact(text, [f for f in find_pii(text) if not f.caveat])
        for token in keep:
            total["kept"] += 1
            corrupted["kept"] += token not in out
    print(
        f"  ordinary tokens (URLs, paths, hashes, UUIDs, data URLs, fictional phones) "
        f"corrupted by redact-all: {corrupted['kept']} of {total['kept']:,}; "
        f"left as caveated findings: {caveated:,}"
    )
    otp, ofp, ofn, _ = score(pairs, lambda t: old_secrets(t))
    print(
        f"baseline (secret by entropy alone): precision "
        f"{otp['secret'] / max(1, otp['secret'] + ofp['secret']):.3f} "
        f"({ofp['secret']:,} false secrets)"
    )


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
    technical(n // 4)


if __name__ == "__main__":
    main()
