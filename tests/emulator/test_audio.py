"""Speech, transcription and translation, including the offline voice round trip."""

from __future__ import annotations

import io
import json
import re
import wave

import pytest

from .helpers import error_of

SPOKEN = "Hello there, how are you today?"


def speak(http, emulator, **body):
    payload = {"model": "tts-1", "input": SPOKEN, "voice": "alloy"}
    payload.update(body)
    return http.post(emulator.base_url + "/audio/speech", json=payload)


def transcribe(http, emulator, audio, filename="speech.wav", path="transcriptions", **fields):
    data = {"model": "whisper-1"}
    data.update(fields)
    files = {"file": (filename, audio, "application/octet-stream")}
    return http.post(f"{emulator.base_url}/audio/{path}", files=files, data=data)


@pytest.fixture
def wav(http, emulator):
    return speak(http, emulator, response_format="wav").content


def test_wav_opens_with_the_wave_module(http, emulator, wav):
    with wave.open(io.BytesIO(wav)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (24000, 1, 2)
        seconds = audio.getnframes() / 24000
    assert 1.5 <= seconds <= 4  # six words at about 2.5 words a second


def test_speed_shortens_the_audio(http, emulator, wav):
    fast = speak(http, emulator, response_format="wav", speed=2.0).content
    assert len(fast) < len(wav) * 0.6


def test_pcm_is_raw_24khz_16bit_samples(http, emulator, wav):
    pcm = speak(http, emulator, response_format="pcm").content
    with wave.open(io.BytesIO(wav)) as audio:
        assert pcm == audio.readframes(audio.getnframes())


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", b"ID3"),
        ("opus", "audio/opus", b"OggS"),
        ("aac", "audio/aac", b"ID3"),
        ("flac", "audio/flac", b"fLaC"),
        ("wav", "audio/wav", b"RIFF"),
        ("pcm", "audio/pcm", b""),
    ],
)
def test_each_format_has_its_content_type_and_header(http, emulator, fmt, content_type, magic):
    response = speak(http, emulator, response_format=fmt)
    assert response.headers["content-type"] == content_type
    assert response.content.startswith(magic)


def test_mp3_is_the_default_and_has_frame_sync_after_the_tag(http, emulator):
    audio = speak(http, emulator).content
    assert audio.startswith(b"ID3")
    assert b"\xff\xf3" in audio


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_speech_round_trips_through_transcription(http, emulator, fmt):
    audio = speak(http, emulator, response_format=fmt).content
    filename = {"opus": "speech.ogg", "aac": "speech.mp4", "pcm": "speech.wav"}.get(fmt)
    response = transcribe(http, emulator, audio, filename or f"speech.{fmt}")
    assert response.json()["text"] == SPOKEN


def test_unicode_text_round_trips(http, emulator):
    text = "Grüße aus Köln, 東京 too"
    audio = speak(http, emulator, input=text, response_format="wav").content
    assert transcribe(http, emulator, audio).json()["text"] == text


def test_json_transcription_has_duration_usage_for_whisper(http, emulator, wav):
    body = transcribe(http, emulator, wav).json()
    assert list(body) == ["text", "usage"]
    assert body["usage"]["type"] == "duration" and body["usage"]["seconds"] >= 1


def test_text_format_is_plain_text_with_a_newline(http, emulator, wav):
    response = transcribe(http, emulator, wav, response_format="text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == SPOKEN + "\n"


def test_srt_format_has_numbered_cues(http, emulator, wav):
    text = transcribe(http, emulator, wav, response_format="srt").text
    lines = text.split("\n")
    assert lines[0] == "1"
    assert re.fullmatch(r"00:00:00,000 --> 00:00:0\d,\d{3}", lines[1])
    assert lines[2] == SPOKEN


def test_vtt_format_has_the_webvtt_header(http, emulator, wav):
    text = transcribe(http, emulator, wav, response_format="vtt").text
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert SPOKEN in text


def test_verbose_json_has_the_recorded_keys(http, emulator, wav):
    body = transcribe(http, emulator, wav, response_format="verbose_json").json()
    assert list(body) == ["task", "language", "duration", "text", "segments", "usage"]
    assert (body["task"], body["language"], body["text"]) == ("transcribe", "english", SPOKEN)
    segment = body["segments"][0]
    assert list(segment) == [
        "id",
        "seek",
        "start",
        "end",
        "text",
        "tokens",
        "temperature",
        "avg_logprob",
        "compression_ratio",
        "no_speech_prob",
    ]
    assert "".join(s["text"] for s in body["segments"]).strip() == SPOKEN


def test_word_granularity_adds_words_in_order(http, emulator, wav):
    body = transcribe(
        http,
        emulator,
        wav,
        response_format="verbose_json",
        **{"timestamp_granularities[]": ["word", "segment"]},
    ).json()
    words = body["words"]
    assert [w["word"] for w in words] == ["Hello", "there", "how", "are", "you", "today"]
    assert all(w["start"] < w["end"] for w in words)
    assert "segments" in body


def test_granularities_need_verbose_json(http, emulator, wav):
    response = transcribe(http, emulator, wav, **{"timestamp_granularities[]": "word"})
    assert response.status_code == 400
    assert error_of(response)["param"] == "timestamp_granularities"


def test_invalid_language_error_matches_the_recording(http, emulator, wav):
    response = transcribe(http, emulator, wav, language="this should cause an error")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Invalid language 'this should cause an error'. Language parameter must "
            "be specified in ISO-639-1 format.",
            "type": "invalid_request_error",
            "param": "language",
            "code": "invalid_language_format",
        },
        "usage": {"type": "duration", "seconds": 0},
    }


