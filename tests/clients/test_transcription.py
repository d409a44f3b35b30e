"""Speech to text and translation on both clients: uploads, formats, timestamps, validation.

Audio for the emulator tests comes from the emulator's own speech endpoint,
which embeds the spoken text, so a transcript can be checked word for word.
"""

from __future__ import annotations

import io

import pytest

from openai_accel import BadRequestError, Transcription, TranscriptionFormat, Translation
from openai_accel.testing._multipart import boundary_of, parse_multipart

from ..helpers import reply

SPOKEN = "The quick brown fox jumps"
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(range(256)) * 8


@pytest.fixture
def speech(api):
    """Emulator-made WAV audio of SPOKEN."""
    return api.call("text_to_speech", SPOKEN, response_format="wav")


def form_of(request):
    """The multipart fields a mock server received, parsed independently."""
    return parse_multipart(request.body, boundary_of(request.headers["Content-Type"]))


def transcription_reply(request):
    return reply(200, {"text": "hello"}, {"x-request-id": "req_stt"})


# -- against the emulator: uploads -------------------------------------------


def test_bytes_upload_transcribes_to_the_spoken_text(api, speech, openai_emulator):
    result = api.call("speech_to_text", speech)
    assert isinstance(result, Transcription)
    assert result.text == SPOKEN
    upload = openai_emulator.requests[-1].form["file"]
    assert upload.filename == "audio.wav"  # bytes without a name: the format is sniffed
    assert upload.data == speech


def test_path_upload_is_named_after_the_file(api, speech, openai_emulator, tmp_path):
    path = tmp_path / "greeting.wav"
    path.write_bytes(speech)
    assert api.call("speech_to_text", path).text == SPOKEN
    assert api.call("speech_to_text", str(path)).text == SPOKEN
    assert openai_emulator.requests[-1].form["file"].filename == "greeting.wav"


def test_file_object_upload_is_named_after_the_object(api, speech, openai_emulator, tmp_path):
    path = tmp_path / "from-object.wav"
    path.write_bytes(speech)
    with open(path, "rb") as handle:
        assert api.call("speech_to_text", handle).text == SPOKEN
    assert openai_emulator.requests[-1].form["file"].filename == "from-object.wav"


def test_filename_keyword_names_an_upload(api, speech, openai_emulator):
    assert api.call("speech_to_text", io.BytesIO(speech), filename="named.wav").text == SPOKEN
    assert openai_emulator.requests[-1].form["file"].filename == "named.wav"


# -- against the emulator: formats and timestamps ----------------------------


def test_word_timestamps_choose_verbose_json(api, speech, openai_emulator):
    result = api.call("speech_to_text", speech, timestamp_granularities=["word"])
    form = openai_emulator.requests[-1].form
    assert form["response_format"] == "verbose_json"
    assert form["timestamp_granularities[]"] == "word"
    assert [word.word for word in result.words] == SPOKEN.split()
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    assert all(word.end >= word.start for word in result.words)


