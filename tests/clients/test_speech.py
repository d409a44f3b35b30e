"""Text to speech on both clients: whole, streamed, to a file; local validation."""

from __future__ import annotations

import os

import pytest

from openai_accel import AudioFormat, BadRequestError, StreamError, Voice
from openai_accel._core.http import Headers, HttpResponse

from ..helpers import reply, sent_json

AUDIO = bytes(range(256)) * 40  # 10240 bytes


def audio_reply(content=AUDIO, declared=None):
    headers = Headers({"content-type": "audio/mpeg"})
    if declared is not None:
        headers["content-length"] = str(declared)
    return lambda request: HttpResponse(200, headers, content=content)


def leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".part"))


# -- against the emulator ----------------------------------------------------


def test_text_to_speech_returns_the_audio_file(api, openai_emulator):
    audio = api.call("text_to_speech", "Hello there", Voice.NOVA, response_format=AudioFormat.WAV)
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert openai_emulator.requests[-1].json == {
        "model": "tts-1",
        "input": "Hello there",
        "voice": "nova",
        "response_format": "wav",
    }


def test_mp3_is_the_default_format(api, openai_emulator):
    audio = api.call("text_to_speech", "Hello there")
    assert audio
    assert openai_emulator.requests[-1].json["response_format"] == "mp3"
    assert openai_emulator.requests[-1].json["voice"] == "alloy"


def test_voice_and_format_strings_match_the_enums_in_any_case(api, openai_emulator):
    api.call("text_to_speech", "Hi", "SHIMMER", response_format="Flac")
    sent = openai_emulator.requests[-1].json
    assert (sent["voice"], sent["response_format"]) == ("shimmer", "flac")


def test_speed_is_sent_only_when_it_differs_from_the_default(api, openai_emulator):
    api.call("text_to_speech", "Hi", speed=1.5)
    assert openai_emulator.requests[-1].json["speed"] == 1.5


def test_stream_speech_yields_the_same_audio_in_chunks(api):
    whole = api.call("text_to_speech", "Streaming is fun", response_format="pcm")
    chunks, total = api.stream("stream_speech", "Streaming is fun", response_format="pcm")
    assert all(isinstance(chunk, bytes) and chunk for chunk in chunks)
    assert b"".join(chunks) == whole
    assert total == len(whole)


def test_stream_speech_recuts_chunks_to_the_asked_size(api):
    chunks, total = api.stream("stream_speech", "Fixed size frames please", chunk_size=1000)
    assert all(len(chunk) == 1000 for chunk in chunks[:-1])
    assert 0 < len(chunks[-1]) <= 1000
    assert sum(map(len, chunks)) == total


def test_speech_to_file_writes_the_audio_and_returns_its_size(api, tmp_path):
    whole = api.call("text_to_speech", "Save me", response_format="wav")
    target = tmp_path / "speech.wav"
    written = api.call("speech_to_file", target, "Save me", response_format="wav")
    assert written == len(whole)
    assert target.read_bytes() == whole
    assert leftovers(tmp_path) == []


# -- against a mock server ---------------------------------------------------


def test_stream_speech_is_measured_as_tts_stream(make_mock_api):
    api = make_mock_api(audio_reply())
    api.stream("stream_speech", "Hi")
    (metrics,) = api.client.recent_requests.values()
    assert (metrics.request_type, metrics.success, metrics.response_size) == (
        "tts_stream",
        True,
        len(AUDIO),
    )


def test_a_stream_shorter_than_its_content_length_raises(make_mock_api):
    api = make_mock_api(audio_reply(AUDIO, declared=len(AUDIO) + 100))
    with pytest.raises(StreamError, match="ended after"):
        api.stream("stream_speech", "Hi")


def test_speech_to_file_leaves_nothing_when_the_server_refuses(make_mock_api, tmp_path):
    body = {
        "error": {"message": "nope", "type": "invalid_request_error", "param": None, "code": None}
    }
    api = make_mock_api(lambda request: reply(400, body))
    with pytest.raises(BadRequestError):
        api.call("speech_to_file", tmp_path / "out.mp3", "Hi")
    assert os.listdir(tmp_path) == []


def test_speech_to_file_keeps_the_old_file_when_the_audio_breaks_off(make_mock_api, tmp_path):
    target = tmp_path / "out.mp3"
    target.write_bytes(b"previous audio")
    api = make_mock_api(audio_reply(AUDIO, declared=len(AUDIO) * 2))
    with pytest.raises(StreamError):
        api.call("speech_to_file", target, "Hi")
    assert target.read_bytes() == b"previous audio"
    assert leftovers(tmp_path) == []


