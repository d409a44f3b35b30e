"""Audio: text-to-speech (whole, streamed, or to a file), transcription, translation.

Speech options are checked locally because the API's limits are fixed and
well known (speed 0.25-4.0, 4096 characters, a closed set of voices and
formats): a typo should fail at once with the list of valid values, not after
a round trip. Uploads use the streaming multipart encoder, so a recording is
read from disk in pieces and re-read from the start for every retry.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import secrets
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.endpoints import ENDPOINTS, Endpoint
from .._core.multipart import AudioInput, FilePart, MultipartBody, audio_source
from .._core.pipeline import (
    Exchange,
    call_json,
    call_raw,
    finish_error,
    finish_ok,
    open_exchange,
    read_stream,
)
from .._core.request import ApiCall, CallOptions, split_options
from ..errors import BadRequestError, InvalidResponseError, StreamError
from ..models._base import structure
from ..models._result import AudioBytes, ResultStr
from ..models.audio import Transcription, Translation
from ..models.misc import check_usage
from ..types import AudioFormat, TranscriptionFormat, Voice

__all__ = [
    "MAX_SPEECH_INPUT",
    "speech_to_file",
    "speech_to_text",
    "stream_speech",
    "text_to_speech",
    "translate_audio",
]

DEFAULT_TTS_MODEL = "tts-1"
DEFAULT_STT_MODEL = "whisper-1"
#: The speech endpoint's input limit, in characters.
MAX_SPEECH_INPUT = 4096
MIN_SPEED, MAX_SPEED = 0.25, 4.0
#: Reply formats that come back as plain text rather than JSON.
TEXT_FORMATS = frozenset({"text", "srt", "vtt"})
_GRANULARITIES = ("word", "segment")

E = TypeVar("E", bound=enum.Enum)
R = TypeVar("R")


def _choice(value: Any, enum_type: Type[E], param: str) -> str:
    """The wire value of an enum member, or of a string naming one (any case)."""
    if isinstance(value, enum_type):
        return str(value.value)
    if isinstance(value, str):
        wanted = value.strip().lower()
        for member in enum_type:
            if member.value == wanted:
                return str(member.value)
    valid = ", ".join(str(member.value) for member in enum_type)
    raise BadRequestError(f"{param} must be one of {valid}; got {value!r:.80}", param=param)


# --------------------------------------------------------------------------
# Text to speech
# --------------------------------------------------------------------------


def speech_body(
    text: Any,
    voice: Any,
    model: Any,
    response_format: Any,
    speed: Any,
    extra: Dict[str, Any],
) -> Dict[str, Any]:
    """The speech request body; BadRequestError (with ``param``) for anything invalid."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequestError("text to speak must be a non-empty string", param="input")
    if len(text) > MAX_SPEECH_INPUT:
        raise BadRequestError(
            f"text to speak is {len(text)} characters; the limit is {MAX_SPEECH_INPUT}",
            param="input",
        )
    if not isinstance(model, str) or not model:
        raise BadRequestError(f"model must be a non-empty string, got {model!r}", param="model")
    if (
        isinstance(speed, bool)
        or not isinstance(speed, (int, float))
        or not MIN_SPEED <= speed <= MAX_SPEED
    ):
        raise BadRequestError(
            f"speed must be a number from {MIN_SPEED} to {MAX_SPEED}, got {speed!r}",
            param="speed",
        )
    body: Dict[str, Any] = {
        "model": model,
        "input": text,
        "voice": _choice(voice, Voice, "voice"),
        "response_format": _choice(response_format, AudioFormat, "response_format"),
    }
    if speed != 1.0:  # the default: not sent, so models without speed control accept it
        body["speed"] = float(speed)
    body.update(extra)
    return body


def _speech_call(
    endpoint: str,
    text: str,
    voice: Union[Voice, str],
    model: str,
    response_format: Union[AudioFormat, str],
    speed: float,
    extra: Dict[str, Any],
) -> ApiCall:
    options, body_extra = split_options(extra)
    body = speech_body(text, voice, model, response_format, speed, body_extra)
    return ApiCall(ENDPOINTS[endpoint], options, json=body, model=model)


def _audio_bytes(exchange: Exchange) -> bytes:
    content = exchange.response.content
    if not content:
        raise InvalidResponseError(
            "the speech endpoint returned no audio",
            status_code=exchange.response.status,
            request_id=exchange.request_id,
        )
    return AudioBytes(content, exchange.response.headers)


