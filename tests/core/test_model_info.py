"""The model facts table and its forgiving name resolution."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from openai_accel import model_info as mi
from openai_accel.model_info import (
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_MODEL_INFO,
    ModelInfo,
    embedding_dimensions,
    get_model_max_output_tokens,
    get_model_max_tokens,
    model_info,
    supports_tools,
    supports_vision,
)


@pytest.mark.parametrize(
    ("model", "context", "output", "vision"),
    [
        ("gpt-4o", 128_000, 16_384, True),
        ("gpt-4o-mini", 128_000, 16_384, True),
        ("gpt-4-turbo", 128_000, 4_096, True),
        ("gpt-4-turbo-preview", 128_000, 4_096, False),
        ("gpt-4-0125-preview", 128_000, 4_096, False),
        ("gpt-4-1106-preview", 128_000, 4_096, False),
        ("gpt-4-vision-preview", 128_000, 4_096, True),
        ("gpt-4", 8_192, 8_192, False),
        ("gpt-4-32k", 32_768, 32_768, False),
        ("gpt-3.5-turbo", 16_385, 4_096, False),
        ("gpt-3.5-turbo-instruct", 4_096, 4_096, False),
        ("gpt-4.1", 1_047_576, 32_768, True),
        ("gpt-4.1-mini", 1_047_576, 32_768, True),
        ("gpt-4.1-nano", 1_047_576, 32_768, True),
        ("gpt-4.5-preview", 128_000, 16_384, True),
        ("o1", 200_000, 100_000, True),
        ("o1-mini", 128_000, 65_536, False),
        ("o1-preview", 128_000, 32_768, False),
        ("o3", 200_000, 100_000, True),
        ("o3-mini", 200_000, 100_000, False),
        ("o4-mini", 200_000, 100_000, True),
        ("gpt-5", 400_000, 128_000, True),
        ("gpt-5-mini", 400_000, 128_000, True),
        ("gpt-5-nano", 400_000, 128_000, True),
        ("chatgpt-4o-latest", 128_000, 16_384, True),
        ("gpt-4o-audio-preview", 128_000, 16_384, False),
    ],
)
def test_known_family_facts(model: str, context: int, output: int, vision: bool) -> None:
    assert (
        get_model_max_tokens(model),
        get_model_max_output_tokens(model),
        supports_vision(model),
    ) == (context, output, vision)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4-0613", "gpt-4"),
        ("gpt-4-32k-0613", "gpt-4-32k"),
        ("gpt-4-turbo-2024-04-09", "gpt-4-turbo"),
        ("gpt-3.5-turbo-1106", "gpt-3.5-turbo"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("o1-preview-2024-09-12", "o1-preview"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("gpt-4o-audio-preview-2024-12-17", "gpt-4o-audio-preview"),
        ("gpt-5-2025-08-07", "gpt-5"),
    ],
)
def test_dated_snapshot_resolves_to_its_family(model: str, family: str) -> None:
    assert model_info(model).family == family


def test_longest_prefix_wins_over_a_shorter_family() -> None:
    # "gpt-4o" is also a prefix; the more specific family must win.
    assert model_info("gpt-4o-mini-tts").family == "gpt-4o-mini"


def test_prefix_match_needs_a_boundary() -> None:
    # "gpt-4" is a string prefix of "gpt-4o-...", but not the same family.
    assert model_info("gpt-4o-something-new").family == "gpt-4o"


def test_prefix_does_not_claim_a_longer_alphanumeric_name() -> None:
    assert not model_info("o10").known


def test_fine_tuned_model_resolves_to_its_base() -> None:
    assert model_info("ft:gpt-4o-mini-2024-07-18:my-org::abc123").family == "gpt-4o-mini"


def test_fine_tuned_legacy_format_resolves_to_its_base() -> None:
    assert model_info("ft:gpt-3.5-turbo-0125:org:custom:id").family == "gpt-3.5-turbo"


def test_provider_prefix_is_stripped() -> None:
    assert model_info("openai/gpt-4o").family == "gpt-4o"


def test_other_provider_prefix_is_stripped() -> None:
    assert model_info("azure/deployments/gpt-4-turbo").family == "gpt-4-turbo"


def test_lookup_is_case_insensitive() -> None:
    assert model_info("GPT-4o-Mini").family == "gpt-4o-mini"


def test_surrounding_whitespace_is_ignored() -> None:
    assert model_info("  gpt-4o \n").family == "gpt-4o"


def test_early_gpt35_snapshot_keeps_its_smaller_window() -> None:
    # The exact entry beats snapshot stripping: 0613 had a 4k window.
    assert get_model_max_tokens("gpt-3.5-turbo-0613") == 4_096


def test_unknown_model_returns_documented_default_context() -> None:
    assert get_model_max_tokens("totally-unknown-model") == DEFAULT_MAX_TOKENS == 8192


def test_unknown_model_returns_documented_default_output() -> None:
    assert get_model_max_output_tokens("totally-unknown-model") == DEFAULT_MAX_OUTPUT_TOKENS == 4096


def test_unknown_model_has_no_vision() -> None:
    assert supports_vision("totally-unknown-model") is False


def test_unknown_model_is_flagged_unknown() -> None:
    assert model_info("totally-unknown-model") is DEFAULT_MODEL_INFO
    assert not DEFAULT_MODEL_INFO.known


def test_empty_name_returns_the_default() -> None:
    assert model_info("") is DEFAULT_MODEL_INFO


def test_non_string_name_returns_the_default() -> None:
    value: Any = None
    assert model_info(value) is DEFAULT_MODEL_INFO


@pytest.mark.parametrize(
    ("model", "dimensions"),
    [
        ("text-embedding-3-small", 1536),
        ("text-embedding-3-large", 3072),
        ("text-embedding-ada-002", 1536),
    ],
)
def test_embedding_dimensions(model: str, dimensions: int) -> None:
    assert embedding_dimensions(model) == dimensions


def test_chat_model_has_no_embedding_dimensions() -> None:
    assert embedding_dimensions("gpt-4o") is None


def test_tools_supported_by_current_chat_models() -> None:
    assert supports_tools("gpt-4o-mini") is True


@pytest.mark.parametrize("model", ["o1-mini", "gpt-3.5-turbo-instruct", "chatgpt-4o-latest"])
def test_tools_not_supported(model: str) -> None:
    assert supports_tools(model) is False


def test_unknown_model_assumes_tools() -> None:
    assert supports_tools("some-future-model") is True


def test_model_info_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        model_info("gpt-4o").context_window = 1  # type: ignore[misc]


def test_model_info_type() -> None:
    assert isinstance(model_info("gpt-4o"), ModelInfo)


def test_every_table_entry_names_its_own_family() -> None:
    for name in mi._TABLE:
        assert model_info(name).family == name


def test_lookup_is_cached() -> None:
    mi._cached_info.cache_clear()
    model_info("gpt-4o-2024-08-06")
    model_info("gpt-4o-2024-08-06")
    assert mi._cached_info.cache_info().hits == 1
