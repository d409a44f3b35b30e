"""The emulator's pure building blocks, without a server: tokens, schemas, parsers, codecs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_accel.testing import UploadedFile
from openai_accel.testing._audio_codecs import (
    _CRC8,
    _CRC16,
    _CRC32_OGG,
    _crc,
    find_marker,
    make_marker,
    speech_duration,
)
from openai_accel.testing._errors import mask_key
from openai_accel.testing._multipart import boundary_of, parse_multipart
from openai_accel.testing._schema import SchemaContext, instance_for
from openai_accel.testing._wire import count_tokens, go_duration, pieces


@given(st.text())
def test_pieces_always_concatenate_back_to_the_text(text):
    assert "".join(pieces(text)) == text


def test_tokens_are_words_and_punctuation():
    assert pieces("Hello, world!") == ["Hello", ",", " world", "!"]
    assert count_tokens("Say hello in one word") == 5


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (0.006, "6ms"), (30.375, "30.375s"), (66.779, "1m6.779s")]
)
def test_go_durations(seconds, text):
    assert go_duration(seconds) == text


def test_key_mask_keeps_eight_and_four_characters():
    assert mask_key("sk-wrong-api-key") == "sk-wrong****-key"


def value(schema, text="Weather in Paris for 3 days"):
    return instance_for(schema, SchemaContext(text))


def test_schema_default_and_const_win():
    assert value({"type": "integer", "default": 7}) == 7
    assert value({"const": "fixed"}) == "fixed"


def test_schema_enum_prefers_the_member_the_message_names():
    assert value({"enum": ["celsius", "fahrenheit"]}, "in Fahrenheit please") == "fahrenheit"
    assert value({"enum": ["celsius", "fahrenheit"]}, "no unit") == "celsius"


def test_schema_numbers_come_from_the_message_within_bounds():
    assert value({"type": "integer"}) == 3
    assert value({"type": "integer", "minimum": 5}) == 5
    assert value({"type": "number", "exclusiveMaximum": 2}) == 1.5
    assert value({"type": "integer", "multipleOf": 4}) == 4


def test_schema_nullable_union_takes_the_non_null_branch():
    assert value({"anyOf": [{"type": "null"}, {"type": "boolean"}]}) is True
    assert value({"type": ["null", "integer"]}) == 3


def test_schema_all_of_merges_required_properties():
    schema = {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
        ]
    }
    assert value(schema) == {"a": 3, "b": True}


def test_schema_string_lengths_are_honoured():
    assert value({"type": "string", "maxLength": 2}) == "Pa"
    assert len(value({"type": "string", "minLength": 20})) == 20


def test_schema_unique_items_are_distinct():
    result = value(
        {"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True}
    )
    assert len(set(result)) == 3


def test_schema_refs_to_definitions_are_followed():
    schema = {
        "type": "object",
        "properties": {"when": {"$ref": "#/definitions/day"}},
        "required": ["when"],
        "definitions": {"day": {"type": "string", "format": "date"}},
    }
    assert value(schema) == {"when": "2024-01-01"}


def test_multipart_parser_handles_repeated_fields_and_files():
    body = (
        b"--XyZ\r\nContent-Disposition: form-data; name=model\r\n\r\nwhisper-1\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="g[]"\r\n\r\nword\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="g[]"\r\n\r\nsegment\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n\x00\r\n\x01\r\n--XyZ--\r\n"
    )
    form = parse_multipart(body, boundary_of("multipart/form-data; boundary=XyZ"))
    assert form["model"] == "whisper-1"
    assert form["g[]"] == ["word", "segment"]
    assert form["file"] == UploadedFile("a.wav", "audio/wav", b"\x00\r\n\x01")


def test_boundary_of_ignores_other_content_types():
    assert boundary_of("application/json") is None


def test_audio_marker_round_trips_and_rejects_corruption():
    marker = make_marker("hello", 1.25)
    assert find_marker(b"junk" + marker + b"junk") == ("hello", 1.25)
    corrupted = marker.replace(b"aGVs", b"aGVt")  # "hel" -> "hem"
    assert find_marker(corrupted) is None


def test_speech_duration_is_about_two_and_a_half_words_a_second_and_capped():
    assert speech_duration("one two three four five", 1.0) == pytest.approx(2.0)
    assert speech_duration("word " * 1000, 1.0) == 30.0


def test_codec_checksums_match_their_catalogue_check_values():
    data = b"123456789"
    assert _crc(data, _CRC8, 8) == 0xF4  # CRC-8 (FLAC frame headers)
    assert _crc(data, _CRC16, 16) == 0xFEE8  # CRC-16/UMTS (FLAC frames)
    assert _crc(data, _CRC32_OGG, 32) == 0x765E7680 ^ 0xFFFFFFFF  # CKSUM without xorout (Ogg)