def text_to_speech(
    ctx: ClientCore,
    /,
    text: str,
    voice: Union[Voice, str] = Voice.ALLOY,
    *,
    model: str = DEFAULT_TTS_MODEL,
    response_format: Union[AudioFormat, str] = AudioFormat.MP3,
    speed: float = 1.0,
    **extra: Any,
) -> Flow[bytes]:
    """Speak ``text``; returns the whole audio file as bytes.

    ``voice`` and ``response_format`` take the enums or their string values
    (any case). Raises ``BadRequestError`` before sending for empty text,
    text over 4096 characters (``param="input"``), ``speed`` outside
    0.25-4.0, or an unknown voice or format (the message lists the valid
    ones). For long audio, ``stream_speech`` / ``speech_to_file`` avoid
    holding it all in memory. Other keyword arguments go into the JSON body
    (``instructions`` for gpt-4o-mini-tts, ...).
    """
    call = _speech_call("tts", text, voice, model, response_format, speed, extra)
    return (yield from call_raw(ctx, call, _audio_bytes))


def _pieces(buffer: bytearray, chunk_size: int) -> List[bytes]:
    """Cut whole ``chunk_size`` pieces off the front of ``buffer``."""
    whole = len(buffer) - len(buffer) % chunk_size
    pieces = [bytes(buffer[start : start + chunk_size]) for start in range(0, whole, chunk_size)]
    del buffer[:whole]
    return pieces


def _check_length(exchange: Exchange, received: int) -> None:
    """A body shorter than its Content-Length was cut off: never hand out truncated audio."""
    headers = exchange.response.headers
    declared = headers.get("content-length")
    if declared is None or headers.get("content-encoding") not in (None, "identity"):
        return  # chunked, or compressed (the header counts compressed bytes)
    if declared.isdigit() and int(declared) != received:
        raise StreamError(
            f"the audio stream ended after {received} of {declared} bytes",
            request_id=exchange.request_id,
        )


def _pump_speech(
    ctx: ClientCore,
    call: ApiCall,
    write: Optional[Callable[[bytes], Any]],
    chunk_size: Optional[int],
) -> Flow[int]:
    """Read the streamed audio, handing each piece to ``write`` or emitting it.

    Returns the number of audio bytes. Holds one network chunk at a time (at
    most ``chunk_size`` more when re-chunking), never the whole audio.
    """
    exchange = yield from open_exchange(ctx, call)
    stream = exchange.response.stream
    received = 0
    buffer = bytearray()
    try:
        while True:
            data = yield from read_stream(stream)
            if not data:
                break
            if not received:
                ctx.recorder.first_token(exchange.metrics)  # time to first audio
            received += len(data)
            if write is not None:
                write(data)
            elif chunk_size is None:
                yield from emit(data)
            else:
                buffer += data
                for piece in _pieces(buffer, chunk_size):
                    yield from emit(piece)
        _check_length(exchange, received)
        if not received:
            raise InvalidResponseError(
                "the speech endpoint returned no audio", request_id=exchange.request_id
            )
        if buffer:
            yield from emit(bytes(buffer))
    except GeneratorExit:
        error = StreamError("closed by the caller before the end")
        finish_error(ctx, exchange, error, response_size=received)
        raise
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=received)
        raise
    finally:
        exchange.close()
    finish_ok(ctx, exchange, response_size=received)
    return received


def stream_speech(
    ctx: ClientCore,
    /,
    text: str,
    voice: Union[Voice, str] = Voice.ALLOY,
    *,
    model: str = DEFAULT_TTS_MODEL,
    response_format: Union[AudioFormat, str] = AudioFormat.MP3,
    speed: float = 1.0,
    chunk_size: Optional[int] = None,
    **extra: Any,
) -> Flow[int]:
    """Speak ``text`` as a stream: iterate for ``bytes`` chunks as they arrive.

    Playback can start with the first chunk and the whole audio is never held
    in memory. ``chunk_size`` re-cuts the chunks to that exact size (the last
    one may be shorter), handy for players that want fixed frames; ``None``
    passes them on as the network delivers them. ``final()`` is the total
    number of bytes. A body cut short raises ``StreamError``; close the stream
    (or use it as a context manager) to stop early. Options and validation
    are those of ``text_to_speech``.
    """
    if chunk_size is not None and (
        not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1
    ):
        raise BadRequestError(
            f"chunk_size must be a positive integer or None, got {chunk_size!r}",
            param="chunk_size",
        )
    call = _speech_call("tts_stream", text, voice, model, response_format, speed, extra)
    return (yield from _pump_speech(ctx, call, None, chunk_size))


