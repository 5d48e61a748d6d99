"""Token counts against tiktoken itself, the epoch rule, percentiles and cost."""

from __future__ import annotations

import pytest

from tests.conftest import chat
from tuiapp.data.base_models import base_model
from tuiapp.data.stats import default_epochs, distribution, estimate_cost, histogram, percentile
from tuiapp.data.tokens import TokenCounter, encoding


def test_shipped_encodings_give_the_published_ids() -> None:
    assert encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert encoding("o200k_base").n_vocab == 200019


def cookbook_count(enc_name: str, messages: list[dict]) -> int:
    """num_tokens_from_messages from the OpenAI cookbook, verbatim."""
    enc = encoding(enc_name)
    num_tokens = 0
    for message in messages:
        num_tokens += 3
        for key, value in message.items():
            num_tokens += len(enc.encode(value))
            if key == "name":
                num_tokens += 1
    return num_tokens + 3


@pytest.mark.parametrize("enc_name", ["o200k_base", "cl100k_base"])
def test_counts_match_the_cookbook(enc_name: str) -> None:
    messages = chat("Explain LoRA in one line, s'il vous plaît 🙂", "Low-rank adapters.")[
        "messages"
    ]
    messages[1]["name"] = "alice"
    counter = TokenCounter(enc_name)
    assert counter.messages(messages) == cookbook_count(enc_name, messages)
    assert counter.messages(messages) == counter.messages(messages)  # memoised: same answer
    assert counter.assistant(messages) == len(encoding(enc_name).encode("Low-rank adapters."))


def test_model_picks_the_encoding_and_limit() -> None:
    assert base_model("gpt-4o-mini-2024-07-18").encoding == "o200k_base"
    assert base_model("gpt-4.1-2025-04-14").token_limit == 65_536
    old = base_model("gpt-3.5-turbo-0125")
    assert (old.encoding, old.token_limit) == ("cl100k_base", 16_385)
    assert base_model("ft:gpt-4o-mini-2024-07-18:org::abc").encoding == "o200k_base"
    assert base_model("some-unknown-model").exact is False


@pytest.mark.parametrize(
    ("n", "epochs"),
    [(1, 25), (3, 25), (10, 10), (33, 3), (34, 3), (8000, 3), (8334, 2), (25_000, 1), (100_000, 1)],
)
def test_default_epochs(n: int, epochs: int) -> None:
    assert default_epochs(n) == epochs


def test_percentiles_are_true_order_statistics() -> None:
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 5) == pytest.approx(5.95)
    assert percentile(values, 95) == pytest.approx(95.05)
    d = distribution([5, 1, 3])
    assert (d.min, d.max, d.median, d.mean) == (1, 5, 3, 3)


def test_histogram_covers_every_value() -> None:
    buckets = histogram([1, 2, 3, 50, 100], bins=5)
    assert sum(n for _, _, n in buckets) == 5
    assert buckets[0][0] == 1 and buckets[-1][1] >= 100


def test_cost_caps_each_example_at_the_limit() -> None:
    model = base_model("gpt-3.5-turbo-0125")
    cost = estimate_cost([100, 20_000], model, n_epochs=2)
    assert cost.tokens_per_epoch == 100 + 16_385
    assert cost.billing_tokens == 2 * (100 + 16_385)
    assert cost.usd == pytest.approx(cost.billing_tokens * 8 / 1e6)


def test_rank_cache_gives_the_same_ranks(home) -> None:  # type: ignore[no-untyped-def]
    from tuiapp.data.tokens import _SPECS, _cached_ranks

    expected_hash = _SPECS["cl100k_base"][0]
    parsed = _cached_ranks("cl100k_base", expected_hash)  # parses, checks the hash, writes
    assert list((home.cache_dir / "tiktoken").glob("cl100k_base-*.marshal"))
    assert _cached_ranks("cl100k_base", expected_hash) == parsed  # read back from the cache
    (next((home.cache_dir / "tiktoken").glob("*.marshal"))).write_bytes(b"garbage")
    assert _cached_ranks("cl100k_base", expected_hash) == parsed  # a broken cache is rebuilt