def test_language_names_the_verbose_language(http, emulator, wav):
    body = transcribe(http, emulator, wav, response_format="verbose_json", language="de").json()
    assert body["language"] == "german"


def test_missing_file_is_a_400_naming_file(http, emulator):
    response = http.post(
        emulator.base_url + "/audio/transcriptions", files={"model": (None, "whisper-1")}
    )
    assert response.status_code == 400
    assert error_of(response)["param"] == "file"


def test_missing_model_is_a_400(http, emulator, wav):
    files = {"file": ("speech.wav", wav)}
    response = http.post(emulator.base_url + "/audio/transcriptions", files=files)
    assert error_of(response)["param"] == "model"


def test_unknown_response_format_is_a_400(http, emulator, wav):
    response = transcribe(http, emulator, wav, response_format="xml")
    assert error_of(response)["param"] == "response_format"


def test_unsupported_file_extension_is_a_400(http, emulator, wav):
    response = transcribe(http, emulator, wav, filename="speech.pcm")
    assert response.status_code == 400
    assert "Invalid file format" in error_of(response)["message"]


def test_foreign_audio_gets_a_deterministic_placeholder(http, emulator):
    audio = b"RIFF" + bytes(range(256)) * 20
    first = transcribe(http, emulator, audio).json()["text"]
    assert first and first == transcribe(http, emulator, audio).json()["text"]


def test_translation_is_english_without_usage(http, emulator, wav):
    body = transcribe(
        http, emulator, wav, path="translations", response_format="verbose_json"
    ).json()
    assert (body["task"], body["language"], body["text"]) == ("translate", "english", SPOKEN)
    assert "usage" not in body


def test_translation_json_is_only_text(http, emulator, wav):
    assert transcribe(http, emulator, wav, path="translations").json() == {"text": SPOKEN}


def test_gpt_4o_transcribe_streams_deltas_then_done(http, emulator, wav):
    response = transcribe(http, emulator, wav, model="gpt-4o-mini-transcribe", stream="true")
    events = response.text.split("\r\n\r\n")  # the recorded framing ends events with CRLF
    assert events[-2:] == ["data: [DONE]", ""]
    parsed = [json.loads(e[len("data: ") :]) for e in events[:-2]]
    assert "".join(e["delta"] for e in parsed[:-1]) == SPOKEN
    assert parsed[-1]["type"] == "transcript.text.done" and parsed[-1]["text"] == SPOKEN
    assert parsed[-1]["usage"]["type"] == "tokens"


# -- speech validation ---------------------------------------------------------------------


def test_input_over_4096_characters_is_a_400(http, emulator):
    response = speak(http, emulator, input="a" * 4097)
    assert response.status_code == 400
    assert error_of(response)["param"] == "input"


def test_unknown_voice_is_a_400(http, emulator):
    response = speak(http, emulator, voice="robot")
    assert error_of(response)["param"] == "voice"


@pytest.mark.parametrize("speed", [0.1, 4.5])
def test_speed_out_of_range_is_a_400(http, emulator, speed):
    response = speak(http, emulator, speed=speed)
    assert response.status_code == 400
    assert error_of(response)["param"] == "speed"


def test_unknown_audio_format_is_a_400(http, emulator):
    assert error_of(speak(http, emulator, response_format="ogg"))["param"] == "response_format"


def test_audio_replies_carry_request_rate_limits_only(http, emulator):
    headers = speak(http, emulator).headers
    assert headers["x-ratelimit-limit-requests"]
    assert "x-ratelimit-limit-tokens" not in headers