def _open_partial(target: str) -> Tuple[str, IO[bytes]]:
    """A new file beside ``target`` to write into; renamed over it only on success.

    ``open(..., "xb")`` rather than ``tempfile.mkstemp``: the final file should
    get the usual permissions (umask), not mkstemp's owner-only 0600.
    """
    directory, name = os.path.split(os.path.abspath(target))
    for _ in range(100):
        partial = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.part")
        try:
            return partial, open(partial, "xb")
        except FileExistsError:
            continue
        except OSError as exc:
            raise BadRequestError(f"cannot write to {target}: {exc}", param="path") from exc
    raise BadRequestError(f"cannot create a temporary file beside {target}", param="path")


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def speech_to_file(
    ctx: ClientCore,
    /,
    path: Union[str, os.PathLike[str]],
    text: str,
    voice: Union[Voice, str] = Voice.ALLOY,
    *,
    model: str = DEFAULT_TTS_MODEL,
    response_format: Union[AudioFormat, str] = AudioFormat.MP3,
    speed: float = 1.0,
    **extra: Any,
) -> Flow[int]:
    """Speak ``text`` into the file ``path``, writing chunks as they arrive.

    Returns the number of bytes written. The audio goes to a temporary file
    in the same directory, renamed to ``path`` only once complete, so a
    failure (or cancellation) leaves no partial file and never clobbers an
    existing ``path`` with a broken one. An unwritable directory raises
    ``BadRequestError`` (``param="path"``) before the request is sent.
    Options and validation are those of ``text_to_speech``.
    """
    target = os.fspath(path)
    if not isinstance(target, str):
        target = os.fsdecode(target)
    call = _speech_call("tts_stream", text, voice, model, response_format, speed, extra)
    partial, handle = _open_partial(target)
    try:
        with handle:
            written = yield from _pump_speech(ctx, call, handle.write, None)
        os.replace(partial, target)
    except BaseException:
        _remove_quietly(partial)
        raise
    return written


# --------------------------------------------------------------------------
# Speech to text
# --------------------------------------------------------------------------


class _DefaultFormat(str):
    """The default transcription format: JSON, unless timestamps need verbose_json.

    A distinct object so the flow can tell "left at the default" (upgrade
    silently) from an explicit choice (refuse loudly); it prints like the
    documented default.
    """

    def __repr__(self) -> str:
        return "TranscriptionFormat.JSON"


_DEFAULT_FORMAT: Any = _DefaultFormat(TranscriptionFormat.JSON.value)


def _form_value(name: str, value: Any) -> List[Tuple[str, str]]:
    """Multipart fields for one parameter: arrays repeat ``name[]``, objects are JSON."""
    if value is None:
        return []
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    if isinstance(value, (str, int, float)):
        return [(name, str(value))]
    if isinstance(value, (list, tuple)):
        key = name if name.endswith("[]") else name + "[]"
        fields: List[Tuple[str, str]] = []
        for item in value:
            fields.extend(_form_value(key, item))
        return fields
    return [(name, json.dumps(value, separators=(",", ":")))]


def _granularities(value: Any) -> List[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items:
        raise BadRequestError(
            "timestamp_granularities must be 'word', 'segment' or a list of them",
            param="timestamp_granularities",
        )
    result = []
    for item in items:
        name = item.value if isinstance(item, enum.Enum) else item
        if name not in _GRANULARITIES:
            raise BadRequestError(
                f"timestamp_granularities items must be 'word' or 'segment', got {item!r:.40}",
                param="timestamp_granularities",
            )
        result.append(name)
    return result


def _check_temperature(temperature: Any) -> None:
    if temperature is None:
        return
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not 0 <= temperature <= 1
    ):
        raise BadRequestError(
            f"temperature must be a number from 0 to 1, got {temperature!r}",
            param="temperature",
        )


def _check_text(value: Any, param: str) -> None:
    if value is not None and not isinstance(value, str):
        raise BadRequestError(f"{param} must be a string, not {type(value).__name__}", param=param)


def _audio_call(
    ctx: ClientCore,
    endpoint: Endpoint,
    audio: AudioInput,
    filename: Optional[str],
    fields: List[Tuple[str, str]],
    options: CallOptions,
    model: str,
    parse: Callable[[Any, Exchange], R],
    text_reply: bool,
) -> Flow[Union[R, str]]:
    """Upload ``audio`` with ``fields``; the reply as text, or parsed from JSON.

    The file is wrapped (and checked) last, after every other argument, and
    released when the call is over, so a bad option never opens the file.
    """
    if filename is not None and (not isinstance(filename, str) or not filename):
        raise BadRequestError(
            f"filename must be a non-empty string, got {filename!r}", param="file"
        )
    try:
        source = audio_source(audio, filename)
    except TypeError as exc:  # not bytes, a path or a file object
        raise BadRequestError(str(exc), param="file") from exc
    body = MultipartBody(fields, [FilePart.from_source("file", source)])
    call = ApiCall(endpoint, options, multipart=body, model=model)
    try:
        if text_reply:
            return (yield from call_raw(ctx, call, _reply_text))
        return (yield from call_json(ctx, call, parse))
    finally:
        body.close()


