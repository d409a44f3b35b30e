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

import base64
import binascii
import io
import math
import re
import struct
import sys
import wave
import zlib
from array import array
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _errors as err
from ._catalog import transcription_known, tts_known
from ._records import UploadedFile
from ._wire import pieces, stable_hash

SAMPLE_RATE = 24000
WORD_SECONDS = 0.4
MAX_SECONDS = 30.0
MAX_INPUT = 4096
MAX_UPLOAD = 25 * 1024 * 1024
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

_MARKER_RE = re.compile(rb"OAIEMU1:(\d{1,9}):([A-Za-z0-9_=-]*):([0-9a-f]{8});")
_ID3_OWNER = b"openai-accel-emulator"


# ---------------------------------------------------------------- the marker


def make_marker(text: str, duration: float) -> bytes:
    data = text.encode("utf-8")
    encoded = base64.urlsafe_b64encode(data)
    crc = format(zlib.crc32(data) & 0xFFFFFFFF, "08x").encode("ascii")
    return b"OAIEMU1:%d:%s:%s;" % (round(duration * 1000), encoded, crc)


def find_marker(data: bytes) -> Optional[Tuple[str, float]]:
    """The (text, duration) an emulator-made audio file carries, if it carries one."""
    for match in _MARKER_RE.finditer(data):
        try:
            raw = base64.urlsafe_b64decode(match.group(2))
        except (binascii.Error, ValueError):
            continue
        if format(zlib.crc32(raw) & 0xFFFFFFFF, "08x").encode("ascii") != match.group(3):
            continue
        try:
            return raw.decode("utf-8"), int(match.group(1)) / 1000.0
        except UnicodeDecodeError:
            continue
    return None


# ---------------------------------------------------------------- samples


def speech_duration(text: str, speed: float) -> float:
    words = max(1, len(text.split()))
    return min(MAX_SECONDS, max(0.5, words * WORD_SECONDS / speed))


@lru_cache(maxsize=128)
def _period(length: int) -> array[int]:
    amplitude = 6000
    return array("h", (int(amplitude * math.sin(2 * math.pi * k / length)) for k in range(length)))


def speech_samples(text: str, duration: float, marker: bytes) -> array[int]:
    """Marker bytes as the first samples, then a tone per word (then silence) to length."""
    total = int(duration * SAMPLE_RATE)
    padded = marker + b" " * (len(marker) % 2)
    head = array("h")
    head.frombytes(padded)
    if sys.byteorder != "little":
        head.byteswap()  # so that the bytes on the wire are the marker's bytes
    samples = array("h", head)
    words = text.split() or [text]
    per_word = max(1, (total - len(samples)) // len(words))
    tone = int(per_word * 0.8)
    silence = array("h", [0]) * (per_word - tone)
    for word in words:
        period = _period(40 + stable_hash("tone", word) % 80)  # 200 to 600 Hz
        repeats = tone // len(period) + 1
        samples.extend((period * repeats)[:tone])
        samples.extend(silence)
    if len(samples) < total:
        samples.extend(array("h", [0]) * (total - len(samples)))
    return samples


def _little_endian(samples: array[int]) -> bytes:
    if sys.byteorder == "little":
        return samples.tobytes()
    swapped = array("h", samples)
    swapped.byteswap()
    return swapped.tobytes()


def to_wav(samples: array[int]) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(_little_endian(samples))
    return buffer.getvalue()


# ---------------------------------------------------------------- containers


def _syncsafe(value: int) -> bytes:
    return bytes(((value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F))


def _id3(marker: bytes) -> bytes:
    payload = b"\x00" + _ID3_OWNER + b"\x00" + marker
    frame = b"TXXX" + struct.pack(">I", len(payload)) + b"\x00\x00" + payload
    return b"ID3\x03\x00\x00" + _syncsafe(len(frame)) + frame


def to_mp3(sample_count: int, marker: bytes) -> bytes:
    # MPEG-2 Layer III, 64 kbit/s, 24 kHz, mono: 576 samples in 192 bytes; zero side info
    # and main data decode as silence.
    frame = b"\xff\xf3\x84\xc0" + bytes(188)
    return _id3(marker) + frame * max(1, math.ceil(sample_count / 576))


def to_aac(sample_count: int, marker: bytes) -> bytes:
    # ADTS AAC-LC, 24 kHz, mono; each raw block is one silent SCE (zero max_sfb) + END.
    raw = b"\x00\x00\x00\x07"
    length = 7 + len(raw)
    bits = (0xFFF << 44) | (0 << 43) | (0 << 41) | (1 << 40) | (1 << 38) | (6 << 34)
    bits |= (1 << 30) | (length << 13) | (0x7FF << 2)
    frame = bits.to_bytes(7, "big") + raw
    return _id3(marker) + frame * max(1, math.ceil(sample_count / 1024))


def _crc_table(poly: int, width: int) -> List[int]:
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return table


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)
_CRC32_OGG = _crc_table(0x04C11DB7, 32)


def _crc(data: bytes, table: List[int], width: int) -> int:
    crc = 0
    shift = width - 8
    mask = (1 << width) - 1
    for byte in data:
        crc = ((crc << 8) & mask) ^ table[((crc >> shift) & 0xFF) ^ byte]
    return crc


def _utf8_number(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))
    size = 2
    while value >= 1 << (5 * size + 1):
        size += 1
    out = []
    for _ in range(size - 1):
        out.append(0x80 | (value & 0x3F))
        value >>= 6
    lead = ((0xFF00 >> size) & 0xFF) | value
    return bytes([lead, *out[::-1]])


