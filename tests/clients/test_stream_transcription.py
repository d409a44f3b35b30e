"""stream_transcription: text deltas as the model listens, final() -> Transcription."""

from __future__ import annotations

import json

import pytest

from openai_accel import BadRequestError, StreamError, Transcription, TranscriptionEvent
from openai_accel.testing import Fault

from .._shared import recorded
from ..helpers import recorded_reply

TRANSCRIPTIONS = "/v1/audio/transcriptions"


def test_deltas_then_the_final_transcription(api, openai_emulator):
    audio = api.call("text_to_speech", "Hello world, this is a test.")
    events, final = api.stream("stream_transcription", audio, filename="hello.mp3")
    assert all(isinstance(e, TranscriptionEvent) for e in events)
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    assert "".join(deltas) == final.text
    assert events[-1].type == "transcript.text.done"
    assert isinstance(final, Transcription)
    assert final.usage["type"] == "tokens"
    form = openai_emulator.requests[-1].form
    assert form["model"] == "gpt-4o-transcribe" and form["stream"] == "true"
    [record] = [r for r in api.client.recent_requests.values() if r.request_type == "stt_stream"]
    assert record.success and record.output_tokens == final.usage["output_tokens"]


def test_the_recorded_stream_replays_exactly(make_mock_api):
    exchange = recorded("audio_transcription_stream")
    api = make_mock_api(lambda req: recorded_reply(exchange))
    events, final = api.stream(
        "stream_transcription", b"ID3fake", model="gpt-4o-mini-transcribe", filename="a.mp3"
    )
    text = exchange["response"]["body"].replace("\r\n", "\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    payloads = [json.loads(b[6:]) for b in blocks if b != "data: [DONE]"]
    assert [e.raw for e in events] == payloads
    assert final.text == "Hello world, this is a test."
    assert final.usage == payloads[-1]["usage"]
    assert final.usage["input_token_details"] == {"text_tokens": 0, "audio_tokens": 17}


def test_a_cut_stream_is_a_stream_error(make_api, openai_emulator):
    api = make_api(max_retries=0)
    audio = api.call("text_to_speech", "Hello world, this is a test.")
    openai_emulator.inject(Fault(cut_stream_after=2), route=TRANSCRIPTIONS)
    with pytest.raises(StreamError):
        api.stream("stream_transcription", audio, filename="a.mp3")


@pytest.mark.parametrize("method", ["stream_transcription", "speech_to_text"])
def test_timestamps_are_refused_for_models_without_them_before_uploading(make_mock_api, method):
    api = make_mock_api(lambda req: pytest.fail("nothing may be sent"))
    with pytest.raises(BadRequestError) as info:
        call = api.stream if method == "stream_transcription" else api.call
        call(
            method,
            b"ID3fake",
            model="gpt-4o-transcribe",
            timestamp_granularities=["word"],
            filename="a.mp3",
        )
    assert info.value.param == "timestamp_granularities"
    assert "whisper-1" in info.value.message


def test_whisper_1_does_not_stream(make_mock_api):
    api = make_mock_api(lambda req: pytest.fail("nothing may be sent"))
    with pytest.raises(BadRequestError) as info:
        api.stream("stream_transcription", b"ID3fake", model="whisper-1")
    assert info.value.param == "model"


def test_whisper_1_still_gives_word_timestamps(api):
    audio = api.call("text_to_speech", "Hello world")
    result = api.call("speech_to_text", audio, model="whisper-1", timestamp_granularities=["word"])
    assert [w.word for w in result.words] == ["Hello", "world"]


def test_the_emulator_streams_in_the_recorded_framing(openai_emulator):
    import requests

    from openai_accel import OpenAI

    with OpenAI(api_key="sk-test", base_url=openai_emulator.base_url) as client:
        audio = client.text_to_speech("Hello world, this is a test.")
    reply = requests.post(
        openai_emulator.base_url + "/audio/transcriptions",
        files={"file": ("a.mp3", audio)},
        data={"model": "gpt-4o-mini-transcribe", "stream": "true"},
        timeout=10,
    )
    recorded_body = recorded("audio_transcription_stream")["response"]["body"]
    assert reply.text.endswith("data: [DONE]\r\n\r\n") and recorded_body.endswith(
        "data: [DONE]\r\n\r\n"
    )
    ours = [json.loads(b[6:]) for b in reply.text.split("\r\n\r\n")[:-2]]
    theirs = [json.loads(b[6:]) for b in recorded_body.split("\r\n\r\n")[:-2]]
    assert [list(e) for e in ours] == [list(e) for e in theirs]  # same keys, same order
    assert ours[-1]["text"] == theirs[-1]["text"]
    assert list(ours[-1]["usage"]) == list(theirs[-1]["usage"])