def _reply_text(exchange: Exchange) -> str:
    try:
        return ResultStr(exchange.response.content.decode("utf-8"), exchange.response.headers)
    except UnicodeDecodeError as exc:
        raise InvalidResponseError(
            f"the transcript is not UTF-8 text: {exc}", request_id=exchange.request_id
        ) from exc


def _parse_transcription(data: Any, exchange: Exchange) -> Transcription:
    transcription = structure(
        data, Transcription, request_id=exchange.request_id, headers=exchange.response.headers
    )
    check_usage(data, request_id=exchange.request_id)
    return transcription


def _parse_translation(data: Any, exchange: Exchange) -> Translation:
    return structure(
        data, Translation, request_id=exchange.request_id, headers=exchange.response.headers
    )


def _common_fields(
    model: Any, prompt: Any, response_format: Optional[str], temperature: Any
) -> List[Tuple[str, str]]:
    if not isinstance(model, str) or not model:
        raise BadRequestError(f"model must be a non-empty string, got {model!r}", param="model")
    _check_text(prompt, "prompt")
    _check_temperature(temperature)
    fields = [("model", model)]
    fields += _form_value("prompt", prompt)
    fields += _form_value("response_format", response_format)
    fields += _form_value("temperature", temperature)
    return fields


def _extra_fields(body_extra: Dict[str, Any]) -> List[Tuple[str, str]]:
    fields: List[Tuple[str, str]] = []
    for name, value in body_extra.items():
        fields += _form_value(name, value)
    return fields


def speech_to_text(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STT_MODEL,
    language: Optional[str] = None,
    prompt: Optional[str] = None,
    response_format: Union[TranscriptionFormat, str] = _DEFAULT_FORMAT,
    timestamp_granularities: Optional[Sequence[str]] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Union[Transcription, str]]:
    """Transcribe audio: a ``Transcription``, or a plain ``str`` for text/srt/vtt.

    ``audio`` is bytes, a path or a binary file object; files are streamed
    from disk, never loaded whole, and re-read for each retry. The file name
    (from the path, the object's ``.name`` or ``filename=``) tells the server
    the format; bytes without a name are sniffed. ``verbose_json`` fills
    ``.segments`` and, with ``timestamp_granularities=["word"]``, ``.words``.
    Timestamps need verbose_json: it is chosen when ``response_format`` is
    left at its default, and any other explicit format is a
    ``BadRequestError``. Text formats are returned exactly as the server sent
    them (``text`` ends with a newline). Other keyword arguments become form
    fields (lists as repeated ``name[]`` fields).
    """
    _check_text(language, "language")
    granularities = (
        None if timestamp_granularities is None else _granularities(timestamp_granularities)
    )
    fmt = _choice(response_format, TranscriptionFormat, "response_format")
    if granularities:
        if response_format is _DEFAULT_FORMAT:
            fmt = TranscriptionFormat.VERBOSE_JSON.value
        elif fmt != TranscriptionFormat.VERBOSE_JSON.value:
            raise BadRequestError(
                f"timestamp_granularities need response_format='verbose_json', not {fmt!r}",
                param="response_format",
            )
    options, body_extra = split_options(extra)
    fields = _common_fields(model, prompt, fmt, temperature)
    fields += _form_value("language", language)
    fields += _form_value("timestamp_granularities[]", granularities)
    fields += _extra_fields(body_extra)
    endpoint = ENDPOINTS["stt"]
    text_reply = fmt in TEXT_FORMATS
    return (
        yield from _audio_call(
            ctx, endpoint, audio, filename, fields, options, model, _parse_transcription, text_reply
        )
    )


def translate_audio(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STT_MODEL,
    prompt: Optional[str] = None,
    response_format: Union[TranscriptionFormat, str, None] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Union[Translation, str]]:
    """Translate speech into English text: a ``Translation``, or ``str`` for text/srt/vtt.

    ``audio`` is accepted as for ``speech_to_text``. ``response_format=None``
    lets the server use its default (JSON). ``verbose_json`` adds
    ``.language``, ``.duration`` and ``.segments``.
    """
    fmt = (
        None
        if response_format is None
        else _choice(response_format, TranscriptionFormat, "response_format")
    )
    options, body_extra = split_options(extra)
    fields = _common_fields(model, prompt, fmt, temperature)
    fields += _extra_fields(body_extra)
    text_reply = fmt in TEXT_FORMATS
    return (
        yield from _audio_call(
            ctx,
            ENDPOINTS["translation"],
            audio,
            filename,
            fields,
            options,
            model,
            _parse_translation,
            text_reply,
        )
    )
