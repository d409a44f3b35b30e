"""Speech (``/v1/audio/speech``) and transcription/translation, made to round-trip.

A voice agent's test needs text -> speech -> transcription -> the same text,
offline. So every file the speech endpoint returns carries the spoken text in
a marker, ``OAIEMU1:<duration ms>:<base64url UTF-8 text>:<crc32>;``, and the
transcription endpoints look for that marker anywhere in an uploaded file.
Where it lives depends on the format, so that each file is still a
well-formed file of its kind:

* ``wav`` (RIFF/WAVE, 24 kHz mono 16-bit, opens with :mod:`wave`) and ``pcm``
  (raw 24 kHz 16-bit little-endian mono): the marker's bytes are the first
  samples (a click of a few milliseconds), followed by one tone per word;
* ``mp3``: an ID3v2.3 ``TXXX`` frame, then silent MPEG-2 Layer III frames;
* ``aac``: the same ID3v2.3 tag, then silent ADTS AAC-LC frames;
* ``flac``: a ``VORBIS_COMMENT`` block, then frames of CONSTANT (silent) subframes;
* ``opus``: an Ogg stream (``OpusHead``, ``OpusTags`` holding the marker, then
  silent 20 ms Opus packets).

Every format lasts as long as the speech would: 0.4 s per word divided by
``speed``, capped at 30 s so generation stays cheap. A file without a marker
(a real recording, say) transcribes to a fixed sentence chosen by a hash of
its bytes. Translation returns the same text (the emulator's speech is
English already).
"""

from __future__ import annotations

from typing import Any, Mapping, Tuple

from . import _errors as err
from ._audio_codecs import (
    SAMPLE_RATE,
    _little_endian,
    make_marker,
    speech_duration,
    speech_samples,
    to_aac,
    to_flac,
    to_mp3,
    to_opus,
    to_wav,
)
from ._catalog import tts_known
from ._transcribe import (
    Upload,
    crlf_event,
    stream_events,
    transcript_reply,
    validate_transcription,
)

# Speech lives here; transcription and translation in ._transcribe, the file
# formats in ._audio_codecs. The server reaches all of it through this module.
__all__ = [
    "Upload",
    "crlf_event",
    "speech",
    "stream_events",
    "transcript_reply",
    "validate_speech",
    "validate_transcription",
]

MAX_INPUT = 4096
KNOWN_SPEECH_PARAMETERS = frozenset(
    ("model", "input", "instructions", "voice", "response_format", "speed", "stream_format")
)
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def validate_speech(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise err.invalid_json()
    for key in body:
        if key not in KNOWN_SPEECH_PARAMETERS:
            raise err.unknown_parameter(key)
    for name in ("model", "input", "voice"):
        if name not in body:
            raise err.missing_parameter(name)
    model = body["model"]
    if not isinstance(model, str) or not tts_known(model):
        raise err.model_not_found(str(model))
    text = body["input"]
    if not isinstance(text, str):
        raise err.invalid_type("input", "a string", text)
    if len(text) > MAX_INPUT:
        raise err.string_too_long("input", len(text), MAX_INPUT)
    if not text.strip():
        raise err.ApiError(
            400,
            "Invalid 'input': empty string. Expected a non-empty string.",
            param="input",
            code="empty_string",
        )
    voice = body["voice"]
    if isinstance(voice, Mapping):
        if not isinstance(voice.get("id"), str):
            raise err.missing_parameter("voice.id")
    elif voice not in VOICES:
        raise err.invalid_value("voice", voice, VOICES)
    fmt = body.get("response_format")
    if fmt is not None and fmt not in CONTENT_TYPES:
        raise err.invalid_value("response_format", fmt, list(CONTENT_TYPES))
    speed = body.get("speed")
    if speed is not None:
        if isinstance(speed, bool) or not isinstance(speed, (int, float)):
            raise err.invalid_type("speed", "a number", speed)
        if speed < 0.25:
            raise err.below_minimum("speed", speed, 0.25)
        if speed > 4.0:
            raise err.above_maximum("speed", speed, 4.0)


def speech(body: Mapping[str, Any]) -> Tuple[bytes, str]:
    """Audio bytes and content type for a validated speech request."""
    text = str(body["input"])
    fmt = str(body.get("response_format") or "mp3")
    speed = float(body.get("speed") or 1.0)
    duration = speech_duration(text, speed)
    marker = make_marker(text, duration)
    count = int(duration * SAMPLE_RATE)
    if fmt in ("wav", "pcm"):
        samples = speech_samples(text, duration, marker)
        data = to_wav(samples) if fmt == "wav" else _little_endian(samples)
    elif fmt == "flac":
        data = to_flac(count, marker)
    elif fmt == "opus":
        data = to_opus(count, marker)
    elif fmt == "aac":
        data = to_aac(count, marker)
    else:
        data = to_mp3(count, marker)
    return data, CONTENT_TYPES[fmt]


# ---------------------------------------------------------------- transcription
