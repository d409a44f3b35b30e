"""Text to speech: whole, streamed, or into a file.

Options are checked locally (speed 0.25-4.0, 4096 characters, a closed set of
voices and formats) so that a typo fails at once, before any round trip.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Tuple,
    Union,
)

from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.endpoints import ENDPOINTS
from .._core.pipeline import (
    Exchange,
    call_raw,
    finish_error,
    finish_ok,
    open_exchange,
    read_stream,
)
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError, InvalidResponseError, StreamError
from ..models._result import AudioBytes
from ..types import AudioFormat, Voice
from .audio_common import choice as _choice

__all__ = ["MAX_SPEECH_INPUT", "speech_to_file", "stream_speech", "text_to_speech"]

DEFAULT_TTS_MODEL = "tts-1"
#: The speech endpoint's input limit, in characters.
MAX_SPEECH_INPUT = 4096
MIN_SPEED, MAX_SPEED = 0.25, 4.0


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


#: The format a file's extension promises (what players and tools will assume).
_EXTENSION_FORMATS = {
    ".mp3": "mp3",
    ".wav": "wav",
    ".opus": "opus",
    ".ogg": "opus",
    ".aac": "aac",
    ".flac": "flac",
    ".pcm": "pcm",
}


def _format_for(target: str, response_format: Union[AudioFormat, str, None]) -> str:
    """The audio format to ask for, so the file's content matches its name."""
    implied = _EXTENSION_FORMATS.get(os.path.splitext(target)[1].lower())
    if response_format is None:
        return implied or AudioFormat.MP3.value
    fmt = _choice(response_format, AudioFormat, "response_format")
    if implied is not None and fmt != implied:
        raise BadRequestError(
            f"response_format={fmt!r} would write {fmt} audio into {os.path.basename(target)!r}, "
            f"whose extension says {implied}; pass response_format={implied!r} or rename the file",
            param="response_format",
        )
    return fmt


def speech_to_file(
    ctx: ClientCore,
    /,
    path: Union[str, os.PathLike[str]],
    text: str,
    voice: Union[Voice, str] = Voice.ALLOY,
    *,
    model: str = DEFAULT_TTS_MODEL,
    response_format: Union[AudioFormat, str, None] = None,
    speed: float = 1.0,
    **extra: Any,
) -> Flow[int]:
    """Speak ``text`` into the file ``path``, writing chunks as they arrive.

    Returns the number of bytes written. The audio goes to a temporary file
    in the same directory, renamed to ``path`` only once complete, so a
    failure (or cancellation) leaves no partial file and never clobbers an
    existing ``path`` with a broken one. An unwritable directory raises
    ``BadRequestError`` (``param="path"``) before the request is sent.
    Without ``response_format`` the format follows the file's extension
    (``.wav`` -> wav, ``.opus``/``.ogg`` -> opus, ...; mp3 otherwise); a
    format that contradicts a known extension (mp3 bytes into ``out.wav``)
    is a ``BadRequestError`` before anything is sent. Options and validation
    are those of ``text_to_speech``.
    """
    target = os.fspath(path)
    if not isinstance(target, str):
        target = os.fsdecode(target)
    fmt = _format_for(target, response_format)
    call = _speech_call("tts_stream", text, voice, model, fmt, speed, extra)
    partial, handle = _open_partial(target)
    try:
        with handle:
            written = yield from _pump_speech(ctx, call, handle.write, None)
        os.replace(partial, target)
    except BaseException:
        _remove_quietly(partial)
        raise
    return written