def to_flac(sample_count: int, marker: bytes) -> bytes:
    block = 4096
    info = struct.pack(">HH", block, block) + bytes(6)
    info += ((SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | sample_count).to_bytes(8, "big")
    info += bytes(16)  # MD5 unknown
    vendor = b"openai-accel emulator"
    comment = b"OPENAI_ACCEL_EMULATOR=" + marker
    comments = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
    comments += struct.pack("<I", len(comment)) + comment
    out = [b"fLaC", b"\x00" + len(info).to_bytes(3, "big") + info]
    out.append(b"\x84" + len(comments).to_bytes(3, "big") + comments)
    frames = max(1, math.ceil(sample_count / block))
    for number in range(frames):
        size = min(block, sample_count - number * block) if sample_count else block
        header = b"\xff\xf8\x77\x08" + _utf8_number(number) + struct.pack(">H", size - 1)
        header += bytes((_crc(header, _CRC8, 8),))
        frame = header + b"\x00\x00\x00"  # CONSTANT subframe, value 0
        out.append(frame + struct.pack(">H", _crc(frame, _CRC16, 16)))
    return b"".join(out)


def _ogg_page(kind: int, granule: int, sequence: int, packets: List[bytes]) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing.extend(b"\xff" * (len(packet) // 255))
        lacing.append(len(packet) % 255)
    header = b"OggS\x00" + bytes((kind,)) + struct.pack("<qII", granule, 0x4F414945, sequence)
    page = header + b"\x00\x00\x00\x00" + bytes((len(lacing),)) + bytes(lacing)
    page += b"".join(packets)
    checksum = _crc(page, _CRC32_OGG, 32)
    return page[:22] + struct.pack("<I", checksum) + page[26:]


def to_opus(sample_count: int, marker: bytes) -> bytes:
    pre_skip = 312
    head = b"OpusHead\x01\x01" + struct.pack("<HIhB", pre_skip, SAMPLE_RATE, 0, 0)
    vendor = b"openai-accel emulator"
    comment = b"OPENAI_ACCEL_EMULATOR=" + marker
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
    tags += struct.pack("<I", len(comment)) + comment
    pages = [_ogg_page(0x02, 0, 0, [head]), _ogg_page(0x00, 0, 1, [tags])]
    packets = max(1, math.ceil(sample_count / (SAMPLE_RATE // 50)))
    silent = b"\xf8"  # CELT-only 20 ms frame of length 0: decodes as silence
    sequence = 2
    done = 0
    while done < packets:
        batch = min(255, packets - done)
        done += batch
        kind = 0x04 if done == packets else 0x00
        granule = pre_skip + done * 960
        pages.append(_ogg_page(kind, granule, sequence, [silent] * batch))
        sequence += 1
    return b"".join(pages)


# ---------------------------------------------------------------- speech


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
