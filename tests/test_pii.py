"""PII and secret detectors with worked examples, negatives included."""

from __future__ import annotations

import pytest

from tuiapp.data.pii import find_pii, iban_ok, luhn_ok, redact


def kinds(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) of every finding."""
    return [(f.kind, f.text) for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail me at jane.doe+ft@example.co.uk today", [("email", "jane.doe+ft@example.co.uk")]),
        ("call +1 415-555-0132 now", [("phone", "+1 415-555-0132")]),
        ("card 4111 1111 1111 1111 exp 12/29", [("credit_card", "4111 1111 1111 1111")]),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", [("iban", "GB82 WEST 1234 5698 7654 32")]),
        ("my SSN is 123-45-6789.", [("ssn", "123-45-6789")]),
        (
            "ship it to 221B Baker Street, Apt 4 by Friday",
            [("street_address", "221B Baker Street, Apt 4")],
        ),
        ("I live at 1600 Pennsylvania Ave. in DC", [("street_address", "1600 Pennsylvania Ave.")]),
        ("the server 192.168.10.24 is down", [("ip_address", "192.168.10.24")]),
        (
            "key sk-proj-abcdefghijklmnopqrstuvwxyz123456 leaked",
            [("api_key", "sk-proj-abcdefghijklmnopqrstuvwxyz123456")],
        ),
        ("aws AKIAIOSFODNN7EXAMPLE here", [("api_key", "AKIAIOSFODNN7EXAMPLE")]),
        (
            "token 9fA3kQ7zLp2Xw8Rt5Vb1Nc6Md4Hg0Js3Ye7Ui9Oa",
            [("secret", "9fA3kQ7zLp2Xw8Rt5Vb1Nc6Md4Hg0Js3Ye7Ui9Oa")],
        ),
    ],
)
def test_detectors(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order number 4111 1111 1111 1112 shipped",  # fails Luhn: not a card
        "tracking 1234567812345678 arrives monday",  # fails Luhn
        "upgrade to version 1.2.3.4 today",  # a version string, not an IP
        "released v10.0.0.1 yesterday",
        "IBAN GB82 WEST 1234 5698 7654 33",  # fails mod 97
        "the year 2024 had 365 days",
        "we walked 3 Miles down the road",  # no street suffix after the number and names
        "chapter 12 Main ideas of the Way of Zen",
        "ssn 000-12-3456 is never issued",
        "sha aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # long but no entropy
    ],
)
def test_negatives(text: str) -> None:
    assert kinds(text) == []


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")


def test_redact_replaces_each_finding_with_its_kind() -> None:
    text = "Jane (jane@example.com, 123-45-6789) paid with 4111-1111-1111-1111."
    assert redact(text) == "Jane ([EMAIL], [SSN]) paid with [CREDIT_CARD]."


def test_a_full_stop_may_end_the_sentence_after_a_phone_or_ip() -> None:
    found = find_pii("Call (415) 555-0134. The server is 10.0.0.1. Version 1.2.3.4.5 is not.")
    assert [(f.kind, f.text) for f in found] == [
        ("phone", "(415) 555-0134"),
        ("ip_address", "10.0.0.1"),
    ]


ORDINARY = [
    "see https://time.com/2014/10/05/how-transformers-work-3f9a2b7c1d8e4f6a/ for more",
    "docs at www.example.org/guides/fine-tuning?ref=Zk3Lq9Xw2Rt5Vb1Nc6Md4Hg0 today",
    "the file /home/ann/projects/llm/checkpoints/step00120a9f3bc7d2e41f6a8b0c9d/model.bin",
    r"open C:\Users\Ann\AppData\Local\tuiapp\cache\b64Zk3Lq9Xw2Rt5Vb1Nc6Md4Hg0Js.json",
    "request id 123e4567-e89b-12d3-a456-426614174000 failed",
    "md5 9e107d9d372bb6826bd81d3542a419d6, sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 is empty",
    "![logo](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)",
    "pip install torch==2.13.0 transformers==4.57.1 and upgrade to v10.0.0-rc1",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_urls_paths_uuids_hashes_and_data_urls_are_not_secrets(text: str) -> None:
    assert kinds(text) == []
    assert redact(text) == text


def test_provider_key_formats_from_gitleaks() -> None:
    github = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    stripe = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    slack = "xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
    text = f"export GH={github}; STRIPE='{stripe}' and {slack}"
    assert [k for k, _ in kinds(text)] == ["api_key", "api_key", "api_key"]
    assert redact(text) == "export GH=[API_KEY]; STRIPE='[API_KEY]' and [API_KEY]"


def test_findings_inside_a_url_and_fictional_phones_carry_a_caveat() -> None:
    found = find_pii("write to http://10.0.0.1:8080/u/jane@example.com or call (555) 123-4567")
    assert [(f.kind, f.caveat) for f in found] == [
        ("ip_address", "inside a URL"),
        ("email", "inside a URL"),
        ("phone", "fictional 555 number"),
    ]
    assert [f.caveat for f in find_pii("call +1 415-867-5309")] == [""]  # a real-looking one


def test_the_plan_lists_each_kind_with_before_and_after() -> None:
    from tuiapp.data.redaction import RedactionPlan

    obj = {
        "messages": [
            {"role": "user", "content": "Mail jane@example.com, see https://x.io/a@b.co"},
            {"role": "assistant", "content": "Call (555) 123-4567 or +1 415-867-5309."},
        ]
    }
    plan = RedactionPlan()
    plan.add(7, 8, obj)
    assert {n: len(g.items) for n, g in plan.groups.items()} == {
        "email": 1,
        "email (inside a URL)": 1,
        "phone (fictional 555 number)": 1,
        "phone": 1,
    }
    assert plan.default_groups() == {"email", "phone"}
    item = plan.groups["email"].items[0]
    assert (item.before, item.after) == (
        "Mail jane@example.com, see https://x.io/a…",
        "Mail [EMAIL], see https://x.io/a…",
    )
    assert plan.chosen({"email", "phone"}, skip={item.key}) == {plan.groups["phone"].items[0].key}
