"""``/v1/audio/transcriptions`` and ``/v1/audio/translations``: validation and replies.

An upload that carries the emulator's marker (see :mod:`._audio`) transcribes
to the text that was spoken; any other file to a fixed sentence chosen by a
hash of its bytes. Every reply format is produced (json, text, srt, vtt,
verbose_json with segments and words), and gpt-4o models stream
``transcript.text.delta`` events.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave
import zlib
from typing import Any, Dict, List, Mapping, Optional

from . import _errors as err
from ._audio_codecs import find_marker
from ._catalog import transcription_known
from ._records import UploadedFile
from ._wire import pieces, stable_hash

MAX_UPLOAD = 25 * 1024 * 1024
UPLOAD_FORMATS = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
TRANSCRIPT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
PLACEHOLDERS = (
    "Hello, world! This is a test.",
    "This is a test transcription.",
    "The quick brown fox jumps over the lazy dog.",
    "Thank you for calling. How can I help you today?",
)
LANGUAGES = {
    "af": "afrikaans",
    "am": "amharic",
    "ar": "arabic",
    "as": "assamese",
    "az": "azerbaijani",
    "ba": "bashkir",
    "be": "belarusian",
    "bg": "bulgarian",
    "bn": "bengali",
    "bo": "tibetan",
    "br": "breton",
    "bs": "bosnian",
    "ca": "catalan",
    "cs": "czech",
    "cy": "welsh",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fo": "faroese",
    "fr": "french",
    "gl": "galician",
    "gu": "gujarati",
    "ha": "hausa",
    "he": "hebrew",
    "hi": "hindi",
    "hr": "croatian",
    "ht": "haitian creole",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "is": "icelandic",
    "it": "italian",
    "ja": "japanese",
    "jw": "javanese",
    "ka": "georgian",
    "kk": "kazakh",
    "km": "khmer",
    "kn": "kannada",
    "ko": "korean",
    "la": "latin",
    "lb": "luxembourgish",
    "ln": "lingala",
    "lo": "lao",
    "lt": "lithuanian",
    "lv": "latvian",
    "mg": "malagasy",
    "mi": "maori",
    "mk": "macedonian",
    "ml": "malayalam",
    "mn": "mongolian",
    "mr": "marathi",
    "ms": "malay",
    "mt": "maltese",
    "my": "myanmar",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "nynorsk",
    "no": "norwegian",
    "oc": "occitan",
    "pa": "punjabi",
    "pl": "polish",
    "ps": "pashto",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sa": "sanskrit",
    "sd": "sindhi",
    "si": "sinhala",
    "sk": "slovak",
    "sl": "slovenian",
    "sn": "shona",
    "so": "somali",
    "sq": "albanian",
    "sr": "serbian",
    "su": "sundanese",
    "sv": "swedish",
    "sw": "swahili",
    "ta": "tamil",
    "te": "telugu",
    "tg": "tajik",
    "th": "thai",
    "tk": "turkmen",
    "tl": "tagalog",
    "tr": "turkish",
    "tt": "tatar",
    "uk": "ukrainian",
    "ur": "urdu",
    "uz": "uzbek",
    "vi": "vietnamese",
    "yi": "yiddish",
    "yo": "yoruba",
    "zh": "chinese",
}


class Upload:
    """What the transcription endpoints heard in an uploaded file."""

    def __init__(self, data: bytes) -> None:
        found = find_marker(data)
        if found is not None:
            self.text, self.duration = found
            return
        self.text = PLACEHOLDERS[
            stable_hash("transcript", repr(len(data)), _digest(data)) % len(PLACEHOLDERS)
        ]
        self.duration = _guess_duration(data)


def _digest(data: bytes) -> str:
    return format(zlib.crc32(data) & 0xFFFFFFFF, "08x")


def _guess_duration(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data), "rb") as audio:
            return round(audio.getnframes() / float(audio.getframerate() or 1), 2)
    except (wave.Error, EOFError, ValueError, struct.error):
        return round(max(0.5, len(data) / 16000.0), 2)  # as if 128 kbit/s


def _as_list(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def validate_transcription(form: Mapping[str, Any], translation: bool) -> None:
    """Multipart validation shared by transcriptions and translations."""
    upload = form.get("file")
    if not isinstance(upload, UploadedFile):
        raise err.missing_parameter("file")
    model = form.get("model")
    if model is None:
        raise err.missing_parameter("model")
    if (
        not isinstance(model, str)
        or not transcription_known(model)
        or (translation and model != "whisper-1")
    ):
        raise err.model_not_found(str(model))
    name = upload.filename or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and extension not in UPLOAD_FORMATS:
        raise err.ApiError(
            400,
            f"Invalid file format. Supported formats: {list(UPLOAD_FORMATS)}",
            param="file",
            code="invalid_value",
        )
    if len(upload.data) > MAX_UPLOAD:
        raise err.ApiError(
            413,
            f"Maximum content size limit ({MAX_UPLOAD}) exceeded ({len(upload.data)} bytes read)",
            param="file",
        )
    fmt = form.get("response_format", "json")
    allowed = TRANSCRIPT_FORMATS if model == "whisper-1" else ("json", "text")
    if fmt not in allowed:
        if fmt in TRANSCRIPT_FORMATS:
            raise err.ApiError(
                400,
                f"response_format '{fmt}' is not compatible with model '{model}'. "
                f"Use {' or '.join(repr(a) for a in allowed)}.",
                param="response_format",
                code="unsupported_value",
            )
        raise err.invalid_value("response_format", fmt, TRANSCRIPT_FORMATS)
    granularities = _as_list(form.get("timestamp_granularities[]")) + _as_list(
        form.get("timestamp_granularities")
    )
    for value in granularities:
        if value not in ("word", "segment"):
            raise err.invalid_value("timestamp_granularities[]", value, ("word", "segment"))
    if granularities and fmt != "verbose_json":
        raise err.ApiError(
            400,
            "timestamp_granularities is only supported when response_format is 'verbose_json'.",
            param="timestamp_granularities",
            code="invalid_value",
        )
    language = form.get("language")
    if language is not None and not translation and language not in LANGUAGES:
        raise err.ApiError(
            400,
            f"Invalid language '{language}'. Language parameter must be specified in "
            "ISO-639-1 format.",
            param="language",
            code="invalid_language_format",
            extra={"usage": {"type": "duration", "seconds": 0}},
        )
    temperature = form.get("temperature")
    if temperature is not None:
        try:
            number = float(temperature)
        except ValueError:
            raise err.invalid_type("temperature", "a number", temperature) from None
        if not 0.0 <= number <= 1.0:
            raise err.invalid_value("temperature", temperature, ("a number from 0 to 1",))


def _segments(text: str, duration: float, temperature: float) -> List[Dict[str, Any]]:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s] or [text]
    total_words = sum(max(1, len(s.split())) for s in sentences)
    segments = []
    start = 0.0
    for index, sentence in enumerate(sentences):
        end = start + duration * max(1, len(sentence.split())) / total_words
        tokens = [50364 + round(start / 0.02)]
        tokens += [1000 + stable_hash("token", p) % 49000 for p in pieces(" " + sentence)]
        tokens.append(50364 + round(end / 0.02))
        segments.append(
            {
                "id": index,
                "seek": 0,
                "start": round(start, 2),
                "end": round(end, 2),
                "text": " " + sentence,
                "tokens": tokens,
                "temperature": temperature,
                "avg_logprob": -0.25,
                "compression_ratio": 0.8,
                "no_speech_prob": 0.002,
            }
        )
        start = end
    return segments


def _words(text: str, duration: float) -> List[Dict[str, Any]]:
    words = [w for w in (re.sub(r"[^\w'\-]", "", raw) for raw in text.split()) if w]
    step = duration / max(1, len(words))
    return [
        {"word": word, "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
        for i, word in enumerate(words)
    ]


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3600000)
    minutes, millis = divmod(millis, 60000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def subtitles(text: str, duration: float, fmt: str) -> str:
    """SRT or WebVTT cues, one per sentence."""
    cues = []
    separator = "," if fmt == "srt" else "."
    for segment in _segments(text, duration, 0.0):
        span = (
            f"{_timestamp(segment['start'], separator)} --> {_timestamp(segment['end'], separator)}"
        )
        body = str(segment["text"]).strip()
        if fmt == "srt":
            cues.append(f"{segment['id'] + 1}\n{span}\n{body}\n")
        else:
            cues.append(f"{span}\n{body}\n")
    if fmt == "srt":
        return "\n".join(cues) + "\n"
    return "WEBVTT\n\n" + "\n".join(cues) + "\n"


def token_usage(text: str, duration: float) -> Dict[str, Any]:
    """``usage`` of the gpt-4o transcribe models (token based)."""
    audio_tokens = max(1, int(duration * 10))
    output = len(pieces(text))
    return {
        "type": "tokens",
        "input_tokens": audio_tokens,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
        "output_tokens": output,
        "total_tokens": audio_tokens + output,
    }


def transcript_reply(form: Mapping[str, Any], upload: Upload, translation: bool) -> Any:
    """The reply to a validated request: a dict for the JSON formats, a str for text/srt/vtt."""
    model = str(form.get("model"))
    fmt = str(form.get("response_format", "json"))
    text = upload.text
    duration = upload.duration
    whisper = model == "whisper-1"
    usage: Optional[Dict[str, Any]] = None
    if not translation:
        usage = (
            {"type": "duration", "seconds": math.ceil(duration)}
            if whisper
            else token_usage(text, duration)
        )
    if fmt == "text":
        return text + "\n"
    if fmt in ("srt", "vtt"):
        return subtitles(text, duration, fmt)
    if fmt == "verbose_json":
        language = (
            "english"
            if translation
            else LANGUAGES.get(str(form.get("language") or "en"), "english")
        )
        temperature = float(form.get("temperature") or 0.0)
        body: Dict[str, Any] = {
            "task": "translate" if translation else "transcribe",
            "language": language,
            "duration": duration,
            "text": text,
        }
        granularities = _as_list(form.get("timestamp_granularities[]")) + _as_list(
            form.get("timestamp_granularities")
        )
        if not granularities or "segment" in granularities:
            body["segments"] = _segments(text, duration, temperature)
        if "word" in granularities:
            body["words"] = _words(text, duration)
        if usage is not None:
            body["usage"] = usage
        return body
    result: Dict[str, Any] = {"text": text}
    if usage is not None:
        result["usage"] = usage
    return result


def stream_events(upload: Upload) -> List[Dict[str, Any]]:
    """The SSE events of a streamed gpt-4o transcription (without ``[DONE]``)."""
    events: List[Dict[str, Any]] = [
        {"type": "transcript.text.delta", "delta": piece} for piece in pieces(upload.text)
    ]
    usage = token_usage(upload.text, upload.duration)
    ordered = {
        "type": "tokens",
        "total_tokens": usage["total_tokens"],
        "input_tokens": usage["input_tokens"],
        "input_token_details": usage["input_token_details"],
        "output_tokens": usage["output_tokens"],
    }
    events.append({"type": "transcript.text.done", "text": upload.text, "usage": ordered})
    return events


def crlf_event(data: bytes) -> bytes:
    """One transcription stream event as recorded: ``data: <payload>`` and CRLF CRLF."""
    return b"data: " + data + b"\r\n\r\n"