def test_speech_to_file_into_a_missing_directory_sends_nothing(make_mock_api, tmp_path):
    api = make_mock_api(audio_reply())
    with pytest.raises(BadRequestError) as info:
        api.call("speech_to_file", tmp_path / "missing" / "out.mp3", "Hi")
    assert info.value.param == "path"
    assert api.client._driver.transport.requests == []


def test_extra_keywords_go_into_the_body(make_mock_api):
    api = make_mock_api(audio_reply())
    api.call("text_to_speech", "Hi", model="gpt-4o-mini-tts", instructions="Speak slowly.")
    assert sent_json(api.client._driver.transport.requests[-1]) == {
        "model": "gpt-4o-mini-tts",
        "input": "Hi",
        "voice": "alloy",
        "response_format": "mp3",
        "instructions": "Speak slowly.",
    }


BAD_SPEECH = {
    "speed too slow": ("Hi", {"speed": 0.2}, "speed"),
    "speed too fast": ("Hi", {"speed": 4.5}, "speed"),
    "speed as bool": ("Hi", {"speed": True}, "speed"),
    "speed as text": ("Hi", {"speed": "fast"}, "speed"),
    "empty text": ("", {}, "input"),
    "blank text": ("  \n", {}, "input"),
    "text too long": ("x" * 4097, {}, "input"),
    "unknown voice": ("Hi", {"voice": "robot"}, "voice"),
    "voice not a string": ("Hi", {"voice": 3}, "voice"),
    "unknown format": ("Hi", {"response_format": "ogg"}, "response_format"),
}


@pytest.mark.parametrize("method", ["text_to_speech", "stream_speech", "speech_to_file"])
@pytest.mark.parametrize("name", sorted(BAD_SPEECH))
def test_bad_speech_input_is_refused_before_sending(make_mock_api, tmp_path, method, name):
    text, options, param = BAD_SPEECH[name]
    api = make_mock_api(audio_reply())
    with pytest.raises(BadRequestError) as info:
        if method == "speech_to_file":
            api.call(method, tmp_path / "out.mp3", text, **options)
        elif method == "stream_speech":
            api.stream(method, text, **options)
        else:
            api.call(method, text, **options)
    assert info.value.param == param
    assert api.client._driver.transport.requests == []
    assert os.listdir(tmp_path) == []


def test_the_error_lists_the_valid_voices(make_mock_api):
    api = make_mock_api(audio_reply())
    with pytest.raises(BadRequestError, match="alloy, ash, ballad"):
        api.call("text_to_speech", "Hi", "robot")


def test_4096_characters_are_accepted(make_mock_api):
    api = make_mock_api(audio_reply())
    assert api.call("text_to_speech", "x" * 4096) == AUDIO


def test_a_bad_chunk_size_is_refused(make_mock_api):
    api = make_mock_api(audio_reply())
    with pytest.raises(BadRequestError) as info:
        api.stream("stream_speech", "Hi", chunk_size=0)
    assert info.value.param == "chunk_size"


def test_closing_the_stream_early_gives_back_the_slot(make_mock_api):
    api = make_mock_api(audio_reply())
    stream = api.client.stream_speech("Hi", chunk_size=100)

    async def first_async():
        async with stream:
            return await stream.__anext__()

    def first_sync():
        with stream:
            return next(stream)

    chunk = api.resolve(first_async()) if api.is_async else first_sync()
    assert chunk == AUDIO[:100]
    assert api.client.queue.running == 0
    (metrics,) = api.client.recent_requests.values()
    assert (metrics.request_type, metrics.success) == ("tts_stream", False)


# -- speech_to_file picks the format from the extension (responses) --


@pytest.mark.parametrize(
    "name, fmt", [("out.wav", "wav"), ("out.OPUS", "opus"), ("out.flac", "flac"), ("out", "mp3")]
)
def test_speech_to_file_asks_for_the_format_its_extension_names(
    api, openai_emulator, tmp_path, name, fmt
):
    api.call("speech_to_file", tmp_path / name, "Hello")
    assert openai_emulator.requests[-1].json["response_format"] == fmt
    if fmt == "wav":
        assert (tmp_path / name).read_bytes()[:4] == b"RIFF"


def test_speech_to_file_refuses_a_format_that_contradicts_the_extension(make_mock_api, tmp_path):
    api = make_mock_api(audio_reply())
    with pytest.raises(BadRequestError) as info:
        api.call("speech_to_file", tmp_path / "out.wav", "Hi", response_format="mp3")
    assert info.value.param == "response_format"
    assert "out.wav" in info.value.message
    assert api.client._driver.transport.requests == []
    assert os.listdir(tmp_path) == []