def test_both_granularities_go_as_repeated_fields(api, speech, openai_emulator):
    result = api.call(
        "speech_to_text",
        speech,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert openai_emulator.requests[-1].form["timestamp_granularities[]"] == ["word", "segment"]
    assert result.words and result.segments
    assert result.duration and result.duration > 0
    assert result.language


def test_verbose_json_without_granularities_has_segments(api, speech):
    result = api.call("speech_to_text", speech, response_format=TranscriptionFormat.VERBOSE_JSON)
    assert result.segments and "".join(s.text for s in result.segments).strip() == SPOKEN


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt"])
def test_text_formats_return_a_string(api, speech, fmt):
    result = api.call("speech_to_text", speech, response_format=fmt)
    assert isinstance(result, str)
    assert SPOKEN in result


def test_translation_returns_english_text(api, speech, openai_emulator):
    result = api.call("translate_audio", speech, filename="speech.wav")
    assert isinstance(result, Translation)
    assert result.text == SPOKEN
    assert openai_emulator.requests[-1].path == "/v1/audio/translations"
    assert "response_format" not in openai_emulator.requests[-1].form


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt"])
def test_translation_text_formats_return_a_string(api, speech, fmt):
    result = api.call("translate_audio", speech, response_format=fmt)
    assert isinstance(result, str)
    assert SPOKEN in result


def test_verbose_translation_has_segments(api, speech):
    result = api.call("translate_audio", speech, response_format="verbose_json")
    assert result.segments and result.duration


# -- against a mock server ---------------------------------------------------


def test_every_option_becomes_a_form_field(make_mock_api):
    api = make_mock_api(transcription_reply)
    api.call(
        "speech_to_text",
        WAV,
        model="gpt-4o-transcribe",
        language="en",
        prompt="Names: Anaïs",
        temperature=0.2,
        include=["logprobs"],
        chunking_strategy={"type": "server_vad"},
        stream=False,
    )
    form = form_of(api.client._driver.transport.requests[-1])
    assert {k: v for k, v in form.items() if k != "file"} == {
        "model": "gpt-4o-transcribe",
        "prompt": "Names: Anaïs",
        "response_format": "json",
        "temperature": "0.2",
        "language": "en",
        "include[]": "logprobs",
        "chunking_strategy": '{"type":"server_vad"}',
        "stream": "false",
    }
    assert form["file"].data == WAV


def test_a_retry_sends_the_whole_upload_again(make_mock_api, tmp_path):
    path = tmp_path / "retry.wav"
    path.write_bytes(WAV * 200)  # several multipart chunks
    answers = [reply(503, {"error": {"message": "busy"}}), transcription_reply(None)]
    api = make_mock_api(lambda request: answers.pop(0))
    assert api.call("speech_to_text", path).text == "hello"
    first, second = api.client._driver.transport.requests
    assert form_of(first)["file"].data == form_of(second)["file"].data == WAV * 200


def test_the_transcript_text_is_returned_exactly(make_mock_api):
    api = make_mock_api(
        lambda request: reply(200, raw=b"Hello, world!\n", content_type="text/plain")
    )
    assert api.call("speech_to_text", WAV, response_format="text") == "Hello, world!\n"


def test_metrics_record_stt_with_the_upload_size(make_mock_api):
    api = make_mock_api(transcription_reply)
    api.call("speech_to_text", WAV)
    (metrics,) = api.client.recent_requests.values()
    assert metrics.request_type == "stt"
    assert metrics.model == "whisper-1"
    assert metrics.request_size > len(WAV)


def test_explicit_other_format_with_timestamps_is_refused(make_mock_api):
    api = make_mock_api(transcription_reply)
    with pytest.raises(BadRequestError, match="verbose_json") as info:
        api.call("speech_to_text", WAV, response_format="json", timestamp_granularities=["word"])
    assert info.value.param == "response_format"
    assert api.client._driver.transport.requests == []


BAD_UPLOADS = {
    "empty bytes": (b"", {}, "file"),
    "missing file": ("/no/such/file.wav", {}, "file"),
    "not audio": (12345, {}, "file"),
    "text stream": (io.StringIO("not binary"), {}, "file"),
    "bad temperature": (WAV, {"temperature": 2}, "temperature"),
    "bad language": (WAV, {"language": 5}, "language"),
    "bad prompt": (WAV, {"prompt": ["x"]}, "prompt"),
    "unknown format": (WAV, {"response_format": "xml"}, "response_format"),
    "unknown granularity": (WAV, {"timestamp_granularities": ["char"]}, "timestamp_granularities"),
    "empty granularities": (WAV, {"timestamp_granularities": []}, "timestamp_granularities"),
    "empty filename": (WAV, {"filename": ""}, "file"),
}


STT_ONLY = ("language", "timestamp_granularities")
CASES = [
    (method, name)
    for method in ("speech_to_text", "translate_audio")
    for name in sorted(BAD_UPLOADS)
    if method == "speech_to_text" or BAD_UPLOADS[name][2] not in STT_ONLY
]


@pytest.mark.parametrize(("method", "name"), CASES)
def test_bad_input_is_refused_before_sending(make_mock_api, method, name):
    audio, options, param = BAD_UPLOADS[name]
    api = make_mock_api(transcription_reply)
    with pytest.raises(BadRequestError) as info:
        api.call(method, audio, **options)
    assert info.value.param == param
    assert api.client._driver.transport.requests == []
