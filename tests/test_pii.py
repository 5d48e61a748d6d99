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
