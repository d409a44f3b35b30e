"""The x-ratelimit-* parser: every duration form, and garbage is None, never an error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel._core.rate_headers import RateLimitInfo, parse_duration, parse_rate_limit_headers


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6m0s", 360.0),
        ("1s", 1.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0s", 0.0),
        ("500us", 0.0005),
        ("150µs", 0.00015),
        ("7.66s", 7.66),
        ("2", 2.0),
        ("0.5", 0.5),
        (" 1s ", 1.0),
    ],
)
def test_durations_in_every_form_the_servers_send(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [None, "", "-1", "-1s", "abc", "1x", "s", "1s2", "inf", "nan", "1e400", "9" * 80, "999999h"],
)
def test_garbage_durations_are_none(text: object) -> None:
    assert parse_duration(text) is None  # type: ignore[arg-type]


def test_a_full_set_of_headers() -> None:
    info = parse_rate_limit_headers(
        {
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-remaining-tokens": "199000",
            "x-ratelimit-reset-requests": "120ms",
            "x-ratelimit-reset-tokens": "6m0s",
        }
    )
    assert info == RateLimitInfo(500, 200000, 499, 199000, 0.12, 360.0)
    assert info.known


def test_no_headers_means_nothing_known() -> None:
    info = parse_rate_limit_headers({"content-type": "application/json"})
    assert info == RateLimitInfo()
    assert not info.known


def test_malformed_values_are_dropped_one_by_one() -> None:
    info = parse_rate_limit_headers(
        {
            "x-ratelimit-limit-requests": "lots",
            "x-ratelimit-limit-tokens": "1000",
            "x-ratelimit-reset-tokens": "-1",
        }
    )
    assert info == RateLimitInfo(limit_tokens=1000)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "x-ratelimit-limit-requests",
                "x-ratelimit-limit-tokens",
                "x-ratelimit-remaining-requests",
                "x-ratelimit-remaining-tokens",
                "x-ratelimit-reset-requests",
                "x-ratelimit-reset-tokens",
            ]
        ),
        st.text(max_size=40),
    )
)
def test_any_header_values_parse_without_raising(headers: dict) -> None:
    info = parse_rate_limit_headers(headers)
    for value in attrs_values(info):
        assert value is None or value >= 0


def attrs_values(info: RateLimitInfo) -> list:
    import attrs

    return list(attrs.astuple(info))
